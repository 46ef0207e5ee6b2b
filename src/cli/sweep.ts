/**
 * `svd sweep SWEEP.yaml [--jobs N] [--devices 0,1,...] [--set path=value]... [--runs-dir DIR]
 * [--dry-run] [--detach]`, `svd sweep --resume SWEEP_DIR` and `svd sweep --status SWEEP_DIR`:
 * runs every job of a sweep file as its own `svd run` (here, or on a Slurm cluster), at most N at
 * a time and one device each, into runs/<name>/<timestamp>/ (as svd run does); prints the summary table and,
 * as the last line of stdout, the sweep directory.
 */
import type { Command } from './command.js';
import { integerOption, listOption, parseCommandArgs, typedCommand, synopsis } from './args.js';
import { DEVICE_ID_PATTERN } from '../sweep/sweep-schema.js';
import { SvdError } from '../errors.js';
import { runSweep } from '../sweep/sweep.js';
import { sweepStatus } from '../sweep/status.js';
import { EXECUTORS } from '../sweep/executors/registry.js';
import { runtimeFromEnv } from '../backends/backend.js';

const usage = `usage: svd sweep SWEEP.yaml [--jobs N] [--devices 0,1,...] [--executor ${EXECUTORS.names().join('|')}] [--set path=value]... [--runs-dir DIR] [--dry-run] [--detach]
       svd sweep --resume SWEEP_DIR [SWEEP.yaml] [--jobs N] [--devices 0,1,...] [--detach]
       svd sweep --status SWEEP_DIR
  Runs each job of the sweep as its own \`svd run\` (N at a time; default: one per device, else one
  per CPU core), each holding one device (CUDA_VISIBLE_DEVICES) while it runs. --executor chooses
  what runs them (default: the sweep file's executor section, else local). --set applies to
  every job. --resume reruns the jobs of SWEEP_DIR that did not complete. --detach (slurm)
  queues the jobs and returns; --status shows how every job stands (and records the ones that
  ended). Exit 0 when every job completed, 1 when one failed, 2 for a bad sweep file or job
  config (nothing runs).
  --jobs N          jobs at a time (default: one per device, else one per CPU core)
  --devices LIST    device ids the jobs share, one job per device (e.g. 0,1)
  --executor E      local (default) or slurm; overrides the sweep file's executor section
  --set path=value  override a config key of every job, repeatable
  --runs-dir DIR    where the sweep directory and its jobs' runs go (default: runs): DIR/<name>/<timestamp>/
  --dry-run         list the jobs and check their configs; run nothing
  --detach          (slurm) queue the jobs and return
  --resume DIR      rerun the jobs of sweep directory DIR that did not complete
  --status DIR      how every job of sweep directory DIR stands
examples:
  svd sweep configs/sweeps/quickstart-kl.yaml --jobs 2
  svd sweep --status runs/quickstart-kl/2026-12-02T10-00-00-ab12cd`;

/** `--devices 0,1` -> ['0', '1']; E_ARGS for empty, malformed (DEVICE_ID_PATTERN) or repeated ids. */
export function parseDevices(value: string | undefined): string[] | undefined {
  const id = new RegExp(DEVICE_ID_PATTERN);
  const devices = listOption('devices', value, 'device ids (0, 1, ... or GPU-/MIG- UUIDs)', (d) => (id.test(d) ? d : null));
  const twice = devices?.find((d, i) => devices.indexOf(d) !== i);
  if (twice !== undefined) throw new SvdError('E_ARGS', `--devices lists device ${twice} twice; each running job holds a device of its own`);
  return devices;
}

/** `--executor NAME`: a registered executor; E_ARGS naming the known ones otherwise. */
function parseExecutor(value: string | undefined): string | undefined {
  if (value === undefined || EXECUTORS.has(value)) return value;
  throw new SvdError('E_ARGS', `--executor must be one of ${EXECUTORS.names().join(', ')}, got '${value}'`);
}

const command: Command = {
  name: 'sweep',
  summary: 'run the jobs of a sweep file in parallel (one device each) and summarise them',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('sweep', usage, argv, {
      jobs: { type: 'string' },
      devices: { type: 'string' },
      set: { type: 'string', multiple: true },
      'runs-dir': { type: 'string' },
      executor: { type: 'string' },
      resume: { type: 'string' },
      status: { type: 'string' },
      detach: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    }, { min: 0, max: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    if (values.status !== undefined) {
      const others = Object.keys(values).filter((k) => k !== 'status');
      if (others.length > 0 || positionals.length > 0) throw new SvdError('E_ARGS', `svd sweep: --status SWEEP_DIR takes nothing else (got ${[...others.map((k) => `--${k}`), ...positionals].join(' ')})`);
      return sweepStatus(values.status, typedCommand());
    }
    if (!values.resume && positionals.length === 0) throw new SvdError('E_ARGS', `svd sweep: expected a sweep file (or --resume SWEEP_DIR)\n${synopsis('sweep', usage)}`);
    if (values.resume && values['runs-dir']) throw new SvdError('E_ARGS', 'svd sweep: --runs-dir cannot be used with --resume (the sweep stays in its directory)');
    const jobs = integerOption('jobs', values.jobs, 1);
    return runSweep({
      file: positionals[0],
      resume: values.resume,
      jobs,
      devices: parseDevices(values.devices),
      executor: parseExecutor(values.executor),
      cpusPerJob: runtimeFromEnv().cpus,
      sets: values.set ?? [],
      runsDir: values['runs-dir'] ?? 'runs',
      dryRun: values['dry-run'] ?? false,
      detach: values.detach ?? false,
      argv: typedCommand(),
    });
  },
};
export default command;
