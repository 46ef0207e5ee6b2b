/**
 * `svd resume RUN_DIR`: continues a run from its latest complete checkpoint.
 */
import type { Command } from './command.js';
import { parseCommandArgs, typedCommand } from './args.js';
import { runEndText } from './run-end.js';
import { resumeRun } from '../run/runner.js';
import { runtimeFromEnv } from '../backends/backend.js';
import * as path from 'node:path';

const usage = `usage: svd resume RUN_DIR
  Continues a stopped or killed run from its latest complete checkpoint (from the exact step of a
  Ctrl-C), with the same numbers as an uninterrupted run; a completed run is left as it is. No
  options. The last line of stdout is the run directory.
example:
  svd resume runs/quickstart/2026-12-02T10-00-00-ab12cd`;

const command: Command = {
  name: 'resume',
  summary: 'continue a run from its latest checkpoint',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('resume', usage, argv, {}, { min: 1, max: 1 });
    if (!parsed) return 0;
    const { positionals } = parsed;
    const paths = await resumeRun(positionals[0], { runsDir: path.dirname(path.dirname(positionals[0])), argv: typedCommand(), runtime: runtimeFromEnv() });
    process.stderr.write(`${runEndText(paths)}\n`);
    console.log(paths.dir);
    return 0;
  },
};
export default command;
