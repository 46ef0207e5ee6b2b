/**
 * A tfjs LayersModel (model.json + weights, as tfjs saves it or tensorflowjs_converter writes a
 * Keras model) as svd plain layers (see imported-model.ts). Read through svd's checked loader
 * (src/formats/tfjs-files.ts: regular files in the model's folder, sizes checked before any
 * allocation) and tfjs's own `tf.loadLayersModel`; then each layer of the sequential stack is
 * mapped by its class: Dense, Conv2D (channelsLast, dilation 1), MaxPooling2D,
 * AveragePooling2D, BatchNormalization (last axis), Flatten, Activation, Dropout,
 * GlobalAveragePooling2D, Reshape. Anything else is an E_IMPORT error (exit 2) naming the layer.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SvdError } from '../errors.js';
import type { ParamArray, PlainLayer } from '../layers/layer.js';
import { ACTIVATION_NAMES } from '../layers/activations.js';
import { loadTfjsModel } from '../formats/tfjs-files.js';
import { preprocessingOf, type ImportedModel } from './imported.js';

type Config = Record<string, unknown>;

/** What each supported tfjs layer class becomes: the plain type and its config, or null to drop it. */
const CLASSES: Record<string, (c: Config) => { type: string; config: Config } | null> = {
  InputLayer: () => null,
  Dropout: () => null,
  Dense: (c) => ({ type: 'dense', config: { units: c.units, activation: c.activation, useBias: c.useBias } }),
  Conv2D: (c) => ({ type: 'conv2d', config: { filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, activation: c.activation, useBias: c.useBias } }),
  MaxPooling2D: (c) => ({ type: 'maxpool', config: { poolSize: c.poolSize, strides: c.strides ?? c.poolSize, padding: c.padding } }),
  AveragePooling2D: (c) => ({ type: 'avgpool', config: { poolSize: c.poolSize, strides: c.strides ?? c.poolSize, padding: c.padding } }),
  BatchNormalization: (c) => ({ type: 'batchnorm', config: { momentum: c.momentum, epsilon: c.epsilon } }),
  Flatten: () => ({ type: 'flatten', config: {} }),
  Activation: (c) => ({ type: 'activation', config: { activation: c.activation } }),
  GlobalAveragePooling2D: () => ({ type: 'globalavgpool', config: {} }),
  Reshape: (c) => ({ type: 'reshape', config: { targetShape: c.targetShape } }),
};

/** Reads the tfjs LayersModel in `dir` (its model.json) as plain layers. */
export async function importTfjs(dir: string): Promise<ImportedModel> {
  const file = path.join(dir, 'model.json');
  let model: tf.LayersModel;
  try {
    model = await loadTfjsModel(dir);
  } catch (err) {
    throw new SvdError('E_IMPORT', `not a usable tfjs LayersModel: ${(err as Error).message.replace(/^cannot read the exported model: /, '')}`, { file }, 2);
  }
  try {
    const unsupported = (layer: tf.layers.Layer, why: string) =>
      new SvdError('E_IMPORT', `layer '${layer.name}' (${layer.getClassName()}): ${why}; svd imports sequential stacks of ${Object.keys(CLASSES).join(', ')}`, { file, path: `modelTopology.layers.${layer.name}` }, 2);
    const input = model.inputs.length === 1 ? model.inputs[0].shape.slice(1) : [];
    if (!(input.length === 1 || input.length === 3) || !input.every((d) => typeof d === 'number' && d > 0)) {
      throw new SvdError('E_IMPORT', `the model takes ${model.inputs.length === 1 ? `[${model.inputs[0].shape}]` : `${model.inputs.length} inputs`}; svd imports one input [batch, features] or [batch, h, w, c]`, { file }, 2);
    }
    let normalize: string | null = null;
    const layers: PlainLayer[] = [];
    const notes: string[] = [];
    for (const layer of model.layers) {
      const pre = preprocessingOf(layer.name);
      if (pre !== undefined) {
        normalize = pre ?? normalize;
        continue;
      }
      const map = CLASSES[layer.getClassName()];
      if (!map) throw unsupported(layer, 'this layer class is not supported');
      if (layer.inboundNodes.length > 1 || (layer.inboundNodes[0]?.inboundLayers.length ?? 0) > 1) throw unsupported(layer, 'the model is not a sequential stack');
      const c = layer.getConfig() as Config;
      if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') throw unsupported(layer, `dataFormat ${String(c.dataFormat)} (svd takes channelsLast)`);
      if (c.dilationRate !== undefined && [c.dilationRate].flat().some((d) => d !== 1)) throw unsupported(layer, 'dilationRate must be 1');
      if (layer.getClassName() === 'BatchNormalization') {
        const rank = (layer.input as tf.SymbolicTensor).shape.length;
        const axis = [c.axis].flat();
        if (axis.length !== 1 || !(axis[0] === -1 || axis[0] === rank - 1)) throw unsupported(layer, `axis ${JSON.stringify(c.axis)} (svd normalizes the last axis)`);
      }
      const plain = map(c);
      if (!plain) continue;
      if ('activation' in plain.config && !ACTIVATION_NAMES.includes(plain.config.activation as never)) throw unsupported(layer, `activation ${String(plain.config.activation)} (svd has ${ACTIVATION_NAMES.join(', ')})`);
      const params = weightsOf(layer, plain.type, c, unsupported);
      layers.push({ name: layer.name, type: plain.type, source: `tfjs ${layer.getClassName()}`, config: plain.config, params });
    }
    const lastLayer = layers[layers.length - 1];
    if (lastLayer && lastLayer.config.activation === 'softmax') {
      lastLayer.config.activation = 'linear';
      notes.push(`the final softmax (layer '${lastLayer.name}') is left out: svd trains on logits, and the argmax is the same`);
    }
    if (!layers.some((l) => l.params.length > 0)) throw new SvdError('E_IMPORT', 'the model has no layer with weights to start from', { file }, 2);
    return { file, format: 'tfjs', inputShape: input as number[], normalize, layers, notes };
  } finally {
    model.dispose();
  }
}

/** The layer's weights under svd's parameter names (batchnorm without center or scale gets beta 0, gamma 1). */
function weightsOf(layer: tf.layers.Layer, type: string, c: Config, unsupported: (l: tf.layers.Layer, why: string) => SvdError): ParamArray[] {
  const values = layer.getWeights().map((t) => ({ shape: t.shape, values: Float32Array.from(t.dataSync()) }));
  if (type === 'dense' || type === 'conv2d') {
    if (values.length !== (c.useBias ? 2 : 1)) throw unsupported(layer, `it has ${values.length} weights`);
    return values.map((v, i) => ({ name: i === 0 ? 'kernel' : 'bias', ...v }));
  }
  if (type === 'batchnorm') {
    const weights = [...values];
    const channels = weights[weights.length - 1].shape[0];
    const gamma = c.scale === false ? { shape: [channels], values: new Float32Array(channels).fill(1) } : weights.shift()!;
    const beta = c.center === false ? { shape: [channels], values: new Float32Array(channels) } : weights.shift()!;
    if (weights.length !== 2) throw unsupported(layer, 'it has an unexpected set of weights');
    return [{ name: 'gamma', ...gamma }, { name: 'beta', ...beta }, { name: 'movingMean', ...weights[0] }, { name: 'movingVariance', ...weights[1] }];
  }
  if (values.length > 0) throw unsupported(layer, `it has ${values.length} weights where svd expects none`);
  return [];
}
