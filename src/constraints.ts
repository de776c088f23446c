// Weight constraints (Keras's `keras.constraints`): projections a model applies to a weight after every optimizer
// step. Each knows its settings and saved form; the arithmetic runs in assembly/constraints.ts.
import { kernels as k } from './backend.js';
import { number, readOptions, lockSettings } from './arguments.js';
import { ShapeError, ValueError, describe } from './errors.js';
import { lookup, type Spelling } from './names.js';

/** Axes of a weight a norm is taken over: one axis or several adjacent ones (negative counts from the last). */
export type Axis = number | number[];

/** A projection applied to a weight after each optimizer step (Keras's `Constraint`). */
export abstract class Constraint {
  /** The Keras class name written by `save` (`'MaxNorm'`). */
  abstract readonly className: string;

  /** The class's name for `Object.prototype.toString` and error messages: unlike `constructor.name`, minifiers keep it. */
  get [Symbol.toStringTag](): string {
    return this.className;
  }

  /** The settings as Keras's `get_config()` writes them (snake_case). */
  abstract getConfig(): Record<string, unknown>;
  /** Throws a ShapeError naming `where` if the constraint cannot apply to a weight of this shape. @internal */
  check(_shape: readonly number[], _where: string): void {}
  /** Applies the constraint in place to the weight of this shape at byte offset `offset`. @internal */
  abstract apply(offset: number, shape: readonly number[]): void;
}

/** Options of `MaxNorm`. */
export interface MaxNormOptions { maxValue?: number; axis?: Axis }
/** Options of `UnitNorm`. */
export interface UnitNormOptions { axis?: Axis }
/** Options of `MinMaxNorm`. */
export interface MinMaxNormOptions { minValue?: number; maxValue?: number; rate?: number; axis?: Axis }

function readAxis(v: unknown, where: string): Axis {
  const ok = (a: unknown) => typeof a === 'number' && Number.isInteger(a) && Math.abs(a) < 8;
  if (ok(v)) return v as number;
  if (Array.isArray(v) && v.length > 0 && v.length <= 8 && v.every(ok) && new Set(v).size === v.length) return [...(v as number[])];
  throw new ValueError(`${where}: axis must be an integer or a list of distinct integers (e.g. 0 or [0, 1, 2]), got ${describe(v)}`);
}

/** A weight seen as [outer, size, inner], `size` spanning the norm's axes, or a reason it cannot be. */
function normView(axis: Axis, shape: readonly number[]): [number, number, number] | string {
  const rank = shape.length;
  const list = typeof axis === 'number' ? [axis] : axis;
  let lo = rank;
  let hi = -1;
  for (const a of list) {
    const at = a < 0 ? a + rank : a;
    if (at < 0 || at >= rank) return `axis ${a} is outside a weight of rank ${rank}`;
    if (at < lo) lo = at;
    if (at > hi) hi = at;
  }
  if (hi - lo + 1 !== list.length) return `axes [${list.join(', ')}] are not adjacent (neurasm takes norms over adjacent axes only)`;
  let outer = 1, size = 1, inner = 1;
  for (let i = 0; i < rank; i++) {
    if (i < lo) outer *= shape[i]!;
    else if (i > hi) inner *= shape[i]!;
    else size *= shape[i]!;
  }
  return [outer, size, inner];
}

/** The norm constraints share one kernel: scale each slice to rate·clip(‖w‖, min, max) + (1 − rate)·‖w‖. */
abstract class NormConstraint extends Constraint {
  readonly axis: Axis;
  constructor(axis: Axis) {
    super();
    this.axis = axis;
  }
  protected abstract get bounds(): [number, number, number];
  /** @internal */
  override check(shape: readonly number[], where: string): void {
    const v = normView(this.axis, shape);
    if (typeof v === 'string') throw new ShapeError(`${where}: ${this.className}: ${v} [${shape.join(', ')}]`);
  }
  /** @internal */
  apply(offset: number, shape: readonly number[]): void {
    const v = normView(this.axis, shape) as [number, number, number];
    const [min, max, rate] = this.bounds;
    k.normConstraint(offset, v[0], v[1], v[2], min, max, rate);
  }
}

/** Scales each slice along `axis` whose L2 norm exceeds `maxValue` back to `maxValue` (default 2, axis 0). */
export class MaxNorm extends NormConstraint {
  readonly className = 'MaxNorm';
  readonly maxValue: number;
  constructor(options?: MaxNormOptions | null) {
    const o = readOptions(options, ['maxValue', 'axis'], 'MaxNorm()');
    super(readAxis(o.axis ?? 0, 'MaxNorm()'));
    this.maxValue = number(o.maxValue ?? 2, 'maxValue', 'MaxNorm()', { min: 0 });
    lockSettings<MaxNorm>(this, ['maxValue', 'axis']);
  }
  protected get bounds(): [number, number, number] { return [0, this.maxValue, 1]; }
  getConfig(): Record<string, unknown> { return { max_value: this.maxValue, axis: this.axis }; }
}

/**
 * Scales each slice along `axis` to unit L2 norm (default axis 0). Computed as w·(1/(ε + ‖w‖)) rather than
 * Keras's w/(ε + ‖w‖): the two may differ in the last bit.
 */
