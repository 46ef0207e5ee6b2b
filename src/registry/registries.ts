/**
 * Every registry of the project, declared in one place (after mmengine's registry/root.py).
 * Entries register themselves in their own modules; `src/registry/load-all.ts` imports those
 * modules so that every registry is full before a config is checked or a model is built.
 */
import { Registry } from './registry.js';
import type { LayerEntry } from '../layers/layer.js';
import type { DatasetEntry } from '../data/dataset.js';
import type { LrScheduleEntry, KlScheduleEntry } from '../train/schedules.js';
import type { OptimizerEntry } from '../train/optimizers.js';

/** Layer types usable in `model.layers[].type`. */
export const LAYERS = new Registry<LayerEntry>('layer type');
/** Datasets usable in `data.dataset`. */
export const DATASETS = new Registry<DatasetEntry>('dataset');
/** Learning-rate schedules usable in `optimizer.schedule.type`. */
export const LR_SCHEDULES = new Registry<LrScheduleEntry>('learning-rate schedule');
/** KL-weight schedules usable in `kl.schedule`. */
export const KL_SCHEDULES = new Registry<KlScheduleEntry>('KL schedule');
/** Optimizers usable in `optimizer.type`. */
export const OPTIMIZERS = new Registry<OptimizerEntry>('optimizer');
