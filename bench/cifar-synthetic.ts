/**
 * Generated CIFAR-10 files for bench/gpu-check.sh's epoch: the official binary layout
 * (`cifar-10-batches-bin/data_batch_1.bin` ... `_5.bin`, `test_batch.bin`, `batches.meta.txt`;
 * each record one label byte and 3072 planar RGB bytes, as src/data/cifar-read.ts reads them),
 * with random pixels and labels i % 10: the timing of an epoch does not depend on the images.
 * Usage: node dist/bench/cifar-synthetic.js DIR [--train 50000] [--test 10000]; prints the folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

/** Bytes per record: the label, then 32 x 32 x 3 pixels. */
const RECORD = 1 + 3072;
const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** `count` records starting at image `first`, with pixels from a linear congruential generator seeded by `seed`. */
function records(first: number, count: number, seed: number): Buffer {
  const out = Buffer.alloc(count * RECORD);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    out[i * RECORD] = (first + i) % CLASSES.length;
    for (let p = 1; p < RECORD; p++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      out[i * RECORD + p] = s >>> 24;
    }
  }
  return out;
}

/** Writes the binary layout with `train` training images (over five batches) and `test` test images under `root`; returns its folder. */
export function writeSyntheticCifar10(root: string, train: number, test: number): string {
  const dir = path.join(root, 'cifar-10-batches-bin');
  fs.mkdirSync(dir, { recursive: true });
  let first = 0;
  for (let b = 0; b < 5; b++) {
    const count = Math.floor(train / 5) + (b < train % 5 ? 1 : 0);
    fs.writeFileSync(path.join(dir, `data_batch_${b + 1}.bin`), records(first, count, b + 1));
    first += count;
  }
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), records(0, test, 99));
  fs.writeFileSync(path.join(dir, 'batches.meta.txt'), `${CLASSES.join('\n')}\n`);
  return dir;
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('bench', 'cifar-synthetic.js'))) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { train: { type: 'string', default: '50000' }, test: { type: 'string', default: '10000' } } });
  if (positionals.length !== 1) {
    console.error('usage: node dist/bench/cifar-synthetic.js DIR [--train N] [--test N]');
    process.exit(2);
  }
  console.log(writeSyntheticCifar10(path.resolve(positionals[0]!), Number(values.train), Number(values.test)));
}
