/**
 * `svd resume RUN_DIR [--backend B]`: continues a run from its latest complete checkpoint, on
 * its own backend or on B (a checkpoint is the same files on every backend; env.json's `resumes`
 * records the backend each resume ran on).
 */
import type { Command } from './command.js';
import { parseCommandArgs, typedCommand } from './args.js';
import { runEndText } from './run-end.js';
import { resumeRun } from '../run/runner.js';
import { runtimeFromEnv } from '../backends/backend.js';
import { backendChoices } from '../backends/select.js';
import * as path from 'node:path';
import { SvdError } from '../errors.js';

const usage = `usage: svd resume RUN_DIR [--backend ${backendChoices().join('|')}]
  Continues a stopped or killed run from its latest complete checkpoint (from the exact step of a
  Ctrl-C), with the same numbers as an uninterrupted run; a completed run is left as it is. The
  last line of stdout is the run directory.
  --backend  continue on this backend instead of the run's own (a checkpoint is the same files on
             every backend; the numbers then differ from an uninterrupted run's; env.json's
             resumes record it)
examples:
  svd resume runs/quickstart/2026-12-02T10-00-00-ab12cd
  svd resume runs/quickstart/2026-12-02T10-00-00-ab12cd --backend wasm`;

const command: Command = {
  name: 'resume',
  summary: 'continue a run from its latest checkpoint',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('resume', usage, argv, { backend: { type: 'string' } }, { min: 1, max: 1 });
    if (!parsed) return 0;
    const { positionals, values } = parsed;
    const backend = values.backend as string | undefined;
    if (backend !== undefined && !backendChoices().includes(backend)) {
      throw new SvdError('E_ARGS', `svd resume: unknown backend '${backend}' for --backend; known: ${backendChoices().join(', ')}`);
    }
    const paths = await resumeRun(positionals[0], { runsDir: path.dirname(path.dirname(positionals[0])), argv: typedCommand(), runtime: runtimeFromEnv(), ...(backend && { backend }) });
    process.stderr.write(`${runEndText(paths)}\n`);
    console.log(paths.dir);
    return 0;
  },
};
export default command;
