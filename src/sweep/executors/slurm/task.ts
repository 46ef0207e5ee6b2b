/**
 * One task of a Slurm sweep, run inside its job by the array's batch script:
 * `node task.js slurm/array-K.json TASK_ID`. It runs the job's `svd run` (process-job.ts: output
 * appended to the job's job.log), or `svd resume` of the job's run once that has a checkpoint (a
 * requeued task continues, never restarts). SIGUSR2 (sent ahead of the time limit, `--signal`)
 * and SIGTERM (preemption, `scancel`, `scontrol requeue`) stop the run gracefully, so its
 * checkpoint is written; after SIGUSR2 the task requeues itself. Past `max_requeues` restarts it
 * fails. It ends by writing slurm-result.json into the job directory (not when it requeued
 * itself), which is how the sweep learns the outcome without Slurm accounting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomic } from '../../../store/atomic.js';
import { findRunDirs } from '../../../store/run-info.js';
import { hasCheckpoint } from '../../../store/checkpoint.js';
import type { ExecutorJob } from '../executor.js';
import { pinEnv } from '../pin.js';
import { runJobProcess } from '../process-job.js';
import { requeue } from './commands.js';
import { readArray, resultFile, type TaskResult } from './submission.js';

/** Milliseconds a stopped run has to write its checkpoint before it is killed (Slurm's own KillWait is 30 s by default). */
const CHECKPOINT_GRACE_MS = 60_000;

/** The arguments to run now: `svd resume` of the job's newest run once it has a checkpoint, else the job's own. */
export function taskArgs(job: ExecutorJob): string[] {
  if (job.args[0] !== 'run') return job.args;
  const run = findRunDirs(job.dir).pop();
  if (run === undefined) return job.args;
  return hasCheckpoint(path.join(run, 'checkpoints')) ? ['resume', run] : job.args;
}

/** Appends a line to the job's log. */
function note(job: ExecutorJob, text: string): void {
  fs.appendFileSync(path.join(job.dir, 'job.log'), `svd slurm task: ${text}\n`);
}

/** Runs task `taskId` of the array spec `specFile`; resolves to the exit status. */
export async function runTask(specFile: string, taskId: number): Promise<number> {
  const submission = readArray(specFile);
  const job = submission.tasks[taskId];
  if (!job) {
    console.error(`svd slurm task: ${specFile} has no task ${taskId}`);
    return 2;
  }
  const env = process.env;
  const slurmId = `${env.SLURM_ARRAY_JOB_ID ?? env.SLURM_JOB_ID ?? '?'}_${taskId}`;
  const restarts = Number(env.SLURM_RESTART_COUNT ?? 0) || 0;
  fs.rmSync(resultFile(job.dir), { force: true });
  const finish = (result: Omit<TaskResult, 'slurmId' | 'restarts'>): number => {
    writeJsonAtomic(resultFile(job.dir), { ...result, slurmId, restarts });
    return result.exitCode ?? 1;
  };
  if (restarts > submission.maxRequeues) {
    const why = `requeued ${restarts} times, more than max_requeues (${submission.maxRequeues}); the run keeps its last checkpoint: continue it with svd sweep --resume`;
    note(job, why);
    return finish({ exitCode: 1, signal: null, lastLine: '', stderrTail: why, seconds: 0, stopped: false });
  }
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const stop = (signal: NodeJS.Signals) => {
    if (stoppedBy) return;
    stoppedBy = signal;
    note(job, `${signal}${signal === 'SIGUSR2' ? ' (time limit near)' : ''}: stopping the run at a checkpoint`);
    controller.abort();
  };
  for (const signal of ['SIGUSR2', 'SIGTERM', 'SIGINT'] as const) process.on(signal, stop);
  const args = taskArgs(job);
  const outcome = await runJobProcess({ args, env: pinEnv(job.backend, null, submission.cpusPerTask), logFile: path.join(job.dir, 'job.log'), signal: controller.signal, killGraceMs: CHECKPOINT_GRACE_MS });
  const stopped = stoppedBy !== null && outcome.exitCode !== 0;
  if (stopped && stoppedBy === 'SIGUSR2' && restarts < submission.maxRequeues) {
    try {
      requeue(slurmId);
      note(job, `requeued (restart ${restarts + 1} of at most ${submission.maxRequeues}); it resumes from the checkpoint`);
      return 0;
    } catch (err) {
      note(job, `cannot requeue: ${(err as Error).message}`);
    }
  }
  return finish({ ...outcome, stopped });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [specFile, taskId] = process.argv.slice(2);
  runTask(specFile ?? '', Number(taskId)).then((code) => process.exit(code), (err: unknown) => {
    console.error(`svd slurm task: ${(err as Error).message}`);
    process.exit(1);
  });
}
