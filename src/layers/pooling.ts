/**
 * What 2-D pooling layers share (maxpool, avgpool): the window keys (`poolSize`, `strides`
 * defaulting to the pool size, `padding`), the output shape, a layer that applies one pooling
 * op over NHWC images, and `poolEntry`, the whole registry entry of one. A pooling layer keeps
 * channels apart, and a channel that is all zero stays zero (max and mean of zeros), which the
 * structured view of an export relies on.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, LayerEntry, LayerSchema, Shape } from './layer.js';
import { StatelessLayer } from './stateless.js';
import { paddingProperty, sizePairProperty, withDefaults } from './schema-parts.js';
import { onnxPads, pair, windowShape, type Padding } from './geometry.js';

/** A pooling layer's config, defaults filled in (also its plain form). */
export interface PoolConfig {
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
}

/** The schema of a pooling layer's keys. */
export function poolSchema(description: string): LayerSchema {
  return {
    description,
    properties: {
      poolSize: sizePairProperty('window height and width', 2),
      strides: sizePairProperty('stride (defaults to the pool size)'),
      padding: paddingProperty,
    },
  };
}

/** The typed config of a pooling spec (strides default to the pool size). */
export function poolConfig(schema: LayerSchema, spec: LayerSpec): PoolConfig {
  const c = withDefaults(schema, spec);
  const poolSize = pair(c.poolSize, 2);
  return { poolSize, strides: c.strides === undefined ? poolSize : pair(c.strides, 1), padding: c.padding as Padding };
}

/** [h, w, c] after pooling `input`; `type` names the layer in errors. */
export function poolOutputShape(c: PoolConfig, input: Shape, type: string): Shape {
  const [oh, ow] = windowShape(input, { size: c.poolSize, strides: c.strides, padding: c.padding }, 'pool', type);
  return [oh, ow, input[2]];
}

/** One pooling op: tf.maxPool or tf.avgPool. */
export type PoolOp = (x: tf.Tensor4D, size: [number, number], strides: [number, number], padding: Padding) => tf.Tensor;

/** A layer applying `op` with the window of `config`. */
export class PoolLayer extends StatelessLayer {
  constructor(readonly type: string, private readonly config: PoolConfig, private readonly op: PoolOp, inputShape: Shape, ctx: BuildContext) {
    super(inputShape, poolOutputShape(config, inputShape, type), ctx);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return this.op(x as tf.Tensor4D, this.config.poolSize, this.config.strides, this.config.padding);
  }
}

/** What one pooling layer type is made of. */
export interface PoolType {
  type: string;
  description: string;
  example: LayerEntry['example'];
  op: PoolOp;
  /** The stock tfjs layer of the same pooling (tf.layers.maxPooling2d, averagePooling2d). */
  /** The ONNX op of the same pooling (MaxPool, AveragePool) and its attributes beyond the window. */
  onnx: { op: string; attributes?: Record<string, { int: number }> };
  tfjsLayer(args: { name: string; inputShape?: number[]; poolSize: [number, number]; strides: [number, number]; padding: Padding; dataFormat: 'channelsLast' }): tf.layers.Layer;
}

/** The registry entry of a pooling layer type; it exports as itself. */
export function poolEntry(pool: PoolType): LayerEntry<PoolConfig, PoolConfig> {
  const schema = poolSchema(pool.description);
  return {
    schema,
    example: pool.example,
    config: (spec) => poolConfig(schema, spec),
    outputShape: (c, input) => poolOutputShape(c, input, pool.type),
    build: (c, input, ctx) => new PoolLayer(pool.type, c, pool.op, input, ctx),
    export: { as: pool.type, config: (c) => c },
    plain: {
      tfjs: (p, common) => pool.tfjsLayer({ ...common, poolSize: p.poolSize, strides: p.strides, padding: p.padding, dataFormat: 'channelsLast' }),
      role: { kind: 'channels', effect: () => 'zero' },
      onnx: (p, _params, graph) => {
        graph.toImage(graph.shape);
        const window = { size: p.poolSize, strides: p.strides, padding: p.padding };
        graph.node(pool.onnx.op, [], { kernel_shape: { ints: p.poolSize }, strides: { ints: p.strides }, pads: { ints: onnxPads(graph.shape, window) }, ...pool.onnx.attributes });
      },
    },
  };
}
