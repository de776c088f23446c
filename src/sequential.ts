// Sequential: a stack of layers and everything Keras's Model does with it: build (allocate weights once),
// compile (loss, optimizer, metrics; gradients and optimizer slots), fit, evaluate, predict, summary.
// All validation happens before any state changes; a training step is kernel calls over fixed offsets.
import { kernels as k } from './backend.js';
import { join, parallel, post, backgroundPays } from './threads.js';
import { arena } from './arena.js';
import { Layer, binding, builtIn, checkWeights, formatShape, ownerOf, setOwner, sizeOf, unbound } from './layers/index.js';
import { Blocks, Plan, SHUFFLE_STREAM } from './plan.js';
import { resolveLoss, type Loss, type LossKernels, type LossSpelling } from './losses.js';
import { resolveMetric, type Metric, type MetricSpelling } from './metrics.js';
import { getOptimizer, type Optimizer, type OptimizerSpelling } from './optimizers.js';
import type { LearningRateSchedule } from './schedules.js';
import { History, ProgbarLogger, resumeEpochs, type Callback, type Logs } from './callbacks.js';
import { ShapeError, StateError, ValueError, describe } from './errors.js';
import { boolean, callable, integer, lockSettings, number, oneOf, readOptions, text } from './arguments.js';
import { Tensor, type Rank, type TensorLike } from './tensor.js';
import { prepareData, prepareWeights, upload, release, copyChecked, type Dataset, type DataSpec, type Uploaded } from './data.js';
import { saveModel, type SaveTarget } from './io.js';
import { topologyOf, type ModelArtifacts, type SaveOptions } from './saving.js';

/** Options of `new Sequential(layers, options)`. */
export interface SequentialOptions {
  /** Model name; defaults to `sequential`, `sequential_1`, … */
  name?: string;
  /** Seed of every random draw the model makes (initial weights, shuffling, dropout). Random if omitted. */
  seed?: number;
}

/** Options of `compile`. */
export interface CompileOptions {
  /** An optimizer instance (`new Adam({ learningRate: 0.01 })`) or a name with Keras's defaults (`'adam'`). */
  optimizer: Optimizer | OptimizerSpelling;
  /**
   * The loss to minimise: a name with Keras's defaults (`'binaryCrossentropy'`, `'mse'`,
   * `'sparse_categorical_crossentropy'`, …) or a loss object with options (`new BinaryCrossentropy({ fromLogits: true })`).
   */
  loss: Loss | LossSpelling;
  /** Metrics to log besides the loss, unweighted: names (`'accuracy'`, `'mse'`, `'auc'`, …) or metric objects (`new AUC()`). */
  metrics?: Array<Metric | MetricSpelling>;
  /**
   * Metrics weighted by `sampleWeight`/`classWeight` (Keras's `weighted_metrics`); one also in `metrics` is logged as
   * `weighted_<name>`.
   */
  weightedMetrics?: Array<Metric | MetricSpelling>;
}

/** Options of `fit`. */
export interface FitOptions {
  /** Passes over the data; default 1. */
  epochs?: number;
  /** Samples per gradient step; default 32. */
  batchSize?: number;
  /** Reshuffle the training data before each epoch (seeded by the model's seed); default true. */
  shuffle?: boolean;
  /** Fraction of the data, taken from the end before shuffling, to validate on after each epoch. */
  validationSplit?: number;
  /** `[x, y]` or `[x, y, sampleWeight]` to validate on after each epoch (takes precedence over validationSplit). */
  validationData?: [TensorLike, TensorLike] | [TensorLike, TensorLike, TensorLike];
  /**
   * A weight per sample (`[samples]`), or per output position for rank-3+ outputs: each sample's loss is multiplied
   * by it, and the batch's sum divided by the batch size (Keras's `sum_over_batch_size`). Split with validationSplit.
   */
  sampleWeight?: TensorLike;
  /**
   * A weight per class index, e.g. `{ 0: 1, 1: 5 }`: each training sample weighs its class's weight (the label, the
   * argmax of a one-hot target, or a single output rounded). Missing classes below the largest key weigh 1, as Keras.
   */
  classWeight?: Record<number, number> | readonly number[];
  /** Epoch to start counting from (to resume); default 0. */
  initialEpoch?: number;
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Objects with hooks (`onEpochEnd`, …), `EarlyStopping`, `TerminateOnNaN`. */
  callbacks?: Callback[];
}

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Samples per forward pass; default 32 (does not change the result). */
  batchSize?: number;
  /** A weight per sample, as in `fit`: the loss and weighted metrics are weighted by it. */
  sampleWeight?: TensorLike;
}

/** Options of `predict`. */
export interface PredictOptions {
  /**
   * Samples per forward pass; by default as many (at most 1,024) as keep each layer's buffers within 4 MiB, for
   * speed (Keras's is 32; the outputs are the same bits either way).
   */
  batchSize?: number;
}

/** Options of `summary`. */
export interface SummaryOptions {
  /** Where each line goes; default `console.log`. Pass `() => {}` to only get the returned text. */
  printFn?: (line: string) => void;
}

interface Compiled {
  loss: Loss;
  /** The loss's kernels with its options bound. */
  kernels: LossKernels;
  optimizer: Optimizer;
  /** What compile was given, resolved again when the output's width becomes known (`'accuracy'`). */
  metricSpecs: readonly unknown[];
  weightedSpecs: readonly unknown[];
  metrics: CompiledMetric[];
  /** f64s of state all metrics need together (a block of them is taken per fit or evaluate call). */
  stateFloats: number;
}

/** A metric as a model logs it: under which name, whether weighted, and where its state lies in the state block. */
interface CompiledMetric { metric: Metric; name: string; weighted: boolean; offset: number }

const collector = new FinalizationRegistry<Blocks>((blocks) => blocks.releaseAll());

/** The model each optimizer instance belongs to: an optimizer's step count and slots serve one model. */
const optimizerOwners = new WeakMap<Optimizer, WeakRef<Sequential>>();

