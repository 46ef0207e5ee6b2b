/**
 * The webgpu backend for the tests: on this project's machines it runs on lavapipe (Mesa's
 * software Vulkan driver, from Debian's bookworm-backports: .ci/run installs it). Where no
 * Vulkan driver is found the webgpu tests skip, saying why; under CI=true that is a failure,
 * not a skip (as test/helpers/slurm.ts does for Slurm).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/backends/select.js';

let checked: { why: string | null } | null = null;

/** Sets XDG_RUNTIME_DIR (for this process and the commands it starts) when unset: Vulkan loaders warn without it. */
export function quietVulkanLoader(): void {
  if (process.env.XDG_RUNTIME_DIR) return;
  const dir = path.join(os.tmpdir(), `svd-xdg-${process.getuid?.() ?? 'user'}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}

/**
 * Null when `--backend webgpu` starts here (the active backend is then webgpu), else why not.
 * @throws under CI=true when it cannot start.
 */
export async function webgpuUnavailable(): Promise<string | null> {
  quietVulkanLoader();
  if (!checked) {
    try {
      await selectBackend('webgpu');
      checked = { why: null };
    } catch (err) {
      checked = { why: (err as Error).message };
    }
  }
  if (checked.why !== null && process.env.CI === 'true') throw new Error(`webgpu tests cannot run under CI: ${checked.why}`);
  return checked.why;
}
