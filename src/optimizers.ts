// Optimizers: hyperparameters and the step count live here; the weights, gradients and slots they update
// are one flat block each in the wasm memory, owned by the model, so a step is a few kernel calls. Keras 3's
// BaseOptimizer order: (accumulate gradients) → clip → decoupled weight decay → update → EMA of the weights.
// Host math is IEEE-exact only (+ − × ÷, sqrt): powers such as β1ᵗ are running products in f64.
// Each step calls its kernel directly unless the pool will split it (`splitting`): passed through another JS
// function, the f64 constants computed here would be boxed, and a training step must not allocate.
import { kernels as k } from './backend.js';
import { elementwise, splitting } from './threads.js';
import { lookup, type Spelling } from './names.js';
import { boolean, integer, lockSettings, number, readOptions, text } from './arguments.js';
import { LearningRateSchedule } from './schedules.js';
import { StateError, ValueError, describe } from './errors.js';

/** Options every optimizer takes (Keras 3's BaseOptimizer arguments, camelCase). */
export interface OptimizerOptions {
  /** Step size, or a schedule giving it from the step count (Keras's `learning_rate`). */
  learningRate?: number | LearningRateSchedule;
  /** Clip each weight's gradient to this L2 norm (Keras's `clipnorm`). */
  clipNorm?: number;
  /** Clip the gradient of all weights together to this L2 norm (Keras's `global_clipnorm`). */
  globalClipNorm?: number;
  /** Clip every gradient element to [−clipValue, clipValue] (Keras's `clipvalue`). */
  clipValue?: number;
  /** Decoupled weight decay: `w −= lr·weightDecay·w` before each update (Keras's `weight_decay`; none if 0 or omitted). */
  weightDecay?: number;
  /**
   * Weights spared the weight decay: any whose `<layer>/<weight>` name (e.g. 'dense/kernel') contains one of
   * these strings. NOTE: Keras 3 searches its variables' short names ('kernel') with these strings as one regular
   * expression; here they are plain substrings of the full name, so a layer's name also works, as Keras's var_list.
   */
  excludeFromWeightDecay?: readonly string[];
  /** Keep an exponential moving average of the weights (Keras's `use_ema`); `fit` ends with the weights set to it. */
  useEma?: boolean;
  /** The EMA's momentum, in [0, 1] (Keras's `ema_momentum`, default 0.99). */
  emaMomentum?: number;
  /** Every this many updates, the weights are overwritten by their EMA (Keras's `ema_overwrite_frequency`). */
  emaOverwriteFrequency?: number;
  /**
   * Update once every this many steps (≥ 2), with the mean of the gradients since the last update (Keras's
   * `gradient_accumulation_steps`). `iterations` then counts updates; a schedule sees every step, as in Keras.
   */
  gradientAccumulationSteps?: number;
}

/** Where a model's flat blocks are: weights, gradients, slots (`slotCount × size` floats), and each weight's range. */
export interface ParameterBlocks {
  weights: number;
  grads: number;
  slots: number;
  size: number;
  ranges: ReadonlyArray<{ offset: number; length: number; name: string }>;
}

/** A value in an optimizer's config. */
export type ConfigValue = number | boolean | string | null | readonly string[] | { className: string; config: Record<string, unknown> };

// Every hyperparameter reaches a kernel as a float32: finite there too, not only in f64 (1e39 is Infinity).
function positive(value: unknown, name: string, where: string, fallback: number, allowZero = false): number {
  return number(value ?? fallback, name, where, allowZero ? { min: 0 } : { above: 0 });
}

function fraction(value: unknown, name: string, where: string, fallback: number): number {
  return number(value ?? fallback, name, where, { min: 0, below: 1 });
}

function rate(value: unknown, where: string, fallback: number): number | LearningRateSchedule {
  if (value instanceof LearningRateSchedule) return value;
  return positive(value, 'learningRate', where, fallback);
}

/** Option names every optimizer takes. */
const OPTIMIZER_KEYS = ['learningRate', 'clipNorm', 'globalClipNorm', 'clipValue', 'weightDecay', 'excludeFromWeightDecay',
  'useEma', 'emaMomentum', 'emaOverwriteFrequency', 'gradientAccumulationSteps'] as const;

/** Base of all optimizers: clipping, weight decay, gradient accumulation, EMA, the step count, the update call. */
export abstract class Optimizer {
  readonly clipNorm: number | undefined;
  readonly globalClipNorm: number | undefined;
  readonly clipValue: number | undefined;
  /** Decoupled weight decay (0: none). */
  readonly weightDecay: number;
  readonly excludeFromWeightDecay: readonly string[];
  readonly useEma: boolean;
  readonly emaMomentum: number;
  readonly emaOverwriteFrequency: number | undefined;
  readonly gradientAccumulationSteps: number | undefined;
  /** Keras's class name ('Adam'). */
  abstract readonly className: string;

  /** The class's name for `Object.prototype.toString` and error messages: unlike `constructor.name`, minifiers keep it. */
  get [Symbol.toStringTag](): string {
    return this.className;
  }

