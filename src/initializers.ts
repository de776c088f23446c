// Initialisers: objects with Keras 3's parameters, formulas, defaults and `get_config()` keys, and INITIALIZERS,
// the one table from a name or class name to its class. Each fills a weight of a given shape in the wasm
// memory, drawing from a seeded generator there; nothing here allocates or does transcendental math.
import { kernels as k, memory } from './backend.js';
import { lookup, camelCase, type Spelling } from './names.js';
import { NeurasmError, ShapeError, ValueError, describe } from './errors.js';
import { integer, number, readOptions } from './arguments.js';
import { fans, sizeOf } from './layers/layer.js';

/** `{ seed }`: every random initialiser's option. */
export interface SeedOptions {
  /**
   * Makes this initialiser draw from its own generator, seeded with `seed` (an integer ≥ 0), instead of the
   * model's stream: its values then depend only on the seed and the weight's shape, and the model's stream is
   * left where it was. As in Keras 3, two weights given the same seeded initialiser get the same values. The
   * bits are neurasm's, not Keras's: only the seed's role is the same. Without it (the default) the model's
   * seed fixes every bit.
   */
  seed?: number | null;
}

/** How a saved model writes an initialiser (TensorFlow.js Layers format). */
export interface InitializerConfig { class_name: string; config: Record<string, unknown> }

// NOTE: must be plan.ts's INIT_STREAM, so a seed given to an initialiser and the same seed given to the model
// start from the same state.
const SEEDED_STREAM = 1;
const STATE_BYTES = 16;

/** Base class of initialisers: fills a weight given its full shape. */
export abstract class Initializer {
  /** The class name a saved model writes (TensorFlow.js's where it differs from Keras 3's, so TF.js loads it). */
  abstract readonly className: string;

  /** The class's name for `Object.prototype.toString` and error messages: unlike `constructor.name`, minifiers keep it. */
  get [Symbol.toStringTag](): string {
    return this.className;
  }

  /** The `seed` option, or null: see {@link SeedOptions}. */
  readonly seed: number | null;

  protected constructor(seed: unknown, where: string) {
    this.seed = seed === undefined || seed === null ? null : integer(seed, 'seed', where, 0);
  }

  /**
   * Throws a ShapeError if this initialiser cannot fill a weight of `shape` (Identity: not 2-D). Called while a
   * model is checked, before anything is allocated, since `init` must not fail.
   * @internal
   */
  check(_shape: readonly number[], _where: string): void {}

  /** Fills the weight of `shape` at byte offset `x`, drawing from the generator state at `state` (16 bytes). @internal */
  init(x: number, shape: readonly number[], state: number): void {
    if (this.seed === null) {
      this.fill(x, shape, state);
      return;
    }
    // The model's state serves as this initialiser's generator and is put back after: no memory to allocate.
    const saved = new Uint8Array(memory.buffer, state, STATE_BYTES).slice();
    k.seedRandom(state, this.seed, SEEDED_STREAM);
    this.fill(x, shape, state);
    new Uint8Array(memory.buffer, state, STATE_BYTES).set(saved);
  }

  /** Fills `x` for `shape` from the generator at `state`. */
  protected abstract fill(x: number, shape: readonly number[], state: number): void;

  /** The parameters as Keras's `get_config()` writes them (snake_case keys). */
  abstract getConfig(): Record<string, unknown>;
}

/** Options of `Constant`. */
export interface ConstantOptions { /** The value of every element; default 0. */ value?: number }

