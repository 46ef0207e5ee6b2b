/**
 * The optimizer and schedule registries: `optimizer.type`, `optimizer.schedule.type` and
 * `kl.schedule`. A new one is an entry in optimizers.ts or schedules.ts and one line here.
 */
import { Registry } from '../registry.js';
import { adam, sgd, type OptimizerEntry } from './optimizers.js';
import { klConstant, klLinear, lrConstant, lrConstantThenLinear, lrLinear, lrStep, type KlScheduleEntry, type LrScheduleEntry } from './schedules.js';

/** Optimizers usable in `optimizer.type`. */
export const OPTIMIZERS = new Registry<OptimizerEntry>('optimizer')
  .register('adam', adam)
  .register('sgd', sgd);

/** Learning-rate schedules usable in `optimizer.schedule.type`. */
export const LR_SCHEDULES = new Registry<LrScheduleEntry>('learning-rate schedule')
  .register('constant', lrConstant)
  .register('linear', lrLinear)
  .register('constant-then-linear', lrConstantThenLinear)
  .register('step', lrStep);

/** KL-weight schedules usable in `kl.schedule`. */
export const KL_SCHEDULES = new Registry<KlScheduleEntry>('KL schedule')
  .register('linear', klLinear)
  .register('constant', klConstant);
