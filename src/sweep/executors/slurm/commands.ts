/**
 * The Slurm commands the slurm executor uses, each one process with its output parsed: sbatch
 * (submit an array), squeue (task states while Slurm still knows the tasks), sacct (states after,
 * where accounting answers; null where it is off, as on many small clusters), scancel, scontrol
 * requeue and MaxArraySize from `scontrol show config`. A command that cannot run or fails is
 * E_SLURM (exit 1) with its stderr.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdError } from '../../../errors.js';

/** Slurm's default MaxArraySize, used when `scontrol show config` does not say. */
export const DEFAULT_MAX_ARRAY_SIZE = 1001;

/** Runs `command args`; its stdout, or E_SLURM with what it printed. */
function slurm(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.error) {
    const why = (result.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} is not installed here (the slurm executor submits from a Slurm login node)` : result.error.message;
    throw new SvdError('E_SLURM', `cannot run ${command}: ${why}`, {}, 1);
  }
  if (result.status !== 0) throw new SvdError('E_SLURM', `${command} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.trim() || result.stdout.trim()}`, {}, 1);
  return result.stdout;
}

/** Submits the batch script `script`; the array's job id. */
export function sbatch(script: string): string {
  const id = slurm('sbatch', ['--parsable', script]).trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new SvdError('E_SLURM', `sbatch ${script} printed no job id (got '${id}')`, {}, 1);
  return id;
}

/** `ARRAYID_TASK` -> Slurm state (PENDING, RUNNING, COMPLETED, CANCELLED, ...) of every task Slurm still lists. */
export function squeue(arrayIds: readonly string[]): Map<string, string> {
  try {
    return parseStates(slurm('squeue', ['-h', '-r', '-t', 'all', '-j', arrayIds.join(','), '-o', '%i|%T']));
  } catch (err) {
    // Slurm forgets a job MinJobAge seconds after its end; asking for one it forgot is an error.
    if (!/Invalid job id/i.test((err as Error).message)) throw err;
    if (arrayIds.length === 1) return new Map();
    return new Map(arrayIds.flatMap((id) => [...squeue([id])]));
  }
}

/** Task states from accounting, or null where accounting is off or does not answer. */
export function sacct(arrayIds: readonly string[]): Map<string, string> | null {
  const result = spawnSync('sacct', ['-n', '-P', '-X', '-j', arrayIds.join(','), '-o', 'JobID,State'], { encoding: 'utf8', timeout: 60_000 });
  if (result.error || result.status !== 0) return null;
  return parseStates(result.stdout);
}

/** `ID|STATE` lines; a state like `CANCELLED by 0` is cut to its first word. */
function parseStates(text: string): Map<string, string> {
  const states = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (id && state) states.set(id, state.split(' ')[0]!);
  }
  return states;
}

/** Cancels the jobs (whole arrays or `ARRAYID_TASK`) `ids`. */
export function scancel(ids: readonly string[]): void {
  if (ids.length > 0) slurm('scancel', [...ids]);
}

/** Puts the task `id` (`ARRAYID_TASK`) back in the queue. */
export function requeue(id: string): void {
  slurm('scontrol', ['requeue', id]);
}

/** The cluster's MaxArraySize: array task ids must be below it. */
export function maxArraySize(): number {
  let config: string;
  try {
    config = execFileSync('scontrol', ['show', 'config'], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new SvdError('E_SLURM', `cannot read the cluster's configuration (scontrol show config): ${(err as Error).message}`, {}, 1);
  }
  const value = /^MaxArraySize\s*=\s*(\d+)/m.exec(config)?.[1];
  return value ? Number(value) : DEFAULT_MAX_ARRAY_SIZE;
}

/**
 * Slurm states in which a task will not run again unless requeued. PREEMPTED is left out: a task
 * preempted with requeue passes through it on its way back to the queue, so the sweep waits until
 * it is pending again or Slurm forgets it.
 */
export const FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT']);

/** Whether `command` is on PATH. */
export function commandExists(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}