/** Every element `value`. */
export class Constant extends Initializer {
  readonly className: string = 'Constant';
  /** The value of every element. */
  readonly value: number;
  constructor(options?: ConstantOptions | null) {
    const where = 'Constant()';
    const o = readOptions(options, ['value'], where);
    super(undefined, where);
    this.value = number(o.value ?? 0, 'value', where);
  }
  protected fill(x: number, shape: readonly number[]): void {
    k.fill(x, sizeOf(shape), this.value);
  }
  getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

/** Zeros and Ones: a Constant without options, saved as `{}`. */
abstract class Filled extends Constant {
  protected constructor(options: Record<string, never> | null | undefined, where: string, value: number) {
    readOptions(options, [], where);
    super({ value });
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}

/** Every element 0. */
export class Zeros extends Filled {
  override readonly className = 'Zeros';
  constructor(options?: Record<string, never> | null) { super(options, 'Zeros()', 0); }
}

/** Every element 1. */
export class Ones extends Filled {
  override readonly className = 'Ones';
  constructor(options?: Record<string, never> | null) { super(options, 'Ones()', 1); }
}

/** Options of `Identity` and `Orthogonal`. */
export interface GainOptions { /** Factor on the matrix; default 1. */ gain?: number }

/**
 * `gain` times the identity matrix, rectangular as in Keras 3 (ones on the main diagonal); 2-D weights only.
 * TF.js only makes square ones: it cannot load a model whose non-square weight names Identity.
 */
export class Identity extends Initializer {
  readonly className = 'Identity';
  /** Factor on the diagonal. */
  readonly gain: number;
  constructor(options?: GainOptions | null) {
    const where = 'Identity()';
    const o = readOptions(options, ['gain'], where);
    super(undefined, where);
    this.gain = number(o.gain ?? 1, 'gain', where);
  }
  /** @internal */
  override check(shape: readonly number[], where: string): void {
    if (shape.length !== 2) throw new ShapeError(`${where}: the Identity initializer fills 2-D weights only, got shape [${shape.join(', ')}]`);
  }
  protected fill(x: number, shape: readonly number[]): void {
    const [rows, cols] = shape as [number, number];
    k.fill(x, rows * cols, 0);
    const view = new Float32Array(memory.buffer, x, rows * cols);
    for (let i = 0; i < Math.min(rows, cols); i++) view[i * cols + i] = this.gain;
  }
  getConfig(): Record<string, unknown> {
    return { gain: this.gain };
  }
}

/**
 * A random orthogonal matrix times `gain` (Keras's Orthogonal): the Q of the QR decomposition of a normal matrix,
 * sign-corrected by diag(R), computed in the wasm. The weight is seen as [product of all but the last axis, last
 * axis]; its columns are orthonormal when it has at least as many rows, else its rows. At least 2-D. It costs
 * about 4·rows·cols·min(rows, cols) flops, once at build: a 1024 × 1024 kernel takes about half a second.
 */
export class Orthogonal extends Initializer {
  readonly className = 'Orthogonal';
  /** Factor on the matrix. */
  readonly gain: number;
  constructor(options?: (GainOptions & SeedOptions) | null) {
    const where = 'Orthogonal()';
    const o = readOptions(options, ['gain', 'seed'], where);
    super(o.seed, where);
    this.gain = number(o.gain ?? 1, 'gain', where);
  }
  /** @internal */
  override check(shape: readonly number[], where: string): void {
    if (shape.length < 2) throw new ShapeError(`${where}: the Orthogonal initializer fills weights of 2 or more axes, got shape [${shape.join(', ')}]`);
  }
  protected fill(x: number, shape: readonly number[], state: number): void {
    const cols = shape[shape.length - 1]!;
    const rows = sizeOf(shape) / cols;
    k.randomNormal(x, rows * cols, state, 0, 1);
    k.orthonormalize(x, rows, cols, this.gain);
  }
  getConfig(): Record<string, unknown> {
    return { gain: this.gain, seed: this.seed };
  }
}

/** Options of `RandomNormal` and `TruncatedNormal`. */
export interface NormalOptions extends SeedOptions {
  /** Mean; default 0. */
  mean?: number;
  /** Standard deviation (of the normal before truncation); default 0.05. */
  stddev?: number;
}

/** How far out, in standard deviations, the generator's normal can draw: √(−2·ln 2⁻³²) (Box–Muller on 32-bit uniforms). */
const NORMAL_REACH = 6.67;

/** What RandomNormal and TruncatedNormal share: a mean and a standard deviation. */
abstract class Normal extends Initializer {
  /** Mean. */
  readonly mean: number;
  /** Standard deviation. */
  readonly stddev: number;
  readonly #draw: (x: number, n: number, state: number, mean: number, stddev: number) => void;
  protected constructor(options: NormalOptions | null | undefined, where: string,
    draw: (x: number, n: number, state: number, mean: number, stddev: number) => void, reach: number) {
    const o = readOptions(options, ['mean', 'stddev', 'seed'], where);
    super(o.seed, where);
    this.mean = number(o.mean ?? 0, 'mean', where);
    this.stddev = number(o.stddev ?? 0.05, 'stddev', where, { above: 0 });
    // The farthest draw, `reach` standard deviations out, must be a float32: else some weights start infinite.
    if (!Number.isFinite(Math.fround(Math.abs(this.mean) + reach * this.stddev))) {
      throw new ValueError(`${where}: mean ${this.mean} and stddev ${this.stddev} would draw weights beyond float32's range (|mean| + ${reach}·stddev must stay below 3.4e38)`);
    }
    this.#draw = draw;
  }
  protected fill(x: number, shape: readonly number[], state: number): void {
    this.#draw(x, sizeOf(shape), state, this.mean, this.stddev);
  }
  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

/** Draws from N(mean, stddev²). */
export class RandomNormal extends Normal {
  readonly className = 'RandomNormal';
  constructor(options?: NormalOptions | null) {
    super(options, 'RandomNormal()', k.randomNormal, NORMAL_REACH);
  }
}

/** Draws from N(mean, stddev²), redrawing values more than two standard deviations from the mean (Keras's). */
export class TruncatedNormal extends Normal {
  readonly className = 'TruncatedNormal';
  constructor(options?: NormalOptions | null) {
    super(options, 'TruncatedNormal()', k.truncatedNormal, 2);
  }
}

/** Options of `RandomUniform`. */
export interface UniformOptions extends SeedOptions {
  /** Lower bound (inclusive); default -0.05. */
  minval?: number;
  /** Upper bound (exclusive), above `minval`; default 0.05. */
  maxval?: number;
}

/** Draws from U[minval, maxval). */
export class RandomUniform extends Initializer {
  readonly className = 'RandomUniform';
  /** Lower bound. */
  readonly minval: number;
  /** Upper bound. */
  readonly maxval: number;
  constructor(options?: UniformOptions | null) {
    const where = 'RandomUniform()';
    const o = readOptions(options, ['minval', 'maxval', 'seed'], where);
    super(o.seed, where);
    this.minval = number(o.minval ?? -0.05, 'minval', where);
    this.maxval = number(o.maxval ?? 0.05, 'maxval', where);
    if (!(Math.fround(this.maxval) > Math.fround(this.minval))) throw new ValueError(`${where}: maxval must be greater than minval, got minval ${this.minval} and maxval ${this.maxval}`);
    // Drawn as minval + (maxval − minval)·u in float32: the width must be a float32 too.
    if (!Number.isFinite(Math.fround(Math.fround(this.maxval) - Math.fround(this.minval)))) {
      throw new ValueError(`${where}: maxval − minval (${this.maxval} − ${this.minval}) is beyond float32's range; the weights would start infinite`);
    }
  }
  protected fill(x: number, shape: readonly number[], state: number): void {
    k.randomUniform(x, sizeOf(shape), state, this.minval, this.maxval);
  }
  getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed };
  }
}

/** The fan VarianceScaling divides `scale` by. */
export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
/** VarianceScaling's distribution, in Keras 3's names. */
export type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

/** Options of `VarianceScaling`. */
export interface VarianceScalingOptions extends SeedOptions {
  /** Positive factor on the variance; default 1. */
  scale?: number;
  /** `'fan_in'` (default), `'fan_out'` or `'fan_avg'` (camelCase `'fanIn'`, … as TF.js writes them, too). */
  mode?: FanMode | 'fanIn' | 'fanOut' | 'fanAvg';
  /**
   * `'truncated_normal'` (default), `'untruncated_normal'` or `'uniform'`. TF.js's `'normal'` is read as
   * `'truncated_normal'` with Keras 3's formula: TF.js itself truncates without rescaling the standard deviation.
   */
  distribution?: Distribution | 'truncatedNormal' | 'untruncatedNormal' | 'normal';
}

// Keyed by the spelling folded (underscores dropped, lower case): Keras's 'fan_in', TF.js's 'fanIn' agree.
const MODES: Record<string, FanMode> = { fanin: 'fan_in', fanout: 'fan_out', fanavg: 'fan_avg' };
const DISTRIBUTIONS: Record<string, Distribution> = {
  truncatednormal: 'truncated_normal', normal: 'truncated_normal', untruncatednormal: 'untruncated_normal', uniform: 'uniform',
};

function spelling<T>(table: Record<string, T>, v: unknown, name: string, where: string): T {
  const key = typeof v === 'string' ? v.replace(/_/g, '').toLowerCase() : undefined;
  if (key === undefined || !Object.hasOwn(table, key)) {
    throw new ValueError(`${where}: ${name} must be ${[...new Set(Object.values(table))].map((s) => `'${s}'`).join(', ')}, got ${describe(v)}`);
  }
  return table[key]!;
}

// Keras's truncated normal cuts at 2σ, which shrinks the standard deviation by this factor; it is undone.
const TRUNCATED_STD = 0.8796256610342398;

/**
 * Keras's VarianceScaling: variance `scale / max(1, fan)` for the fan `mode` picks from the weight's shape (a
 * convolution kernel's receptive field counts), drawn from a truncated normal (rescaled so that variance holds),
 * a normal, or a uniform on ±√(3·variance).
 */
export class VarianceScaling extends Initializer {
  readonly className: string = 'VarianceScaling';
  /** Factor on the variance. */
  readonly scale: number;
  /** Which fan divides it. */
  readonly mode: FanMode;
  /** What the values are drawn from. */
  readonly distribution: Distribution;
  constructor(options?: VarianceScalingOptions | null, where = 'VarianceScaling()') {
    const o = readOptions(options, ['scale', 'mode', 'distribution', 'seed'], where);
    super(o.seed, where);
    this.scale = number(o.scale ?? 1, 'scale', where, { above: 0 });
    this.mode = spelling(MODES, o.mode ?? 'fan_in', 'mode', where);
    this.distribution = spelling(DISTRIBUTIONS, o.distribution ?? 'truncated_normal', 'distribution', where);
  }
  protected fill(x: number, shape: readonly number[], state: number): void {
    // NOTE: the operations and their order are those neurasm always used: trained models' bits depend on them.
    const [fanIn, fanOut] = fans(shape);
    const fan = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, fan);
    const n = sizeOf(shape);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      k.randomUniform(x, n, state, -limit, limit);
    } else if (this.distribution === 'truncated_normal') {
      k.truncatedNormal(x, n, state, 0, Math.sqrt(variance) / TRUNCATED_STD);
    } else {
      k.randomNormal(x, n, state, 0, Math.sqrt(variance));
    }
  }
  getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed };
  }
}

