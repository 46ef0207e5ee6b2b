/**
 * The run's random streams, all derived from the one `seed` of the config: `init` (weight
 * initialisers), `data` (shuffling) and `noise` (LRT noise, dropout). Each is a seedrandom
 * generator whose state is saved in checkpoints, so a resumed run draws the same numbers.
 */
import seedrandom from 'seedrandom';

/** Names of the streams. */
export type StreamName = 'init' | 'data' | 'noise';
const STREAMS: StreamName[] = ['init', 'data', 'noise'];

/** One stream's saved generator state (JSON-serialisable: the ARC4 pointers and its 256-byte table). */
export type StreamState = seedrandom.State.Arc4;
/** Saved generator states, one per stream. */
export type RngState = Record<StreamName, StreamState>;
type Prng = seedrandom.StatefulPRNG<seedrandom.State.Arc4>;

/** One seeded stream. */
export class RandomStream {
  constructor(private readonly prng: Prng) {}

  /** A stream continuing exactly from `state` (a copy: the saved state is not changed). */
  static fromState(state: StreamState): RandomStream {
    return new RandomStream(seedrandom('', { state: copyState(state) }));
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** A fresh seed for a tfjs random op (a positive 31-bit integer). */
  nextSeed(): number {
    return (this.prng.int32() >>> 1) || 1;
  }

  /** Fisher-Yates shuffle of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** The generator's state now (a copy). */
  state(): StreamState {
    return this.prng.state();
  }
}

/** The three streams of a run. */
export class RunRandom {
  readonly streams: Record<StreamName, RandomStream>;

  private constructor(make: (name: StreamName) => Prng) {
    this.streams = Object.fromEntries(STREAMS.map((name) => [name, new RandomStream(make(name))])) as Record<StreamName, RandomStream>;
  }

  /** Fresh streams for `seed`. */
  static fromSeed(seed: number): RunRandom {
    return new RunRandom((name) => seedrandom(`svd:${seed}:${name}`, { state: true }));
  }

  /** Streams continuing from a saved state. */
  static fromState(state: RngState): RunRandom {
    return new RunRandom((name) => seedrandom('', { state: copyState(state[name]) }));
  }

  get init(): RandomStream {
    return this.streams.init;
  }
  get data(): RandomStream {
    return this.streams.data;
  }
  get noise(): RandomStream {
    return this.streams.noise;
  }

  state(): RngState {
    return Object.fromEntries(STREAMS.map((name) => [name, this.streams[name].state()])) as RngState;
  }
}

/** A deep copy of a stream state (seedrandom copies it too, but callers keep theirs untouched either way). */
function copyState(state: StreamState): StreamState {
  return { i: state.i, j: state.j, S: [...state.S] };
}
