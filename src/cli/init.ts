/**
 * `svd init MODEL --out CONFIG.yaml [--dataset NAME] [--name NAME] [--force]`: writes a ready
 * config that sparsifies a user's trained model (an .onnx file, or a tfjs model.json) with
 * Sparse VD, starting from its weights (src/import/config-from-model.ts). Prints the config's
 * path as its last line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from './command.js';
import { parseCommandArgs } from './args.js';
import { SvdError } from '../errors.js';
import { importModel } from '../import/imported-model.js';
import { configFromModel, configYaml } from '../import/config-from-model.js';
import { loadConfig } from '../experiment/load-config.js';
import { DATASETS } from '../data/registry.js';
import { selectBackend } from '../backends/select.js';

const usage = `usage: svd init MODEL --out CONFIG.yaml [--dataset ${DATASETS.names().join('|')}] [--name NAME] [--force]
  MODEL      an ONNX model (.onnx) or a tfjs LayersModel (model.json, or its folder) of supported layers
  --out      the config file to write (refused if it exists, unless --force)
  --dataset  the dataset to train on (default: the one registered dataset of the model's input shape and classes)
  --name     the config's name (default: the model file's name)
  --force    replace an existing CONFIG.yaml
Writes CONFIG.yaml, whose init.from is MODEL; train it with svd run CONFIG.yaml (see docs/export.md, "Bring your own model").
examples:
  svd init my-lenet5/model.onnx --out configs/my-lenet5.yaml
  svd init exported-tfjs/model.json --out my-net.yaml --dataset mnist --name my-net`;

const command: Command = {
  name: 'init',
  summary: 'write a ready config that sparsifies your own trained model (ONNX or tfjs), starting from its weights',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('init', usage, argv, {
      out: { type: 'string' },
      dataset: { type: 'string' },
      name: { type: 'string' },
      force: { type: 'boolean' },
    }, { min: 1, max: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    if (!values.out) throw new SvdError('E_ARGS', `svd init: --out CONFIG.yaml is required\n${usage}`);
    if (values.dataset !== undefined && !DATASETS.has(values.dataset)) throw new SvdError('E_ARGS', `svd init: --dataset must be one of ${DATASETS.names().join(', ')}, got '${values.dataset}'`);
    const out = path.resolve(process.cwd(), values.out);
    if (fs.existsSync(out) && !values.force) throw new SvdError('E_ARGS', `svd init: ${values.out} exists; pass --force to replace it`);
    await selectBackend('auto');
    const model = await importModel(positionals[0]);
    // default name: the model file's, or its folder's when the file is a generic model.onnx / model.json
    const base = path.basename(model.file).replace(/\.[^.]*$/, '');
    const name = values.name ?? (base === 'model' ? path.basename(path.dirname(model.file)) : base).replace(/[^A-Za-z0-9_.-]/g, '-');
    const config = configFromModel(model, positionals[0], name, values.dataset);
    const text = configYaml(config, model);
    const temp = `${out}.tmp-${process.pid}`;
    fs.writeFileSync(temp, text);
    try {
      await loadConfig(temp); // the written config is valid as it stands
      fs.renameSync(temp, out);
    } finally {
      fs.rmSync(temp, { force: true });
    }
    for (const note of model.notes) console.error(`svd init: note: ${note}`);
    console.log(out);
    return 0;
  },
};
export default command;
