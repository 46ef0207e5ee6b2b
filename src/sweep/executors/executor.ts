/**
 * The job executor contract (after Hydra's launcher): an executor only starts a sweep's jobs,
 * reports each one's start and end, and stops them when the sweep is stopped. What each job runs
 * (`svd run ...`, or `svd resume RUN_DIR` for one that was interrupted) and what is recorded
 * about it, the sweep decides (src/sweep/sweep.ts). An executor is one file in this folder
 * exporting its ExecutorEntry and one line in registry.ts; the sweep file's `executor:` section
 * and `svd sweep --executor` choose it, and its keys join the sweep schema.
 */

/** One job as an executor runs it: an `svd` command line with a directory of its own. */
export interface ExecutorJob {
  index: number;
  /** Arguments after `svd`: `run BASE --set ... --runs-dir DIR` or `resume RUN_DIR`. */
  args: string[];
  /** The job's directory (its runs directory): the job's log goes to `job.log` there. */
  dir: string;
  /** The backend the job's config asks for (`auto` or a registered name): how it is pinned to a device. */
  backend: string;
}

/** How a job ended. */
export interface JobOutcome {
  exitCode: number | null;
  /** The signal that ended it, if one did. */
  signal: string | null;
  /** The last non-empty line of its stdout (`svd run` prints its run directory there). */
  lastLine: string;
  stderrTail: string;
  seconds: number;
  /** True when the executor stopped it because the sweep was stopped. */
  stopped: boolean;
}

/** Where a job runs: the device it holds (null without devices) and the environment that pins it, where known. */
export interface JobPlacement {
  device: string | null;
  env?: Record<string, string>;
  /** The scheduler's id of the job, where there is one (Slurm: `ARRAYID_TASK`), recorded in jobs.jsonl. */
  id?: string;
}

/** What an executor reports as jobs go. */
export interface JobEvents {
  /** `job` is about to start, placed as `placement` says; its `dir` exists once this returns. */
  started(job: ExecutorJob, placement: JobPlacement): void;
  /** `job` ended. */
  ended(job: ExecutorJob, outcome: JobOutcome): void;
}

/** Runs jobs. */
export interface Executor {
  /** Most jobs running at once (Infinity: as many as the scheduler runs). */
  readonly concurrency: number;
  /** Starts every job, reporting to `events`; resolves once each has ended or, after `signal`, was never started. */
  run(jobs: readonly ExecutorJob[], events: JobEvents, signal: AbortSignal): Promise<void>;
  /**
   * Executors whose jobs outlive `svd sweep` (a cluster's queue) only: queues every job, reporting
   * each as started, and returns (`svd sweep --detach`).
   */
  submit?(jobs: readonly ExecutorJob[], events: JobEvents, signal: AbortSignal): Promise<void>;
  /**
   * With `submit`: one look at the queued jobs of ids `ids` (their JobPlacement ids): reports
   * those that ended since, and resolves to the scheduler's state of each one still queued or
   * running (`svd sweep --status`, `--resume`).
   */
  look?(ids: readonly string[], events: JobEvents): Promise<Map<string, string>>;
}

/** What every executor is created with. */
export interface ExecutorContext {
  /** The sweep directory: an executor may keep its own files there (in a folder named after it). */
  sweepDir: string;
  /** `--jobs` / `jobs:`: most jobs at once; absent: the executor's default. */
  jobs?: number;
  /** `--devices` / `devices:`: one per running job; null: none. */
  devices: string[] | null;
  /** SVD_WASM_THREADS as the user set it (each job gets it); null: the cores are shared out. */
  cpusPerJob: number | null;
}

/** A registered executor; `O` is its keys in the sweep file's `executor:` section. */
export interface ExecutorEntry<O extends object = object> {
  description: string;
  /** Schema of its keys in the `executor:` section besides `type`. */
  properties: Record<string, object>;
  required?: string[];
  /** True for executors whose jobs wait in a scheduler's queue and outlive `svd sweep`: they implement submit and look. */
  queues?: boolean;
  /** Why it cannot run on this machine (a missing scheduler command), or null; absent: it always can. */
  unavailable?(): string | null;
  create(options: O, context: ExecutorContext): Executor;
}
