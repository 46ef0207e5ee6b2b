/**
 * `tensorflow`: the native TensorFlow backend of @tensorflow/tfjs-node-gpu (CUDA) or
 * @tensorflow/tfjs-node, both optional (their install downloads libtensorflow from outside the npm
 * registry). A sweep job is pinned to a GPU with CUDA_VISIBLE_DEVICES.
 */
import { createRequire } from 'node:module';
import { activateTfBackend, describeImportError, importByName, packageVersion, type BackendEntry } from './backend.js';

const require = createRequire(import.meta.url);
/** Native packages that provide the backend, best first. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/** `tensorflow`. */
export const tensorflow: BackendEntry = {
  description: 'native TensorFlow (@tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node), CPU or CUDA GPU',
  auto: true,
  capabilities: { workers: false, devices: true },
  async activate() {
    const failures: string[] = [];
    for (const pkg of NATIVE_PACKAGES) {
      try {
        await importByName(pkg);
      } catch (err) {
        failures.push(`${pkg}: ${describeImportError(pkg, err)}`);
        continue;
      }
      if (await activateTfBackend('tensorflow')) return { ok: true, info: { package: pkg } };
      failures.push(`${pkg}: loaded, but backend "tensorflow" did not initialise`);
    }
    return { ok: false, why: failures.join('; ') };
  },
  advice: 'install @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node, or use --backend wasm',
  versions: () => Object.fromEntries(NATIVE_PACKAGES.map((pkg) => [pkg, packageVersion(pkg, require)]).filter(([, v]) => v !== null)),
  defaultWorkers: () => 1,
  pinJob: (device): Record<string, string> => (device === null ? {} : { CUDA_VISIBLE_DEVICES: device }),
};
