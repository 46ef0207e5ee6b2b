/**
 * The standard tfjs LayersModel files, without tfjs-node's `file://` handler: `model.json`
 * (modelTopology, format, generatedBy, weightsManifest) and one weights file, written from
 * `model.save(tf.io.withSaveHandler(...))`, and read back with `tf.loadLayersModel` through a
 * small IOHandler that reads those files.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SvdError } from '../errors.js';
import { firstNonFinite } from '../files/finite.js';
import { fileInFolder, readJsonFile, readRegularFile, regularFileSize } from '../files/read.js';

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

/** The most values a weights manifest may declare in all (2^28: 1 GiB of float32), checked before anything is read. */
export const MAX_TFJS_VALUES = 2 ** 28;

/**
 * A tfjs IOHandler that loads `dir/model.json` (a regular file of at most 64 MiB) and the
 * weight files its manifest names (plain file names in `dir`, regular files). The specs are
 * checked (names, shapes, unquantized float32 / int32 / bool) and their bytes counted before
 * any weight file is read; the files must hold exactly those bytes, and float32 weights must be
 * finite. A problem is an E_EXPORT_FORMAT error naming the file.
 */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const file = path.join(dir, MODEL_JSON);
      const modelJson = readJsonFile(file, (why) => formatError(file, why)) as tf.io.ModelJSON | null;
      if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
        throw formatError(file, 'not a tfjs model.json (needs modelTopology and weightsManifest)');
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        if (!manifest.every((group) => group && Array.isArray(group.weights) && Array.isArray(group.paths))) throw formatError(file, 'every weightsManifest entry needs paths and weights lists');
        const specs = manifest.flatMap((group) => group.weights);
        const needed = specBytes(specs, file);
        const files = manifest.flatMap((group) => group.paths).map((name) => fileInFolder(dir, name, (why) => formatError(file, `weights path ${why}`)));
        const refuse = (f: string) => (why: string) => formatError(f, why);
        const sizes = files.map((f) => regularFileSize(f, refuse(f)));
        const got = sizes.reduce((a, b) => a + b, 0);
        if (got !== needed) throw formatError(files.join(', '), `the weights file has ${got} bytes, ${MODEL_JSON}'s weightsManifest needs ${needed}`);
        const bytes = Buffer.concat(files.map((f, i) => readRegularFile(f, refuse(f), sizes[i])));
        if (bytes.length !== needed) throw formatError(files.join(', '), `the weights files changed while read (${bytes.length} bytes, ${needed} needed)`);
        checkFinite(specs, bytes, files.join(', '));
        return [specs, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer];
      });
    },
  };
}

/** The bytes `specs` need; a spec without a name, with a bad shape, quantized or of an unknown dtype is refused. */
function specBytes(specs: tf.io.WeightsManifestEntry[], modelFile: string): number {
  let values = 0;
  let bytes = 0;
  for (const [i, s] of specs.entries()) {
    const where = `weightsManifest weight ${i}`;
    if (!s || typeof s.name !== 'string') throw formatError(modelFile, `${where} has no name`);
    if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw formatError(modelFile, `${where} (${s.name}): shape ${JSON.stringify(s.shape)} is not a list of sizes`);
    if (s.quantization || !(s.dtype in DTYPE_BYTES)) throw formatError(modelFile, `${where} (${s.name}): dtype ${JSON.stringify(s.dtype)}${s.quantization ? ' (quantized)' : ''} is not one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
    const n = s.shape.reduce((a, b) => a * b, 1);
    values += n;
    if (values > MAX_TFJS_VALUES) throw formatError(modelFile, `${where} (${s.name}): shape [${s.shape}] brings the weights to ${values} values, more than the ${MAX_TFJS_VALUES} (1 GiB of float32) svd loads`);
    bytes += n * DTYPE_BYTES[s.dtype];
  }
  return bytes;
}

/** Refuses a NaN or infinite float32 weight (svd exports finite weights only). */
function checkFinite(specs: tf.io.WeightsManifestEntry[], bytes: Buffer, file: string): void {
  const aligned = new Uint8Array(bytes).buffer;
  let offset = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (s.dtype === 'float32') {
      const values = offset % 4 === 0 ? new Float32Array(aligned, offset, n) : new Float32Array(aligned.slice(offset, offset + 4 * n));
      const i = firstNonFinite(values);
      if (i >= 0) throw formatError(file, `'${s.name}' holds ${values[i]} at index ${i} (an export holds finite values only; the file is damaged)`);
    }
    offset += n * DTYPE_BYTES[s.dtype];
  }
}

/**
 * Loads the tfjs model in `dir` with the stock `tf.loadLayersModel`. While tfjs builds the
 * layers model.json describes, each weight's shape is checked against the weights manifest
 * before tfjs allocates it: a topology claiming a [784, 1e6] kernel would otherwise allocate
 * 3 GB before the mismatch is found, and the manifest's values are bounded (MAX_TFJS_VALUES).
 * Not for use while other models are being built in the same process.
 */
export async function loadTfjsModel(dir: string): Promise<tf.LayersModel> {
  const modelFile = path.join(dir, MODEL_JSON);
  const shapes = new Map<string, number[]>();
  const handler = fileLoadHandler(dir);
  const layer = tf.layers.Layer.prototype as unknown as { addWeight: (this: { name: string }, name: string, shape: number[], ...rest: unknown[]) => unknown };
  const addWeight = layer.addWeight;
  layer.addWeight = function (name, shape, ...rest) {
    const full = `${this.name}/${name}`;
    const declared = shapes.get(full);
    if (!declared || declared.length !== shape.length || declared.some((d, i) => d !== shape[i])) {
      throw formatError(modelFile, `layer ${this.name}'s weight ${name} has shape [${shape}] in modelTopology, but the weightsManifest ${declared ? `gives [${declared}]` : 'has no such weight'}`);
    }
    return addWeight.call(this, name, shape, ...rest);
  };
  try {
    return await tf.loadLayersModel({
      async load() {
        const artifacts = await handler.load!();
        for (const spec of artifacts.weightSpecs ?? []) shapes.set(spec.name, spec.shape);
        return artifacts;
      },
    });
  } catch (err) {
    if (err instanceof SvdError) throw err;
    throw formatError(modelFile, `tf.loadLayersModel failed: ${(err as Error).message}`);
  } finally {
    layer.addWeight = addWeight;
  }
}

function formatError(file: string, why: string): SvdError {
  return new SvdError('E_EXPORT_FORMAT', `cannot read the exported model: ${why}`, { file });
}
