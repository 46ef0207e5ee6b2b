/**
 * `svd validate CONFIG... [--set path=value]...`: loads and checks each config as `svd run`
 * would, without running anything. Prints `file: ok` (stdout) for each valid one and one
 * `file:line:col: path: message` line (stderr) per problem; exit 0 when all are valid, else 2.
 */
import type { Command } from './command.js';
import { parseCommandArgs } from './args.js';
import { loadConfig } from '../config/index.js';
import { SvdErrors } from '../errors.js';

const usage = `usage: svd validate CONFIG... [--set path=value]...
  Checks each config (extends, overrides, schema, cross-field rules); exit 0 if all are valid, 2 if not.`;

const command: Command = {
  name: 'validate',
  summary: 'check configs without running them',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('validate', usage, argv, { set: { type: 'string', multiple: true } }, { min: 1 });
    if (!parsed) return 0;
    const sets = parsed.values.set ?? [];
    let allValid = true;
    for (const file of parsed.positionals) {
      try {
        await loadConfig(file, sets);
        console.log(`${file}: ok`);
      } catch (err) {
        if (!(err instanceof SvdErrors)) throw err;
        allValid = false;
        for (const problem of err.errors) console.error(problem.format());
      }
    }
    return allValid ? 0 : 2;
  },
};
export default command;
