// Optimizers: hyperparameters and the step count live here; the weights, gradients and slots they update
// are one flat block each in the wasm memory, owned by the model, so a step is one kernel call.
import { kernels as k } from './backend.js';
import { lookup } from './names.js';
import { boolean, lockSettings, number, readOptions } from './arguments.js';

/** Options every optimizer takes. */
export interface OptimizerOptions {
  /** Step size. */
  learningRate?: number;
  /** Clip each weight's gradient to this L2 norm (Keras's `clipnorm`). */
  clipNorm?: number;
  /** Clip the gradient of all weights together to this L2 norm (Keras's `global_clipnorm`). */
  globalClipNorm?: number;
  /** Clip every gradient element to [−clipValue, clipValue] (Keras's `clipvalue`). */
  clipValue?: number;
}

/** Where a model's flat blocks are: weights, gradients, slots (`slotCount × size` floats), and each weight's range. */
export interface ParameterBlocks {
  weights: number;
  grads: number;
  slots: number;
  size: number;
  ranges: ReadonlyArray<{ offset: number; length: number }>;
}

// Every hyperparameter reaches a kernel as a float32: finite there too, not only in f64 (1e39 is Infinity).
function positive(value: unknown, name: string, where: string, fallback: number, allowZero = false): number {
  return number(value ?? fallback, name, where, allowZero ? { min: 0 } : { above: 0 });
}

function fraction(value: unknown, name: string, where: string, fallback: number): number {
  return number(value ?? fallback, name, where, { min: 0, below: 1 });
}

/** Option names every optimizer takes. */
const OPTIMIZER_KEYS = ['learningRate', 'clipNorm', 'globalClipNorm', 'clipValue'] as const;

/** Base of all optimizers: gradient clipping, the step counter, and the update kernel call. */
export abstract class Optimizer {
  readonly clipNorm: number | undefined;
  readonly globalClipNorm: number | undefined;
  readonly clipValue: number | undefined;
  /** Floats of state per weight (momentum, moments). */
  abstract readonly slotCount: number;
  #learningRate: number;
  #iterations = 0;
  readonly #where: string;

  /** Checks the options every optimizer takes (`options` already read by `readOptions`). */
  protected constructor(options: OptimizerOptions, defaultLearningRate: number, where: string) {
    this.#where = where;
    this.#learningRate = positive(options.learningRate, 'learningRate', where, defaultLearningRate);
    this.clipNorm = options.clipNorm === undefined ? undefined : positive(options.clipNorm, 'clipNorm', where, 0);
    this.globalClipNorm = options.globalClipNorm === undefined ? undefined : positive(options.globalClipNorm, 'globalClipNorm', where, 0);
    this.clipValue = options.clipValue === undefined ? undefined : positive(options.clipValue, 'clipValue', where, 0);
    lockSettings<Optimizer>(this, ['clipNorm', 'globalClipNorm', 'clipValue']);
  }

  /** Current step size; may be changed between epochs (e.g. by a callback) to another positive finite number. */
  get learningRate(): number {
    return this.#learningRate;
  }

  set learningRate(value: number) {
    this.#learningRate = positive(value, 'learningRate', `${this.#where}.learningRate`, NaN);
  }

  /** Steps taken so far (Keras's `iterations`). */
  get iterations(): number {
    return this.#iterations;
  }

  /** Clips the gradients as configured, then applies one update to all weights. */
  step(blocks: ParameterBlocks): void {
    if (this.clipValue !== undefined) k.clipByValue(blocks.grads, blocks.size, this.clipValue);
    if (this.clipNorm !== undefined) {
      for (const r of blocks.ranges) {
        const g = blocks.grads + r.offset * 4;
        k.clipByNorm(g, r.length, Math.sqrt(k.sumSquares(g, r.length)), this.clipNorm);
      }
    }
    if (this.globalClipNorm !== undefined) {
      k.clipByNorm(blocks.grads, blocks.size, Math.sqrt(k.sumSquares(blocks.grads, blocks.size)), this.globalClipNorm);
    }
    this.#iterations++;
    this.update(blocks);
  }

