/**
 * `npm run bench`: times full Sparse VD training steps (the trainer's own step, from the
 * experiment builder's buildTrainStep: forward with noise, KL, backward, Adam, on
 * `training.workers` threads) and evaluation throughput, for LeNet-300-100, LeNet-5-Caffe and a
 * VGG-like (k = 0.25), on every registered backend that loads (a last-resort backend, the pure-JS
 * cpu one, only when --backends names it). Models come from the shipped configs, so the benchmark
 * measures what users run. Prints one JSON line per model and backend, then a table; with
 * `--torch` it also runs ../shared/bench/torch_ref.py in the same sitting and prints the ratios.
 * Each line also has the step's arithmetic (flops.ts) as achieved GFLOP/s, and its fraction of
 * the backend's peak (peak.ts: one thread's large matrix product, times the step's threads).
 *
 * Options: --models lenet300,lenet5,vgg,vgg-full (vgg-full: k = 1 in micro-batches of 25; not by default)
 *          --backends wasm,webgpu,tensorflow,cpu (default: every registered one that loads but the
 *          last resorts, webgpu only on a hardware adapter)  --steps N  --warmup N
 *          --seconds S (cap on timed seconds per model/backend)  --torch
 *          --workers 1,2 (training.workers values to time; default: the shipped config's own value)
 *          --eval-samples N (images evaluated per model, default 2000, at least 400)
 *          --set path=value (repeatable: a config override for every model, after the model's own,
 *          e.g. --set model.width=0.125, or --set training.microBatch=null for vgg-full's batch
 *          of 100 at once; the JSON lines then carry `sets`)
 *          --rounds R (repeat everything R times, PyTorch first in each round; the table shows
 *          medians, and each round's ratio is printed: on a shared machine one short window
 *          can be 20% off)
 * With more than one worker, each JSON line also has `breakdown`: the main thread's mean ms per
 * step in its own part of the batch, waiting for the workers, and applying the update, and the
 * slowest worker's ms for its part (where a two-thread step loses against two single ones).
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../src/experiment/load-config.js';
import { buildModel, buildOptimizer, buildTrainStep } from '../src/experiment/build.js';
import { trainingWorkers } from '../src/experiment/training.js';
import { runtimeFromEnv } from '../src/backends/backend.js';
import { BACKENDS } from '../src/backends/registry.js';
import { selectBackend, type BackendInfo } from '../src/backends/select.js';
import { RunRandom } from '../src/train/rng.js';
import { DeviceData, disposeBatch } from '../src/train/device-data.js';
import { disposeStats } from '../src/train/step-stats.js';
import { ParallelTrainStep } from '../src/train/parallel-step.js';
import { evaluate } from '../src/train/evaluate.js';
import type { ExperimentConfig } from '../src/config/types.js';
import { trainingStepFlops } from './flops.js';
import { matMulPeakGflops } from './peak.js';
import { BENCH_BATCH, BENCH_MODELS as MODELS, BENCH_TRAIN_SIZE, benchBatch, syntheticDataset } from './models.js';

/** Images evaluated per model (--eval-samples), at least 4 batches. */
const EVAL_SAMPLES = 2000;

interface BenchResult {
  model: string;
  backend: string;
  /** Threads per training step (training.workers). */
  workers: number;
  msPerStep: number;
  /** CPU time of the process (every thread) per step, ms: the work a step costs, less sensitive than wall time to other load on the machine. */
  cpuMsPerStep: number;
  steps: number;
  evalSamplesPerSec: number;
  rssMB: number;
  tensorsLeakedPerStep: number;
  /** FLOPs of the step's matrix products and convolutions (flops.ts), in GFLOP. */
  gflopPerStep: number;
  /** What the step achieved: gflopPerStep / seconds per step. */
  gflops: number;
  /** The backend's one-thread matrix-product peak (peak.ts), GFLOP/s. */
  peakGflops: number;
  /** gflops / (peakGflops x threads the step ran on). */
  peakFraction: number;
  /** With workers > 1: the main thread's mean ms per step in its part, waiting for the workers and applying the update, and the slowest worker's ms for its part. */
  breakdown?: Record<'mainPart' | 'wait' | 'apply' | 'worker', number>;
}

