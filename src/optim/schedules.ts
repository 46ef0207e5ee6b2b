/**
 * Learning-rate and KL-weight schedules, evaluated once per epoch (0-based epoch index). Each
 * entry holds its JSON schema fragment with its function, so the config schema's list of schedule
 * types comes from the registries (optim/registry.ts).
 */
import { epochPoint } from '../config/epoch-points.js';
import type { KlConfig, LrScheduleConfig } from '../config/types.js';

/** A learning-rate schedule: the lr for epoch `epoch` of `epochs`, given the base lr. */
export interface LrScheduleEntry {
  description: string;
  /** Schema of the schedule's own keys besides `type`. */
  properties: Record<string, object>;
  required: string[];
  lr(base: number, epoch: number, epochs: number, cfg: LrScheduleConfig): number;
}

/** A KL-weight schedule: the weight of the KL term at `epoch`. */
export interface KlScheduleEntry {
  description: string;
  weight(epoch: number, cfg: KlConfig): number;
}

/** `constant`. */
export const lrConstant: LrScheduleEntry = {
  description: 'the base lr throughout',
  properties: {},
  required: [],
  lr: (base) => base,
};

/** `linear`. */
export const lrLinear: LrScheduleEntry = {
  description: 'linear from the base lr at epoch 0 to 0 after the last epoch',
  properties: {},
  required: [],
  lr: (base, epoch, epochs) => base * Math.max(0, 1 - epoch / epochs),
};

/** `constant-then-linear`. */
export const lrConstantThenLinear: LrScheduleEntry = {
  description: 'the base lr until epoch `start`, then linear to 0 after the last epoch (the paper\'s LeNet-300-100 recipe)',
  properties: { start: epochPoint('epoch where the linear decay begins', { integer: true }) },
  required: ['start'],
  lr: (base, epoch, epochs, cfg) => {
    const start = cfg.start ?? 0;
    if (epoch < start) return base;
    return base * Math.max(0, 1 - (epoch - start) / Math.max(1, epochs - start));
  },
};

/** `step`. */
export const lrStep: LrScheduleEntry = {
  description: 'the base lr times gamma every `every` epochs',
  properties: {
    every: epochPoint('epochs between decays', { integer: true, minimum: 1 }),
    gamma: { type: 'number', exclusiveMinimum: 0, description: 'decay factor' },
  },
  required: ['every', 'gamma'],
  lr: (base, epoch, _epochs, cfg) => base * Math.pow(cfg.gamma ?? 1, Math.floor(epoch / (cfg.every ?? 1))),
};

/** `linear`. */
export const klLinear: KlScheduleEntry = {
  description: '0 until epoch `start`, then linear to `weight` at epoch `end` (the paper\'s warm-up)',
  weight: (epoch, cfg) => {
    if (epoch < cfg.start) return 0;
    if (epoch >= cfg.end) return cfg.weight;
    return cfg.weight * (epoch - cfg.start) / (cfg.end - cfg.start);
  },
};

/** `constant`. */
export const klConstant: KlScheduleEntry = {
  description: '`weight` throughout',
  weight: (_epoch, cfg) => cfg.weight,
};
