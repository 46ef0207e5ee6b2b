/**
 * `slurm`: a sweep's jobs as Slurm job arrays (after submitit / hydra-submitit-launcher). Jobs are
 * split into arrays of at most the cluster's MaxArraySize tasks; each array's batch script and
 * spec are kept in the sweep directory's slurm/ folder (slurm/script.ts, slurm/submission.ts) and
 * each task (slurm/task.ts) runs its job into its job directory, which every node must see. The
 * sweep waits, reading task states from squeue while Slurm lists them and each task's own
 * slurm-result.json after, so it works without accounting (sacct is asked only about a task that
 * vanished without a result). Aborting the sweep (Ctrl-C) cancels its arrays with scancel; the
 * tasks stop at a checkpoint, and `svd sweep --resume` continues them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../store/atomic.js';
import { makeDirs } from '../../store/make-dirs.js';
import type { Executor, ExecutorContext, ExecutorEntry, ExecutorJob, JobEvents, JobOutcome } from './executor.js';
import { pinEnv } from './pin.js';
import { commandExists, FINAL_STATES, maxArraySize, sacct, sbatch, scancel, squeue } from './slurm/commands.js';
import { batchScript, type SlurmOptions } from './slurm/script.js';
import { arrayFile, nextArrayNumber, readArrays, readResult, resultFile, slurmDir, writeArray, type ArraySubmission } from './slurm/submission.js';
import { STDERR_TAIL_CHARS } from './process-job.js';

/** Polls a task may be missing from the queue without a result before it counts as lost. */
const LOST_AFTER_POLLS = 3;

/** A submitted task the sweep still waits for. */
interface Waiting {
  job: ExecutorJob;
  /** `ARRAYID_TASK`. */
  slurmId: string;
  arrayId: string;
  /** Its output file (what the batch script printed). */
  output: string;
  missing: number;
  submitted: number;
}

/** The Slurm executor of `options` in the sweep `context`. */
function slurmExecutor(options: SlurmOptions, context: ExecutorContext): Executor {
  const pollMs = (options.poll_interval_s ?? 5) * 1000;
  const cpus = options.cpus_per_task ?? context.cpusPerJob ?? 1;
  const parallelism = options.array_parallelism ?? context.jobs;
  const scriptOptions = { ...options, ...(parallelism !== undefined && { array_parallelism: parallelism }) };

  /** Writes and submits the arrays for `jobs`; the tasks to wait for. */
  const submit = (jobs: readonly ExecutorJob[], events: JobEvents, signal: AbortSignal): Waiting[] => {
    const sweepDir = context.sweepDir;
    makeDirs(slurmDir(sweepDir));
    const size = maxArraySize();
    const waiting: Waiting[] = [];
    for (let from = 0; from < jobs.length && !signal.aborted; from += size) {
      const tasks = jobs.slice(from, from + size);
      const k = nextArrayNumber(sweepDir);
      const submission: ArraySubmission = { jobId: null, tasks, maxRequeues: options.max_requeues ?? 3, cpusPerTask: context.cpusPerJob ?? cpus };
      writeArray(sweepDir, k, submission);
      const output = path.join(slurmDir(sweepDir), `array-${k}-%a.out`);
      const script = path.join(slurmDir(sweepDir), `array-${k}.sbatch`);
      writeFileAtomic(script, batchScript(scriptOptions, { name: `svd-${path.basename(path.dirname(sweepDir))}`, sweepDir, arrayFile: arrayFile(sweepDir, k), output, tasks: tasks.length, cpus }));
      for (const job of tasks) {
        makeDirs(job.dir);
        fs.rmSync(resultFile(job.dir), { force: true });
      }
      let jobId: string;
      try {
        jobId = sbatch(script);
      } catch (err) {
        // Not half a sweep in the queue: cancel the arrays already submitted (their jobs end as interrupted).
        const submitted = [...new Set(waiting.map((w) => w.arrayId))];
        if (submitted.length > 0) scancel(submitted);
        throw err;
      }
      writeArray(sweepDir, k, { ...submission, jobId });
      tasks.forEach((job, t) => {
        const slurmId = `${jobId}_${t}`;
        events.started(job, { device: null, env: pinEnv(job.backend, null, cpus), id: slurmId });
        waiting.push({ job, slurmId, arrayId: jobId, output: output.replace('%a', String(t)), missing: 0, submitted: Date.now() });
      });
    }
    return waiting;
  };

  return {
    concurrency: parallelism ?? Infinity,
    async run(jobs, events, signal) {
      const waiting = submit(jobs, events, signal);
      const arrays = [...new Set(waiting.map((w) => w.arrayId))];
      let cancelled = false;
      const cancel = () => {
        if (cancelled || arrays.length === 0) return;
        cancelled = true;
        scancel(arrays);
        console.error(`cancelled Slurm job(s) ${arrays.join(', ')}; running tasks stop at a checkpoint`);
      };
      signal.addEventListener('abort', cancel, { once: true });
      if (signal.aborted) cancel();
      try {
        await follow(waiting, events, () => cancelled, pollMs);
      } finally {
        signal.removeEventListener('abort', cancel);
      }
    },
    async submit(jobs, events, signal) {
      submit(jobs, events, signal);
    },
    async look(ids, events) {
      const wanted = new Set(ids);
      const waiting = submitted(context.sweepDir).filter((w) => wanted.has(w.slurmId));
      // One look is all --status gets: a task Slurm no longer runs that left no result is lost now.
      for (const task of waiting) task.missing = LOST_AFTER_POLLS - 1;
      const { still, states } = poll(waiting, events, false);
      return new Map(still.map((w) => [w.slurmId, states.get(w.slurmId) ?? 'unknown']));
    },
  };
}

