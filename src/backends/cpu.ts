/**
 * `cpu`: the pure-JavaScript backend of @tensorflow/tfjs (100x+ slower than wasm on
 * convolutions), the last resort. Its one-time "looks like you are running TensorFlow.js in
 * Node.js" console notice is swallowed (quietCpuNotice).
 */
import * as tf from '@tensorflow/tfjs';
import { activateTfBackend, type BackendEntry } from './backend.js';

const CPU_PACKAGE = '@tensorflow/tfjs-backend-cpu';

/** `cpu`. */
export const cpu: BackendEntry = {
  description: 'plain JavaScript (@tensorflow/tfjs-backend-cpu), slow; the last resort',
  auto: true,
  lastResort: true,
  capabilities: { workers: true, devices: false },
  async activate() {
    if (!(await activateTfBackend('cpu'))) return { ok: false, why: `${CPU_PACKAGE}: backend "cpu" did not initialise` };
    return { ok: true, info: { package: CPU_PACKAGE } };
  },
  advice: 'reinstall @tensorflow/tfjs',
  versions: () => ({}),
  defaultWorkers: () => 1,
  pinJob: () => ({}),
};

/**
 * The cpu backend prints a notice ("Hi, looks like you are running TensorFlow.js in
 * Node.js. To speed things up dramatically, install our node backend...") through
 * tfjs's log.warn on its first write. That is its only trigger (nothing is printed on
 * import), and log.warn stays quiet while the PROD flag is set; so we make that first
 * write here with PROD set, then restore the flag. Other tfjs warnings stay on.
 */
export function quietCpuNotice(): void {
  const env = tf.env();
  const wasProd = env.getBool('PROD');
  env.set('PROD', true);
  try {
    const backend = tf.findBackend('cpu');
    if (backend) backend.disposeData(backend.write(new Float32Array(1), [1], 'float32'));
  } catch {
    // Without a cpu backend there is no notice to swallow.
  } finally {
    env.set('PROD', wasProd);
  }
}
