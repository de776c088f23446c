// Learning-rate schedules: a `learningRate` that changes with the optimizer's step count, as Keras's
// `keras.optimizers.schedules`. Any transcendental math (exp, pow, cos) runs in the wasm, so every engine
// gives the same bits. Values are computed in float64 (Keras: float32); the optimizer rounds them once.
import { kernels as k } from './backend.js';
import { boolean, nearest, number, readOptions, text } from './arguments.js';
import { ValueError, describe } from './errors.js';

/** A learning rate as a function of the step: pass one as an optimizer's `learningRate`. */
export abstract class LearningRateSchedule {
  /** Keras's and TensorFlow.js's class name, as saved. */
  abstract readonly className: string;

  /** The class's name for `Object.prototype.toString` and error messages: unlike `constructor.name`, minifiers keep it. */
  get [Symbol.toStringTag](): string {
    return this.className;
  }

  /** The learning rate for the update at `step` (0 for the first: the optimizer's `iterations` before it). */
  abstract value(step: number): number;
  /** Keras's config (snake_case keys), as saved. */
  abstract getConfig(): Record<string, unknown>;
}

/** A step as `value` takes it: a non-negative finite number (cheap: called once per optimizer step). */
function checkStep(step: number, className: string): number {
  if (typeof step !== 'number' || !(step >= 0) || step === Infinity) throw new ValueError(`${className}.value(): step must be a non-negative finite number, got ${describe(step)}`);
  return step;
}

const rate = (v: unknown, name: string, where: string) => number(v, name, where, { min: 0 });
const steps = (v: unknown, name: string, where: string) => number(v, name, where, { above: 0 });

/** Options of `ExponentialDecay` and `InverseTimeDecay`. */
export interface DecayOptions {
  initialLearningRate: number;
  /** Steps per unit of decay; > 0. */
  decaySteps: number;
  decayRate: number;
  /** Decay in whole units of `decaySteps` (a step function); default false. */
  staircase?: boolean;
  name?: string;
}

/** A schedule from `initialLearningRate` over `decaySteps`: both checked first, in that order. */
abstract class DecaySchedule extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  protected constructor(o: { initialLearningRate?: unknown; decaySteps?: unknown }, where: string) {
    super();
    this.initialLearningRate = rate(o.initialLearningRate, 'initialLearningRate', where);
    this.decaySteps = steps(o.decaySteps, 'decaySteps', where);
  }
}

