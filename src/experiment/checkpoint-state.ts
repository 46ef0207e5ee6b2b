/**
 * Between a training's live tensors and the checkpoint format (src/store/checkpoint.ts): what a
 * checkpoint holds (every model variable by logical name, the optimizer's `getWeights()` and
 * every tf.Variable the optimizer object holds beside them: Adam's beta1^t and beta2^t, which
 * `setWeights()` would recompute with Math.pow, differing in the last bit from the products
 * training accumulated), whether a checkpoint fits a model, and putting its values back. A
 * checkpoint of another model fails with a message and changes nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { SvdError } from '../errors.js';
import { writeCheckpoint, type Checkpoint, type EpochPosition, type NamedTensor, type RngState } from '../store/checkpoint.js';

/** A training's state to checkpoint. */
export interface TrainingState {
  epoch: number;
  seconds: number;
  rng: RngState;
  /** Every model variable by logical name `${layer}/${param}` (Model.namedVariables). */
  variables: Map<string, tf.Variable>;
  optimizer: tf.Optimizer;
  /** A position inside epoch `epoch + 1` (a graceful stop); absent at the end of an epoch. */
  within?: EpochPosition | null;
}

/** Writes a checkpoint of `state` into `checkpointsDir` and makes it the latest; returns its directory. */
export async function saveCheckpoint(checkpointsDir: string, state: TrainingState): Promise<string> {
  const weights = await state.optimizer.getWeights();
  // getWeights() makes a new tensor for the iteration count (the moments are the optimizer's own
  // variables): freed once written, or every checkpoint would leave one behind.
  const made = weights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable));
  try {
    return await writeCheckpoint(checkpointsDir, {
      epoch: state.epoch, seconds: state.seconds, rng: state.rng, within: state.within ?? null,
      variables: [...state.variables].map(([name, tensor]) => ({ name, tensor })),
      optimizer: weights,
      slots: optimizerVariables(state.optimizer),
    });
  } finally {
    tf.dispose(made);
  }
}

/** The tf.Variables a tfjs optimizer holds directly (not in getWeights()), by property name. */
function optimizerVariables(optimizer: tf.Optimizer): NamedTensor[] {
  return Object.entries(optimizer).filter(([, value]) => value instanceof tf.Variable).map(([name, tensor]) => ({ name, tensor: tensor as tf.Variable }));
}

/**
 * Copies a checkpoint's values into the model variables and (if given) the optimizer. Every
 * variable and optimizer slot is checked against the model first (names and shapes).
 */
export async function restoreCheckpoint(ckpt: Checkpoint, variables: Map<string, tf.Variable>, optimizer: tf.Optimizer | null): Promise<void> {
  checkCompatible(ckpt, variables, optimizer !== null);
  for (const [name, v] of variables) {
    const saved = ckpt.variables.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(saved.values, saved.shape)));
  }
  if (!optimizer || ckpt.optimizer.length === 0) return;
  const weights = ckpt.optimizer.map((o) => ({ name: o.name, tensor: tf.tensor(o.values, o.shape) }));
  await optimizer.setWeights(weights);
  tf.dispose(weights.map((w) => w.tensor));
  const own = new Map(optimizerVariables(optimizer).map(({ name, tensor }) => [name, tensor as tf.Variable]));
  for (const slot of ckpt.slots) {
    const target = own.get(slot.name);
    if (target) tf.tidy(() => target.assign(tf.tensor(slot.values, slot.shape)));
  }
}

/**
 * Throws E_CHECKPOINT unless `ckpt` holds every variable of the model with its shape, and (with
 * `optimizer`) optimizer slots that follow the model's trainable variables in order.
 */
export function checkCompatible(ckpt: Checkpoint, variables: Map<string, tf.Variable>, optimizer = true): void {
  const fail = (why: string) => new SvdError('E_CHECKPOINT', `checkpoint ${ckpt.dir} does not fit this model: ${why} (was it written by another model?)`, { file: ckpt.dir });
  for (const [name, v] of variables) {
    const saved = ckpt.variables.get(name);
    if (!saved) throw fail(`it has no variable '${name}'`);
    if (saved.shape.join('x') !== v.shape.join('x')) throw fail(`variable '${name}' has shape [${saved.shape}], the model expects [${v.shape}]`);
  }
  const extra = [...ckpt.variables.keys()].filter((n) => !variables.has(n));
  if (extra.length) throw fail(`it has variables the model lacks: ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', ...' : ''}`);
  if (!optimizer) return;
  const trainable = [...variables].filter(([, v]) => v.trainable);
  const slots = ckpt.optimizer.filter((o) => o.name !== 'iter');
  if (slots.length === 0) return;
  if (trainable.length === 0 || slots.length % trainable.length !== 0) {
    throw fail(`its optimizer state has ${slots.length} tensors for ${trainable.length} trainable variables`);
  }
  slots.forEach((slot, i) => {
    const [name, v] = trainable[i % trainable.length];
    if (slot.shape.join('x') !== v.shape.join('x')) throw fail(`optimizer tensor '${slot.name}' has shape [${slot.shape}], variable '${name}' has [${v.shape}]`);
  });
}
