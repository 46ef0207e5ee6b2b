/**
 * `svd diff RUN_OR_SWEEP... [--all] [--json]`: compares two or more runs (a sweep directory
 * stands for the runs of its jobs): the config keys that differ, final metrics with deltas, the
 * metrics at the last common epoch, and environment differences.
 */
import type { Command } from './command.js';
import { parseCommandArgs, synopsis } from './args.js';
import { SvdError } from '../errors.js';
import { expandRunArgs } from '../compare/inputs.js';
import { diffRuns } from '../compare/diff.js';
import { renderDiff } from '../compare/diff-render.js';

const usage = `usage: svd diff RUN_OR_SWEEP... [--all] [--json]
  Compares runs: config keys that differ (dotted paths), final metrics side by side with deltas
  against the first, metrics at the last common epoch, environment differences. A sweep directory
  stands for its jobs' runs. Values are shown whole, never cut.
  --all   show unchanged keys too
  --json  print the comparison as JSON
examples:
  svd diff runs/quickstart/2026-12-02T10-00-00-ab12cd runs/quickstart/2026-12-02T11-00-00-ef34ab
  svd diff runs/quickstart-kl/2026-12-02T10-00-00-ab12cd`;

const command: Command = {
  name: 'diff',
  summary: 'compare runs (or sweeps): what changed in config, metrics and environment',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('diff', usage, argv, { all: { type: 'boolean' }, json: { type: 'boolean' } }, { min: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const { refs, damaged } = expandRunArgs(positionals);
    const diff = diffRuns(refs, damaged, values.all ?? false);
    if (diff.runs.length < 2) {
      if (diff.damaged.length) {
        throw new SvdError('E_RUN_DIR', `svd diff: needs two or more runs that can be read, got ${diff.runs.length}; damaged:\n${diff.damaged.map((d) => `  ${d.problem}`).join('\n')}`, {}, 2);
      }
      throw new SvdError('E_ARGS', `svd diff: needs two or more runs, got ${diff.runs.length} from ${positionals.join(' ')}\n${synopsis('diff', usage)}`);
    }
    console.log(values.json ? JSON.stringify(diff, null, 2) : renderDiff(diff, values.all ?? false, Math.max(60, Math.min(process.stdout.columns || 100, 100))));
    return 0;
  },
};
export default command;