  /** Floats of the update rule's own state per weight (momentum, moments), before the accumulator and EMA slots. */
  protected abstract readonly ruleSlots: number;
  #learningRate: number | LearningRateSchedule;
  #steps = 0;
  readonly #where: string;
  // The weight ranges that decay, merged, for the ranges they were made from (made once per build).
  #decayFor: ParameterBlocks['ranges'] | undefined;
  #decayRanges: Array<{ offset: number; length: number }> = [];

  /** Checks the options every optimizer takes (`options` already read by `readOptions`). */
  protected constructor(options: OptimizerOptions, defaultLearningRate: number, where: string, defaultWeightDecay = 0) {
    this.#where = where;
    this.#learningRate = rate(options.learningRate, where, defaultLearningRate);
    this.clipNorm = options.clipNorm === undefined ? undefined : positive(options.clipNorm, 'clipNorm', where, 0);
    this.globalClipNorm = options.globalClipNorm === undefined ? undefined : positive(options.globalClipNorm, 'globalClipNorm', where, 0);
    this.clipValue = options.clipValue === undefined ? undefined : positive(options.clipValue, 'clipValue', where, 0);
    const clips = (['clipNorm', 'clipValue', 'globalClipNorm'] as const).filter((key) => this[key] !== undefined);
    if (clips.length > 1) throw new ValueError(`${where}: only one of clipNorm, clipValue and globalClipNorm can be set (as Keras 3), got ${clips.join(' and ')}`);
    this.weightDecay = positive(options.weightDecay, 'weightDecay', where, defaultWeightDecay, true);
    const exclude = options.excludeFromWeightDecay ?? [];
    if (!Array.isArray(exclude)) throw new ValueError(`${where}: excludeFromWeightDecay must be an array of names, got ${describe(exclude)}`);
    this.excludeFromWeightDecay = exclude.map((s: unknown, i) => text(s, `excludeFromWeightDecay[${i}]`, where));
    this.useEma = boolean(options.useEma ?? false, 'useEma', where);
    this.emaMomentum = number(options.emaMomentum ?? 0.99, 'emaMomentum', where, { min: 0, max: 1 });
    this.emaOverwriteFrequency = options.emaOverwriteFrequency == null ? undefined : integer(options.emaOverwriteFrequency, 'emaOverwriteFrequency', where, 1);
    this.gradientAccumulationSteps = options.gradientAccumulationSteps == null ? undefined
      : integer(options.gradientAccumulationSteps, 'gradientAccumulationSteps', where, 2);
    lockSettings<Optimizer>(this, ['clipNorm', 'globalClipNorm', 'clipValue', 'weightDecay', 'excludeFromWeightDecay', 'useEma',
      'emaMomentum', 'emaOverwriteFrequency', 'gradientAccumulationSteps']);
  }

  /** Floats of state per weight: the rule's slots, then the gradient accumulator and the EMA, if used. @internal */
  get slotCount(): number {
    return this.ruleSlots + (this.gradientAccumulationSteps ? 1 : 0) + (this.useEma ? 1 : 0);
  }

  /**
   * The current step size (a schedule's value at the current step). May be set between steps (a callback) to
   * another positive finite number, or to a schedule; like Keras, a number cannot replace a schedule.
   */
  get learningRate(): number {
    return this.#rateAt(this.#steps);
  }

  set learningRate(value: number | LearningRateSchedule) {
    const where = `${this.#where}.learningRate`;
    if (!(value instanceof LearningRateSchedule) && this.#learningRate instanceof LearningRateSchedule) {
      throw new StateError(`${where}: this optimizer was made with a LearningRateSchedule, so its learning rate cannot be set (as in Keras); make it with a number learningRate to change it`);
    }
    this.#learningRate = value instanceof LearningRateSchedule ? value : positive(value, 'learningRate', where, NaN);
  }

  /** The schedule given as `learningRate`, if one was. */
  get learningRateSchedule(): LearningRateSchedule | undefined {
    return this.#learningRate instanceof LearningRateSchedule ? this.#learningRate : undefined;
  }

  /** Updates applied so far (Keras's `iterations`: steps, or steps ÷ gradientAccumulationSteps rounded down). */
  get iterations(): number {
    return this.#updatesAt(this.#steps);
  }

  /** Steps taken, accumulating or updating (Keras's `_iterations`, saved as 'iter'). @internal */
  get steps(): number {
    return this.#steps;
  }

