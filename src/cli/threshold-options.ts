/**
 * The options `svd eval` and `svd export` share to say which checkpoint of a run and which
 * threshold: `--threshold T` or `auto` (the picker, src/run/pick-threshold.ts, on the run's
 * validation split, within `--max-error-increase` percentage points of the unpruned model's
 * validation error, over `--thresholds` or the default grid), and `--checkpoint latest|best`.
 */
import { SvdError } from '../errors.js';
import type { CheckpointChoice } from '../experiment/run-model.js';
import { pickThreshold, type ThresholdPick } from '../run/pick-threshold.js';
import { numberListOption, numberOption } from './args.js';

/** The parseArgs options. */
export const THRESHOLD_OPTIONS = {
  threshold: { type: 'string' },
  'max-error-increase': { type: 'string' },
  thresholds: { type: 'string' },
  checkpoint: { type: 'string' },
} as const;

/** Their lines of the usage text. */
export const THRESHOLD_USAGE = `  --threshold T|auto    prune where log alpha >= T (default: the run's sparsity.threshold); auto: the
                        most compression whose validation error is within --max-error-increase points
                        of the unpruned model's (needs a run with data.validation; the test set is not used)
  --max-error-increase P  with auto: the tolerance in percentage points of validation error (default 0.1)
  --thresholds LIST     with auto: the thresholds to try, numbers and ranges a:b:step (e.g. 2,3:4:0.1);
                        default: a grid fine where the compression changes
  --checkpoint C        latest (default) or best (the one training.keepBest kept)`;

/** What the options chose. */
export interface ThresholdChoice {
  /** undefined: the run's own. */
  threshold?: number;
  checkpoint: CheckpointChoice;
  /** Set when --threshold auto picked. */
  pick?: ThresholdPick;
}

/** Reads the options of `values` for the run in `dir`, running the picker for `--threshold auto`. */
export async function thresholdChoice(dir: string, values: Partial<Record<keyof typeof THRESHOLD_OPTIONS, string>>): Promise<ThresholdChoice> {
  const checkpoint = (values.checkpoint ?? 'latest') as CheckpointChoice;
  if (checkpoint !== 'latest' && checkpoint !== 'best') throw new SvdError('E_ARGS', `--checkpoint must be latest or best, got '${values.checkpoint}'`);
  const tolerance = numberOption('max-error-increase', values['max-error-increase']);
  const thresholds = numberListOption('thresholds', values.thresholds);
  if (values.threshold !== 'auto') {
    const extra = tolerance !== undefined ? 'max-error-increase' : thresholds ? 'thresholds' : null;
    if (extra) throw new SvdError('E_ARGS', `--${extra} applies to --threshold auto (the picker); give --threshold auto, or drop --${extra}`);
    return { threshold: numberOption('threshold', values.threshold), checkpoint };
  }
  if (tolerance !== undefined && !(tolerance >= 0)) throw new SvdError('E_ARGS', `--max-error-increase must be >= 0 (percentage points), got '${values['max-error-increase']}'`);
  const pick = await pickThreshold(dir, tolerance ?? 0.1, thresholds ?? null, checkpoint);
  return { threshold: pick.threshold, checkpoint, pick };
}
