/**
 * `svd resume RUN_DIR [--backend B]`: continues a run from its latest complete checkpoint, on
 * its own backend or on B (a checkpoint is the same files on every backend; env.json's `resumes`
 * records the backend each resume ran on).
 */
import type { Command } from './command.js';
import { parseCommandArgs } from './args.js';
import { resumeRun } from '../run/runner.js';
import { runtimeFromEnv } from '../backends/backend.js';
import { backendChoices } from '../backends/select.js';
import * as path from 'node:path';
import { SvdError } from '../errors.js';

const usage = `usage: svd resume RUN_DIR [--backend ${backendChoices().join('|')}]`;

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
    const paths = await resumeRun(positionals[0], { runsDir: path.dirname(path.dirname(positionals[0])), argv: process.argv.slice(1), runtime: runtimeFromEnv(), ...(backend && { backend }) });
    console.log(paths.dir);
    return 0;
  },
};
export default command;