  /** Forgets the steps taken (a model compiled with this optimizer starts its slots from zero). */
  reset(): void {
    this.restore(0);
  }

  /** Sets the step count, and whatever derives from it, as after `iterations` steps (loading saved state). */
  restore(iterations: number): void {
    this.#iterations = iterations;
  }

  /** Applies the update rule; `iterations` already counts this step. */
  protected abstract update(blocks: ParameterBlocks): void;

  /** Keras-style configuration, e.g. for `summary` or saving. */
  abstract getConfig(): Record<string, number | boolean | string>;
}

/** Options of `SGD`. */
export interface SGDOptions extends OptimizerOptions { momentum?: number; nesterov?: boolean }

/** Stochastic gradient descent, with optional (Nesterov) momentum. Keras defaults: lr 0.01, momentum 0. */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly slotCount: number;
  constructor(options?: SGDOptions | null) {
    const o = readOptions(options, [...OPTIMIZER_KEYS, 'momentum', 'nesterov'], 'SGD()');
    super(o, 0.01, 'SGD()');
    this.momentum = fraction(o.momentum, 'momentum', 'SGD()', 0);
    this.nesterov = boolean(o.nesterov ?? false, 'nesterov', 'SGD()');
    this.slotCount = this.momentum > 0 ? 1 : 0;
    lockSettings<SGD>(this, ['momentum', 'nesterov', 'slotCount']);
  }
  protected update(b: ParameterBlocks): void {
    if (this.momentum > 0) k.sgdMomentumStep(b.weights, b.slots, b.grads, b.size, this.learningRate, this.momentum, this.nesterov);
    else k.sgdStep(b.weights, b.grads, b.size, this.learningRate);
  }
  getConfig() { return { name: 'SGD', learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov }; }
}

/** Options of `Adam` and `AdamW`. */
export interface AdamOptions extends OptimizerOptions { beta1?: number; beta2?: number; epsilon?: number }

