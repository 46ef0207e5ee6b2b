/**
 * A real one-node Slurm cluster for the tests (scripts/slurm-cluster.sh): started once per test
 * file that asks, under a temporary folder, with SLURM_CONF set for this process and every
 * process it starts, and stopped when the process exits, whether the tests passed or not.
 * Where Slurm cannot run (not installed, not root) it says why; under CI=true that is a failure,
 * not a skip.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './cli.js';
import { commandExists } from '../../src/sweep/executors/slurm/commands.js';

const SCRIPT = path.join(ROOT, 'scripts', 'slurm-cluster.sh');
let started: { dir: string } | null = null;
let why: string | null = null;

/** Starts the test cluster (once); null when it runs, else why it cannot (an error under CI=true). */
export function startSlurmCluster(): string | null {
  if (started) return null;
  if (why) return why;
  const missing = ['slurmctld', 'slurmd', 'munged', 'sbatch'].find((c) => !commandExists(c));
  if (missing) why = `${missing} is not installed (apt-get install slurm-wlm munge)`;
  else if (process.getuid?.() !== 0) why = 'the test cluster runs its daemons as root';
  if (why) {
    if (process.env.CI === 'true') throw new Error(`Slurm tests cannot run under CI: ${why}`);
    return why;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svd-slurm-'));
  process.once('exit', () => stopSlurmCluster());
  started = { dir };
  execFileSync('bash', [SCRIPT, 'start', dir], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 60_000 });
  process.env.SLURM_CONF = path.join(dir, 'slurm.conf');
  return null;
}

/** Stops the test cluster's daemons (by their pid files) and removes its folder. */
export function stopSlurmCluster(): void {
  if (!started) return;
  const { dir } = started;
  started = null;
  try {
    execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore', timeout: 30_000 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

