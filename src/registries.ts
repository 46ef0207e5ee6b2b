/**
 * Every registry of the project, in one place (after mmengine's registry/root.py): what a config,
 * a run or a sweep may name. Each is declared beside its entries, in its own folder; tests loop
 * over every one of them, so a new entry is covered the moment it registers.
 */
export { LAYERS } from './layers/registry.js';
export { DATASETS } from './data/registry.js';
export { OPTIMIZERS, LR_SCHEDULES, KL_SCHEDULES } from './optim/registry.js';
export { BACKENDS } from './backends/registry.js';
export { EXECUTORS } from './sweep/executors/registry.js';