// Each preset's VarianceScaling settings, by its Keras 3 name (as its errors name it).
const PRESETS: Record<string, [scale: number, mode: FanMode, distribution: Distribution]> = {
  GlorotUniform: [1, 'fan_avg', 'uniform'], GlorotNormal: [1, 'fan_avg', 'truncated_normal'],
  HeUniform: [2, 'fan_in', 'uniform'], HeNormal: [2, 'fan_in', 'truncated_normal'],
  LecunUniform: [1, 'fan_in', 'uniform'], LecunNormal: [1, 'fan_in', 'truncated_normal'],
};

/** A named VarianceScaling (Glorot, He, LeCun): its only option is `seed`, and it saves as `{ seed }`. */
abstract class Preset extends VarianceScaling {
  protected constructor(options: SeedOptions | null | undefined, preset: string) {
    const where = `${preset}()`;
    const o = readOptions(options, ['seed'], where);
    const [scale, mode, distribution] = PRESETS[preset]!;
    super({ scale, mode, distribution, seed: o.seed }, where);
  }
  override getConfig(): Record<string, unknown> {
    return { seed: this.seed };
  }
}

/** VarianceScaling with scale 1, fan_avg, uniform (Keras's default for kernels). */
export class GlorotUniform extends Preset { override readonly className = 'GlorotUniform'; constructor(options?: SeedOptions | null) { super(options, 'GlorotUniform'); } }
/** VarianceScaling with scale 1, fan_avg, truncated normal. */
export class GlorotNormal extends Preset { override readonly className = 'GlorotNormal'; constructor(options?: SeedOptions | null) { super(options, 'GlorotNormal'); } }
/** VarianceScaling with scale 2, fan_in, uniform. */
export class HeUniform extends Preset { override readonly className = 'HeUniform'; constructor(options?: SeedOptions | null) { super(options, 'HeUniform'); } }
/** VarianceScaling with scale 2, fan_in, truncated normal. */
export class HeNormal extends Preset { override readonly className = 'HeNormal'; constructor(options?: SeedOptions | null) { super(options, 'HeNormal'); } }
/** VarianceScaling with scale 1, fan_in, uniform; saved as TF.js's `LeCunUniform` (Keras 3: `LecunUniform`; both load). */
export class LecunUniform extends Preset { override readonly className = 'LeCunUniform'; constructor(options?: SeedOptions | null) { super(options, 'LecunUniform'); } }
/** VarianceScaling with scale 1, fan_in, truncated normal; saved as TF.js's `LeCunNormal` (Keras 3: `LecunNormal`). */
export class LecunNormal extends Preset { override readonly className = 'LeCunNormal'; constructor(options?: SeedOptions | null) { super(options, 'LecunNormal'); } }