/** Adam with Keras's defaults (lr 0.001, β1 0.9, β2 0.999, ε 1e-7) and Keras's update form. */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly slotCount = 2;
  /** Decoupled weight decay (AdamW's; 0 for Adam). */
  readonly weightDecay: number;
  // β1ᵗ and β2ᵗ as running products in f64: each product is one IEEE operation, so every engine gives the
  // same bits (Math.pow may differ by an ulp between engines), and more exact than Keras's f32 powers.
  #beta1Power = 1;
  #beta2Power = 1;
  constructor(options?: AdamOptions | null) {
    const where = new.target === AdamW ? 'AdamW()' : 'Adam()';
    const o = readOptions(options as AdamWOptions, [...OPTIMIZER_KEYS, 'beta1', 'beta2', 'epsilon', ...(new.target === AdamW ? ['weightDecay' as const] : [])], where);
    super(o, 0.001, where);
    this.beta1 = fraction(o.beta1, 'beta1', where, 0.9);
    this.beta2 = fraction(o.beta2, 'beta2', where, 0.999);
    this.epsilon = positive(o.epsilon, 'epsilon', where, 1e-7);
    this.weightDecay = new.target === AdamW ? positive((o as AdamWOptions).weightDecay, 'weightDecay', where, 0.004, true) : 0;
    lockSettings<Adam>(this, ['beta1', 'beta2', 'epsilon', 'slotCount', 'weightDecay']);
  }
  protected update(b: ParameterBlocks): void {
    this.#beta1Power *= this.beta1;
    this.#beta2Power *= this.beta2;
    // The step size and the constants in f64 (one IEEE operation each: the same bits in every engine).
    const alpha = (this.learningRate * Math.sqrt(1 - this.#beta2Power)) / (1 - this.#beta1Power);
    k.adamStep(b.weights, b.slots, b.slots + b.size * 4, b.grads, b.size, alpha, 1 - this.beta1, 1 - this.beta2,
      this.epsilon, this.learningRate * this.weightDecay);
  }
  override restore(iterations: number): void {
    super.restore(iterations);
    // The same multiplications as `iterations` steps made: a resumed run continues with the same bits.
    // Deep in the subnormals a product rounds back to itself (5e-324 · 0.9 → 5e-324): from there on steps
    // change nothing, so a saved step count of 2⁵² costs no more than the ~750,000 steps β2 = 0.999 needs.
    this.#beta1Power = 1;
    this.#beta2Power = 1;
    for (let i = 0; i < iterations; i++) {
      const b1 = this.#beta1Power * this.beta1;
      const b2 = this.#beta2Power * this.beta2;
      if (b1 === this.#beta1Power && b2 === this.#beta2Power) break;
      this.#beta1Power = b1;
      this.#beta2Power = b2;
    }
  }
  getConfig() {
    return { name: 'Adam', learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Options of `AdamW`. */
export interface AdamWOptions extends AdamOptions { weightDecay?: number }

/** Adam with decoupled weight decay (Keras's default 0.004), applied to every weight before the Adam update. */
export class AdamW extends Adam {
  constructor(options?: AdamWOptions | null) {
    super(options); // Adam's constructor reads and checks weightDecay for an AdamW
  }
  override getConfig() { return { ...super.getConfig(), name: 'AdamW', weightDecay: this.weightDecay }; }
}

/** Options of `RMSprop`. */
export interface RMSpropOptions extends OptimizerOptions { rho?: number; epsilon?: number; momentum?: number }

/** RMSprop with Keras's defaults (lr 0.001, ρ 0.9, ε 1e-7, momentum 0): `w −= lr·g/√(v + ε)`. */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly slotCount: number;
  constructor(options?: RMSpropOptions | null) {
    const o = readOptions(options, [...OPTIMIZER_KEYS, 'rho', 'epsilon', 'momentum'], 'RMSprop()');
    super(o, 0.001, 'RMSprop()');
    this.rho = fraction(o.rho, 'rho', 'RMSprop()', 0.9);
    this.epsilon = positive(o.epsilon, 'epsilon', 'RMSprop()', 1e-7);
    this.momentum = fraction(o.momentum, 'momentum', 'RMSprop()', 0);
    this.slotCount = this.momentum > 0 ? 2 : 1;
    lockSettings<RMSprop>(this, ['rho', 'epsilon', 'momentum', 'slotCount']);
  }
  protected update(b: ParameterBlocks): void {
    k.rmspropStep(b.weights, b.slots, b.slots + b.size * 4, b.grads, b.size, this.learningRate, this.rho, 1 - this.rho, this.epsilon, this.momentum);
  }
  getConfig() { return { name: 'RMSprop', learningRate: this.learningRate, rho: this.rho, epsilon: this.epsilon, momentum: this.momentum }; }
}

/** Every optimizer by name, each made with Keras's defaults. */
export const OPTIMIZERS = {
  sgd: { make: () => new SGD(), aliases: ['SGD'] },
  adam: { make: () => new Adam(), aliases: ['Adam'] },
  adamw: { make: () => new AdamW(), aliases: ['AdamW', 'adamW'] },
  rmsprop: { make: () => new RMSprop(), aliases: ['RMSprop', 'rmsProp'] },
} satisfies Record<string, { make: () => Optimizer; aliases?: readonly string[] }>;

/** An optimizer's name: `'adam'`, `'sgd'`, `'rmsprop'`, `'adamw'`. */
export type OptimizerName = keyof typeof OPTIMIZERS;

/** An optimizer instance, or a fresh one with Keras's defaults for a name. */
export function getOptimizer(optimizer: unknown, where: string): Optimizer {
  if (optimizer instanceof Optimizer) return optimizer;
  return lookup<{ make: () => Optimizer }>(OPTIMIZERS, optimizer, 'optimizer', where).row.make();
}