async function benchOne(name: string, config: ExperimentConfig, info: BackendInfo, peakGflops: number, opts: { steps: number; warmup: number; seconds: number; evalSamples: number }): Promise<BenchResult> {
  const backend = info.name;
  const dataset = syntheticDataset(config, Math.max(opts.evalSamples, BENCH_BATCH * 4));
  const random = RunRandom.fromSeed(0);
  const model = buildModel(config, random);
  const optimizer = buildOptimizer(config);
  const data = new DeviceData(dataset);
  const workers = trainingWorkers(config, info, runtimeFromEnv());
  const step = await buildTrainStep(config, {
    model, optimizer, workers, backend: info.name, trainSize: BENCH_TRAIN_SIZE, numClasses: dataset.numClasses, nextSeed: () => random.noise.nextSeed(), maxBatch: BENCH_BATCH,
  });
  const order = random.data.permutation(dataset.train.count);
  const timed = step instanceof ParallelTrainStep ? step : null;
  const breakdown = { mainPart: 0, wait: 0, apply: 0, worker: 0 };
  const runStep = (i: number) => {
    const batch = benchBatch(data, order, i);
    const stats = step.run(batch, 1);
    disposeStats(stats);
    disposeBatch(batch);
    if (timed) for (const key of Object.keys(breakdown) as Array<keyof typeof breakdown>) breakdown[key] += timed.timings[key];
  };
  for (let i = 0; i < opts.warmup; i++) runStep(i);
  await syncBackend(model.trainable);
  for (const key of Object.keys(breakdown) as Array<keyof typeof breakdown>) breakdown[key] = 0;
  const tensorsBefore = tf.memory().numTensors;
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  let done = 0;
  while (done < opts.steps && (done < 2 || performance.now() - began < opts.seconds * 1000)) runStep(done++);
  await syncBackend(model.trainable);
  const msPerStep = (performance.now() - began) / done;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMsPerStep = (cpu.user + cpu.system) / 1000 / done;
  const leaked = (tf.memory().numTensors - tensorsBefore) / done;

  await evaluate(model, data, data.test, config.sparsity); // warm-up
  const evalBegan = performance.now();
  await evaluate(model, data, data.test, config.sparsity);
  const evalSamplesPerSec = dataset.test.count / ((performance.now() - evalBegan) / 1000);
  const rssMB = process.memoryUsage().rss / 2 ** 20;
  const gflopPerStep = trainingStepFlops(config) / 1e9;
  const gflops = gflopPerStep / (msPerStep / 1000);
  step.dispose();
  model.dispose();
  optimizer.dispose();
  data.dispose();
  return { model: name, backend, workers: step.workers, msPerStep: round(msPerStep), cpuMsPerStep: round(cpuMsPerStep), steps: done, evalSamplesPerSec: Math.round(evalSamplesPerSec), rssMB: Math.round(rssMB), tensorsLeakedPerStep: leaked,
    gflopPerStep: round(gflopPerStep), gflops: round(gflops), peakGflops: round(peakGflops), peakFraction: round(gflops / (peakGflops * step.workers)),
    ...(timed ? { breakdown: Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, round(v / done)])) as BenchResult['breakdown'] } : {}) };
}

/**
 * Waits for queued backend work (matters for asynchronous backends such as webgpu): reads a value
 * that depends on every variable the steps wrote, so the read waits for the last update.
 */
async function syncBackend(variables: readonly tf.Variable[]): Promise<void> {
  const probe = tf.tidy(() => variables.map((v) => tf.sum(v)).reduce((a, b) => tf.add(a, b)));
  await probe.data();
  probe.dispose();
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Runs the PyTorch reference (each model with its own arguments: the VGG-like at the bench's width) if it is there; returns ms per step by model. */
function torchReference(models: string[], steps: number): Record<string, number> {
  const script = path.resolve('../shared/bench/torch_ref.py');
  if (!fs.existsSync(script)) {
    console.error(`torch reference not found at ${script}`);
    return {};
  }
  const out: Record<string, number> = {};
  for (const model of models.filter((m) => MODELS[m])) {
    const args = [script, '--threads', '2', '--steps', String(steps), '--models', model, ...MODELS[model].torchArgs];
    const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`torch reference failed (apt-get install -y python3-torch): ${r.stderr.trim().split('\n').pop()}`);
      return out;
    }
    for (const line of r.stdout.trim().split('\n')) {
      const row = JSON.parse(line) as { model: string; msPerStep: number; torch: string };
      out[row.model] = row.msPerStep;
      console.log(JSON.stringify({ ...row, backend: 'pytorch-cpu' }));
    }
  }
  return out;
}

