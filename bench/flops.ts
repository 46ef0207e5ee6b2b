/**
 * The arithmetic one training step of a config needs: the floating-point operations of its
 * matrix products and convolutions, forward and backward, from each layer entry's `macs` (a
 * Sparse VD layer counts both LRT passes). Forward is 2 FLOPs per multiply-accumulate; backward
 * is twice that (the gradients of the weights and of the input), except for the first weighted
 * layer, whose input needs no gradient. Elementwise work (activations, KL, Adam) is left out:
 * it is small beside these and not what a matrix unit's peak measures.
 */
import type { ExperimentConfig } from '../src/config/types.js';
import { DATASETS } from '../src/registries.js';
import { LAYERS } from '../src/layers/registry.js';
import { walkLayerShapes } from '../src/layers/shapes.js';
import { scaleLayerWidths } from '../src/layers/width.js';

/** FLOPs of one training step of `config` at its batch size (data.batchSize). */
export function trainingStepFlops(config: ExperimentConfig): number {
  const specs = scaleLayerWidths(config.model.layers, config.model.width ?? 1);
  const walk = walkLayerShapes(specs, DATASETS.get(config.data.dataset).inputShape);
  if (walk.failure) throw new Error(`the layers of ${config.name} do not connect: ${walk.failure.reason}`);
  let flops = 0;
  let first = true;
  specs.forEach((spec, index) => {
    const entry = LAYERS.get(spec.type);
    const macs = entry.macs?.(entry.config(spec), walk.shapes[index]) ?? 0;
    if (macs === 0) return;
    flops += macs * (first ? 4 : 6);
    first = false;
  });
  return flops * config.data.batchSize;
}
