/**
 * The run's random streams, all derived from the one `seed` of the config: `init` (weight
 * initialisers), `data` (shuffling) and `noise` (LRT noise, dropout). Each is a seedrandom
 * generator whose state is saved in checkpoints, so a resumed run draws the same numbers.
 */
import seedrandom from 'seedrandom';

/** Names of the streams. */
export type StreamName = 'init' | 'data' | 'noise';
const STREAMS: StreamName[] = ['init', 'data', 'noise'];

/** Saved generator states, one per stream (JSON-serialisable). */
export type RngState = Record<StreamName, seedrandom.State.Arc4>;
type Prng = seedrandom.StatefulPRNG<seedrandom.State.Arc4>;

/** One seeded stream. */
export class RandomStream {
  constructor(private readonly prng: Prng) {}

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

  state(): seedrandom.State.Arc4 {
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
    return new RunRandom((name) => seedrandom('', { state: state[name] }));
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
