/**
 * `npm run profile -- --model lenet5`: where one training step's time goes, kernel by kernel.
 * Runs the trainer's one-thread step (TrainStep: forward with noise, KL, backward, Adam) of a
 * benchmarked model on the active backend under tf.profile and prints, per kernel name, its
 * share of the step's kernel time, ms per step, calls per step and the largest output shape it
 * wrote, then how much of the step's wall time no kernel accounts for (JavaScript around the
 * kernels: the tape, tidy, the noise drawn on the CPU). Kernel times are wall times around each
 * kernel on a synchronous backend (wasm, cpu); on webgpu they are the time to enqueue.
 *
 * Options: --model lenet300|lenet5|vgg|vgg-full  --backend wasm  --steps N (profiled, default 5)
 *          --warmup N (default 3)  --top K (kernels listed, default 25)
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../src/experiment/load-config.js';
import { buildModel, buildOptimizer } from '../src/experiment/build.js';
import { selectBackend } from '../src/backends/select.js';
import { RunRandom } from '../src/train/rng.js';
import { DeviceData, disposeBatch } from '../src/train/device-data.js';
import { disposeStats } from '../src/train/step-stats.js';
import { TrainStep } from '../src/train/step.js';
import { BENCH_MODELS, BENCH_BATCH, BENCH_TRAIN_SIZE, benchBatch, syntheticDataset } from './models.js';

/** One kernel name's total over the profiled steps. */
interface KernelTotal {
  ms: number;
  calls: number;
  largest: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'lenet5' },
      backend: { type: 'string', default: 'wasm' },
      steps: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '3' },
      top: { type: 'string', default: '25' },
    },
  });
  const spec = BENCH_MODELS[values.model];
  if (!spec) throw new Error(`unknown model ${values.model}; known: ${Object.keys(BENCH_MODELS).join(', ')}`);
  const info = await selectBackend(values.backend);
  const { config } = await loadConfig(spec.config, spec.sets);
  const dataset = syntheticDataset(config, BENCH_BATCH * 4);
  const random = RunRandom.fromSeed(0);
  const model = buildModel(config, random);
  const optimizer = buildOptimizer(config);
  const data = new DeviceData(dataset);
  const loss = { sparsity: config.sparsity, trainSize: BENCH_TRAIN_SIZE, weightDecay: config.optimizer.weightDecay ?? 0 };
  const step = new TrainStep(model, optimizer, loss, () => random.noise.nextSeed(), config.training.microBatch ?? null);
  const order = random.data.permutation(dataset.train.count);
  const runStep = (i: number) => {
    const batch = benchBatch(data, order, i);
    disposeStats(step.run(batch, 1));
    disposeBatch(batch);
  };
  const steps = Number(values.steps);
  for (let i = 0; i < Number(values.warmup); i++) runStep(i);
  const began = performance.now();
  const profile = await tf.profile(() => {
    for (let i = 0; i < steps; i++) runStep(i);
  });
  const wallMs = (performance.now() - began) / steps;
  const totals = new Map<string, KernelTotal>();
  // tf.customGrad's forward pass is recorded as 'forward' around the kernels it runs, which are recorded too
  const kernels = profile.kernels.filter((k) => tf.getKernel(k.name, info.name) !== undefined);
  for (const k of kernels) {
    const t = totals.get(k.name) ?? { ms: 0, calls: 0, largest: [] };
    t.ms += k.kernelTimeMs as number;
    t.calls += 1;
    const shape = k.outputShapes[0] ?? [];
    if (size(shape) > size(t.largest)) t.largest = shape;
    totals.set(k.name, t);
  }
  const kernelMs = [...totals.values()].reduce((a, t) => a + t.ms, 0) / steps;
  console.log(`${values.model} on ${info.name}${info.native ? ` (native kernels: ${info.native})` : ''}: ${wallMs.toFixed(1)} ms per profiled step (profiling adds to it), ${kernelMs.toFixed(1)} ms in ${kernels.length / steps} kernel calls, ${(wallMs - kernelMs).toFixed(1)} ms outside kernels`);
  console.log('kernel                         share    ms/step   calls/step   largest output');
  const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(values.top));
  for (const [name, t] of rows) {
    console.log(`${name.padEnd(28)} ${`${((100 * t.ms) / steps / kernelMs).toFixed(1)}%`.padStart(7)} ${(t.ms / steps).toFixed(2).padStart(10)} ${String(t.calls / steps).padStart(12)}   [${t.largest.join(', ')}]`);
  }
  model.dispose();
  optimizer.dispose();
  data.dispose();
}

/** Elements of a shape. */
function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

await main();