type Make = (options?: Record<string, unknown>) => Initializer;
const row = <const A extends readonly string[] = readonly never[]>(make: Make, aliases: A = [] as unknown as A) => ({ make, aliases });

/** Every initialiser by name: how to make it from its options (camelCase) or saved config (snake_case). */
export const INITIALIZERS = {
  glorotUniform: row((o) => new GlorotUniform(o)),
  glorotNormal: row((o) => new GlorotNormal(o)),
  heUniform: row((o) => new HeUniform(o)),
  heNormal: row((o) => new HeNormal(o)),
  lecunUniform: row((o) => new LecunUniform(o), ['LeCunUniform']),
  lecunNormal: row((o) => new LecunNormal(o), ['LeCunNormal']),
  varianceScaling: row((o) => new VarianceScaling(o)),
  randomNormal: row((o) => new RandomNormal(o)),
  truncatedNormal: row((o) => new TruncatedNormal(o)),
  randomUniform: row((o) => new RandomUniform(o)),
  orthogonal: row((o) => new Orthogonal(o), ['OrthogonalInitializer']),
  identity: row((o) => new Identity(o), ['IdentityInitializer']),
  constant: row((o) => new Constant(o)),
  zeros: row((o) => new Zeros(o as Record<string, never>)),
  ones: row((o) => new Ones(o as Record<string, never>)),
} satisfies Record<string, { make: Make; aliases: readonly string[] }>;

