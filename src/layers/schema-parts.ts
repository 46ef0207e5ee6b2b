/**
 * JSON-schema pieces shared by several layer types (so each is written once), and reading a
 * spec's keys with the schema fragment's defaults: a layer's defaults live in its schema only.
 */
import type { LayerSpec } from '../config/types.js';
import { ACTIVATION_NAMES } from './activations.js';
import type { LayerSchema } from './layer.js';

/** `activation`: one of the registered activation names. */
export const activationProperty = { enum: ACTIVATION_NAMES, default: 'linear', description: 'activation applied to the output' };
/** `useBias`: whether the layer adds a learned bias. */
export const useBiasProperty = { type: 'boolean', default: true, description: 'add a learned bias' };
/** A positive integer or a [height, width] pair (kernel sizes, pool sizes, strides). */
export const sizePairProperty = (description: string, dflt?: number) => ({
  anyOf: [
    { type: 'integer', minimum: 1 },
    { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 },
  ],
  ...(dflt === undefined ? {} : { default: dflt }),
  description,
});
/** `padding`: 'valid' (no padding) or 'same' (output size = ceil(input / stride)). */
export const paddingProperty = { enum: ['valid', 'same'], default: 'valid', description: 'valid: no padding; same: output size ceil(input / stride)' };
/** Sparse VD layers only: `trainClipNoise` for this layer, in place of sparsity.trainClipNoise. */
export const sparseVdProperties = {
  trainClipNoise: { type: 'boolean', description: 'this layer\'s own sparsity.trainClipNoise (the paper\'s authors masked the noise of pruned weights in conv layers, not in dense ones)' },
};

/**
 * The keys of `schema` read from `spec`, each property's `default` where the spec has none
 * (a resolved config has them already; specs built in code may not). Keys without a default that
 * the spec lacks stay absent.
 */
export function withDefaults(schema: LayerSchema, spec: LayerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    const value = spec[key] ?? (property as { default?: unknown }).default;
    if (value !== undefined) out[key] = value;
  }
  return out;
}
