/**
 * A PlainNet as an ONNX model (`svd export --format onnx`): one loop over its layers, each
 * appending the nodes its entry's `plain.onnx` gives (the run's input normalization first, then
 * the network); kernels as float32 initializers, zeros included. Input `input` float32
 * [batch, ...inputShape] (images NHWC, raw pixels in [0, 1] when the net carries its
 * preprocessing), output `logits` [batch, classes]. Any ONNX runtime reads it; no svd code is
 * needed.
 */
import { LAYERS } from '../layers/registry.js';
import { OnnxGraph } from './onnx-graph.js';
import { encodeOnnxModel } from '../formats/onnx-proto.js';
import { allLayers, plainFacet, type PlainLayer, type PlainNet } from './plain-net.js';

/** The ONNX file of an onnx export. */
export const ONNX_MODEL = 'model.onnx';

/** The per-example output shape of a plain layer on `input`, from its entry. */
export function plainOutputShape(layer: PlainLayer, input: number[]): number[] {
  const entry = LAYERS.get(layer.type);
  return entry.outputShape(entry.config({ type: layer.type, ...layer.config }), input);
}

/** The bytes of the ONNX model of `net` with `classes` outputs (`sparse`: kernels as sparse initializers where smaller). */
export function onnxModelBytes(net: PlainNet, classes: number, docString = '', sparse = false): Uint8Array {
  const graph = new OnnxGraph(net.inputShape, sparse);
  let shape = [...net.inputShape];
  for (const layer of allLayers(net)) {
    graph.beginLayer(layer.name, shape);
    plainFacet(layer).onnx(layer.config, layer.params, graph);
    shape = plainOutputShape(layer, shape);
  }
  return encodeOnnxModel(graph.model(classes, docString));
}