  #rateAt(steps: number): number {
    const lr = this.#learningRate;
    return lr instanceof LearningRateSchedule ? lr.value(steps) : lr;
  }

  #updatesAt(steps: number): number {
    const n = this.gradientAccumulationSteps;
    return n ? Math.floor(steps / n) : steps;
  }

  /** Byte offset of slot `index` (of `slotCount`). */
  protected slot(b: ParameterBlocks, index: number): number {
    return b.slots + index * b.size * 4;
  }

  /**
   * One training step on the gradients in `b.grads` (which it may change): accumulates them, or (every
   * `gradientAccumulationSteps`-th step, or always) clips them, decays the weights and applies the update;
   * then updates the EMA. Allocates nothing once the weight ranges are known.
   * @internal
   */
  step(b: ParameterBlocks): void {
    const steps = this.#steps;
    const lr = this.#rateAt(steps); // Keras's schedules see every step, accumulating or not
    // A schedule of the user's own may give anything: refuse it before it reaches a weight (no NaN training).
    if (typeof lr !== 'number' || !(lr >= 0 && Number.isFinite(Math.fround(lr)))) {
      throw new ValueError(`${this.#where}: the learning-rate schedule gave ${describe(lr)} at step ${steps}; it must give a finite number ≥ 0 (nothing was updated)`);
    }
    if (steps === 0) this.initSlots(b);
    const n = this.gradientAccumulationSteps;
    if (n === undefined || (steps + 1) % n === 0) {
      if (n !== undefined) k.gradientAccumulatedMean(b.grads, this.slot(b, this.ruleSlots), b.size, n);
      this.#clip(b);
      if (this.weightDecay > 0) this.#decay(b, lr);
      this.update(b, lr);
    } else {
      k.gradientAccumulate(this.slot(b, this.ruleSlots), b.grads, b.size);
    }
    if (this.useEma) {
      const average = this.slot(b, this.slotCount - 1);
      const updates = this.#updatesAt(steps); // Keras's `iterations` before this step counts
      const m = updates === 0 ? 0 : this.emaMomentum;
      k.emaStep(average, b.weights, b.size, m, 1 - Math.fround(m));
      const every = this.emaOverwriteFrequency;
      if (every !== undefined && (updates + 1) % every === 0) k.linear(b.weights, average, b.size);
    }
    this.#steps = steps + 1;
  }

  /** Sets the weights to their EMA, if `useEma` (Keras's `finalize_variable_values`, which `fit` calls at its end). @internal */
  finalize(b: ParameterBlocks): void {
    if (this.useEma && this.#steps > 0) k.linear(b.weights, this.slot(b, this.slotCount - 1), b.size);
  }

  #clip(b: ParameterBlocks): void {
    if (this.clipValue !== undefined) k.clipByValue(b.grads, b.size, this.clipValue);
    if (this.clipNorm !== undefined) {
      for (const r of b.ranges) {
        const g = b.grads + r.offset * 4;
        k.clipByNorm(g, r.length, Math.sqrt(k.sumSquares(g, r.length)), this.clipNorm);
      }
    }
    if (this.globalClipNorm !== undefined) {
      k.clipByNorm(b.grads, b.size, Math.sqrt(k.sumSquares(b.grads, b.size)), this.globalClipNorm);
    }
  }

  #decay(b: ParameterBlocks, lr: number): void {
    const decay = lr * this.weightDecay;
    if (this.excludeFromWeightDecay.length === 0) {
      k.weightDecayStep(b.weights, b.size, decay);
      return;
    }
    if (this.#decayFor !== b.ranges) {
      const list: Array<{ offset: number; length: number }> = [];
      for (const r of b.ranges) {
        if (this.excludeFromWeightDecay.some((s) => r.name.includes(s))) continue;
        const last = list[list.length - 1];
        if (last && last.offset + last.length === r.offset) last.length += r.length;
        else list.push({ offset: r.offset, length: r.length });
      }
      this.#decayRanges = list;
      this.#decayFor = b.ranges;
    }
    for (const r of this.#decayRanges) k.weightDecayStep(b.weights + r.offset * 4, r.length, decay);
  }

  /** Forgets the steps taken (a model compiled with this optimizer starts its slots from zero). @internal */
  reset(): void {
    this.restore(0);
  }

  /** Sets the step count (`steps`, Keras's `_iterations`), and whatever derives from it, as after that many steps (loading). @internal */
  restore(steps: number): void {
    this.#steps = steps;
    this.replay(this.#updatesAt(steps));
  }

  /** Recomputes the running products of the rule as after `updates` updates. */
  protected replay(_updates: number): void {}

  /** Sets the rule's slots to their initial values before the first step (zeros unless overridden). */
  protected initSlots(_b: ParameterBlocks): void {}

  /** Applies the update rule with step size `learningRate`; `iterations` does not count this update yet. */
  protected abstract update(blocks: ParameterBlocks, learningRate: number): void;

  /** The rule's own settings, Keras's names in camelCase. */
  protected abstract ruleConfig(): Record<string, ConfigValue>;

  /** Keras-style configuration (Keras's argument names in camelCase, `name` the class), e.g. for saving. */
  getConfig(): Record<string, ConfigValue> {
    const lr = this.#learningRate;
    return {
      name: this.className,
      learningRate: lr instanceof LearningRateSchedule ? { className: lr.className, config: lr.getConfig() } : lr,
      ...this.ruleConfig(),
      weightDecay: this.weightDecay > 0 ? this.weightDecay : null,
      ...(this.excludeFromWeightDecay.length ? { excludeFromWeightDecay: this.excludeFromWeightDecay } : {}),
      clipnorm: this.clipNorm ?? null,
      globalClipnorm: this.globalClipNorm ?? null,
      clipvalue: this.clipValue ?? null,
      useEma: this.useEma,
      emaMomentum: this.emaMomentum,
      emaOverwriteFrequency: this.emaOverwriteFrequency ?? null,
      gradientAccumulationSteps: this.gradientAccumulationSteps ?? null,
    };
  }

  /** Names of the slots, in slot order (TF.js's where it has them; Keras's for the accumulator and EMA). @internal */
  slotNames(): string[] {
    return [...this.ruleSlotNames(), ...(this.gradientAccumulationSteps ? ['gradient_accumulator'] : []), ...(this.useEma ? ['average'] : [])];
  }

  /** Names of the rule's own slots, in slot order. */
  protected abstract ruleSlotNames(): string[];
}