/** Every task the sweep directory's arrays submitted, newest submission of each job last. */
function submitted(sweepDir: string): Waiting[] {
  return readArrays(sweepDir).flatMap((array, k) => {
    if (array.jobId === null) return [];
    const since = fs.statSync(arrayFile(sweepDir, k)).mtimeMs;
    return array.tasks.map((job, t): Waiting => ({
      job, slurmId: `${array.jobId}_${t}`, arrayId: array.jobId!, output: path.join(slurmDir(sweepDir), `array-${k}-${t}.out`), missing: 0, submitted: since,
    }));
  });
}

/** Looks at the queue every `pollMs` until every task in `waiting` has ended, reporting each end. */
async function follow(waiting: Waiting[], events: JobEvents, cancelled: () => boolean, pollMs: number): Promise<void> {
  let left = [...waiting];
  while (left.length > 0) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    left = poll(left, events, cancelled()).still;
  }
}

/** One look at the queue: reports the tasks of `left` that ended; the ones still live, and the states Slurm gave. */
function poll(left: Waiting[], events: JobEvents, cancelled: boolean): { still: Waiting[]; states: Map<string, string> } {
  const states = squeue([...new Set(left.map((w) => w.arrayId))]);
  let accounting: Map<string, string> | null | undefined;
  const still: Waiting[] = [];
  for (const task of left) {
    const state = states.get(task.slurmId);
    const live = state !== undefined && !FINAL_STATES.has(state);
    const result = live ? null : readResult(task.job.dir);
    if (result) {
      events.ended(task.job, { exitCode: result.exitCode, signal: result.signal, lastLine: result.lastLine, stderrTail: result.stderrTail, seconds: result.seconds, stopped: result.stopped || cancelled });
      continue;
    }
    if (live) {
      still.push(task);
      continue;
    }
    // Ended (or unknown to Slurm) without a result: give the file a few polls to appear, then ask accounting.
    task.missing += 1;
    if (task.missing < LOST_AFTER_POLLS && !(cancelled && state === 'CANCELLED')) {
      still.push(task);
      continue;
    }
    if (accounting === undefined) accounting = sacct([...new Set(left.map((w) => w.arrayId))]);
    const final = state ?? accounting?.get(task.slurmId) ?? 'unknown (not in the queue; accounting is off)';
    events.ended(task.job, lostOutcome(task, final, cancelled));
  }
  return { still, states };
}

/** The outcome of a task that ended without writing its result: never started, killed, or its node could not see the sweep. */
function lostOutcome(task: Waiting, state: string, cancelled: boolean): JobOutcome {
  let printed = '';
  try {
    printed = fs.readFileSync(task.output, 'utf8').slice(-STDERR_TAIL_CHARS);
  } catch {
    // the task never started (or its node could not write the sweep directory)
  }
  const why = `Slurm task ${task.slurmId} ended without a result (Slurm state ${state})${printed ? '' : '; it printed nothing'}`;
  return { exitCode: null, signal: null, lastLine: '', stderrTail: `${printed}${printed.endsWith('\n') || !printed ? '' : '\n'}${why}\n`, seconds: (Date.now() - task.submitted) / 1000, stopped: cancelled };
}

const positive = (description: string) => ({ type: 'number', exclusiveMinimum: 0, description });
const count = (description: string, minimum = 1) => ({ type: 'integer', minimum, description });
const text = (description: string) => ({ type: 'string', minLength: 1, description });

/** `slurm`. */
export const slurm: ExecutorEntry<SlurmOptions> = {
  description: 'Slurm job arrays (sbatch), one task per job, from a login node; the sweep directory must be on a filesystem every node sees',
  properties: {
    partition: text('partition to submit to (--partition)'),
    timeout_min: count('time limit of each task in minutes (--time); the task checkpoints signal_delay_s before it and requeues itself'),
    gpus_per_task: count('GPUs per task (--gres=gpu:N); the task uses the ones Slurm gives it', 0),
    cpus_per_task: count('cores per task (--cpus-per-task), also its SVD_WASM_THREADS. Default 1'),
    mem_gb: positive('memory per task in GiB (--mem)'),
    account: text('account to charge (--account)'),
    qos: text('quality of service (--qos)'),
    constraint: text('node features required (--constraint)'),
    array_parallelism: count('tasks of the array running at once (--array=...%N). Default: `jobs`, else no limit'),
    additional_parameters: {
      type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
      propertyNames: { pattern: '^[a-z][a-z0-9-]*$' },
      description: 'more sbatch options, name -> value (true for a flag), e.g. {exclusive: true, nodelist: node[1-4]}',
    },
    setup: { type: 'array', items: { type: 'string' }, description: 'shell lines run in each task before svd (module load, environment variables)' },
    signal_delay_s: count('seconds before the time limit at which a task is told to stop at a checkpoint (--signal=B:USR2@N). Default 90'),
    max_requeues: count('times a task may be requeued (time limit, preemption) before it fails. Default 3', 0),
    poll_interval_s: positive('seconds between two looks at the queue while the sweep waits. Default 5'),
  },
  queues: true,
  unavailable: () => (commandExists('sbatch') ? null : 'sbatch is not installed here'),
  create: (options, context) => slurmExecutor(options, context),
};

