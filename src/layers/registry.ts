/**
 * The layer registry: every layer type usable in `model.layers[].type`. A new layer type is one
 * file in this folder exporting its LayerEntry (layer.ts) and one line here; the config schema,
 * the config checks, the model builder, export, init.from, width, weight decay, snapshots and the
 * registry-looped tests pick it up from here.
 */
import { Registry } from '../registry.js';
import type { LayerEntry } from './layer.js';
import { dense, denseSvd } from './dense.js';
import { conv2d, conv2dSvd } from './conv2d.js';
import { maxpool } from './maxpool.js';
import { avgpool } from './avgpool.js';
import { globalavgpool } from './globalavgpool.js';
import { flatten } from './flatten.js';
import { batchnorm } from './batchnorm.js';
import { dropout } from './dropout.js';
import { activation } from './activation.js';
import { reshape } from './reshape.js';

/** Layer types by name, in the order the schema lists them. */
export const LAYERS = new Registry<LayerEntry>('layer type')
  .register('dense', dense)
  .register('dense-svd', denseSvd)
  .register('conv2d', conv2d)
  .register('conv2d-svd', conv2dSvd)
  .register('maxpool', maxpool)
  .register('avgpool', avgpool)
  .register('globalavgpool', globalavgpool)
  .register('flatten', flatten)
  .register('batchnorm', batchnorm)
  .register('dropout', dropout)
  .register('activation', activation)
  .register('reshape', reshape);
