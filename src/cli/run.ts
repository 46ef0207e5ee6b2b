/**
 * `svd run CONFIG [--set path=value]... [--backend B] [--runs-dir DIR]`: validates the config,
 * trains, and prints the run directory as the last line of standard output.
 */
import type { Command } from './command.js';
import { parseCommandArgs, typedCommand } from './args.js';
import { loadConfig } from '../experiment/load-config.js';
import { startRun } from '../run/runner.js';
import { backendChoices } from '../backends/select.js';
import { runtimeFromEnv } from '../backends/backend.js';

const usage = `usage: svd run CONFIG [--set path=value]... [--backend ${backendChoices().join('|')}] [--runs-dir DIR]`;

const command: Command = {
  name: 'run',
  summary: 'train one experiment into runs/<name>/<timestamp>/',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('run', usage, argv, {
      set: { type: 'string', multiple: true },
      backend: { type: 'string' },
      'runs-dir': { type: 'string' },
    }, { min: 1, max: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const sets = [...(values.set ?? []), ...(values.backend ? [`backend=${values.backend}`] : [])];
    const loaded = await loadConfig(positionals[0], sets);
    const paths = await startRun(loaded.config, loaded.text, { runsDir: values['runs-dir'] ?? 'runs', argv: typedCommand(), runtime: runtimeFromEnv() });
    console.log(paths.dir);
    return 0;
  },
};
export default command;