/** The backends timed without --backends: every registered one but the last resorts. */
function defaultBackends(): string {
  return BACKENDS.names().filter((name) => !BACKENDS.get(name).lastResort).join(',');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: 'lenet300,lenet5,vgg' },
      backends: { type: 'string' },
      steps: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '20' },
      torch: { type: 'boolean', default: false },
      workers: { type: 'string', default: '' },
      rounds: { type: 'string', default: '1' },
      set: { type: 'string', multiple: true, default: [] },
      'eval-samples': { type: 'string', default: String(EVAL_SAMPLES) },
    },
  });
  const opts = { steps: Number(values.steps), warmup: Number(values.warmup), seconds: Number(values.seconds), evalSamples: Number(values['eval-samples']) };
  const models = values.models.split(',');
  const workerCounts = values.workers ? values.workers.split(',').map(Number) : null;
  const rounds = Math.max(1, Number(values.rounds));
  const results: BenchResult[][] = [];
  const torchRuns: Array<Record<string, number>> = [];
  for (let index = 0; index < rounds; index++) {
    const torch = values.torch ? torchReference(models, opts.steps) : {};
    torchRuns.push(torch);
    const mine = await benchRound(models, values.backends?.split(',') ?? defaultBackends().split(','), workerCounts, { ...opts, named: values.backends !== undefined, sets: values.set });
    results.push(mine);
    if (rounds > 1 && values.torch) {
      for (const r of mine) if (torch[r.model]) console.log(JSON.stringify({ round: index + 1, model: r.model, backend: r.backend, workers: r.workers, ratio: round(r.msPerStep / torch[r.model]) }));
    }
  }
  const torch = Object.fromEntries(models.filter((m) => torchRuns.some((t) => t[m])).map((m) => [m, median(torchRuns.map((t) => t[m]).filter((v) => v !== undefined))]));
  const table = results[0].map((first, i) => {
    const msPerStep = median(results.map((rows) => rows[i].msPerStep));
    const gflops = first.gflopPerStep / (msPerStep / 1000);
    return { ...first, msPerStep, gflops, peakFraction: gflops / (first.peakGflops * first.workers), evalSamplesPerSec: median(results.map((rows) => rows[i].evalSamplesPerSec)) };
  });
  console.log(`\n${rounds > 1 ? `medians of ${rounds} rounds\n` : ''}model      backend   workers   ms/step   GFLOP/s   of peak   eval samples/s   RSS MB   leaked/step` + (values.torch ? '   vs PyTorch' : ''));
  for (const r of table) {
    const ratio = torch[r.model] ? `   ${(r.msPerStep / torch[r.model]).toFixed(2)}x (${torch[r.model]} ms)` : '';
    console.log(`${r.model.padEnd(10)} ${r.backend.padEnd(9)} ${String(r.workers).padStart(7)} ${r.msPerStep.toFixed(1).padStart(8)} ${r.gflops.toFixed(1).padStart(9)} ${`${(100 * r.peakFraction).toFixed(0)}%`.padStart(9)} ${String(r.evalSamplesPerSec).padStart(16)} ${String(r.rssMB).padStart(8)} ${String(r.tensorsLeakedPerStep).padStart(13)}${ratio}`);
  }
}

/** One pass over every backend, model and worker count. */
async function benchRound(models: string[], backends: string[], workerCounts: number[] | null, opts: { steps: number; warmup: number; seconds: number; evalSamples: number; named: boolean; sets: string[] }): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const backend of backends) {
    let info: BackendInfo;
    try {
      // Without --backends, each is asked for as `auto` would ask (webgpu: a hardware adapter only, probed in a child process first).
      info = await selectBackend(backend, runtimeFromEnv(), { byName: opts.named });
    } catch (err) {
      console.error(`skipping backend ${backend}: ${(err as Error).message}`);
      continue;
    }
    const peak = await matMulPeakGflops();
    console.log(JSON.stringify({ backend: info.name, peakGflops: round(peak), what: 'best of 5 [1024, 1024] x [1024, 1024] float32 products, one thread' }));
    for (const name of models) {
      const spec = MODELS[name];
      if (!spec) throw new Error(`unknown model ${name}; known: ${Object.keys(MODELS).join(', ')}`);
      if (!fs.existsSync(spec.config)) {
        console.error(`skipping ${name}: ${spec.config} not found`);
        continue;
      }
      const { config } = await loadConfig(spec.config, [...spec.sets, ...opts.sets]);
      // a last-resort backend is 100x slower on convolutions: a short measurement is enough there
      const run = BACKENDS.get(info.name).lastResort ? { steps: 3, warmup: 1, seconds: opts.seconds, evalSamples: opts.evalSamples } : opts;
      for (const workers of workerCounts ?? [config.training.workers]) {
        const result = await benchOne(name, { ...config, training: { ...config.training, workers } }, info, peak, run);
        results.push(result);
        console.log(JSON.stringify(opts.sets.length > 0 ? { ...result, sets: opts.sets } : result));
      }
    }
  }
  return results;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

await main();
