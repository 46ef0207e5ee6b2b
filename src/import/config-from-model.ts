/**
 * `svd init MODEL`: the config that sparsifies an imported model (imported-model.ts). Its
 * layers become the registered layers of the same family, Sparse VD where one exports as that
 * plain type (dense -> dense-svd, conv2d -> conv2d-svd; batchnorm, pooling, flatten, activation
 * as they are), named as in the model; `init.from` names the model, so the run starts from its
 * weights (theta = the weights, log sigma^2 = sparsity.logSigma2Init); the dataset is the
 * registered one of that input shape and class count (or the one given); `data.normalize` is
 * what an svd export did in its first layers, else none. A flat input [n] gets a flatten first.
 */
import { Document, YAMLMap, YAMLSeq } from 'yaml';
import { SvdError } from '../errors.js';
import { DATASETS } from '../data/registry.js';
import { classCount } from '../data/dataset.js';
import { LAYERS } from '../layers/registry.js';
import type { LayerSpec } from '../config/types.js';
import type { ImportedModel } from './imported-model.js';

/** The svd layer type a plain layer of an imported model becomes: its Sparse VD variant, if one exports as it. */
export function sparseTypeOf(plainType: string): string {
  const variant = LAYERS.list().find(([name, e]) => name !== plainType && e.export?.as === plainType && e.snapshotBlock !== undefined);
  return variant ? variant[0] : plainType;
}

/** The config (as a plain object) that starts Sparse VD from `model`, read from `from`. */
export function configFromModel(model: ImportedModel, from: string, name: string, dataset?: string): Record<string, unknown> {
  const classes = model.layers.filter((l) => l.params.length > 0).map((l) => l.config.units ?? l.config.filters).at(-1) as number | undefined;
  const size = model.inputShape.reduce((a, b) => a * b, 1);
  const fits = DATASETS.list().filter(([, e]) => (model.inputShape.length === 3 ? e.inputShape.join() === model.inputShape.join() : e.inputShape.reduce((a, b) => a * b, 1) === size) && classCount(e, null) === classes);
  const chosen = dataset ?? (fits.length === 1 ? fits[0][0] : undefined);
  if (!chosen) {
    throw new SvdError('E_ARGS', `svd init: the model takes [${model.inputShape}] and gives ${classes} classes, which ${fits.length === 0 ? 'no registered dataset has' : `several datasets have (${fits.map(([n]) => n).join(', ')})`}; name one with --dataset (${DATASETS.names().join(', ')})`);
  }
  const layers: LayerSpec[] = model.layers.map((l) => ({ type: sparseTypeOf(l.type), name: l.name, ...l.config }));
  if (model.inputShape.length === 1) layers.unshift({ type: 'flatten', name: 'flatten_input' });
  return {
    name,
    data: { dataset: chosen, normalize: model.normalize ?? 'none' },
    model: { layers },
    init: { from },
  };
}

/** The config as YAML, with a header saying where it came from. */
export function configYaml(config: Record<string, unknown>, model: ImportedModel): string {
  const header = [
    `# Written by svd init from ${model.file} (${model.format}): its layers as Sparse VD layers, started from its weights (init.from).`,
    `# The model takes float32 [batch, ${model.inputShape.join(', ')}]${model.normalize ? `; its first layers did data.normalize ${model.normalize}, which this config does on the data instead` : '; data.normalize must be what its inputs were trained with'}.`,
    ...model.notes.map((n) => `# Note: ${n}.`),
    '# Defaults apply to every key not given (svd validate shows the resolved config); training.epochs, optimizer and kl set the recipe.',
  ];
  const doc = new Document(config);
  const layers = doc.getIn(['model', 'layers']);
  if (layers instanceof YAMLSeq) for (const item of layers.items) if (item instanceof YAMLMap) item.flow = true; // one line per layer
  return `${header.join('\n')}\n${doc.toString({ lineWidth: 0 })}`;
}