/** Options of `SGD`. */
export interface SGDOptions extends OptimizerOptions { momentum?: number; nesterov?: boolean }

/** Stochastic gradient descent, with optional (Nesterov) momentum. Keras defaults: lr 0.01, momentum 0. */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  protected readonly ruleSlots: number;
  constructor(options?: SGDOptions | null) {
    const o = readOptions(options, [...OPTIMIZER_KEYS, 'momentum', 'nesterov'], 'SGD()');
    super(o, 0.01, 'SGD()');
    this.momentum = fraction(o.momentum, 'momentum', 'SGD()', 0);
    this.nesterov = boolean(o.nesterov ?? false, 'nesterov', 'SGD()');
    this.ruleSlots = this.momentum > 0 ? 1 : 0;
    lockSettings<SGD>(this, ['momentum', 'nesterov']);
  }
  protected update(b: ParameterBlocks, lr: number): void {
    if (this.momentum > 0) {
      if (splitting(b.size)) elementwise('sgdMomentumStep', b.weights, b.slots, b.grads, b.size, lr, this.momentum, this.nesterov);
      else k.sgdMomentumStep(b.weights, b.slots, b.grads, b.size, lr, this.momentum, this.nesterov);
    } else {
      if (splitting(b.size)) elementwise('sgdStep', b.weights, b.grads, b.size, lr);
      else k.sgdStep(b.weights, b.grads, b.size, lr);
    }
  }
  protected ruleConfig() { return { momentum: this.momentum, nesterov: this.nesterov }; }
  protected ruleSlotNames() { return this.momentum > 0 ? ['momentum'] : []; }
}

/** Options of `Adam` and `AdamW`. */
export interface AdamOptions extends OptimizerOptions { beta1?: number; beta2?: number; epsilon?: number; amsgrad?: boolean }