// NOTE: engines without explicit resource management have no Symbol.dispose; `using` needs it anyway there.
// Its type is looked up rather than named, so the declarations also compile for users whose `lib` lacks
// esnext.disposable (`typeof Symbol.dispose` is an error there; a `/// <reference lib>` would add DisposableStack
// and the rest of that lib to their globals). test/readme.test.ts type-checks both cases.
declare const NO_DISPOSE: unique symbol;
type DisposeSymbol = SymbolConstructor extends { readonly dispose: infer S extends symbol } ? S : typeof NO_DISPOSE;
const DISPOSE: DisposeSymbol = ((Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose')) as DisposeSymbol;

/** Hooks `fit` calls on a callback; each must be a function when present. */
const HOOKS = ['setParams', 'setModel', 'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

let modelCount = 0;

/**
 * Most rows per forward pass of `predict` unless a batchSize is given. Outputs do not depend on how rows are
 * grouped (each row's sums run in the same order whatever the batch), so the chunk is chosen for speed: as many
 * rows as keep each layer's buffers within PREDICT_CACHE_BYTES (a layer's output is then still in cache when the
 * next reads it), at most this many.
 */
const PREDICT_CHUNK = 1024;
/**
 * Bytes of one layer's input, output and own buffers a `predict` chunk aims to stay within: small enough to stay in
 * cache between layers, large enough that a Dense layer's packed weights serve many rows (measured: see README).
 */
const PREDICT_CACHE_BYTES = 4 * 2 ** 20;

/** What batch-begin hooks get: Keras passes no logs there. */
const NO_LOGS: Logs = Object.freeze({}) as Logs;

/** Yield to the event loop at most this often during `fit` (a frame at 60 Hz). */
const YIELD_MS = 16;

/** Names a metric cannot have in the logs and History: the callbacks' learning_rate, and Object.prototype's (constructor, __proto__, …). */
const RESERVED_LOG_KEYS: ReadonlySet<string> = new Set(['learning_rate', ...Object.getOwnPropertyNames(Object.prototype)]);

/** A linear stack of layers, trained and used like Keras's `Sequential`. */
export class Sequential {
  /** The class's name for `Object.prototype.toString` and error messages: unlike `constructor.name`, minifiers keep it. */
  get [Symbol.toStringTag](): string {
    return 'Sequential';
  }

  /** The model's name. */
  readonly name: string;
  /** The seed all random draws derive from. */
  readonly seed: number;
  /** Set to true (e.g. from a callback) to end `fit` after the current batch. */
  stopTraining = false;

  // The layers, shapes and memory layout; this class holds the loops over them.
  private readonly plan = new Plan();
  private readonly stack: Layer[] = this.plan.layers;
  private readonly blocks: Blocks = this.plan.blocks;
  private compiled: Compiled | undefined;
  private disposed = false;
  private training = false;
  // Whether the loss takes the output layer's logits: fixed by compile and add, so a step needs no lookup.
  private fused = false;

  constructor(layers?: Layer[] | null, options?: SequentialOptions | null) {
    const where = 'Sequential()';
    const o = readOptions(options, ['name', 'seed'], where);
    if (o.seed !== undefined && !(Number.isSafeInteger(o.seed) && o.seed >= 0)) {
      throw new ValueError(`${where}: seed must be a non-negative integer, got ${describe(o.seed)}`);
    }
    if (o.name !== undefined) text(o.name, 'name', where);
    const list = layers ?? [];
    if (!Array.isArray(list)) throw new ValueError(`${where}: layers must be an array of layers, got ${describe(layers)}`);
    const names = new Set<string>();
    for (const layer of list) {
      if (!(layer instanceof Layer)) throw new ValueError(`${where}: expected layers (Dense, Conv2D, Flatten, …), got ${describe(layer)}`);
      if (!builtIn(layer)) throw customLayer(layer, where);
      if (ownerOf(layer) !== undefined) throw new ValueError(`${where}: layer '${layer.name}' already belongs to a model`);
      if (names.has(layer.name)) throw new ValueError(`${where}: two layers are named '${layer.name}'; layer names must be unique`);
      names.add(layer.name);
    }
    this.seed = o.seed ?? Math.floor(Math.random() * 2 ** 32);
    collector.register(this, this.blocks, this);
    try {
      // Laid out once, not after each layer: the same draws from the seed in the same order, one allocation
      // instead of one per layer (each rebuild held the old weights and the new at once).
      for (const layer of list) this.append(layer, where, false);
      const first = this.stack[0];
      if (first?.declaredInputShape !== undefined) this.build(first.declaredInputShape, where);
    } catch (e) {
      // Nothing of the failed model stays: its layers are free to join another, its blocks go back.
      this.blocks.releaseAll();
      collector.unregister(this);
      this.disposed = true;
      for (const l of this.stack) { setOwner(l, undefined); Object.assign(binding(l), unbound()); }
      throw e;
    }
    this.name = o.name ?? (modelCount++ === 0 ? 'sequential' : `sequential_${modelCount - 1}`);
    lockSettings<Sequential>(this, ['name', 'seed']);
  }

  /** The layers, in order (a frozen copy; use `add` to append). */
  get layers(): readonly Layer[] {
    return Object.freeze([...this.stack]); // a copy, as Keras's: pushing to it cannot bypass add()
  }

  /** The optimizer given to `compile`. */
  get optimizer(): Optimizer | undefined {
    return this.compiled?.optimizer;
  }

  /** The loss, metric names and optimizer given to `compile`, if it was called (for saving). @internal */
  get trainingConfig(): { loss: Loss; metrics: Array<string | Metric>; weightedMetrics: Array<string | Metric>; optimizer: Optimizer } | undefined {
    const c = this.compiled;
    const given = (specs: readonly unknown[]) => specs.map((m) => (typeof m === 'string' ? m : (m as Metric)));
    return c && { loss: c.loss, optimizer: c.optimizer, metrics: given(c.metricSpecs), weightedMetrics: given(c.weightedSpecs) };
  }

  /** A copy of the optimizer's state: `slotCount × countParams()` floats, slot by slot (for saving). @internal */
  getOptimizerSlots(): Float32Array {
    const c = this.requireCompiled('getOptimizerSlots()');
    return this.plan.slotsBlock ? arena.read(this.plan.slotsBlock, c.optimizer.slotCount * this.plan.trainableCount) : new Float32Array(0);
  }

  /** Replaces the optimizer's state and step count, as saved by `getOptimizerSlots` (for loading). @internal */
  setOptimizerSlots(slots: Float32Array, iterations: number): void {
    const c = this.requireCompiled('setOptimizerSlots()');
    const n = c.optimizer.slotCount * this.plan.trainableCount;
    if (slots.length !== n) throw new ShapeError(`setOptimizerSlots(): expected ${n} floats, got ${slots.length}`);
    if (n > 0) arena.write(this.plan.slotsBlock, slots);
    c.optimizer.restore(iterations);
  }

  /** Names of the values `evaluate` returns: `['loss', ...metrics, ...weighted metrics]`. */
  get metricsNames(): string[] {
    return ['loss', ...(this.compiled?.metrics.map((m) => m.name) ?? [])];
  }

  /** Appends a layer. The first layer should declare `inputShape` (or `inputDim`). */
  add(layer: Layer): void {
    this.append(layer, 'add()');
  }

  /** Appends a layer, checked, and lays the weights out again if the model is built or now can be (unless `build` is false). */
  private append(layer: Layer, where: string, build = true): void {
    this.alive(where);
    if (!(layer instanceof Layer)) throw new ValueError(`${where}: expected a layer (Dense, Conv2D, Flatten, …), got ${describe(layer)}`);
    if (!builtIn(layer)) throw customLayer(layer, where);
    if (ownerOf(layer) !== undefined) throw new ValueError(`${where}: layer '${layer.name}' already belongs to a model`);
    if (this.stack.some((l) => l.name === layer.name)) throw new ValueError(`${where}: a layer named '${layer.name}' is already in the model; layer names must be unique`);
    if (this.training) throw new StateError(`${where}: cannot add layers while fit() runs`);
    const inputShape = this.stack.length === 0 ? layer.declaredInputShape : this.plan.built ? this.plan.outputShape : undefined;
    if (inputShape !== undefined) this.plan.shapes(inputShape, where, [layer]); // throws if the layer cannot take it
    this.stack.push(layer);
    try {
      if (build && (this.plan.built || (this.stack.length === 1 && layer.declaredInputShape !== undefined))) this.build(this.plan.built ? this.plan.inputShape : layer.declaredInputShape!, where);
    } catch (e) {
      this.stack.pop(); // build changes nothing when it fails: the model is as before the call
      throw e;
    }
    setOwner(layer, this);
    this.updateFused();
  }

  /** The layer with this name, or at this index. */
  getLayer(nameOrIndex: string | number): Layer {
    const layer = typeof nameOrIndex === 'number' ? this.stack[nameOrIndex] : this.stack.find((l) => l.name === nameOrIndex);
    if (!layer) throw new ValueError(`getLayer(): no layer ${describe(nameOrIndex)}; layers are ${this.stack.map((l) => l.name).join(', ') || 'none'}`);
    return layer;
  }

  /**
   * +1 when lower is better, −1 when higher is, for a name `fit` logs (`loss`, `val_auc`, a metric's own name), by
   * the compiled metric's kind, as Keras 3's 'auto' mode decides; undefined for a name it does not log. @internal
   */
  monitorDirection(name: string): 1 | -1 | undefined {
    const base = name.startsWith('val_') ? name.slice(4) : name;
    if (base === 'loss') return 1;
    const bound = this.compiled?.metrics.find((m) => m.name === base);
    return bound === undefined ? undefined : bound.metric.rises ? -1 : 1;
  }

  /** Whether a layer was frozen or unfrozen since the weights were laid out (the next compile or fit lays them out again). @internal */
  get trainableChanged(): boolean {
    return this.plan.trainableChanged();
  }

  /** Number of weights, trainable and not (BatchNormalization's moving statistics are not). */
  countParams(): number {
    return this.plan.weightCount;
  }

  /** Number of weights training updates (frozen layers' are not: see `Layer.trainable`). */
  countTrainableParams(): number {
    return this.plan.trainableNow();
  }

  /**
   * Keras's `model.trainable`: false freezes every layer whatever its own flag; true lets each layer's own flag
   * decide. Setting it sets every layer's flag too, as Keras does. Like a layer's, a change takes effect at the
   * next `compile` or `fit`.
   */
  get trainable(): boolean {
    return this.plan.trainable;
  }

  set trainable(value: boolean) {
    const v = boolean(value, 'trainable', `${this.name}.trainable`);
    this.plan.trainable = v;
    for (const l of this.stack) l.trainable = v;
  }

  /** Copies of all weights, layer by layer (`[kernel0, bias0, kernel1, bias1, …]`). */
  getWeights(): Tensor[] {
    this.alive('getWeights()');
    return this.stack.flatMap((l) => l.getWeights());
  }

  /** Replaces all weights; the list must match `getWeights()` in length and shapes. Nothing changes on error. */
  setWeights(weights: readonly TensorLike[]): void {
    this.alive('setWeights()');
    if (!this.plan.built) throw new StateError('setWeights(): the model is not built yet (give the first layer inputShape)');
    const specs = this.stack.flatMap((l) => binding(l).specs.map((s) => ({ ...s, name: `${l.name}/${s.name}` })));
    const checked = checkWeights(weights, specs, 'setWeights()');
    const offsets = this.stack.flatMap((l) => binding(l).weightOffsets);
    checked.forEach((t, i) => arena.write(offsets[i]!, t.data));
  }

  /** Sets the loss, optimizer and metrics. Must precede `fit` and `evaluate`; may be called again. */
  compile(options: CompileOptions): void {
    const where = 'compile()';
    this.alive(where);
    if (this.training) throw new StateError('compile(): cannot compile while fit() runs');
    if (typeof options !== 'object' || options === null) throw new ValueError(`compile(): expected { optimizer, loss, metrics }, got ${describe(options)}`);
    const o = readOptions(options, ['optimizer', 'loss', 'metrics', 'weightedMetrics'], where);
    if (o.loss === undefined) throw new ValueError("compile(): a loss is required, e.g. { loss: 'binaryCrossentropy' }");
    const loss = resolveLoss(o.loss, where);
    const kernels = loss.kernels();
    const optimizer = getOptimizer(o.optimizer ?? 'rmsprop', where);
    const owner = optimizerOwners.get(optimizer)?.deref();
    if (owner !== undefined && owner !== this && !owner.disposed) {
      throw new ValueError(`${where}: this ${optimizer.className} optimizer already trains model '${owner.name}'; its step count and slots belong to that model: give each model its own optimizer (new ${optimizer.className}({ … }))`);
    }
    const metricSpecs = metricList(o.metrics, 'metrics', where);
    const weightedSpecs = metricList(o.weightedMetrics, 'weightedMetrics', where);
    const bound = this.bindMetrics(metricSpecs, weightedSpecs, kernels, where);
    // A layer frozen or unfrozen since the weights were laid out: lay them out again (a transaction that also takes
    // the new optimizer's gradient and slot blocks); otherwise only those blocks are new.
    const relayout = this.plan.trainableChanged();
    const n = this.plan.trainableCount;
    const blocks = this.plan.built && !relayout ? this.blocks.allocAll([n * 4, optimizer.slotCount * n * 4], where) : undefined;
    if (relayout) this.plan.build(this.plan.inputShape, this.seed, optimizer.slotCount, where);
    // Everything is checked and allocated: from here on nothing fails.
    const previous = this.compiled?.optimizer;
    if (previous && previous !== optimizer && optimizerOwners.get(previous)?.deref() === this) optimizerOwners.delete(previous);
    optimizerOwners.set(optimizer, new WeakRef(this));
    this.compiled = { loss, kernels, optimizer, metricSpecs, weightedSpecs, ...bound };
    if (blocks) this.setTrainingBlocks(blocks[0]!, blocks[1]!);
    this.updateFused();
  }

  /** Trains for `epochs` passes over `(x, y)`; resolves to the History of logged values. */
  async fit(x: TensorLike, y: TensorLike, options?: FitOptions | null): Promise<History> {
    const where = 'fit()';
    this.alive(where);
    if (this.training) throw new StateError('fit(): this model is already training');
    const compiled = this.requireCompiled(where);
    const o = readOptions(options, ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'initialEpoch', 'verbose', 'callbacks', 'sampleWeight', 'classWeight'], where);
    const epochs = integer(o.epochs ?? 1, 'epochs', where, 0);
    const batchSize = integer(o.batchSize ?? 32, 'batchSize', where, 1);
    const initialEpoch = integer(o.initialEpoch ?? 0, 'initialEpoch', where, 0);
    const verbose = oneOf(o.verbose ?? 1, [0, 1, 2] as const, 'verbose', where);
    const shuffle = boolean(o.shuffle ?? true, 'shuffle', where);
    const callbacks = checkCallbacks(o.callbacks ?? [], where);
    const split = o.validationSplit === undefined ? undefined : number(o.validationSplit, 'validationSplit', where, { above: 0, below: 1 });

    let data = prepareData(x, y, this.dataSpec(where, true));
    // Sample weights go with their samples into a validation split; class weights weigh the training samples only (as Keras).
    data = data.withWeights(prepareWeights(data, o.sampleWeight, undefined, where));
    let train = data;
    let val: Dataset | undefined;
    if (o.validationData !== undefined) {
      const vd: unknown = o.validationData;
      if (!Array.isArray(vd) || (vd.length !== 2 && vd.length !== 3)) throw new ValueError(`fit(): validationData must be [x, y] or [x, y, sampleWeight], got ${describe(vd)}`);
      const vWhere = 'fit() validationData';
      val = prepareData(vd[0], vd[1], { ...this.dataSpec(vWhere, true), inputShape: this.plan.built ? this.plan.inputShape : data.inputShape });
      val = val.withWeights(prepareWeights(val, vd[2], undefined, vWhere));
    } else if (split !== undefined) {
      const at = Math.floor(data.rows * (1 - split));
      if (at === 0 || at === data.rows) throw new ValueError(`fit(): validationSplit ${split} of ${data.rows} samples leaves ${at === 0 ? 'no training' : 'no validation'} data`);
      [train, val] = [data.slice(0, at), data.slice(at, data.rows)];
    }
    if (o.classWeight !== undefined && o.classWeight !== null) {
      if (o.sampleWeight !== undefined && o.sampleWeight !== null) prepareWeights(train, o.sampleWeight, o.classWeight, where); // throws: not both
      train = train.withWeights(prepareWeights(train, undefined, o.classWeight, where));
    }

    // The rates a schedule gives in this fit, checked before anything changes: one past float32 would otherwise be
    // refused at its step, after the steps before it had trained the model. The first SCHEDULE_CHECKED_AHEAD steps
    // here (a few ms), the rest epoch by epoch before each begins (epochs: 1e6 must not stall fit before its first step).
    const schedule = compiled.optimizer.learningRateSchedule;
    let scheduleChecked = compiled.optimizer.steps;
    if (schedule && epochs > initialEpoch) {
      const count = Math.min((epochs - initialEpoch) * Math.ceil(train.rows / batchSize), SCHEDULE_CHECKED_AHEAD);
      checkSchedule(schedule, scheduleChecked, count, where, 'nothing was updated');
      scheduleChecked += count;
    }

    // Copied into the memory and checked finite there before anything about the model changes; a model that
    // is not built yet is built for this data, and the batch buffers sized, all before training begins.
    const trainData = upload(train, this.blocks, where);
    let valData: Uploaded | undefined;
    let order = 0;
    let state = 0;
    let batches = 0;
    const wasBuilt = this.plan.built;
    const capacity = Math.min(batchSize, train.rows);
    // With threads, a shuffled batch is gathered on another thread while the one before it trains: two batches'
    // inputs of the fit's own (not the workspace's, which a callback's predict() may use).
    const prefetch = shuffle && backgroundPays(capacity * train.inputDim);
    try {
      if (val) valData = upload(val, this.blocks, o.validationData ? 'fit() validationData' : where);
      order = this.blocks.alloc(train.rows * 4, where);
      if (prefetch) batches = this.blocks.alloc(2 * capacity * train.inputDim * 4, where);
      if (!this.plan.built || this.plan.trainableChanged()) this.build(this.plan.built ? this.plan.inputShape : data.inputShape, where);
      // The metrics' states of the training epoch, then of its validation: taken now, so nothing is allocated mid-fit
      // (and before the workspace, which a failure after it would leave resized).
      state = this.blocks.alloc(Math.max(1, 2 * compiled.stateFloats) * 8, where);
      this.plan.ensureWorkspace(capacity, where);
    } catch (e) {
      if (state) this.blocks.release(state);
      if (batches) this.blocks.release(batches);
      if (order) this.blocks.release(order);
      if (valData) release(valData, this.blocks);
      release(trainData, this.blocks);
      if (!wasBuilt && this.plan.built) this.unbuild(); // a failed ensureWorkspace keeps the buffers it had
      throw e;
    }
    const steps = Math.ceil(train.rows / batchSize);
    // As Keras's CallbackList: the user's callbacks first, then History and the progress bar, so both see what
    // callbacks add to an epoch's logs (learning_rate); a History or ProgbarLogger the user gives is not added twice.
    const userHistory = callbacks.find((c): c is History => c instanceof History);
    const history = userHistory ?? new History();
    const all: Callback[] = [...callbacks];
    if (!userHistory) all.push(history);
    if (verbose > 0 && !callbacks.some((c) => c instanceof ProgbarLogger)) all.push(new ProgbarLogger(verbose as 1 | 2));

    this.stopTraining = false;
    this.training = this.plan.training = true;
    try {
      for (const c of all) c.setParams?.({ epochs, steps, verbose });
      for (const c of all) {
        const pending = c.setModel?.(this) as unknown; // typed void, but a promise it returns is awaited, not dropped
        if (pending instanceof Promise) await pending;
      }
      // After setParams: a callback may need batches only for some settings (the bar, on a terminal).
      const batchBegin = all.filter((c) => c.onBatchBegin);
      const batchEnd = all.filter((c) => c.onBatchEnd);
      const run: FitRun = {
        compiled, x: trainData.x, y: trainData.y, w: trainData.w, order, rows: train.rows, inputDim: train.inputDim,
        targetCols: train.targetCols, cols: this.plan.outputCols, batchSize, shuffle, state,
        totals: new Float64Array(2), steps, batches, prefetched: -1,
      };
      const logs: Logs = {};
      const perStep = batchBegin.length > 0 || batchEnd.length > 0;
      const shuffleState = this.plan.randomState(SHUFFLE_STREAM);
      let lastYield = performance.now();
      let budget = 1;
      let epochsRun = 0;
      for (const c of all) await c.onTrainBegin?.({});
      // A callback that restored a backup (BackupAndRestore) says where to continue, as Keras's _initial_epoch.
      const resume = resumeEpochs.get(this);
      resumeEpochs.delete(this);
      // As Keras's trainers: stopTraining is looked at after each batch and after each epoch's end, so one set in
      // onTrainBegin or onEpochBegin still lets a batch run and the epoch end with real logs.
      let lastLogs: Logs = {};
      for (let epoch = Math.max(initialEpoch, resume ?? 0); epoch < epochs; epoch++) {
        for (const c of all) await c.onEpochBegin?.(epoch, {});
        const epochEnd = compiled.optimizer.steps + steps;
        if (schedule && epochEnd > scheduleChecked) {
          const from = Math.max(scheduleChecked, compiled.optimizer.steps);
          checkSchedule(schedule, from, epochEnd - from, where, `epoch ${epoch + 1} was not started; the epochs before it stay trained`);
          scheduleChecked = epochEnd;
        }
        run.prefetched = -1;
        if (shuffle) k.permutation(order, train.rows, shuffleState);
        run.totals.fill(0);
        k.fill(state, compiled.stateFloats * 2, 0); // f64 zeros: all bits 0
        let step = 0;
        while (step < steps) {
          let to = step + 1;
          if (perStep) {
            for (let i = 0; i < batchBegin.length; i++) {
              const pending = batchBegin[i]!.onBatchBegin!(step, NO_LOGS);
              if (pending) await pending; // an await per batch costs a microtask turn: only for async hooks
            }
            this.trainSteps(run, step, to);
            join(); // nothing runs in the background while a callback does
            if (batchEnd.length > 0) {
              this.fillLogs(logs, compiled, run.totals, state);
              for (let i = 0; i < batchEnd.length; i++) {
                const pending = batchEnd[i]!.onBatchEnd!(step, logs);
                if (pending) await pending;
              }
            }
          } else {
            // NOTE: each look at the clock allocates a boxed number; steps run in slices of about a millisecond
            // between looks, so the steps themselves allocate nothing.
            const began = performance.now();
            to = Math.min(steps, step + budget);
            this.trainSteps(run, step, to);
            budget = nextBudget(budget, to - step, performance.now() - began);
          }
          step = to;
          if (performance.now() - lastYield > YIELD_MS) {
            join(); // nor while other code runs
            await yieldToEventLoop();
            lastYield = performance.now();
          }
          if (this.stopTraining) break;
        }
        join();
        const epochLogs: Logs = {};
        this.fillLogs(epochLogs, compiled, run.totals, state);
        if (valData) {
          const v = this.evaluateRows(compiled, valData.rows, batchSize, uploadedRows(valData), where, state + compiled.stateFloats * 8);
          this.metricsNames.forEach((name, i) => { epochLogs[`val_${name}`] = v[i]!; });
        }
        for (const c of all) await c.onEpochEnd?.(epoch, epochLogs);
        epochsRun++;
        lastLogs = epochLogs;
        if (this.stopTraining) break;
      }
      // As Keras's finalize_variable_values: with useEma the weights become their moving average (nothing otherwise).
      if (epochsRun > 0) compiled.optimizer.finalize(this.plan.parameterBlocks!);
      for (const c of all) await c.onTrainEnd?.(lastLogs); // Keras: the last epoch's logs
    } finally {
      join();
      this.training = this.plan.training = false;
      this.blocks.release(state);
      if (batches) this.blocks.release(batches);
      this.blocks.release(order);
      release(trainData, this.blocks);
      if (valData) release(valData, this.blocks);
    }
    return history;
  }

  /** The loss and metrics on `(x, y)`, in `metricsNames` order: `[loss, ...metrics]`; with `returnDict`, by name. */
  evaluate(x: TensorLike, y: TensorLike, options?: (EvaluateOptions & { returnDict?: false }) | null): number[];
  evaluate(x: TensorLike, y: TensorLike, options: EvaluateOptions & { returnDict: true }): Record<string, number>;
  evaluate(x: TensorLike, y: TensorLike, options?: (EvaluateOptions & { returnDict?: boolean }) | null): number[] | Record<string, number> {
    const where = 'evaluate()';
    this.alive(where);
    const compiled = this.requireCompiled(where);
    const o = readOptions(options, ['batchSize', 'returnDict', 'sampleWeight'], where);
    const batchSize = integer(o.batchSize ?? 32, 'batchSize', where, 1);
    const returnDict = boolean(o.returnDict ?? false, 'returnDict', where);
    if (!this.plan.built) throw new StateError('evaluate(): the model is not built yet (call fit first, or give the first layer inputShape)');
    const plain = prepareData(x, y, this.dataSpec(where, true));
    const data = plain.withWeights(prepareWeights(plain, o.sampleWeight, undefined, where));
    const values = this.restoringWorkspace(() => this.evaluateRows(compiled, data.rows, batchSize, this.streamed(data, where), where));
    if (!returnDict) return values;
    return Object.fromEntries(this.metricsNames.map((n, i) => [n, values[i]!]));
  }

  /**
   * The model's outputs for `x`: a Tensor of shape `[samples, ...the output shape]` (`[samples, outputs]` for a flat output).
   * Its type says rank 2 (`toArray()` is `number[][]`), as for most models; the rank is not checked statically, so a
   * model with image or sequence outputs names its rank: `model.predict<4>(x)` (or `predict<Rank>` for any rank).
   */
  predict<R extends Rank = 2>(x: TensorLike, options?: PredictOptions | null): Tensor<R> {
    const where = 'predict()';
    this.alive(where);
    const given = readOptions(options, ['batchSize'], where).batchSize;
    const batchSize = given === undefined ? this.plan.rowsWithin(PREDICT_CACHE_BYTES, PREDICT_CHUNK) : integer(given, 'batchSize', where, 1);
    if (!this.plan.built) throw new StateError('predict(): the model is not built yet (call fit first, or give the first layer inputShape)');
    const data = prepareData(x, undefined, this.dataSpec(where, false));
    const size = this.plan.outputSize;
    const result = new Float32Array(data.rows * size);
    this.restoringWorkspace(() => {
      const chunk = this.plan.ensureWorkspace(Math.min(batchSize, data.rows), where);
      const source = this.streamed(data, where);
      const out = binding(this.plan.last).buffers.out;
      for (let start = 0; start < data.rows; start += chunk) {
        const rows = Math.min(chunk, data.rows - start);
        this.plan.forward(source(start, rows)[0], rows, false);
        result.set(arena.f32(out, rows * size), start * size);
      }
    });
    return new Tensor<R>(result, [data.rows, ...this.plan.outputShape]);
  }

  /** Keras's summary table (layer, output shape, params, totals); printed via `printFn` and returned. */
  summary(options?: SummaryOptions | null): string {
    this.alive('summary()');
    const o = readOptions(options, ['printFn'], 'summary()');
    const print = o.printFn === undefined ? (s: string) => console.log(s) : callable<(line: string) => void>(o.printFn, 'printFn', 'summary()');
    if (!this.plan.built) throw new StateError(`summary(): model '${this.name}' is not built yet: give the first layer inputShape, or call fit first`);
    const widths = [33, 24, 15];
    // A cell too long for its column wraps onto more lines, as Keras's table does.
    const row = (cells: string[], l: string, m: string, r: string) => {
      const parts = cells.map((c, i) => wrap(c, widths[i]! - 2));
      const height = Math.max(...parts.map((p) => p.length));
      return Array.from({ length: height }, (_, j) =>
        l + parts.map((p, i) => ` ${i === 2 ? (p[j] ?? '').padStart(widths[i]! - 2) : (p[j] ?? '').padEnd(widths[i]! - 2)} `).join(m) + r).join('\n');
    };
    const rule = (l: string, m: string, r: string, ch: string) => l + widths.map((w) => ch.repeat(w)).join(m) + r;
    const lines = [`Model: "${this.name}"`, rule('┏', '┳', '┓', '━'), row(['Layer (type)', 'Output Shape', 'Param #'], '┃', '┃', '┃'), rule('┡', '╇', '┩', '━')];
    this.stack.forEach((l, i) => {
      const b = binding(l);
      const params = b.specs.reduce((a, s) => a + sizeOf(s.shape), 0);
      lines.push(row([`${l.name} (${l.className})`, formatShape(b.outputShape), params.toLocaleString('en-US')], '│', '│', '│'));
      if (i < this.stack.length - 1) lines.push(rule('├', '┼', '┤', '─'));
    });
    lines.push(rule('└', '┴', '┘', '─'));
    const count = (n: number) => `${n.toLocaleString('en-US')} (${bytes(n * 4)})`;
    const trainable = this.plan.trainableNow();
    lines.push(` Total params: ${count(this.plan.weightCount)}`);
    lines.push(` Trainable params: ${count(trainable)}`);
    lines.push(` Non-trainable params: ${count(this.plan.weightCount - trainable)}`);
    const text = lines.join('\n');
    for (const line of text.split('\n')) print(line);
    return text;
  }

  /**
   * Saves the model in the TensorFlow.js Layers format and resolves to its in-memory artifacts
   * (`{ modelTopology, weightSpecs, weightData, trainingConfig }`, what `tf.io.fromMemory` takes). With a
   * target it also writes them: a directory path or `file://` URL in Node (model.json + weights.bin),
   * `indexeddb://name`, `localstorage://name` or `downloads://name` in a browser. A compiled model keeps its
   * loss, optimizer and metrics; `includeOptimizer` adds the optimizer's state so training resumes exactly.
   */
  save(target?: SaveTarget, options?: SaveOptions | null): Promise<ModelArtifacts> {
    this.alive('save()');
    return saveModel(this, target, options ?? undefined);
  }

  /** The topology alone, as TensorFlow.js saves it (so `JSON.stringify(model)` gives it); see `modelFromJSON`. */
  toJSON(): Record<string, unknown> {
    this.alive('toJSON()');
    return topologyOf(this);
  }

  /** Releases the model's memory now instead of when it is garbage-collected. The model is unusable after. */
  dispose(): void {
    if (this.disposed) return;
    if (this.training) throw new StateError('dispose(): cannot dispose a model while fit() runs');
    this.blocks.releaseAll();
    collector.unregister(this);
    this.disposed = true;
    const optimizer = this.compiled?.optimizer;
    if (optimizer && optimizerOwners.get(optimizer)?.deref() === this) optimizerOwners.delete(optimizer);
    for (const l of this.stack) Object.assign(binding(l), { weightOffsets: [], gradOffsets: [], disposed: true });
  }

  /** `using model = new Sequential(…)` disposes the model when the block ends (TypeScript 5.2+, Node 20+). */
  [DISPOSE](): void {
    this.dispose();
  }

  // ---- internals ----

  private alive(where: string): void {
    if (this.disposed) throw new StateError(`${where}: model '${this.name}' was disposed`);
  }

  private requireCompiled(where: string): Compiled {
    if (!this.compiled) throw new StateError(`${where}: the model must be compiled first: model.compile({ optimizer, loss })`);
    return this.compiled;
  }

  private dataSpec(where: string, needTargets: boolean): DataSpec {
    if (this.stack.length === 0) throw new StateError(`${where}: the model has no layers`);
    const kernels = this.compiled?.kernels;
    const loss = this.compiled?.loss;
    const ignoreClass = loss?.ignored();
    return {
      where,
      inputShape: this.plan.built ? this.plan.inputShape : undefined,
      outputShape: this.plan.built ? this.plan.outputShape : undefined,
      outputShapeFor: (inputShape) => this.plan.shapes(inputShape, where).at(-1)!.output,
      sparse: kernels?.sparse === true,
      ...(ignoreClass === undefined ? {} : { ignoreClass }),
      // The cross-entropies take probabilities as targets, from logits too (Keras's labels are in [0, 1] either way).
      probabilities: kernels !== undefined && (kernels.logits !== undefined || (loss as { fromLogits?: boolean }).fromLogits === true),
      needTargets,
    };
  }

  /** Builds the plan for an input shape (see Plan.build); a compiled model's optimizer starts over with new slots. */
  private build(inputShape: readonly number[], where: string): void {
    this.plan.build(inputShape, this.seed, this.compiled?.optimizer.slotCount, where);
    if (this.compiled) this.trainingBlocksChanged();
  }

  /** Undoes the first build (for a `fit` that built the model and then failed before training). */
  private unbuild(): void {
    this.plan.unbuild();
    if (this.compiled) this.compiled.optimizer.reset();
  }

  /** Takes freshly allocated gradient and slot blocks, zeroed: the optimizer starts over with them. */
  private setTrainingBlocks(grads: number, slots: number): void {
    this.plan.setTrainingBlocks(grads, slots, this.compiled!.optimizer.slotCount);
    this.trainingBlocksChanged();
  }

  private trainingBlocksChanged(): void {
    const compiled = this.compiled!;
    compiled.optimizer.reset();
    // Metrics chosen before the model knew its output width ('accuracy') are resolved again now.
    Object.assign(compiled, this.bindMetrics(compiled.metricSpecs, compiled.weightedSpecs, compiled.kernels, 'compile()'));
  }

  /**
   * Resolves the metrics given to compile for this model's output (any width while it is not built) and lays out
   * their states one after the other; names must be unique (a weighted one also listed unweighted gets `weighted_`).
   */
  private bindMetrics(specs: readonly unknown[], weightedSpecs: readonly unknown[], kernels: LossKernels, where: string): Pick<Compiled, 'metrics' | 'stateFloats'> {
    const cols = this.plan.built ? this.plan.outputCols : Number.MAX_SAFE_INTEGER;
    const sparse = kernels.sparse === true;
    const metrics: CompiledMetric[] = [];
    const names = new Set<string>(['loss']);
    let offset = 0;
    for (const [list, weighted] of [[specs, false], [weightedSpecs, true]] as const) {
      const seen = new Set<string>();
      for (const spec of list) {
        const metric = resolveMetric(spec, cols, sparse, where);
        let name = metric.name;
        if (seen.has(name)) throw new ValueError(`${where}: metric '${name}' is listed twice in ${weighted ? 'weightedMetrics' : 'metrics'}`);
        seen.add(name);
        if (weighted && names.has(name)) name = `weighted_${name}`;
        if (names.has(name)) throw new ValueError(`${where}: two metrics would be logged as '${name}'; give one another name ({ name: '…' })`);
        if (name.startsWith('val_') || RESERVED_LOG_KEYS.has(name)) {
          const why = name.startsWith('val_') ? "'val_' begins the validation values' names" : name === 'learning_rate' ? 'ReduceLROnPlateau and LearningRateScheduler log the learning rate under that name' : 'every JavaScript object has a member of that name';
          throw new ValueError(`${where}: a metric cannot be logged as '${name}' (${why}); give it another name ({ name: '…' })`);
        }
        names.add(name);
        metrics.push({ metric, name, weighted, offset });
        if (this.plan.built) offset += metric.stateSize(cols) * 8;
      }
    }
    return { metrics, stateFloats: offset / 8 };
  }

  /** Whether the loss takes the last layer's logits (a sigmoid or softmax fused with its cross-entropy). */
  private updateFused(): void {
    const logits = this.compiled?.kernels.logits;
    this.fused = logits !== undefined && this.stack.length > 0 && this.plan.last.outputActivation() === logits.activation;
  }

  /**
   * Gradient steps `from` to `to` of an epoch, synchronously. Sums live in `run.totals`, never in JS numbers
   * that outlive a call, so a step allocates nothing on the JS heap.
   */
  private trainSteps(run: FitRun, from: number, to: number): void {
    const ws = this.plan.workspace!;
    for (let step = from; step < to; step++) {
      const start = step * run.batchSize;
      const rows = Math.min(run.batchSize, run.rows - start);
      let input = run.x + start * run.inputDim * 4;
      let target = run.y + start * run.targetCols * 4;
      let weights = run.w && run.w + start * this.plan.rowsPerSample * 4;
      if (run.shuffle) {
        const stride = Math.min(run.batchSize, run.rows) * run.inputDim * 4; // a batch of the two fit allocated
        input = run.batches ? run.batches + (step & 1) * stride : ws.input;
        if (run.prefetched === step) join(); // gathered in the background during the step before
        else parallel('gatherRows', input, run.x, run.order + start * 4, rows, run.inputDim);
        run.prefetched = -1;
        if (run.batches && step + 1 < run.steps) {
          // The next batch, gathered by a thread once it has done its part of this step's first split call.
          const next = start + run.batchSize;
          post('gatherRows', false, run.batches + ((step + 1) & 1) * stride, run.x, run.order + next * 4, Math.min(run.batchSize, run.rows - next), run.inputDim);
          run.prefetched = step + 1;
        }
        k.gatherRows(ws.target, run.y, run.order + start * 4, rows, run.targetCols, 0, 1);
        if (run.w) k.gatherRows(ws.weights, run.w, run.order + start * 4, rows, this.plan.rowsPerSample, 0, 1);
        target = ws.target;
        weights = run.w && ws.weights;
      }
      this.backprop(run.compiled, input, target, weights, rows, run.totals, run.state);
      run.compiled.optimizer.step(this.plan.parameterBlocks!);
      this.plan.constrain();
    }
  }

  /**
   * Forward and backward pass on a batch of `rows` samples: fills the gradient block, adds to `totals` the loss
   * (with penalties) times the loss rows and the loss rows, `[loss·n, n]`, and each metric's batch to its state in
   * the block at `state` (0: no metrics).
   * A sample has one loss row per position of the output's leading axes (one for a flat output). With `weights` (a
   * byte offset of one weight per loss row, or 0), each row's loss and gradient are scaled by its weight and the
   * batch's sum is divided by its rows, as Keras's `sum_over_batch_size`.
   */
  private backprop(c: Compiled, input: number, target: number, weights: number, rows: number, totals: Float64Array, state: number): void {
    const plan = this.plan;
    plan.forward(input, rows, true);
    const last = plan.last;
    const out = binding(last).buffers;
    const lossRows = rows * plan.rowsPerSample;
    const cols = plan.outputCols;
    const pred = this.fused ? last.logits() : out.out;
    const kernels = this.fused ? c.kernels.logits! : c.kernels;
    // The wasm kernel is called right here, a call site per option count: the f64 it returns stays unboxed in this
    // function (returned through a JavaScript wrapper, it was boxed at every step whenever V8 did not inline that).
    const g = kernels.grad, o = c.kernels.options, grad = out.grad;
    let loss = o.length === 0 ? g(grad, pred, target, lossRows, cols)
      : o.length === 1 ? g(grad, pred, target, lossRows, cols, o[0])
        : o.length === 3 ? g(grad, pred, target, lossRows, cols, o[0], o[1], o[2])
          : g(grad, pred, target, lossRows, cols, o[0], o[1], o[2], o[3]);
    if (weights) {
      k.scaleRows(out.grad, weights, lossRows, cols);
      kernels.rows(plan.workspace!.rowValues, pred, target, lossRows, cols);
      loss = meanOver(k.weightedAccumulate(plan.workspace!.rowValues, weights, lossRows, 0), lossDenominator(c.kernels, target, lossRows, cols));
    }
    if (state) {
      for (let m = 0; m < c.metrics.length; m++) {
        const bound = c.metrics[m]!;
        // The per-row scratch is free again: the loss's rows were summed above.
        bound.metric.update(state + bound.offset, out.out, target, bound.weighted ? weights : 0, lossRows, cols, plan.workspace!.rowValues);
      }
    }
    plan.backward(rows, this.fused);
    const penalty = plan.regularize();
    totals[0]! += (loss + penalty) * lossRows;
    totals[1]! += lossRows;
  }

  /**
   * The training loss on `(x, y)` as one batch and its gradient for every trainable weight (in `getWeights()`
   * order), without an optimizer step. For gradient checks and tools; Dropout and BatchNormalization act as in
   * training (BatchNormalization's moving statistics move).
   * @internal
   */
  computeGradients(x: TensorLike, y: TensorLike): { loss: number; gradients: Tensor[] } {
    const where = 'computeGradients()';
    this.alive(where);
    const c = this.requireCompiled(where);
    if (!this.plan.built) throw new StateError(`${where}: the model is not built yet`);
    if (this.training) throw new StateError(`${where}: cannot run while fit() runs on this model`);
    const data = upload(prepareData(x, y, this.dataSpec(where, true)), this.blocks, where);
    try {
      this.plan.ensureWorkspace(data.rows, where);
      const totals = new Float64Array(2);
      this.backprop(c, data.x, data.y, data.w, data.rows, totals, 0);
      const loss = totals[0]! / totals[1]!;
      const gradients = this.stack.flatMap((l) => binding(l).specs.flatMap((s, i) =>
        s.trainable ? [new Tensor(arena.read(binding(l).gradOffsets[i]!, sizeOf(s.shape)), s.shape)] : []));
      return { loss, gradients };
    } finally {
      release(data, this.blocks);
    }
  }

  /** The epoch so far: the loss's running mean from `[loss·n, n]`, each metric's value from its state. */
  private fillLogs(logs: Logs, c: Compiled, totals: Float64Array, state: number): void {
    logs.loss = totals[0]! / totals[1]!;
    const cols = this.plan.outputCols;
    for (let m = 0; m < c.metrics.length; m++) {
      const bound = c.metrics[m]!;
      logs[bound.name] = bound.metric.resultOf(state + bound.offset, cols);
    }
  }

  /**
   * Rows `[start, start + rows)` of a dataset streamed through the workspace: copied into its input and target
   * buffers and checked finite there, so predict and evaluate need no memory of their own.
   */
  private streamed(data: Dataset, where: string): RowSource {
    return (start, rows) => {
      const ws = this.plan.workspace!;
      copyChecked(ws.input, data.x.subarray(start * data.inputDim, (start + rows) * data.inputDim), data.inputDim, start, where, 'x');
      if (data.targetCols > 0) copyChecked(ws.target, data.y.subarray(start * data.targetCols, (start + rows) * data.targetCols), data.targetCols, start, where, 'y');
      if (data.w) arena.write(ws.weights, data.w.subarray(start * data.rowsPerSample, (start + rows) * data.rowsPerSample));
      return [ws.input, ws.target, data.w ? ws.weights : 0];
    };
  }

  /**
   * Runs `f`, which may resize the workspace and then meet bad data (a NaN in a later chunk): on error the
   * workspace goes back to the size it had, so a failed call leaves no trace.
   */
  private restoringWorkspace<T>(f: () => T): T {
    const before = this.plan.workspace?.capacity;
    try {
      return f();
    } catch (e) {
      if (!this.training && this.plan.workspace?.capacity !== before) {
        this.plan.dropWorkspace();
        try {
          if (before !== undefined) this.plan.ensureWorkspace(before, 'neurasm'); // the size it had: memory it just held
        } catch {
          // Left without buffers; the next call makes them. The error that matters is the one below.
        }
      }
      throw e;
    }
  }

  /**
   * Loss (with penalties) and metrics over `total` samples, as Keras's mean over samples. Each row's loss is
   * added to one running f64 total in row order, so the result is the same bits whatever the batch size. The
   * metrics' states go in the block `given` (fit's, taken before training) or in one taken for the call.
   */
  private evaluateRows(c: Compiled, total: number, batchSize: number, source: RowSource, where: string, given = 0): number[] {
    const plan = this.plan;
    const cols = plan.outputCols;
    const perSample = plan.rowsPerSample;
    let lossSum = 0;
    let lossRowsCounted = 0;
    const chunk = plan.ensureWorkspace(Math.min(batchSize, total), where);
    const state = given || this.blocks.alloc(Math.max(1, c.stateFloats) * 8, where);
    try {
      k.fill(state, c.stateFloats * 2, 0);
      const last = plan.last;
      const out = binding(last).buffers.out;
      const perRow = plan.workspace!.rowValues;
      for (let start = 0; start < total; start += chunk) {
        const rows = Math.min(chunk, total - start);
        const lossRows = rows * perSample;
        const [input, target, weights] = source(start, rows);
        plan.forward(input, rows, false);
        if (this.fused) c.kernels.logits!.rows(perRow, last.logits(), target, lossRows, cols);
        else c.kernels.rows(perRow, out, target, lossRows, cols);
        if (c.kernels.count) {
          // A loss that leaves rows out (ignoreClass): Keras 3 takes each batch's mean over the rows it keeps, and
          // averages those means weighted by the batch's size, as fit's training loss does.
          const kept = c.kernels.count(target, lossRows, cols);
          const sum = weights ? k.weightedAccumulate(perRow, weights, lossRows, 0) : k.accumulate(perRow, lossRows, 0);
          lossSum += meanOver(sum, kept) * lossRows;
          lossRowsCounted += lossRows;
        } else {
          lossSum = weights ? k.weightedAccumulate(perRow, weights, lossRows, lossSum) : k.accumulate(perRow, lossRows, lossSum);
          lossRowsCounted += lossRows;
        }
        for (const bound of c.metrics) bound.metric.update(state + bound.offset, out, target, bound.weighted ? weights : 0, lossRows, cols, perRow);
      }
      return [meanOver(lossSum, lossRowsCounted) + plan.penalty(), ...c.metrics.map((bound) => bound.metric.resultOf(state + bound.offset, cols))];
    } finally {
      if (!given) this.blocks.release(state);
    }
  }

}

/**
 * The rows a loss's mean is over: all of them, or, for a loss that leaves some out (SparseCategoricalCrossentropy's
 * ignoreClass), those it counts, as Keras 3 averages over the rows its mask keeps.
 */
function lossDenominator(loss: LossKernels, target: number, rows: number, cols: number): number {
  return loss.count ? loss.count(target, rows, cols) : rows;
}

/** The error for a layer of a class of the user's own (a subclass of Layer or of one of neurasm's layers). */
function customLayer(layer: Layer, where: string): ValueError {
  return new ValueError(`${where}: layer '${layer.name}' is a ${layer.constructor.name || 'class'} of your own; neurasm's models take only its own layer classes (custom layers are not supported yet)`);
}

/** Throws unless `schedule` gives a finite rate ≥ 0 (as a float32) at each of the `count` steps from `first` (Optimizer.step's check, ahead). */
function checkSchedule(schedule: LearningRateSchedule, first: number, count: number, where: string, state: string): void {
  for (let s = first; s < first + count; s++) {
    const lr: unknown = schedule.value(s);
    if (typeof lr !== 'number' || !(lr >= 0 && Number.isFinite(Math.fround(lr)))) {
      throw new ValueError(`${where}: the learning-rate schedule gave ${describe(lr)} at step ${s}; it must give a finite number ≥ 0 (${state})`);
    }
  }
}

/** Steps of a schedule fit checks before its first step (about 70 ns each); later ones before their epoch. */
const SCHEDULE_CHECKED_AHEAD = 100_000;

/** `sum / rows`, and 0 when every row was left out (ignoreClass), as Keras 3's masked mean gives (not 0/0 = NaN). */
function meanOver(sum: number, rows: number): number {
  return rows === 0 ? 0 : sum / rows;
}

/** What the training steps of one `fit` read: the data's blocks and shape, and the epoch's running totals. */
interface FitRun {
  compiled: Compiled;
  x: number;
  y: number;
  /** Weights per loss row, or 0 when unweighted. */
  w: number;
  order: number;
  rows: number;
  inputDim: number;
  targetCols: number;
  cols: number;
  batchSize: number;
  shuffle: boolean;
  /** `[loss·rows, rows]` over the epoch so far. */
  totals: Float64Array;
  /** Byte offset of the metrics' states over the epoch so far. */
  state: number;
  /** Steps in an epoch. */
  steps: number;
  /** Byte offset of two batches' inputs that shuffled batches are gathered into, alternately; 0: into the workspace. */
  batches: number;
  /** The step whose batch was posted to be gathered in the background (−1: none). */
  prefetched: number;
}

/** Steps for the next slice between two looks at the clock: about a millisecond's worth, at most twice the last. */
function nextBudget(budget: number, done: number, ms: number): number {
  const perMillisecond = ms > 0 ? Math.floor(done / ms) : Infinity;
  return Math.max(1, Math.min(budget * 2, perMillisecond, 1 << 20));
}

/** Byte offsets of the x rows, y rows and weights (0 when unweighted) of a chunk starting at row `start`. */
type RowSource = (start: number, rows: number) => [number, number, number];

/** Chunks of a dataset already in the memory. */
function uploadedRows(u: Uploaded): RowSource {
  return (start) => [u.x + start * u.inputDim * 4, u.y + start * u.targetCols * 4, u.w && u.w + start * u.rowsPerSample * 4];
}

/** A compile option listing metrics: an array (of names or metric objects), or nothing. */
function metricList(list: unknown, option: string, where: string): readonly unknown[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new ValueError(`${where}: ${option} must be an array of names or metric objects, got ${describe(list)}`);
  return [...list];
}

/** The callbacks given to `fit`, each an object whose hooks, where present, are functions. */
function checkCallbacks(callbacks: unknown, where: string): Callback[] {
  if (!Array.isArray(callbacks)) throw new ValueError(`${where}: callbacks must be an array of objects, got ${describe(callbacks)}`);
  callbacks.forEach((c: unknown, i) => {
    if (typeof c !== 'object' || c === null) throw new ValueError(`${where}: callbacks must be an array of objects, got ${describe(c)} at index ${i}`);
    for (const hook of HOOKS) {
      const f = (c as Record<string, unknown>)[hook];
      if (f !== undefined && typeof f !== 'function') throw new ValueError(`${where}: callbacks[${i}].${hook} must be a function, got ${describe(f)}`);
    }
  });
  return callbacks as Callback[];
}

/** Text cut into lines of at most `width` characters, at spaces or underscores where it can (a summary cell). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = Math.max(rest.lastIndexOf(' ', width), rest.lastIndexOf('_', width - 1) + 1);
    const at = cut > 0 ? cut : width;
    lines.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  lines.push(rest);
  return lines;
}

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(2)} ${units[u]}`;
}

// setTimeout(0) is clamped in browsers after nesting; a MessageChannel round trip is not.
function yieldToEventLoop(): Promise<void> {
  const MC = (globalThis as { MessageChannel?: typeof MessageChannel }).MessageChannel;
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (MC) {
    return new Promise((resolve) => {
      const ch = new MC();
      ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
