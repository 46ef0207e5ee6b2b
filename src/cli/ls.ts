/**
 * `svd ls [DIR] [--json]`: a table of the runs under DIR (default `runs`, sweep job runs
 * included): name, start, status, epochs, test error, compression, time, directory.
 */
import * as fs from 'node:fs';
import type { Command } from './command.js';
import { parseCommandArgs } from './args.js';
import { SvdError } from '../errors.js';
import { listRuns, renderRuns } from '../compare/list-runs.js';

const usage = `usage: svd ls [DIR] [--json]
  Lists the runs under DIR (default: runs), oldest first: name, started, status, epochs, test
  error, compression, and for the jobs of a sweep the overrides that set them apart.
  --json  print the list as JSON
examples:
  svd ls
  svd ls runs/quickstart-kl --json`;

const command: Command = {
  name: 'ls',
  summary: 'list runs: name, started, status, epochs, test error, compression',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('ls', usage, argv, { json: { type: 'boolean' } }, { min: 0, max: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const root = positionals[0] ?? 'runs';
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(root, { throwIfNoEntry: false });
    } catch (err) {
      throw new SvdError('E_RUN_DIR', `cannot read ${root}: ${(err as Error).message}`, { file: root });
    }
    if (positionals.length > 0 && !stat) throw new SvdError('E_RUN_DIR', `${root} does not exist`, { file: root });
    if (stat && !stat.isDirectory()) throw new SvdError('E_RUN_DIR', `${root} is not a directory; svd ls lists the runs under a directory`, { file: root });
    const rows = stat ? listRuns(root) : [];
    if (values.json) console.log(JSON.stringify(rows, null, 2));
    else console.log(rows.length ? renderRuns(rows) : `no runs under ${root}`);
    return 0;
  },
};
export default command;
