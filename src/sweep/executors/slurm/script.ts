/**
 * The batch script of one array of a Slurm sweep: `#SBATCH` directives from the sweep file's
 * `executor:` keys (named as submitit / hydra-submitit-launcher users know them), the user's setup
 * lines, a check that this node sees the sweep directory, then the task (task.js) for
 * SLURM_ARRAY_TASK_ID. It is kept beside the array's spec in the sweep directory's slurm/ folder.
 */
import { fileURLToPath } from 'node:url';

/** The `executor:` keys of `type: slurm`. */
export interface SlurmOptions {
  partition?: string;
  /** Time limit per task, minutes (--time). */
  timeout_min?: number;
  /** GPUs per task (--gres=gpu:N); the task uses the ones Slurm gives it. */
  gpus_per_task?: number;
  /** Cores per task (--cpus-per-task): also the task's SVD_WASM_THREADS. */
  cpus_per_task?: number;
  /** Memory per task, GiB (--mem). */
  mem_gb?: number;
  account?: string;
  qos?: string;
  constraint?: string;
  /** Tasks of the array running at once (--array=...%N). */
  array_parallelism?: number;
  /** More sbatch options: name -> value (`true` for a flag). */
  additional_parameters?: Record<string, string | number | boolean>;
  /** Shell lines run before the task (module load, conda activate, ...). */
  setup?: string[];
  /** Seconds before the time limit at which the task is told to checkpoint and requeue itself. */
  signal_delay_s?: number;
  /** Requeues (preemption, time limit) a task may take; past that it fails. */
  max_requeues?: number;
  /** Seconds between two looks at the queue while the sweep waits. */
  poll_interval_s?: number;
}

/** task.js of this package (this module runs from dist/src/sweep/executors/slurm/). */
export const TASK_SCRIPT = fileURLToPath(new URL('./task.js', import.meta.url));

/** What goes into one array's script besides the options. */
export interface ScriptParts {
  /** Job name shown by squeue. */
  name: string;
  /** The sweep directory (every node must see it at this path). */
  sweepDir: string;
  /** The array's spec file (slurm/array-K.json). */
  arrayFile: string;
  /** Where Slurm writes what the script itself prints, with %a for the task id. */
  output: string;
  /** Number of tasks. */
  tasks: number;
  /** Cores per task. */
  cpus: number;
}

/** `value` quoted for bash. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** `value` quoted for an #SBATCH line. */
function directiveQuote(value: string): string {
  return /^[A-Za-z0-9_./:%@,=+-]+$/.test(value) ? value : `"${value.replaceAll('"', '\\"')}"`;
}

/** The sbatch directives for `options` and `parts`. */
export function directives(options: SlurmOptions, parts: ScriptParts): string[] {
  const lines: Array<[string, string | number | boolean | undefined]> = [
    ['job-name', parts.name],
    ['array', `0-${parts.tasks - 1}${options.array_parallelism ? `%${options.array_parallelism}` : ''}`],
    ['output', parts.output],
    ['open-mode', 'append'],
    ['requeue', true],
    ['signal', `B:USR2@${options.signal_delay_s ?? 90}`],
    ['ntasks', 1],
    ['cpus-per-task', parts.cpus],
    ['partition', options.partition],
    ['time', options.timeout_min],
    ['gres', options.gpus_per_task ? `gpu:${options.gpus_per_task}` : undefined],
    ['mem', options.mem_gb !== undefined ? `${Math.ceil(options.mem_gb * 1024)}M` : undefined],
    ['account', options.account],
    ['qos', options.qos],
    ['constraint', options.constraint],
    ...Object.entries(options.additional_parameters ?? {}),
  ];
  return lines
    .filter(([, value]) => value !== undefined && value !== false)
    .map(([key, value]) => `#SBATCH --${key}${value === true ? '' : `=${directiveQuote(String(value))}`}`);
}

/** The whole batch script. */
export function batchScript(options: SlurmOptions, parts: ScriptParts): string {
  const q = shellQuote;
  return [
    '#!/bin/bash',
    `# svd sweep: one array of the sweep in ${parts.sweepDir}, written by \`svd sweep\` and submitted with sbatch.`,
    ...directives(options, parts),
    '',
    ...(options.setup ?? []),
    `if [ ! -r ${q(parts.arrayFile)} ]; then`,
    `  echo "svd: node $(hostname) cannot see the sweep directory ${parts.sweepDir.replaceAll('"', '\\"')}: every node that runs a task must see it at the same path (a shared filesystem)" >&2`,
    '  exit 2',
    'fi',
    `NODE=$(command -v node || echo ${q(process.execPath)})`,
    `exec "$NODE" ${q(TASK_SCRIPT)} ${q(parts.arrayFile)} "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
}
