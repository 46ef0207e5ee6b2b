/**
 * What bench/gpu-check.sh prints first: the backend `--backend NAME` gets here (default webgpu)
 * and, on webgpu, its adapter (vendor, architecture, device, description; SVD_WEBGPU_ADAPTER and
 * SVD_WEBGPU_DEVICE choose it), with the versions and machine env.json would record, as one
 * JSON line. Exit 2 with the E_BACKEND message when the backend does not start.
 * Usage: node dist/bench/gpu-adapter.js [BACKEND]
 */
import { selectBackend } from '../src/backends/select.js';
import { envInfo } from '../src/run/env-info.js';
import { SvdError } from '../src/errors.js';

const requested = process.argv[2] ?? 'webgpu';
try {
  const info = await selectBackend(requested);
  const env = envInfo(info, 0, process.argv.slice(1), 1);
  console.log(JSON.stringify({ check: 'adapter', backend: env.backend, versions: env.versions, machine: env.machine }));
  process.exit(0);
} catch (err) {
  console.error(err instanceof SvdError ? `${err.code}: ${err.message}` : String(err));
  process.exit(2);
}
