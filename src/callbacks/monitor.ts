// Callbacks that watch a logged value or drive the learning rate: EarlyStopping, TerminateOnNaN, ReduceLROnPlateau,
// LearningRateScheduler, and the direction rule they and ModelCheckpoint share.
import { boolean, callable, integer, number, oneOf, readOptions, text } from '../arguments.js';
import { ValueError, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Callback, Logs, TrainingModel } from '../callbacks.js';
import { pythonFloat } from './python.js';

/** Options of `EarlyStopping` (Keras's names and defaults). */
export interface EarlyStoppingOptions {
  /** Logged value to watch; default `'val_loss'`. */
  monitor?: string;
  /** Smallest change that counts as an improvement; default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping; default 0. */
  patience?: number;
  /** `'min'`, `'max'`, or `'auto'` (max for accuracy, AUC, precision, recall, F-score, R² and cosine similarity, min otherwise); default `'auto'`. */
  mode?: 'auto' | 'min' | 'max';
  /** Stop unless the value beats this. */
  baseline?: number;
  /** At the end, put back the weights of the best epoch; default false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all; default 0. */
  startFromEpoch?: number;
  /** 1 prints when it stops; default 0. */
  verbose?: number;
}

/** Stops training when a monitored value has stopped improving, as Keras's EarlyStopping does. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  /** The epoch training stopped at, or 0. */
  stoppedEpoch = 0;
  /** The best epoch so far and its value. */
  bestEpoch = 0;
  best = Infinity;
  private readonly minDelta: number;
  private sign: 1 | -1; // +1 when lower is better
  private readonly mode: Mode;
  private readonly baseline: number | undefined;
  private readonly startFromEpoch: number;
  private readonly verbose: number;
  private wait = 0;
  private bestWeights: Tensor[] | undefined;
  private model: TrainingModel | undefined;
  private warned = false;

  constructor(options?: EarlyStoppingOptions | null) {
    const where = 'EarlyStopping()';
    const o = readOptions(options, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch', 'verbose'], where);
    this.monitor = text(o.monitor ?? 'val_loss', 'monitor', where);
    this.patience = integer(o.patience ?? 0, 'patience', where, 0);
    this.mode = oneOf(o.mode ?? 'auto', ['auto', 'min', 'max'] as const, 'mode', where);
    this.sign = direction(this.mode, this.monitor);
    this.minDelta = Math.abs(number(o.minDelta ?? 0, 'minDelta', where)); // as Keras and TensorFlow.js: the sign is ignored
    this.baseline = o.baseline === undefined ? undefined : number(o.baseline, 'baseline', where);
    this.restoreBestWeights = boolean(o.restoreBestWeights ?? false, 'restoreBestWeights', where);
    this.startFromEpoch = integer(o.startFromEpoch ?? 0, 'startFromEpoch', where, 0);
    this.verbose = oneOf(o.verbose ?? 0, [0, 1] as const, 'verbose', where);
  }

  setModel(model: TrainingModel): void {
    this.model = model;
    this.sign = modelDirection(this.mode, this.monitor, model, this.sign);
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = Infinity;
    this.bestEpoch = 0;
    this.bestWeights = undefined;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const value = logs[this.monitor];
    if (value === undefined) {
      if (!this.warned) console.warn(`EarlyStopping: '${this.monitor}' is not logged (available: ${Object.keys(logs).join(', ')}); not stopping early`);
      this.warned = true;
      return;
    }
    if (epoch < this.startFromEpoch) return;
    const score = this.sign * value; // lower is better
    this.wait++;
    // As Keras 3: an improvement resets the wait only if it also beats the baseline, and never stops
    // training; NaN compares false, so it is never an improvement.
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model?.getWeights();
      if (this.baseline === undefined || score < this.sign * this.baseline - this.minDelta) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      if (this.model) this.model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights && this.model) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(this.bestWeights);
    }
  }
}


/** Stops training as soon as a batch's loss is NaN or infinite. */
export class TerminateOnNaN implements Callback {
  private model: TrainingModel | undefined;
  setModel(model: TrainingModel): void {
    this.model = model;
  }
  onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss) && this.model) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      this.model.stopTraining = true;
    }
  }
}

// ───── watching a logged value ─────

/** How a watched value improves: `'min'`, `'max'`, or `'auto'` (chosen by its name). */
export type Mode = 'auto' | 'min' | 'max';

/**
 * At `setModel`: in 'auto' mode, the direction of the metric the model logs under `monitor` (Keras 3 looks the
 * compiled metric up, so an AUC named 'roc' counts up), else `sign` as the name suggested.
 */
export function modelDirection(mode: Mode, monitor: string, model: TrainingModel, sign: 1 | -1): 1 | -1 {
  return mode === 'auto' ? model.monitorDirection?.(monitor) ?? sign : sign;
}

/** +1 when lower is better, −1 when higher is; 'auto' takes max for accuracy-like names, min otherwise. */
export function direction(mode: Mode, monitor: string): 1 | -1 {
  // Keras 3's metrics whose direction is up: the accuracies, AUC, precision, recall, F-scores, R², cosine similarity.
  return mode === 'max' || (mode === 'auto' && !/(^|_)loss$/.test(monitor) && /acc|auc|precision|recall|f1|fbeta|r2|cosine/.test(monitor)) ? -1 : 1;
}

/** Warns once per callback that a watched value is not logged. */
export function warnMissing(owner: { warned: boolean }, name: string, monitor: string, logs: Logs, doing: string): void {
  if (!owner.warned) console.warn(`${name}: '${monitor}' is not logged (available: ${Object.keys(logs).join(', ') || 'none'}); ${doing}`);
  owner.warned = true;
}

