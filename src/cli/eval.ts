/**
 * `svd eval RUN_DIR [--threshold T]`: loads the run's latest checkpoint and prints, as JSON,
 * the masked deterministic test error, per-layer sparsity and compression at the run's
 * threshold or at T.
 */
import type { Command } from './command.js';
import { numberOption, parseCommandArgs } from './args.js';
import { evaluateRun } from '../runs/evaluate-run.js';

const usage = 'usage: svd eval RUN_DIR [--threshold T]';

const command: Command = {
  name: 'eval',
  summary: 'masked test error, sparsity and compression of a run (optionally at another threshold)',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('eval', usage, argv, { threshold: { type: 'string' } }, { min: 1, max: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const result = await evaluateRun(positionals[0], numberOption('threshold', values.threshold));
    console.log(JSON.stringify(result, null, 2));
    return 0;
  },
};
export default command;
