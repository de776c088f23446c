// Callbacks: hooks into `fit` (the Callback protocol, History, LambdaCallback here) and the built-in ones as Keras 3
// has them, one file each in callbacks/: the progress bar (progress.ts), those that watch a value or drive the
// learning rate (monitor.ts), those that write files (files.ts). A callback is any object with some of the hook
// methods; hooks may return a promise.
import { callable, readOptions } from './arguments.js';
import type { Tensor } from './tensor.js';

export * from './callbacks/progress.js';
export * from './callbacks/monitor.js';
export * from './callbacks/files.js';
export { pythonFloat } from './callbacks/python.js';

/** Values logged by `fit`: `loss`, each metric, and `val_`-prefixed ones at epoch end. */
export type Logs = Record<string, number>;

/** What a callback may see and change of the model being trained (a Sequential). */
export interface TrainingModel {
  stopTraining: boolean;
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
  /** The optimizer given to `compile`: its `learningRate` is read and, between steps, set. */
  readonly optimizer: { learningRate: number } | undefined;
  /** `model.save(target, options)`: a directory path in Node, `indexeddb://name` and the like in browsers. */
  save(target?: string, options?: { includeOptimizer?: boolean } | null): Promise<unknown>;
  /**
   * For a logged name (`loss`, `val_auc`, a metric's own name): +1 when lower is better, −1 when higher is, by the
   * compiled metric's kind, as Keras 3's 'auto' mode looks it up; undefined for a name the model does not log. @internal
   */
  monitorDirection?(name: string): 1 | -1 | undefined;
}

/** The settings of a `fit` run, handed to each callback's `setParams` before training (Keras's `params`). */
export interface TrainingParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  verbose: number;
}

/**
 * Hooks called by `fit`. Batch logs hold running means over the epoch so far; the object is reused from
 * batch to batch, so copy it to keep it. Epoch-end logs are one object handed to every callback in turn, so
 * a callback may add to them (ReduceLROnPlateau and LearningRateScheduler add `learning_rate`, as Keras).
 */
export interface Callback {
  // NOTE: properties that may be undefined, not optional methods: a callback may leave a hook out or set it to
  // undefined (ProgbarLogger's batch hook is a getter that is undefined off a terminal), and a consumer compiling with
  // exactOptionalPropertyTypes must accept both.
  setParams?: ((params: TrainingParams) => void) | undefined;
  setModel?: ((model: TrainingModel) => void) | undefined;
  onTrainBegin?: ((logs: Logs) => void | Promise<void>) | undefined;
  onTrainEnd?: ((logs: Logs) => void | Promise<void>) | undefined;
  onEpochBegin?: ((epoch: number, logs: Logs) => void | Promise<void>) | undefined;
  onEpochEnd?: ((epoch: number, logs: Logs) => void | Promise<void>) | undefined;
  onBatchBegin?: ((batch: number, logs: Logs) => void | Promise<void>) | undefined;
  onBatchEnd?: ((batch: number, logs: Logs) => void | Promise<void>) | undefined;
}

/**
 * What `fit` returns: per-epoch logs under Keras 3's keys (`loss`, `accuracy`, `val_loss`, …). One given in
 * `callbacks` is the one `fit` fills and returns; as in Keras, `history` keeps growing over several fits
 * while `epoch` restarts with each.
 */
export class History implements Callback {
  /** Each logged value, one entry per epoch: `history.loss[3]` is the fourth epoch's loss. */
  readonly history: Record<string, number[]> = {};
  /** The epoch numbers run (0-based, starting at `initialEpoch`). */
  readonly epoch: number[] = [];
  /** The fit's settings. */
  params: TrainingParams = { epochs: 0, steps: 0, verbose: 0 };

  setParams(params: TrainingParams): void {
    this.params = { ...params };
  }

  onTrainBegin(): void {
    this.epoch.length = 0;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
}

// ───── LambdaCallback ─────

/** Options of `LambdaCallback`: any of the hooks. */
export interface LambdaCallbackOptions {
  onEpochBegin?: (epoch: number, logs: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  onTrainBegin?: (logs: Logs) => void | Promise<void>;
  onTrainEnd?: (logs: Logs) => void | Promise<void>;
}

const LAMBDA_HOOKS = ['onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onTrainBegin', 'onTrainEnd'] as const;

/**
 * A callback made of the functions given, as Keras's (whose batch hooks are `on_train_batch_begin/end`). Only
 * the hooks given exist on it, so without batch hooks `fit` keeps its fast path.
 */
export class LambdaCallback implements Callback {
  declare onEpochBegin?: LambdaCallbackOptions['onEpochBegin'];
  declare onEpochEnd?: LambdaCallbackOptions['onEpochEnd'];
  declare onBatchBegin?: LambdaCallbackOptions['onBatchBegin'];
  declare onBatchEnd?: LambdaCallbackOptions['onBatchEnd'];
  declare onTrainBegin?: LambdaCallbackOptions['onTrainBegin'];
  declare onTrainEnd?: LambdaCallbackOptions['onTrainEnd'];

  constructor(options?: LambdaCallbackOptions | null) {
    const where = 'LambdaCallback()';
    const o = readOptions(options, [...LAMBDA_HOOKS], where);
    for (const hook of LAMBDA_HOOKS) if (o[hook] !== undefined) Object.assign(this, { [hook]: callable(o[hook], hook, where) });
  }
}