/** The optimizer of the model a callback was given, or a clear error. */
function optimizerOf(model: TrainingModel | undefined, where: string): { learningRate: number } {
  const optimizer = model?.optimizer;
  if (!optimizer) throw new ValueError(`${where}: the model has no optimizer (compile it, and pass the callback to fit)`);
  return optimizer;
}

/** The learning rate as Keras logs it: its float32 variable read back (0.01 logs as 0.009999999776482582). */
function loggedRate(optimizer: { learningRate: number }): number {
  return Math.fround(optimizer.learningRate);
}

// ───── ReduceLROnPlateau ─────

/** Options of `ReduceLROnPlateau` (Keras's names and defaults). */
export interface ReduceLROnPlateauOptions {
  /** Logged value to watch; default `'val_loss'`. */
  monitor?: string;
  /** The rate is multiplied by this; in (0, 1), default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing; default 10. */
  patience?: number;
  /** 1 prints each reduction; default 0. */
  verbose?: number;
  /** `'min'`, `'max'`, or `'auto'` (max for accuracy-like names); default `'auto'`. */
  mode?: Mode;
  /** Smallest change that counts as an improvement; default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again; default 0. */
  cooldown?: number;
  /** The rate is never reduced below this; default 0. */
  minLr?: number;
}

/**
 * Multiplies the optimizer's learning rate by `factor` once the watched value has not improved for `patience`
 * epochs, as Keras 3: the first value is always an improvement; a cooldown epoch counts down before the check,
 * so cooldown 1 delays nothing. Adds the epoch's rate to the logs as `learning_rate` (before reducing it).
 */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: number;
  /** The best value so far (undefined before the first epoch). */
  best: number | undefined;
  /** Epochs without improvement since the last improvement or reduction. */
  wait = 0;
  cooldownCounter = 0;
  private sign: 1 | -1;
  private readonly mode: Mode;
  private model: TrainingModel | undefined;
  /** Whether the missing-monitor warning was given (once per callback). @internal */
  warned = false;

  constructor(options?: ReduceLROnPlateauOptions | null) {
    const where = 'ReduceLROnPlateau()';
    const o = readOptions(options, ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr'], where);
    this.monitor = text(o.monitor ?? 'val_loss', 'monitor', where);
    this.factor = number(o.factor ?? 0.1, 'factor', where, { above: 0, below: 1 });
    this.patience = integer(o.patience ?? 10, 'patience', where, 0);
    this.verbose = oneOf(o.verbose ?? 0, [0, 1] as const, 'verbose', where);
    this.mode = oneOf(o.mode ?? 'auto', ['auto', 'min', 'max'] as const, 'mode', where);
    this.sign = direction(this.mode, this.monitor);
    this.minDelta = Math.abs(number(o.minDelta ?? 1e-4, 'minDelta', where));
    this.cooldown = integer(o.cooldown ?? 0, 'cooldown', where, 0);
    this.minLr = number(o.minLr ?? 0, 'minLr', where, { min: 0 });
  }

  setModel(model: TrainingModel): void {
    this.model = model;
    this.sign = modelDirection(this.mode, this.monitor, model, this.sign);
  }

  onTrainBegin(): void {
    this.best = undefined;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const optimizer = optimizerOf(this.model, 'ReduceLROnPlateau');
    logs.learning_rate = loggedRate(optimizer);
    const current = logs[this.monitor];
    if (current === undefined) {
      warnMissing(this, 'ReduceLROnPlateau', this.monitor, logs, 'the learning rate is not reduced');
      return;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    // Keras: monitor_op(current − min_delta, best) with min_delta negated for 'min'; NaN never improves.
    if (this.best === undefined || this.sign * current < this.sign * this.best - this.minDelta) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= this.patience && this.reduce(optimizer, epoch)) {
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }

  private reduce(optimizer: { learningRate: number }, epoch: number): boolean {
    const old = loggedRate(optimizer);
    if (!(old > Math.fround(this.minLr))) return false;
    const next = Math.max(old * this.factor, this.minLr);
    if (Math.fround(next) === 0) return false; // a float32 rate of 0: as low as it goes
    optimizer.learningRate = next;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${pythonFloat(next)}.`);
    return true;
  }
}

// ───── LearningRateScheduler ─────

/**
 * Sets the optimizer's learning rate at the start of each epoch to `schedule(epoch, currentRate)` (epoch 0-based,
 * the rate as Keras reads its float32 variable), and logs it as `learning_rate`. A result that is not a positive
 * finite number is an error (Keras accepts any float; the optimizer here takes positive rates only).
 */
export class LearningRateScheduler implements Callback {
  readonly schedule: (epoch: number, learningRate: number) => number;
  readonly verbose: number;
  private model: TrainingModel | undefined;

  constructor(schedule: (epoch: number, learningRate: number) => number, verbose = 0) {
    const where = 'LearningRateScheduler()';
    this.schedule = callable(schedule, 'schedule', where);
    this.verbose = oneOf(verbose, [0, 1] as const, 'verbose', where);
  }

  setModel(model: TrainingModel): void {
    this.model = model;
  }

  onEpochBegin(epoch: number): void {
    const optimizer = optimizerOf(this.model, 'LearningRateScheduler');
    const rate: unknown = this.schedule(epoch, loggedRate(optimizer));
    if (typeof rate !== 'number' || !Number.isFinite(rate) || !(Math.fround(rate) > 0)) {
      throw new ValueError(`LearningRateScheduler: schedule(${epoch}, ${pythonFloat(loggedRate(optimizer))}) must return a positive finite number (as a float32), got ${describe(rate)}`);
    }
    optimizer.learningRate = rate;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${pythonFloat(rate)}.`);
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    logs.learning_rate = loggedRate(optimizerOf(this.model, 'LearningRateScheduler'));
  }
}

