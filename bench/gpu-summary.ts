/**
 * The summary at the end of bench/gpu-check.sh, from the JSON lines its parts printed: the
 * adapter, each webgpu step time (which VGG-like batching, which width) beside PyTorch's for the
 * same network where torch_ref.py ran, and the epoch of vgg-cifar10.
 * Usage: node dist/bench/gpu-summary.js FILE.jsonl
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A JSON line of the check: bench.js's results, torch_ref.py's, gpu-adapter.js's and the epoch's. */
export type CheckRow = Record<string, unknown> & {
  check?: string;
  model?: string;
  backend?: unknown;
  msPerStep?: number;
  sets?: string[];
  torch?: string;
};

/** The summary's lines for `rows`. */
export function summarize(rows: CheckRow[]): string[] {
  const lines: string[] = [];
  const adapterRow = rows.find((r) => r.check === 'adapter');
  const adapter = (adapterRow?.backend as { adapter?: Record<string, unknown> } | undefined)?.adapter;
  if (adapter) lines.push(`adapter: ${adapter.vendor} / ${adapter.architecture} / ${adapter.device} (${adapter.description})${adapter.software ? ' [software]' : ''}`);
  const torchRows = rows.filter((r) => typeof r.torch === 'string' && typeof r.msPerStep === 'number');
  for (const r of torchRows) lines.push(`PyTorch ${r.torch} on ${String(r.device)}: ${r.model}${r.width !== undefined ? ` (width ${String(r.width)})` : ''} ${r.msPerStep} ms/step`);
  // torch_ref.py calls the VGG-like `vgg`; the check runs it at the width bench's vgg-full has
  const torchMs = new Map(torchRows.map((r) => [r.model === 'vgg' ? 'vgg-full' : r.model, r.msPerStep!]));
  for (const r of rows.filter((r) => typeof r.msPerStep === 'number' && r.backend === 'webgpu')) {
    const sets = r.sets ?? [];
    const batch = r.model === 'vgg-full' ? (sets.includes('training.microBatch=null') ? ', one batch of 100' : ', micro-batches of 25') : '';
    const width = sets.find((s) => s.startsWith('model.width='));
    const torch = torchMs.get(r.model);
    const versus = torch ? `; PyTorch ${torch} ms (webgpu ${(r.msPerStep! / torch).toFixed(2)}x)` : '';
    lines.push(`${r.model}${batch}${width ? ` (${width})` : ''}: webgpu ${r.msPerStep} ms/step, eval ${String(r.evalSamplesPerSec)} samples/s, ${String(r.tensorsLeakedPerStep)} tensors leaked/step${versus}`);
  }
  const epoch = rows.find((r) => r.check === 'epoch');
  if (epoch) {
    lines.push(`one epoch of vgg-cifar10 on ${String(epoch.backend)}: ${String(epoch.wallSeconds)} s for the command (start, ZCA fit, evaluation included), ${(epoch.epochSeconds as number).toFixed(1)} s for the epoch; test error ${(100 * (epoch.testError as number)).toFixed(2)}% (random images: chance is 90%)`);
  }
  return lines;
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('bench', 'gpu-summary.js'))) {
  const text = fs.readFileSync(process.argv[2]!, 'utf8');
  const rows = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as CheckRow);
  for (const line of summarize(rows)) console.log(line);
}
