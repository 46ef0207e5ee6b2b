/**
 * Helpers shared by the config tests: paths into the repository, temporary config folders and
 * loading a config that must fail.
 */
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/experiment/load-config.js';
import { SvdErrors, type SvdError } from '../src/errors.js';
import { tempDir } from './helpers/cli.js';

/** The repository root (tests run from dist/test/). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** test/fixtures in the repository. */
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');

/** The problems `loadConfig(file, sets)` throws; fails the test when it succeeds. */
export async function loadErrors(file: string, sets: string[] = []): Promise<SvdError[]> {
  try {
    await loadConfig(file, sets);
  } catch (err) {
    assert.ok(err instanceof SvdErrors, `expected SvdErrors, got ${String(err)}`);
    return err.errors;
  }
  assert.fail(`${file} loaded without errors`);
}

/** A fresh temporary folder holding `files` (name -> text), removed at exit; resolves to its path. */
export async function tempConfigs(files: Record<string, string>): Promise<string> {
  const dir = tempDir('svd-config-');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

/** The smallest valid config body (MNIST, flatten + one Sparse VD dense layer). */
export const MINIMAL = `data: { dataset: mnist }
model:
  layers: [{ type: flatten }, { type: dense-svd, units: 10 }]
`;
