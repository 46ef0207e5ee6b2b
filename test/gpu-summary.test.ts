/**
 * The GPU check's summary (bench/gpu-summary.ts) from the JSON lines its parts print: lines of the
 * shapes bench.js, torch_ref.py, gpu-adapter.js and the epoch print (trimmed from the check's run
 * on lavapipe, with PyTorch lines as torch_ref.py prints them), each webgpu step beside PyTorch's
 * for the same network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize, type CheckRow } from '../bench/gpu-summary.js';

const ROWS: CheckRow[] = [
  { check: 'adapter', backend: { name: 'webgpu', adapter: { vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1', software: true } } },
  { backend: 'webgpu', peakGflops: 1.28, what: 'best of 5 [1024, 1024] x [1024, 1024] float32 products, one thread' },
  { model: 'lenet5', backend: 'webgpu', workers: 1, msPerStep: 14677.93, evalSamplesPerSec: 44, tensorsLeakedPerStep: 0 },
  { model: 'vgg-full', backend: 'webgpu', workers: 1, msPerStep: 19018.57, evalSamplesPerSec: 27, tensorsLeakedPerStep: 0, sets: ['model.width=0.125'] },
  { model: 'vgg-full', backend: 'webgpu', workers: 1, msPerStep: 16735.65, evalSamplesPerSec: 36, tensorsLeakedPerStep: 0, sets: ['model.width=0.125', 'training.microBatch=null'] },
  { model: 'lenet5', msPerStep: 672.3, threads: 2, device: 'cpu', torch: '1.13.0a0' },
  { model: 'vgg', msPerStep: 702.74, threads: 2, device: 'cpu', torch: '1.13.0a0', width: 0.125 },
  { check: 'epoch', wallSeconds: 47, status: 'completed', epochs: 1, testError: 0.9, epochSeconds: 31.972411779, backend: 'webgpu' },
];

test('the summary names the adapter, sets each webgpu step beside PyTorch\'s for the same network, and gives the epoch', () => {
  assert.deepEqual(summarize(ROWS), [
    'adapter: mesa / software / llvmpipe-llvm-15-0-6-256-bits- (llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1) [software]',
    'PyTorch 1.13.0a0 on cpu: lenet5 672.3 ms/step',
    'PyTorch 1.13.0a0 on cpu: vgg (width 0.125) 702.74 ms/step',
    'lenet5: webgpu 14677.93 ms/step, eval 44 samples/s, 0 tensors leaked/step; PyTorch 672.3 ms (webgpu 21.83x)',
    'vgg-full, micro-batches of 25 (model.width=0.125): webgpu 19018.57 ms/step, eval 27 samples/s, 0 tensors leaked/step; PyTorch 702.74 ms (webgpu 27.06x)',
    'vgg-full, one batch of 100 (model.width=0.125): webgpu 16735.65 ms/step, eval 36 samples/s, 0 tensors leaked/step; PyTorch 702.74 ms (webgpu 23.81x)',
    'one epoch of vgg-cifar10 on webgpu: 47 s for the command (start, ZCA fit, evaluation included), 32.0 s for the epoch; test error 90.00% (random images: chance is 90%)',
  ]);
});

test('parts that did not run leave their lines out', () => {
  assert.deepEqual(summarize([]), []);
  assert.deepEqual(summarize([ROWS[2]!]), ['lenet5: webgpu 14677.93 ms/step, eval 44 samples/s, 0 tensors leaked/step']);
});