/** Adam with Keras's defaults (lr 0.001, β1 0.9, β2 0.999, ε 1e-7, amsgrad false) and Keras's update form. */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  protected readonly ruleSlots: number;
  // β1ᵗ and β2ᵗ as running products in f64: each product is one IEEE operation, so every engine gives the
  // same bits (Math.pow may differ by an ulp between engines), and more exact than Keras's f32 powers.
  #beta1Power = 1;
  #beta2Power = 1;
  constructor(options?: AdamOptions | null) {
    const where = new.target === AdamW ? 'AdamW()' : 'Adam()';
    const o = readOptions(options, [...OPTIMIZER_KEYS, 'beta1', 'beta2', 'epsilon', 'amsgrad'], where);
    super(o, 0.001, where, new.target === AdamW ? 0.004 : 0);
    this.beta1 = fraction(o.beta1, 'beta1', where, 0.9);
    this.beta2 = fraction(o.beta2, 'beta2', where, 0.999);
    this.epsilon = positive(o.epsilon, 'epsilon', where, 1e-7);
    this.amsgrad = boolean(o.amsgrad ?? false, 'amsgrad', where);
    this.ruleSlots = this.amsgrad ? 3 : 2;
    lockSettings<Adam>(this, ['beta1', 'beta2', 'epsilon', 'amsgrad']);
  }
  protected update(b: ParameterBlocks, lr: number): void {
    this.#beta1Power *= this.beta1;
    this.#beta2Power *= this.beta2;
    // The step size and the constants in f64 (one IEEE operation each: the same bits in every engine).
    const alpha = (lr * Math.sqrt(1 - this.#beta2Power)) / (1 - this.#beta1Power);
    const m = this.slot(b, 0);
    const v = this.slot(b, 1);
    const c1 = 1 - this.beta1, c2 = 1 - this.beta2;
    if (this.amsgrad) {
      if (splitting(b.size)) elementwise('adamAmsgradStep', b.weights, m, v, this.slot(b, 2), b.grads, b.size, alpha, c1, c2, this.epsilon);
      else k.adamAmsgradStep(b.weights, m, v, this.slot(b, 2), b.grads, b.size, alpha, c1, c2, this.epsilon);
    } else {
      if (splitting(b.size)) elementwise('adamStep', b.weights, m, v, b.grads, b.size, alpha, c1, c2, this.epsilon, 0);
      else k.adamStep(b.weights, m, v, b.grads, b.size, alpha, c1, c2, this.epsilon, 0);
    }
  }
  protected override replay(updates: number): void {
    // The same multiplications as `updates` updates made: a resumed run continues with the same bits.
    // Deep in the subnormals a product rounds back to itself (5e-324 · 0.9 → 5e-324): from there on steps
    // change nothing, so a saved step count of 2⁵² costs no more than the ~750,000 steps β2 = 0.999 needs.
    this.#beta1Power = 1;
    this.#beta2Power = 1;
    for (let i = 0; i < updates; i++) {
      const b1 = this.#beta1Power * this.beta1;
      const b2 = this.#beta2Power * this.beta2;
      if (b1 === this.#beta1Power && b2 === this.#beta2Power) break;
      this.#beta1Power = b1;
      this.#beta2Power = b2;
    }
  }
  protected ruleConfig() { return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad }; }
  protected ruleSlotNames() { return this.amsgrad ? ['m', 'v', 'vhat'] : ['m', 'v']; }
}

/** Options of `AdamW`. */
export type AdamWOptions = AdamOptions;

/** Adam with decoupled weight decay on by default (Keras's 0.004), applied to the weights before the Adam update. */
export class AdamW extends Adam {
  override readonly className = 'AdamW';
  constructor(options?: AdamWOptions | null) {
    super(options); // Adam's constructor gives an AdamW its default weightDecay
  }
}

/** Options of `RMSprop`. */
export interface RMSpropOptions extends OptimizerOptions { rho?: number; epsilon?: number; momentum?: number; centered?: boolean }

/**
 * RMSprop with Keras's defaults (lr 0.001, ρ 0.9, ε 1e-7, momentum 0, centered false): `w −= lr·g/√(v + ε)`, or
 * `√(v − ḡ² + ε)` centered. NOTE: TF.js's centered form subtracts ε (`√(v − ḡ² − ε)`); this follows Keras 3.
 */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly centered: boolean;
  protected readonly ruleSlots: number;
  constructor(options?: RMSpropOptions | null) {
    const o = readOptions(options, [...OPTIMIZER_KEYS, 'rho', 'epsilon', 'momentum', 'centered'], 'RMSprop()');
    super(o, 0.001, 'RMSprop()');
    this.rho = fraction(o.rho, 'rho', 'RMSprop()', 0.9);
    this.epsilon = positive(o.epsilon, 'epsilon', 'RMSprop()', 1e-7);
    this.momentum = fraction(o.momentum, 'momentum', 'RMSprop()', 0);
    this.centered = boolean(o.centered ?? false, 'centered', 'RMSprop()');
    this.ruleSlots = 1 + (this.momentum > 0 ? 1 : 0) + (this.centered ? 1 : 0);
    lockSettings<RMSprop>(this, ['rho', 'epsilon', 'momentum', 'centered']);
  }
  protected update(b: ParameterBlocks, lr: number): void {
    const u = this.slot(b, 1); // touched only with momentum
    if (this.centered) {
      const a = this.slot(b, this.ruleSlots - 1);
      if (splitting(b.size)) elementwise('rmspropCenteredStep', b.weights, b.slots, a, u, b.grads, b.size, lr, this.rho, 1 - this.rho, this.epsilon, this.momentum);
      else k.rmspropCenteredStep(b.weights, b.slots, a, u, b.grads, b.size, lr, this.rho, 1 - this.rho, this.epsilon, this.momentum);
    } else {
      if (splitting(b.size)) elementwise('rmspropStep', b.weights, b.slots, u, b.grads, b.size, lr, this.rho, 1 - this.rho, this.epsilon, this.momentum);
      else k.rmspropStep(b.weights, b.slots, u, b.grads, b.size, lr, this.rho, 1 - this.rho, this.epsilon, this.momentum);
    }
  }
  protected ruleConfig() { return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered }; }
  protected ruleSlotNames() { return ['rms', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['mg'] : [])]; }
}

/** Options of `Adagrad`. */
export interface AdagradOptions extends OptimizerOptions { initialAccumulatorValue?: number; epsilon?: number }

/** Adagrad with Keras's defaults (lr 0.001, initial accumulator 0.1, ε 1e-7): `a += g²; w −= lr·g/√(a + ε)`. */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  protected readonly ruleSlots = 1;
  constructor(options?: AdagradOptions | null) {
    const o = readOptions(options, [...OPTIMIZER_KEYS, 'initialAccumulatorValue', 'epsilon'], 'Adagrad()');
    super(o, 0.001, 'Adagrad()');
    this.initialAccumulatorValue = positive(o.initialAccumulatorValue, 'initialAccumulatorValue', 'Adagrad()', 0.1, true);
    this.epsilon = positive(o.epsilon, 'epsilon', 'Adagrad()', 1e-7);
    lockSettings<Adagrad>(this, ['initialAccumulatorValue', 'epsilon']);
  }
  // The slots start at zero with the model's blocks; a state at step 0 is always the initial one.
  protected override initSlots(b: ParameterBlocks): void {
    k.fill(b.slots, b.size, this.initialAccumulatorValue);
  }
  protected update(b: ParameterBlocks, lr: number): void {
    if (splitting(b.size)) elementwise('adagradStep', b.weights, b.slots, b.grads, b.size, lr, this.epsilon);
    else k.adagradStep(b.weights, b.slots, b.grads, b.size, lr, this.epsilon);
  }
  protected ruleConfig() { return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon }; }
  protected ruleSlotNames() { return ['accumulator']; }
}