export class UnitNorm extends NormConstraint {
  readonly className = 'UnitNorm';
  constructor(options?: UnitNormOptions | null) {
    const o = readOptions(options, ['axis'], 'UnitNorm()');
    super(readAxis(o.axis ?? 0, 'UnitNorm()'));
    lockSettings<UnitNorm>(this, ['axis']);
  }
  protected get bounds(): [number, number, number] { return [1, 1, 1]; }
  getConfig(): Record<string, unknown> { return { axis: this.axis }; }
}

/** Moves each slice's L2 norm a fraction `rate` of the way into [minValue, maxValue] (defaults 0, 1, rate 1, axis 0). */
export class MinMaxNorm extends NormConstraint {
  readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  constructor(options?: MinMaxNormOptions | null) {
    const where = 'MinMaxNorm()';
    const o = readOptions(options, ['minValue', 'maxValue', 'rate', 'axis'], where);
    super(readAxis(o.axis ?? 0, where));
    this.minValue = number(o.minValue ?? 0, 'minValue', where, { min: 0 });
    this.maxValue = number(o.maxValue ?? 1, 'maxValue', where, { min: this.minValue });
    this.rate = number(o.rate ?? 1, 'rate', where, { min: 0, max: 1 });
    lockSettings<MinMaxNorm>(this, ['minValue', 'maxValue', 'rate', 'axis']);
  }
  protected get bounds(): [number, number, number] { return [this.minValue, this.maxValue, this.rate]; }
  getConfig(): Record<string, unknown> { return { min_value: this.minValue, max_value: this.maxValue, rate: this.rate, axis: this.axis }; }
}

/** Replaces negative weights by 0 (Keras's NonNeg). */
export class NonNeg extends Constraint {
  readonly className = 'NonNeg';
  getConfig(): Record<string, unknown> { return {}; }
  /** @internal */
  apply(offset: number, shape: readonly number[]): void {
    let n = 1;
    for (const d of shape) n *= d;
    k.nonNeg(offset, n);
  }
}

/** `MaxNorm` by its Keras function name. */
export function maxNorm(options?: MaxNormOptions | null): MaxNorm { return new MaxNorm(options); }
/** `NonNeg` by its Keras function name. */
export function nonNeg(): NonNeg { return new NonNeg(); }
/** `UnitNorm` by its Keras function name. */
export function unitNorm(options?: UnitNormOptions | null): UnitNorm { return new UnitNorm(options); }
/** `MinMaxNorm` by its Keras function name. */
export function minMaxNorm(options?: MinMaxNormOptions | null): MinMaxNorm { return new MinMaxNorm(options); }

/** Every constraint by name, with the saved config keys it reads. */
const CONSTRAINTS = {
  maxNorm: { keys: { max_value: 'maxValue', axis: 'axis' }, make: (o: Record<string, unknown>) => new MaxNorm(o) },
  nonNeg: { keys: {}, make: () => new NonNeg() },
  unitNorm: { keys: { axis: 'axis' }, make: (o: Record<string, unknown>) => new UnitNorm(o) },
  minMaxNorm: { keys: { min_value: 'minValue', max_value: 'maxValue', rate: 'rate', axis: 'axis' }, make: (o: Record<string, unknown>) => new MinMaxNorm(o) },
} as const satisfies Record<string, { keys: Record<string, string>; make(o: Record<string, unknown>): Constraint }>;

/** A constraint name in either spelling (`'max_norm'`, `'maxNorm'`) or class name (`'MaxNorm'`). */
export type ConstraintName = Spelling<typeof CONSTRAINTS>;

/** A constraint option: an instance or a name (Keras's defaults). */
export type ConstraintLike = Constraint | ConstraintName;

/**
 * A constraint option or saved config resolved to an instance, or undefined for none: an instance, a name, or
 * `{ class_name, config }` as Keras and TensorFlow.js save it.
 */
export function resolveConstraint(v: unknown, name: string, where: string): Constraint | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Constraint) return v;
  const at = `${where}: ${name}`;
  if (typeof v === 'string') return lookup(CONSTRAINTS, v, 'constraint', at).row.make({});
  if (typeof v !== 'object' || Array.isArray(v) || typeof (v as { class_name?: unknown }).class_name !== 'string') {
    throw new ValueError(`${at} must be a constraint (maxNorm(), nonNeg(), unitNorm(), minMaxNorm()), its name, or { class_name, config }, got ${describe(v)}`);
  }
  const saved = v as { class_name: string; config?: unknown };
  const row = lookup(CONSTRAINTS, saved.class_name, 'constraint', at).row;
  const config = (saved.config ?? {}) as Record<string, unknown>;
  if (typeof config !== 'object' || Array.isArray(config)) throw new ValueError(`${at}: config must be an object, got ${describe(config)}`);
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'name') continue;
    const option = (row.keys as Record<string, string>)[key];
    if (option === undefined) throw new ValueError(`${at}: unknown ${saved.class_name} config key '${key}' (keys: ${Object.keys(row.keys).join(', ') || 'none'})`);
    options[option] = value;
  }
  return row.make(options);
}

/** A constraint as saved (null for none). */
export function constraintConfig(c: Constraint | undefined): { class_name: string; config: Record<string, unknown> } | null {
  return c ? { class_name: c.className, config: c.getConfig() } : null;
}