/** What ExponentialDecay and InverseTimeDecay share: their options, checks and saved config. */
abstract class StepDecay extends DecaySchedule {
  readonly decayRate: number;
  readonly staircase: boolean;
  readonly name: string;
  /** `decayRate` is checked with `decayRateRange` (the two decays allow different values). */
  protected constructor(options: DecayOptions, className: string, decayRateRange: { min?: number; above?: number }) {
    const where = `${className}()`;
    const o = readOptions(options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name'], where);
    super(o, where);
    this.decayRate = number(o.decayRate, 'decayRate', where, decayRateRange);
    this.staircase = boolean(o.staircase ?? false, 'staircase', where);
    this.name = text(o.name ?? className, 'name', where);
  }
  getConfig() {
    return { initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, decay_rate: this.decayRate, staircase: this.staircase, name: this.name };
  }
}

/** `initialLearningRate · decayRate^(step / decaySteps)` (the exponent floored when `staircase`). */
export class ExponentialDecay extends StepDecay {
  readonly className = 'ExponentialDecay';
  constructor(options: DecayOptions) {
    super(options, 'ExponentialDecay', { above: 0 }); // a negative base to a fractional power is NaN
  }
  value(step: number): number {
    return k.exponentialDecay(this.initialLearningRate, checkStep(step, this.className), this.decaySteps, this.decayRate, this.staircase);
  }
}

/** `initialLearningRate / (1 + decayRate · step / decaySteps)` (the quotient floored when `staircase`). */
export class InverseTimeDecay extends StepDecay {
  readonly className = 'InverseTimeDecay';
  constructor(options: DecayOptions) {
    super(options, 'InverseTimeDecay', { min: 0 }); // negative would divide by zero at some step
  }
  value(step: number): number {
    let p = checkStep(step, this.className) / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate / (1 + this.decayRate * p);
  }
}

/** Options of `PiecewiseConstantDecay`. */
export interface PiecewiseConstantDecayOptions {
  /** Strictly increasing steps. */
  boundaries: number[];
  /** One more than `boundaries`: `values[i]` up to and including `boundaries[i]`, the last after them. */
  values: number[];
  name?: string;
}

/** `values[0]` while step ≤ `boundaries[0]`, `values[i]` while `boundaries[i−1]` < step ≤ `boundaries[i]`, then the last. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: readonly number[];
  readonly values: readonly number[];
  readonly name: string;
  constructor(options: PiecewiseConstantDecayOptions) {
    super();
    const where = 'PiecewiseConstantDecay()';
    const o = readOptions(options, ['boundaries', 'values', 'name'], where);
    if (!Array.isArray(o.boundaries) || o.boundaries.length === 0) throw new ValueError(`${where}: boundaries must be a non-empty array of steps, got ${describe(o.boundaries)}`);
    if (!Array.isArray(o.values)) throw new ValueError(`${where}: values must be an array of learning rates, got ${describe(o.values)}`);
    if (o.values.length !== o.boundaries.length + 1) {
      throw new ValueError(`${where}: values must have one more entry than boundaries (${o.boundaries.length} boundaries, so ${o.boundaries.length + 1} values), got ${o.values.length}`);
    }
    const boundaries = o.boundaries.map((b, i) => number(b, `boundaries[${i}]`, where));
    boundaries.forEach((b, i) => {
      if (i > 0 && !(b > boundaries[i - 1]!)) throw new ValueError(`${where}: boundaries must be strictly increasing, got ${boundaries[i - 1]} then ${b} at index ${i}`);
    });
    this.boundaries = Object.freeze(boundaries);
    this.values = Object.freeze(o.values.map((v, i) => rate(v, `values[${i}]`, where)));
    this.name = text(o.name ?? 'PiecewiseConstant', 'name', where);
  }
  value(step: number): number {
    checkStep(step, this.className);
    let i = 0;
    while (i < this.boundaries.length && step > this.boundaries[i]!) i++;
    return this.values[i]!;
  }
  getConfig() {
    return { boundaries: [...this.boundaries], values: [...this.values], name: this.name };
  }
}

/** Options of `PolynomialDecay`. */
export interface PolynomialDecayOptions {
  initialLearningRate: number;
  /** Steps to reach `endLearningRate`; > 0. */
  decaySteps: number;
  /** Default 0.0001. */
  endLearningRate?: number;
  /** Default 1 (linear). */
  power?: number;
  /** Start again after `decaySteps`, each cycle `decaySteps` longer; default false. */
  cycle?: boolean;
  name?: string;
}

/** `(initial − end)·(1 − step/decaySteps)^power + end`, step clamped to `decaySteps`, or cycling. */
export class PolynomialDecay extends DecaySchedule {
  readonly className = 'PolynomialDecay';
  readonly endLearningRate: number;
  readonly power: number;
  readonly cycle: boolean;
  readonly name: string;
  constructor(options: PolynomialDecayOptions) {
    const where = 'PolynomialDecay()';
    const o = readOptions(options, ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle', 'name'], where);
    super(o, where);
    this.endLearningRate = rate(o.endLearningRate ?? 0.0001, 'endLearningRate', where);
    this.power = number(o.power ?? 1, 'power', where, { min: 0 }); // negative: 0^power is infinite at the end
    this.cycle = boolean(o.cycle ?? false, 'cycle', where);
    this.name = text(o.name ?? 'PolynomialDecay', 'name', where);
  }
  value(step: number): number {
    let s = checkStep(step, this.className);
    let decaySteps = this.decaySteps;
    if (this.cycle) decaySteps *= s === 0 ? 1 : Math.ceil(s / this.decaySteps);
    else s = Math.min(s, decaySteps);
    return k.polynomialDecay(this.initialLearningRate, this.endLearningRate, s, decaySteps, this.power);
  }
  getConfig() {
    return {
      initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, end_learning_rate: this.endLearningRate,
      power: this.power, cycle: this.cycle, name: this.name,
    };
  }
}

/** Options of `CosineDecay`. */
export interface CosineDecayOptions {
  initialLearningRate: number;
  /** Steps of the cosine decay (after the warmup); > 0. */
  decaySteps: number;
  /** The final rate as a fraction of the rate decayed from; default 0. */
  alpha?: number;
  /** With a warmup: the rate reached linearly from `initialLearningRate` over `warmupSteps`, then decayed. */
  warmupTarget?: number | null;
  /** Default 0. */
  warmupSteps?: number;
  name?: string;
}

/** A cosine from the rate down to `alpha` times it over `decaySteps`, after an optional linear warmup. */
export class CosineDecay extends DecaySchedule {
  readonly className = 'CosineDecay';
  readonly alpha: number;
  readonly warmupTarget: number | undefined;
  readonly warmupSteps: number;
  readonly name: string;
  constructor(options: CosineDecayOptions) {
    const where = 'CosineDecay()';
    const o = readOptions(options, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps', 'name'], where);
    super(o, where);
    this.alpha = rate(o.alpha ?? 0, 'alpha', where);
    this.warmupTarget = o.warmupTarget === undefined ? undefined : rate(o.warmupTarget, 'warmupTarget', where);
    this.warmupSteps = number(o.warmupSteps ?? 0, 'warmupSteps', where, { min: 0 });
    this.name = text(o.name ?? 'CosineDecay', 'name', where);
  }
  value(step: number): number {
    const s = checkStep(step, this.className);
    if (this.warmupTarget === undefined) return k.cosineDecay(this.initialLearningRate, Math.min(s, this.decaySteps), this.decaySteps, this.alpha);
    const clamped = Math.min(s, this.decaySteps + this.warmupSteps);
    if (clamped < this.warmupSteps) {
      return (this.warmupTarget - this.initialLearningRate) * (clamped / this.warmupSteps) + this.initialLearningRate;
    }
    return k.cosineDecay(this.warmupTarget, clamped - this.warmupSteps, this.decaySteps, this.alpha);
  }
  getConfig() {
    return {
      initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, alpha: this.alpha, name: this.name,
      warmup_target: this.warmupTarget ?? null, warmup_steps: this.warmupSteps,
    };
  }
}

/** Options of `CosineDecayRestarts`. */
export interface CosineDecayRestartsOptions {
  initialLearningRate: number;
  /** Steps of the first period; > 0. */
  firstDecaySteps: number;
  /** Each period is this many times longer than the one before; ≥ 1, default 2. */
  tMul?: number;
  /** Each period starts at this many times the previous start; default 1. */
  mMul?: number;
  /** The lowest rate as a fraction of the period's start; default 0. */
  alpha?: number;
  name?: string;
}

/**
 * A cosine decay that restarts (SGDR), periods growing by `tMul` and starts scaled by `mMul`. Keras 3 accepts
 * tMul < 1, whose periods sum to a finite step count after which its rate is NaN: here tMul must be ≥ 1.
 */
export class CosineDecayRestarts extends LearningRateSchedule {
  readonly className = 'CosineDecayRestarts';
  readonly initialLearningRate: number;
  readonly firstDecaySteps: number;
  readonly tMul: number;
  readonly mMul: number;
  readonly alpha: number;
  readonly name: string;
  constructor(options: CosineDecayRestartsOptions) {
    super();
    const where = 'CosineDecayRestarts()';
    const o = readOptions(options, ['initialLearningRate', 'firstDecaySteps', 'tMul', 'mMul', 'alpha', 'name'], where);
    this.initialLearningRate = rate(o.initialLearningRate, 'initialLearningRate', where);
    this.firstDecaySteps = steps(o.firstDecaySteps, 'firstDecaySteps', where);
    this.tMul = number(o.tMul ?? 2, 'tMul', where, { min: 1 });
    this.mMul = rate(o.mMul ?? 1, 'mMul', where);
    this.alpha = rate(o.alpha ?? 0, 'alpha', where);
    this.name = text(o.name ?? 'SGDRDecay', 'name', where);
  }
  value(step: number): number {
    return k.cosineDecayRestarts(this.initialLearningRate, checkStep(step, this.className), this.firstDecaySteps, this.tMul, this.mMul, this.alpha);
  }
  getConfig() {
    return {
      initial_learning_rate: this.initialLearningRate, first_decay_steps: this.firstDecaySteps, t_mul: this.tMul,
      m_mul: this.mMul, alpha: this.alpha, name: this.name,
    };
  }
}

/** ExponentialDecay's and InverseTimeDecay's config keys → option names. */
const DECAY_KEYS = { initial_learning_rate: 'initialLearningRate', decay_steps: 'decaySteps', decay_rate: 'decayRate', staircase: 'staircase', name: 'name' };

/** Each schedule by Keras's class name, with its config keys → option names. */
const SCHEDULES: Record<string, { make: (o: never) => LearningRateSchedule; keys: Record<string, string> }> = {
  ExponentialDecay: { make: (o: DecayOptions) => new ExponentialDecay(o), keys: DECAY_KEYS },
  InverseTimeDecay: { make: (o: DecayOptions) => new InverseTimeDecay(o), keys: DECAY_KEYS },
  PiecewiseConstantDecay: { make: (o: PiecewiseConstantDecayOptions) => new PiecewiseConstantDecay(o), keys: { boundaries: 'boundaries', values: 'values', name: 'name' } },
  PolynomialDecay: {
    make: (o: PolynomialDecayOptions) => new PolynomialDecay(o),
    keys: { initial_learning_rate: 'initialLearningRate', decay_steps: 'decaySteps', end_learning_rate: 'endLearningRate', power: 'power', cycle: 'cycle', name: 'name' },
  },
  CosineDecay: {
    make: (o: CosineDecayOptions) => new CosineDecay(o),
    keys: { initial_learning_rate: 'initialLearningRate', decay_steps: 'decaySteps', alpha: 'alpha', warmup_target: 'warmupTarget', warmup_steps: 'warmupSteps', name: 'name' },
  },
  CosineDecayRestarts: {
    make: (o: CosineDecayRestartsOptions) => new CosineDecayRestarts(o),
    keys: { initial_learning_rate: 'initialLearningRate', first_decay_steps: 'firstDecaySteps', t_mul: 'tMul', m_mul: 'mMul', alpha: 'alpha', name: 'name' },
  },
};

/** A saved schedule as Keras writes it: `{ class_name, config }` (Keras 3 adds `module` and `registered_name`). */
export interface ScheduleConfig {
  class_name: string;
  config: Record<string, unknown>;
  module?: string;
  registered_name?: string | null;
}

/** A schedule from its saved form (`{ class_name, config }` with Keras's snake_case keys), checked as its constructor checks. */
export function scheduleFromConfig(saved: ScheduleConfig): LearningRateSchedule {
  const where = 'scheduleFromConfig()';
  const o = readOptions(saved, ['class_name', 'config', 'module', 'registered_name'], where);
  const entry = typeof o.class_name === 'string' && Object.hasOwn(SCHEDULES, o.class_name) ? SCHEDULES[o.class_name] : undefined;
  if (!entry) {
    const near = typeof o.class_name === 'string' ? nearest(o.class_name, Object.keys(SCHEDULES)) : undefined;
    throw new ValueError(`${where}: unknown class_name ${describe(o.class_name)}${near ? `; did you mean '${near}'?` : ''} (known: ${Object.keys(SCHEDULES).join(', ')})`);
  }
  if (typeof o.config !== 'object' || o.config === null || Array.isArray(o.config)) throw new ValueError(`${where}: config must be an object, got ${describe(o.config)}`);
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o.config)) {
    const option = Object.hasOwn(entry.keys, key) ? entry.keys[key] : undefined;
    if (option === undefined) throw new ValueError(`${where}: ${o.class_name} has no config key '${key}' (keys: ${Object.keys(entry.keys).join(', ')})`);
    options[option] = value;
  }
  return entry.make(options as never);
}