/** Options of `Adadelta`. */
export interface AdadeltaOptions extends OptimizerOptions { rho?: number; epsilon?: number }

/**
 * Adadelta with Keras's defaults (lr 0.001, ρ 0.95, ε 1e-7). NOTE: TF.js divides by the accumulated squared
 * gradients before this step's; Keras 3 (followed here) after.
 */
export class Adadelta extends Optimizer {
  readonly className = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;
  protected readonly ruleSlots = 2;
  constructor(options?: AdadeltaOptions | null) {
    const o = readOptions(options, [...OPTIMIZER_KEYS, 'rho', 'epsilon'], 'Adadelta()');
    super(o, 0.001, 'Adadelta()');
    this.rho = fraction(o.rho, 'rho', 'Adadelta()', 0.95);
    this.epsilon = positive(o.epsilon, 'epsilon', 'Adadelta()', 1e-7);
    lockSettings<Adadelta>(this, ['rho', 'epsilon']);
  }
  protected update(b: ParameterBlocks, lr: number): void {
    const s = this.slot(b, 1);
    if (splitting(b.size)) elementwise('adadeltaStep', b.weights, b.slots, s, b.grads, b.size, lr, this.rho, 1 - this.rho, this.epsilon);
    else k.adadeltaStep(b.weights, b.slots, s, b.grads, b.size, lr, this.rho, 1 - this.rho, this.epsilon);
  }
  protected ruleConfig() { return { rho: this.rho, epsilon: this.epsilon }; }
  protected ruleSlotNames() { return ['accum_grad', 'accum_var']; }
}

/** Options of `Adamax` and `Nadam`. */
export interface AdamaxOptions extends OptimizerOptions { beta1?: number; beta2?: number; epsilon?: number }

/** What Adamax and Nadam share: β1, β2 and ε with Keras's defaults (0.9, 0.999, 1e-7), and two slots m and v. */
abstract class AdamLike extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly ruleSlots = 2;
  protected constructor(options: AdamaxOptions | null | undefined, where: string) {
    const o = readOptions(options, [...OPTIMIZER_KEYS, 'beta1', 'beta2', 'epsilon'], where);
    super(o, 0.001, where);
    this.beta1 = fraction(o.beta1, 'beta1', where, 0.9);
    this.beta2 = fraction(o.beta2, 'beta2', where, 0.999);
    this.epsilon = positive(o.epsilon, 'epsilon', where, 1e-7);
    lockSettings<AdamLike>(this, ['beta1', 'beta2', 'epsilon']);
  }
  protected ruleConfig() { return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }; }
  protected ruleSlotNames() { return ['m', 'v']; }
}

