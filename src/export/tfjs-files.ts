/**
 * The standard tfjs LayersModel files, without tfjs-node's `file://` handler: `model.json`
 * (modelTopology, format, generatedBy, weightsManifest) and one weights file, written from
 * `model.save(tf.io.withSaveHandler(...))`, and read back with `tf.loadLayersModel` through a
 * small IOHandler that reads those files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SvdError } from '../errors.js';

/** The model file's name. */
export const MODEL_JSON = 'model.json';
/** The weights file's name (the only entry of the weights manifest). */
export const TFJS_WEIGHTS = 'weights.bin';

/** Bytes per element of the unquantized dtypes a weights manifest may name. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** model.json and the weights file's bytes, as `model.save` produced them. */
export interface TfjsFiles {
  modelJson: tf.io.ModelJSON;
  weights: Uint8Array;
}

/** Serializes `model` to the standard tfjs files (in memory). */
export async function tfjsFiles(model: tf.LayersModel): Promise<TfjsFiles> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = saved as tf.io.ModelArtifacts | null;
  if (!artifacts?.modelTopology || !artifacts.weightSpecs || !artifacts.weightData) throw new Error('tfjs model.save produced no topology or weights');
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [TFJS_WEIGHTS], weights: artifacts.weightSpecs }],
  };
  return { modelJson, weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) };
}

/**
 * A tfjs IOHandler that loads `dir/model.json` and the weight files its manifest names (plain
 * file names in `dir`). Missing or malformed files are E_EXPORT_FORMAT errors naming the file.
 */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const file = path.join(dir, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(fs.readFileSync(file, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw formatError(file, (err as Error).message);
      }
      if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
        throw formatError(file, 'not a tfjs model.json (needs modelTopology and weightsManifest)');
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const names = manifest.flatMap((group) => group.paths);
        const buffers = names.map((p) => readWeightsFile(dir, p, file));
        const needed = specs.every((s) => !s.quantization && s.dtype in DTYPE_BYTES)
          ? specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[s.dtype], 0)
          : null;
        const got = buffers.reduce((n, b) => n + b.byteLength, 0);
        if (needed !== null && got !== needed) {
          throw formatError(path.join(dir, names.join(', ')), `the weights file has ${got} bytes, ${MODEL_JSON}'s weightsManifest needs ${needed}`);
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/** Loads the tfjs model in `dir` with the stock `tf.loadLayersModel`. */
export async function loadTfjsModel(dir: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(fileLoadHandler(dir));
  } catch (err) {
    if (err instanceof SvdError) throw err;
    throw formatError(path.join(dir, MODEL_JSON), `tf.loadLayersModel failed: ${(err as Error).message}`);
  }
}

function readWeightsFile(dir: string, name: string, modelFile: string): ArrayBuffer {
  if (name !== path.basename(name) || name === '..' || name === '.') throw formatError(modelFile, `weights path '${name}' must be a file name in the same folder`);
  const file = path.join(dir, name);
  try {
    const bytes = fs.readFileSync(file);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  } catch (err) {
    throw formatError(file, (err as Error).message);
  }
}

function formatError(file: string, why: string): SvdError {
  return new SvdError('E_EXPORT_FORMAT', `cannot read the exported model: ${why}`, { file }, 1);
}
