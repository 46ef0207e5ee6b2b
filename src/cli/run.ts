/**
 * `svd run CONFIG [--set path=value]... [--backend B] [--runs-dir DIR]`: validates the config,
 * trains, and prints the run directory as the last line of standard output.
 */
import type { Command } from './command.js';
import { parseCommandArgs, typedCommand } from './args.js';
import { runEndText } from './run-end.js';
import { loadConfig } from '../experiment/load-config.js';
import { startRun } from '../run/runner.js';
import { backendChoices } from '../backends/select.js';
import { runtimeFromEnv } from '../backends/backend.js';

const usage = `usage: svd run CONFIG [--set path=value]... [--backend ${backendChoices().join('|')}] [--runs-dir DIR]
  Checks CONFIG (a YAML experiment file) and trains it into DIR/<name>/<timestamp>-<suffix>/.
  --set path=value  override a config key (dotted path, value read as YAML), repeatable:
                    --set training.epochs=3 --set data.trainLimit=5000 --set model.layers.1.units=200
  --backend B       the TensorFlow.js backend (default: the config's backend, auto: the fastest here)
  --runs-dir DIR    where run directories go (default: runs)
  Progress goes to stderr, then a summary (test error, compression, sparsity by layer) and the
  next commands; the last line of stdout is the run directory. Ctrl-C stops after the current
  step with a checkpoint (svd resume continues). Exit 0 done, 2 bad config or arguments
  (nothing written), 1 failure during the run.
examples:
  svd run configs/quickstart.yaml
  svd run configs/lenet5-mnist.yaml --set training.epochs=2 --set data.validation=0.1`;

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
    process.stderr.write(`${runEndText(paths)}\n`);
    console.log(paths.dir);
    return 0;
  },
};
export default command;