/** Adamax with Keras's defaults (lr 0.001, β1 0.9, β2 0.999, ε 1e-7): Adam with the infinity norm. */
export class Adamax extends AdamLike {
  readonly className = 'Adamax';
  #beta1Power = 1;
  constructor(options?: AdamaxOptions | null) {
    super(options, 'Adamax()');
  }
  protected update(b: ParameterBlocks, lr: number): void {
    this.#beta1Power *= this.beta1;
    const u = this.slot(b, 1);
    if (splitting(b.size)) elementwise('adamaxStep', b.weights, b.slots, u, b.grads, b.size, lr, 1 - this.beta1, this.beta2, this.epsilon, 1 - this.#beta1Power);
    else k.adamaxStep(b.weights, b.slots, u, b.grads, b.size, lr, 1 - this.beta1, this.beta2, this.epsilon, 1 - this.#beta1Power);
  }
  protected override replay(updates: number): void {
    this.#beta1Power = 1;
    for (let i = 0; i < updates; i++) {
      const p = this.#beta1Power * this.beta1;
      if (p === this.#beta1Power) break; // a fixed point (0, or a subnormal that rounds to itself)
      this.#beta1Power = p;
    }
  }
}

/** Options of `Nadam`. */
export type NadamOptions = AdamaxOptions;

/**
 * Nadam with Keras 3's defaults (lr 0.001, β1 0.9, β2 0.999, ε 1e-7) and its momentum cache uₜ = β1(1 − ½·0.96ᵗ).
 * NOTE: Keras 2's (tf.keras before 2.11) was 0.96^(0.004·t); Keras 3 uses 0.96ᵗ, followed here.
 */
export class Nadam extends AdamLike {
  readonly className = 'Nadam';
  // Running products in f64: 0.96ᵗ, Π uᵢ (Keras's u_product) and β2ᵗ.
  #decayPower = 1;
  #uProduct = 1;
  #beta2Power = 1;
  constructor(options?: NadamOptions | null) {
    super(options, 'Nadam()');
  }
  /** Advances the products by one update; returns whether anything changed. */
  #advance(): boolean {
    const d = this.#decayPower * 0.96;
    const u = this.#uProduct * (this.beta1 * (1 - 0.5 * d));
    const b2 = this.#beta2Power * this.beta2;
    const changed = d !== this.#decayPower || u !== this.#uProduct || b2 !== this.#beta2Power;
    this.#decayPower = d;
    this.#uProduct = u;
    this.#beta2Power = b2;
    return changed;
  }
  protected update(b: ParameterBlocks, lr: number): void {
    this.#advance();
    const ut = this.beta1 * (1 - 0.5 * this.#decayPower);
    const uNext = this.beta1 * (1 - 0.5 * (this.#decayPower * 0.96));
    const mCoef = uNext / (1 - this.#uProduct * uNext);
    const gCoef = (1 - ut) / (1 - this.#uProduct);
    const v = this.slot(b, 1), c1 = 1 - this.beta1, c2 = 1 - this.beta2, vCorrection = 1 - this.#beta2Power;
    if (splitting(b.size)) elementwise('nadamStep', b.weights, b.slots, v, b.grads, b.size, lr, c1, c2, this.epsilon, mCoef, gCoef, vCorrection);
    else k.nadamStep(b.weights, b.slots, v, b.grads, b.size, lr, c1, c2, this.epsilon, mCoef, gCoef, vCorrection);
  }
  protected override replay(updates: number): void {
    this.#decayPower = this.#uProduct = this.#beta2Power = 1;
    for (let i = 0; i < updates; i++) if (!this.#advance()) break;
  }
}

/** Options of `Lion`. */
export interface LionOptions extends OptimizerOptions { beta1?: number; beta2?: number }

/** Lion with Keras's defaults (lr 0.001, β1 0.9, β2 0.99): `w −= lr·sign(β1·m + (1 − β1)·g); m = β2·m + (1 − β2)·g`. */
export class Lion extends Optimizer {
  readonly className = 'Lion';
  readonly beta1: number;
  readonly beta2: number;
  protected readonly ruleSlots = 1;
  constructor(options?: LionOptions | null) {
    const o = readOptions(options, [...OPTIMIZER_KEYS, 'beta1', 'beta2'], 'Lion()');
    super(o, 0.001, 'Lion()');
    this.beta1 = number(o.beta1 ?? 0.9, 'beta1', 'Lion()', { above: 0, max: 1 }); // Keras: (0, 1], else it is SignSGD
    this.beta2 = fraction(o.beta2, 'beta2', 'Lion()', 0.99);
    lockSettings<Lion>(this, ['beta1', 'beta2']);
  }
  protected update(b: ParameterBlocks, lr: number): void {
    const c1 = 1 - Math.fround(this.beta1), c2 = 1 - Math.fround(this.beta2);
    if (splitting(b.size)) elementwise('lionStep', b.weights, b.slots, b.grads, b.size, lr, this.beta1, c1, this.beta2, c2);
    else k.lionStep(b.weights, b.slots, b.grads, b.size, lr, this.beta1, c1, this.beta2, c2);
  }
  protected ruleConfig() { return { beta1: this.beta1, beta2: this.beta2 }; }
  protected ruleSlotNames() { return ['momentum']; }
}

/** Options of `Ftrl` (Keras 3's names). */
export interface FtrlOptions extends OptimizerOptions {
  learningRatePower?: number;
  initialAccumulatorValue?: number;
  l1RegularizationStrength?: number;
  l2RegularizationStrength?: number;
  l2ShrinkageRegularizationStrength?: number;
  beta?: number;
}

/**
 * FTRL-Proximal with Keras 3's defaults (lr 0.001, learningRatePower −0.5, initial accumulator 0.1, l1, l2, l2
 * shrinkage and β 0). Its powers run in the wasm.
 */
export class Ftrl extends Optimizer {
  readonly className = 'Ftrl';
  readonly learningRatePower: number;
  readonly initialAccumulatorValue: number;
  readonly l1RegularizationStrength: number;
  readonly l2RegularizationStrength: number;
  readonly l2ShrinkageRegularizationStrength: number;
  readonly beta: number;
  protected readonly ruleSlots = 2;
  constructor(options?: FtrlOptions | null) {
    const where = 'Ftrl()';
    const o = readOptions(options, [...OPTIMIZER_KEYS, 'learningRatePower', 'initialAccumulatorValue', 'l1RegularizationStrength',
      'l2RegularizationStrength', 'l2ShrinkageRegularizationStrength', 'beta'], where);
    super(o, 0.001, where);
    this.learningRatePower = number(o.learningRatePower ?? -0.5, 'learningRatePower', where, { max: 0 });
    this.initialAccumulatorValue = positive(o.initialAccumulatorValue, 'initialAccumulatorValue', where, 0.1, true);
    this.l1RegularizationStrength = positive(o.l1RegularizationStrength, 'l1RegularizationStrength', where, 0, true);
    this.l2RegularizationStrength = positive(o.l2RegularizationStrength, 'l2RegularizationStrength', where, 0, true);
    this.l2ShrinkageRegularizationStrength = positive(o.l2ShrinkageRegularizationStrength, 'l2ShrinkageRegularizationStrength', where, 0, true);
    this.beta = positive(o.beta, 'beta', where, 0, true);
    lockSettings<Ftrl>(this, ['learningRatePower', 'initialAccumulatorValue', 'l1RegularizationStrength', 'l2RegularizationStrength',
      'l2ShrinkageRegularizationStrength', 'beta']);
  }
  protected override initSlots(b: ParameterBlocks): void {
    k.fill(b.slots, b.size, this.initialAccumulatorValue);
  }
  protected update(b: ParameterBlocks, lr: number): void {
    const l2 = 2 * (this.l2RegularizationStrength + this.beta / (2 * lr));
    const linear = this.slot(b, 1), power = -this.learningRatePower, l1 = this.l1RegularizationStrength;
    const shrinkage = 2 * this.l2ShrinkageRegularizationStrength;
    if (splitting(b.size)) elementwise('ftrlStep', b.weights, b.slots, linear, b.grads, b.size, lr, power, l1, l2, shrinkage);
    else k.ftrlStep(b.weights, b.slots, linear, b.grads, b.size, lr, power, l1, l2, shrinkage);
  }
  protected ruleConfig() {
    return {
      learningRatePower: this.learningRatePower, initialAccumulatorValue: this.initialAccumulatorValue, l1RegularizationStrength: this.l1RegularizationStrength,
      l2RegularizationStrength: this.l2RegularizationStrength, l2ShrinkageRegularizationStrength: this.l2ShrinkageRegularizationStrength, beta: this.beta,
    };
  }
  protected ruleSlotNames() { return ['accumulator', 'linear']; }
}

/**
 * Every optimizer by name, each made with Keras's defaults: `className` is Keras's (and, as saved, `tfjsClassName`
 * is TensorFlow.js's, where TensorFlow.js has the optimizer).
 */
export const OPTIMIZERS = {
  sgd: { make: (o?: SGDOptions) => new SGD(o), aliases: ['SGD'], className: 'SGD', tfjsClassName: 'SGD' },
  adam: { make: (o?: AdamOptions) => new Adam(o), aliases: ['Adam'], className: 'Adam', tfjsClassName: 'Adam' },
  adamw: { make: (o?: AdamWOptions) => new AdamW(o), aliases: ['AdamW', 'adamW'], className: 'AdamW', tfjsClassName: undefined },
  rmsprop: { make: (o?: RMSpropOptions) => new RMSprop(o), aliases: ['RMSprop', 'rmsProp', 'RMSProp'], className: 'RMSprop', tfjsClassName: 'RMSProp' },
  adagrad: { make: (o?: AdagradOptions) => new Adagrad(o), aliases: ['Adagrad'], className: 'Adagrad', tfjsClassName: 'Adagrad' },
  adadelta: { make: (o?: AdadeltaOptions) => new Adadelta(o), aliases: ['Adadelta'], className: 'Adadelta', tfjsClassName: 'Adadelta' },
  adamax: { make: (o?: AdamaxOptions) => new Adamax(o), aliases: ['Adamax'], className: 'Adamax', tfjsClassName: 'Adamax' },
  nadam: { make: (o?: NadamOptions) => new Nadam(o), aliases: ['Nadam'], className: 'Nadam', tfjsClassName: undefined },
  lion: { make: (o?: LionOptions) => new Lion(o), aliases: ['Lion'], className: 'Lion', tfjsClassName: undefined },
  ftrl: { make: (o?: FtrlOptions) => new Ftrl(o), aliases: ['Ftrl', 'FTRL'], className: 'Ftrl', tfjsClassName: undefined },
} as const satisfies Record<string, { make: (options?: never) => Optimizer; aliases?: readonly string[]; className: string; tfjsClassName: string | undefined }>;

/** An optimizer's name: `'adam'`, `'sgd'`, `'rmsprop'`, `'adamw'`, `'adagrad'`, `'adadelta'`, `'adamax'`, `'nadam'`, `'lion'`, `'ftrl'`. */
export type OptimizerName = keyof typeof OPTIMIZERS;

/**
 * An optimizer as a user may spell it: the key (`'adam'`, `'rmsprop'`), a class name (`'Adam'`, `'SGD'`, `'RMSprop'`,
 * TF.js's `'RMSProp'`, `'AdamW'`) or an alias. Anything else is a type error.
 */
export type OptimizerSpelling = Spelling<typeof OPTIMIZERS>;

/** An optimizer instance, or a fresh one with Keras's defaults for a name. */
export function getOptimizer(optimizer: unknown, where: string): Optimizer {
  if (optimizer instanceof Optimizer) return optimizer;
  return lookup<{ make: () => Optimizer }>(OPTIMIZERS, optimizer, 'optimizer', where).row.make();
}