/** An initialiser's name: `'glorotUniform'` (Dense's kernel default), `'zeros'`, `'heNormal'`, `'orthogonal'`, … */
export type InitializerName = keyof typeof INITIALIZERS;

/**
 * An initialiser as a user may spell it: the key (`'glorotUniform'`), Keras's snake_case (`'glorot_uniform'`) or a
 * Keras/TF.js class name (`'GlorotUniform'`, `'LeCunUniform'`). Anything else is a type error.
 */
export type InitializerSpelling = Spelling<typeof INITIALIZERS>;

/**
 * What an initialiser option takes: a name in camelCase or snake_case or a Keras/TF.js class name (`'glorotUniform'`,
 * `'glorot_uniform'`, `'GlorotUniform'`), an initialiser object (`new RandomNormal({ stddev: 2 })`) or a saved
 * config (`{ class_name: 'RandomNormal', config: { stddev: 2 } }`).
 */
export type InitializerLike = InitializerSpelling | Initializer | InitializerConfig;

/** A saved config's keys as options: snake_case to camelCase, nulls dropped (defaults apply). */
function optionsOf(config: unknown, where: string): Record<string, unknown> {
  if (config === undefined || config === null) return {};
  if (typeof config !== 'object' || Array.isArray(config)) throw new ValueError(`${where}: an initializer's config must be an object, got ${describe(config)}`);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(config)) if (v !== null && v !== undefined) out[camelCase(key)] = v;
  return out;
}

/**
 * Resolves a layer's initialiser option (see {@link InitializerLike}) to an Initializer; `where` names the call
 * in errors. The one path every layer's `…Initializer` option and every saved config goes through.
 */
export function initializerKey(v: unknown, where: string): Initializer {
  if (v instanceof Initializer) return v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const spec = v as Record<string, unknown>;
    const name = spec.class_name ?? spec.className;
    if (typeof name !== 'string') throw new ValueError(`${where}: an initializer must be a name, an Initializer or { class_name, config }, got ${describe(v)}`);
    const { key, row: r } = lookup(INITIALIZERS, name, 'initializer', where);
    try {
      return r.make(optionsOf(spec.config, where));
    } catch (e) {
      // The class names itself ('RandomNormal(): stddev …'); the layer option or saved key goes first.
      if (e instanceof NeurasmError) e.message = `${where}: ${key}: ${e.message}`;
      throw e;
    }
  }
  return lookup(INITIALIZERS, v, 'initializer', where).row.make();
}

/** Initialisers as a namespace, as Keras's `keras.initializers`: `new initializers.RandomNormal({ stddev: 0.1 })`. */
export const initializers = {
  Initializer, Constant, Zeros, Ones, Identity, Orthogonal, RandomNormal, TruncatedNormal, RandomUniform, VarianceScaling,
  GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal,
  /** Resolves a name, an Initializer or a saved `{ class_name, config }` to an Initializer. */
  get: (v: InitializerLike) => initializerKey(v, 'initializers.get()'),
} as const;
