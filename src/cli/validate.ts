/**
 * `svd validate FILE... [--set path=value]...`: loads and checks each config as `svd run`
 * would, without running anything; a sweep file (one with a `base` key) is checked as
 * `svd sweep --dry-run` does: its own schema, then every job's config. Prints `file: ok`
 * (stdout) for each valid one and one `file:line:col: path: message` line (stderr) per
 * problem; exit 0 when all are valid, else 2.
 */
import type { Command } from './command.js';
import { parseCommandArgs } from './args.js';
import { loadConfig } from '../experiment/load-config.js';
import { configWarnings } from '../experiment/checks.js';
import { readConfigFile } from '../config/load.js';
import { SvdError, SvdErrors } from '../errors.js';
import { readSweepFile } from '../sweep/sweep-file.js';
import { expandSweep } from '../sweep/expand.js';
import { checkJobs, jobWarnings } from '../sweep/check-jobs.js';

const usage = `usage: svd validate FILE... [--set path=value]...
  Checks each config (extends, overrides, schema, cross-field rules), or each sweep file and every
  job's config, without training; prints FILE: ok, or one file:line:col: path: message line per
  problem, and warnings on stderr. Exit 0 if all are valid, 2 if not.
  --set path=value  override a config key before checking (as svd run does), repeatable
examples:
  svd validate configs/*.yaml
  svd validate configs/sweeps/quickstart-kl.yaml --set training.epochs=1`;

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
        if (await isSweepFile(file)) {
          const sweep = await readSweepFile(file);
          const jobs = await checkJobs(sweep, expandSweep(sweep), sets);
          console.log(`${file}: ok (sweep of ${jobs.length} job(s))`);
          for (const warning of jobWarnings(jobs)) console.error(`${file}: ${warning}`);
        } else {
          const { config } = await loadConfig(file, sets);
          console.log(`${file}: ok`);
          for (const warning of configWarnings(config)) console.error(`${file}: warning: ${warning}`);
        }
      } catch (err) {
        if (!(err instanceof SvdErrors)) throw err;
        allValid = false;
        for (const problem of err.errors) console.error(problem.format());
      }
    }
    return allValid ? 0 : 2;
  },
};

/** Whether `file` is a sweep file: a mapping with a `base` key (unreadable files are left to loadConfig). */
async function isSweepFile(file: string): Promise<boolean> {
  try {
    const { value } = await readConfigFile(file);
    return value !== null && typeof value === 'object' && !Array.isArray(value) && 'base' in value;
  } catch (err) {
    if (err instanceof SvdError) return false;
    throw err;
  }
}

export default command;
