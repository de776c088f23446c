// Every fast-check arbitrary of the fuzz suite: values as source text tagged valid or invalid, the options
// objects of each call, data, layers, callbacks, saved artifacts, and the table of public calls built from
// them. A value's validity is decided by one predicate per parameter, applied to the evaluated value.
import fc from 'fast-check';
import type { Arg, Call, Post, Validity } from './world.js';
import { WIDTHS } from './world.js';

// ───── source text and validity ─────

/** `arbitrary` one time in `oneIn`, null otherwise (fc.option's `freq` is the other way round: how often null). */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

const arg = (code: string, valid: Validity, why?: string): Arg => (why === undefined ? { code, valid } : { code, valid, why });

/** Validity of several arguments together: false if any is invalid, true only if all are valid. */
export function all(args: readonly Arg[]): { valid: Validity; why?: string } {
  const bad = args.find((a) => a.valid === false);
  if (bad) return { valid: false, why: bad.why ?? bad.code };
  return { valid: args.every((a) => a.valid === true) ? true : undefined };
}

/** Source text of a plain value (numbers keep NaN, ±Infinity and −0). */
export function show(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return `'${v.replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return String(v);
}

const values = new Map<string, unknown>();
/** The value of a constant's source text (junk and literals only: nothing that refers to the world). */
function valueOf(code: string): unknown {
  if (!values.has(code)) {
    // Code that names the library (a Loss, a Constraint) has no value here: cross-option checks never look at it.
    let v: unknown;
    try { v = new Function(`'use strict'; return (${code});`)(); } catch (e) { if (!(e instanceof ReferenceError)) throw e; v = { libraryObject: code }; }
    values.set(code, v);
  }
  return values.get(code);
}

/** Values of every type that no parameter expects, or that sit on an edge. */
const JUNK = [
  'undefined', 'null', 'NaN', 'Infinity', '-Infinity', '1e39', '-0', '0', '-1', '0.5', '2 ** 31', '2 ** 53', '1n',
  "'3'", "''", "'false'", 'true', 'false', '{}', '[]', '[[]]', '() => 1', "Symbol('s')", 'new Date(0)', 'new Map()',
  'Object.create(null)', '{ length: 2 }', '{ valueOf: () => 3 }', '[1, 2]', 'new DataView(new ArrayBuffer(8))',
  'new BigInt64Array(2)', 'new Float32Array([0.5])',
];
const junk = fc.constantFrom(...JUNK);

/** A parameter: mostly `good` source texts, sometimes junk; each judged by `valid` on its value. */
function param(good: fc.Arbitrary<string> | readonly string[], valid: (v: unknown) => Validity, why: string): fc.Arbitrary<Arg> {
  const g = Array.isArray(good) ? fc.constantFrom(...(good as string[])) : (good as fc.Arbitrary<string>);
  return fc.oneof({ weight: 6, arbitrary: g }, { weight: 1, arbitrary: junk })
    .map((code) => { const ok = valid(valueOf(code)); return arg(code, ok, ok === false ? why : undefined); });
}

/** An option's value: as `param`, and `undefined` or `null` mean "use the default". */
function option(good: fc.Arbitrary<string> | readonly string[], valid: (v: unknown) => Validity): (key: string) => fc.Arbitrary<Arg> {
  return (key) => param(good, (v) => (v === undefined || v === null ? true : valid(v)), key);
}

// ───── predicates ─────

const F32_MAX = 3.4028234663852886e38;
const isNumber = (v: unknown): v is number => typeof v === 'number';
const safeInt = (min: number) => (v: unknown): Validity => (Number.isSafeInteger(v) && (v as number) >= min);
const finite = (v: unknown): v is number => isNumber(v) && Number.isFinite(v) && Math.abs(v) <= F32_MAX;
const positive = (v: unknown): Validity => finite(v) && v > 0;
const nonNegative = (v: unknown): Validity => finite(v) && v >= 0;
const fraction = (v: unknown): Validity => finite(v) && v >= 0 && v < 1;
const bool = (v: unknown): Validity => typeof v === 'boolean';
const oneOf = (allowed: readonly unknown[]) => (v: unknown): Validity => allowed.includes(v);
const string = (v: unknown): Validity => typeof v === 'string' && v !== '';

const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu', 'leaky_relu', 'elu', 'selu', 'gelu', 'swish', 'silu', 'softplus', 'mish', 'relu6', 'hard_sigmoid', 'hardSwish', 'softsign', 'celu'];
const INITIALIZERS = ['glorotUniform', 'glorot_uniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunUniform', 'lecunNormal', 'randomNormal', 'randomUniform', 'zeros', 'ones'];
const LOSSES = ['meanSquaredError', 'mse', 'mae', 'huber', 'binaryCrossentropy', 'binary_crossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'sparse_categorical_crossentropy', 'hinge', 'log_cosh', 'mape'];
const METRICS = ['accuracy', 'acc', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'mse', 'mae'];
const OPTIMIZER_NAMES = ['sgd', 'adam', 'adamw', 'rmsprop', 'Adam', 'RMSprop', 'adagrad', 'adadelta', 'adamax', 'nadam', 'lion', 'ftrl'];

// ───── options objects ─────

/** Near-misses and strangers: an options object must refuse every key its call does not know. */
const UNKNOWN_KEYS = ['lr', 'learning_rate', 'input_dim', 'epoch', 'batch_size', 'Seed', 'validation_split', 'units', 'foo'];

/**
 * An options argument: `undefined` or `null` (no options: valid), a non-object (invalid), or an object with
 * some of `keys`, each valid or not, and maybe one key the call does not know (invalid).
 */
function options(keys: Record<string, fc.Arbitrary<Arg>>, cross?: (o: Record<string, unknown>) => Validity, required = false): fc.Arbitrary<Arg> {
  // Each key is given one time in three, so that most objects hold a few options, all valid more often than not.
  const some = Object.fromEntries(Object.entries(keys).map(([k, a]) => [k, sometimes(a, 3)]));
  const object = fc.tuple(fc.record(some), sometimes(fc.constantFrom(...UNKNOWN_KEYS), 12))
    .map(([picked, unknown]) => {
      const entries = (Object.entries(picked) as [string, Arg | null][]).filter((e): e is [string, Arg] => e[1] !== null);
      const code = entries.length === 0 && !unknown ? '{}' : `{ ${[...entries.map(([k, a]) => `${k}: ${a.code}`), ...(unknown ? [`${unknown}: 1`] : [])].join(', ')} }`;
      if (unknown) return arg(code, false, 'an unknown option');
      const together = all(entries.map(([, a]) => a));
      if (together.valid !== true || !cross) return arg(code, together.valid, together.why);
      const ok = cross(Object.fromEntries(entries.map(([k, a]) => [k, valueOf(a.code)])));
      return arg(code, ok, ok === false ? 'options that contradict each other' : undefined);
    });
  const none = fc.constantFrom(arg('undefined', !required, 'no options'), arg('null', !required, 'no options'));
  const notAnObject = fc.constantFrom(...['5', "'fast'", '[]', '() => ({})', 'true'].map((c) => arg(c, false, 'options not an object')));
  return fc.oneof({ weight: 2, arbitrary: none }, { weight: 1, arbitrary: notAnObject }, { weight: 8, arbitrary: object });
}

const INTS = ['1', '2', '3', '4'];
const LEARNING_RATES = ['0.01', '0.1', '1', '1e-3'];
/** A learning-rate schedule, whole (valid) or with an option out of range or missing (its constructor throws). */
const scheduleConstruction: fc.Arbitrary<Arg> = fc.oneof(
  fc.tuple(fc.constantFrom('0.1', '0.01', '0', '-1', 'NaN'), fc.constantFrom('10', '1', '0.5', '0', '-1', 'Infinity'), fc.constantFrom('0.9', '0.5', '1', '1e10', '0', '-0.5', 'undefined'), fc.boolean())
    .map(([lr, steps, rate, staircase]) => {
      const ok = nonNegative(valueOf(lr)) === true && positive(valueOf(steps)) === true && positive(valueOf(rate)) === true;
      return arg(`new ExponentialDecay({ initialLearningRate: ${lr}, decaySteps: ${steps}, decayRate: ${rate}${staircase ? ', staircase: true' : ''} })`, ok, ok ? undefined : 'ExponentialDecay');
    }),
  fc.tuple(fc.constantFrom('0.1', '0.01', '-0.1'), fc.constantFrom('5', '1', '0', 'NaN'), fc.constantFrom('', ', alpha: 0.1', ', alpha: -1', ', warmupTarget: 0.2, warmupSteps: 2', ', warmupSteps: -1'))
    .map(([lr, steps, extra]) => {
      const ok = nonNegative(valueOf(lr)) === true && positive(valueOf(steps)) === true && !extra.includes('-1');
      return arg(`new CosineDecay({ initialLearningRate: ${lr}, decaySteps: ${steps}${extra} })`, ok, ok ? undefined : 'CosineDecay');
    }),
);
const schedule: fc.Arbitrary<Arg> = fc.oneof({ weight: 4, arbitrary: scheduleConstruction },
  { weight: 1, arbitrary: fc.constantFrom(arg('{ value: () => 0.1 }', false, 'learningRate not a schedule'), arg('ExponentialDecay', false, 'learningRate a class')) });
/** A learning rate: a number, or sometimes a schedule. */
const learningRate: fc.Arbitrary<Arg> = fc.oneof({ weight: 3, arbitrary: option(LEARNING_RATES, positive)('learningRate') }, { weight: 1, arbitrary: schedule });
const optimizerKeys = {
  learningRate,
  clipNorm: option(['1', '0.5'], positive)('clipNorm'),
  globalClipNorm: option(['1', '2'], positive)('globalClipNorm'),
  clipValue: option(['1', '0.1'], positive)('clipValue'),
  weightDecay: option(['0', '0.004', '0.1', '-0.1'], nonNegative)('weightDecay'),
  useEma: option(['true', 'false'], bool)('useEma'),
  emaMomentum: option(['0.99', '0.5', '0', '1', '1.5', '-0.1'], (v) => finite(v) && v >= 0 && v <= 1)('emaMomentum'),
  emaOverwriteFrequency: option(['1', '3', '0', '1.5'], (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= Number.MAX_SAFE_INTEGER)('emaOverwriteFrequency'),
  gradientAccumulationSteps: option(['2', '3', '1', '0', '2.5'], (v) => Number.isInteger(v) && (v as number) >= 2 && (v as number) <= Number.MAX_SAFE_INTEGER)('gradientAccumulationSteps'),
};
const momentum = option(['0', '0.5', '0.9'], fraction)('momentum');
/** A positive number that stays positive as the float32 a kernel gets (1e-50 becomes 0 there: a division by zero). */
const positiveF32 = (v: unknown): Validity => positive(v) && Math.fround(v as number) > 0;
const epsilon = option(['1e-7', '0.1', '1e-7', '0.1', '1e-50'], positiveF32)('epsilon');
const beta = (key: string) => option(['0', '0.5', '0.9', '0.999'], fraction)(key);

const initialAccumulatorValue = option(['0.1', '0', '-0.1'], nonNegative)('initialAccumulatorValue');
/** As Keras 3: at most one of clipNorm, clipValue and globalClipNorm. */
const oneClip = (o: Record<string, unknown>): Validity => [o.clipNorm, o.clipValue, o.globalClipNorm].filter((v) => v !== undefined && v !== null).length <= 1;
export const OPTIMIZERS: Record<string, fc.Arbitrary<Arg>> = {
  SGD: options({ ...optimizerKeys, momentum, nesterov: option(['true', 'false'], bool)('nesterov') }, oneClip),
  Adam: options({ ...optimizerKeys, beta1: beta('beta1'), beta2: beta('beta2'), epsilon, amsgrad: option(['true', 'false'], bool)('amsgrad') }, oneClip),
  AdamW: options({ ...optimizerKeys, beta1: beta('beta1'), beta2: beta('beta2'), epsilon, amsgrad: option(['true', 'false'], bool)('amsgrad') }, oneClip),
  RMSprop: options({ ...optimizerKeys, rho: beta('rho'), epsilon, momentum, centered: option(['true', 'false'], bool)('centered') }, oneClip),
  Adagrad: options({ ...optimizerKeys, initialAccumulatorValue, epsilon }, oneClip),
  Adadelta: options({ ...optimizerKeys, rho: beta('rho'), epsilon }, oneClip),
  Adamax: options({ ...optimizerKeys, beta1: beta('beta1'), beta2: beta('beta2'), epsilon }, oneClip),
  Nadam: options({ ...optimizerKeys, beta1: beta('beta1'), beta2: beta('beta2'), epsilon }, oneClip),
  // Lion's beta1 lies in (0, 1] (Keras: else it is SignSGD); its beta2 in [0, 1).
  Lion: options({ ...optimizerKeys, beta1: option(['0.9', '1', '0', '0.5'], (v) => finite(v) && v > 0 && v <= 1)('beta1'), beta2: beta('beta2') }, oneClip),
  Ftrl: options({
    ...optimizerKeys,
    learningRatePower: option(['-0.5', '0', '-1', '0.5'], (v) => finite(v) && v <= 0)('learningRatePower'),
    initialAccumulatorValue,
    l1RegularizationStrength: option(['0', '0.01', '-1'], nonNegative)('l1RegularizationStrength'),
    l2RegularizationStrength: option(['0', '0.01', 'NaN'], nonNegative)('l2RegularizationStrength'),
    l2ShrinkageRegularizationStrength: option(['0', '0.01', '-0.01'], nonNegative)('l2ShrinkageRegularizationStrength'),
    beta: option(['0', '0.5', '-1'], nonNegative)('beta'),
  }, oneClip),
};

const regularizer = option(["'l1'", "'l2'", "'l1_l2'", '{ l1: 0.01 }', '{ l1: 0, l2: 0.5 }', "'l3'", '{ l1: -1 }', '{ l2: NaN }'],
  (v) => (typeof v === 'string' ? ['l1', 'l2', 'l1_l2', 'l1l2'].includes(v) : typeof v === 'object' && v !== null && !Array.isArray(v)
    ? Object.values(v).every((x) => nonNegative(x)) ? undefined : false : false));
/** A width or an axis of a sample: a positive integer up to 2 ** 28 (no larger sample could ever be allocated). */
const inputDim = (v: unknown): Validity => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 2 ** 28;
const inputShape = option(['[2]', '[3]', '[2, 3]', '[]', '[0]', "['2']", '[2, 0]', '[5, 4, 2]', '[6, 3]', '[4, 4, 1, 1]'], (v) => Array.isArray(v) && v.length >= 1 && v.length <= 7 && v.every((d) => inputDim(d)) && v.reduce((a: number, b: number) => a * b, 1) <= 2 ** 28);
const layerKeys = {
  name: option(["'hidden'", "'out'", "''"], string)('name'),
  inputDim: option(INTS, inputDim)('inputDim'),
  inputShape: inputShape('inputShape'),
};
/** inputDim and inputShape, when both are given, must agree. */
const sameInput = (o: Record<string, unknown>): Validity =>
  o.inputDim == null || o.inputShape == null || ((o.inputShape as number[]).length === 1 && (o.inputShape as number[])[0] === o.inputDim);

const denseOptions = options({
  ...layerKeys,
  activation: option(ACTIVATIONS.map(show).concat("'relux'"), oneOf(ACTIVATIONS))('activation'),
  useBias: option(['true', 'false'], bool)('useBias'),
  kernelInitializer: option(INITIALIZERS.map(show).concat("'glorot'"), oneOf(INITIALIZERS))('kernelInitializer'),
  biasInitializer: option(["'zeros'", "'ones'", "'heNormal'"], oneOf(INITIALIZERS))('biasInitializer'),
  kernelRegularizer: regularizer('kernelRegularizer'),
  biasRegularizer: regularizer('biasRegularizer'),
}, sameInput);
const layerOptions = options(layerKeys, sameInput);

// ───── layers ─────

/** Units: mostly small; sometimes large enough to run out of the memory the ballast leaves. */
const units = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 1, max: 5 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('1000', '2500', '2500', '17000', '2 ** 31') },
);

/** A layer constructor call with arguments of any validity (for the constructors' own property). */
export const layerConstruction: fc.Arbitrary<{ api: string; code: string; valid: Validity; why?: string }> = fc.oneof(
  fc.tuple(param(units, (v) => (safeInt(1)(v) ? ((v as number) <= 2 ** 16 ? true : undefined) : false), 'units'), denseOptions).map(([u, o]) => ({ api: 'new Dense', code: `new Dense(${u.code}, ${o.code})`, ...all([u, o]) })),
  fc.tuple(param(ACTIVATIONS.map(show), oneOf(ACTIVATIONS), 'activation'), layerOptions).map(([a, o]) => ({ api: 'new Activation', code: `new Activation(${a.code}, ${o.code})`, ...all([a, o]) })),
  fc.tuple(param(['0', '0.25', '0.5', '0.99', '1'], fraction, 'rate'), layerOptions).map(([r, o]) => ({ api: 'new Dropout', code: `new Dropout(${r.code}, ${o.code})`, ...all([r, o]) })),
);


// ───── convolutional layers ─────

const MAX_UNITS = 2 ** 28;
const positiveInt = (v: unknown): Validity => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_UNITS;
/** A size per spatial axis: one positive integer for all, or `rank` of them (src/layers/layer.ts `tuple`). */
const sizes = (rank: number) => (v: unknown): Validity => (v === undefined || v === null ? true : typeof v === 'number' ? positiveInt(v) : Array.isArray(v) && v.length === rank && v.every((d) => positiveInt(d)));
/** Sizes, mostly valid for one axis or two (which of them fits depends on the rank). */
const SIZES = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('1', '2', '3', '[1, 2]', '[2, 1]', '[2]', '[3]') },
  { weight: 1, arbitrary: fc.constantFrom('0', '-1', '1.5', '[2, 2, 2]', '[]', "'2'", '[0, 1]', '2 ** 29', '[2, NaN]') });
/** Keras lowercases the padding; Conv1D alone takes 'causal'. */
const padding = (choices: readonly string[]) => option(["'valid'", "'same'", "'SAME'", "'Valid'", "'causal'", "'full'", "''"],
  (v) => typeof v === 'string' && choices.includes(v.toLowerCase()))('padding');
const dataFormat = option(["'channelsLast'", "'channels_last'", "'channelsFirst'", "'channels_first'"], oneOf(['channelsLast', 'channels_last']))('dataFormat');
const exceeds1 = (v: unknown) => [v].flat().some((d) => (d as number) > 1);
/** inputDim and inputShape agree, and strides and dilationRate do not both exceed 1 (as Keras refuses). */
const convCross = (o: Record<string, unknown>): Validity => sameInput(o) && !(exceeds1(o.strides) && exceeds1(o.dilationRate));
const withActivation = {
  activation: option(ACTIVATIONS.map(show).concat("'relux'"), oneOf(ACTIVATIONS))('activation'),
  useBias: option(['true', 'false'], bool)('useBias'),
};
const convOptions = (rank: 1 | 2) => options({
  ...layerKeys,
  strides: option(SIZES, sizes(rank))('strides'),
  padding: padding(rank === 1 ? ['valid', 'same', 'causal'] : ['valid', 'same']),
  dilationRate: option(SIZES, sizes(rank))('dilationRate'),
  dataFormat,
  ...withActivation,
  kernelInitializer: option(INITIALIZERS.map(show).concat("'glorot'"), oneOf(INITIALIZERS))('kernelInitializer'),
  biasInitializer: option(["'zeros'", "'ones'", "'heNormal'"], oneOf(INITIALIZERS))('biasInitializer'),
  kernelRegularizer: regularizer('kernelRegularizer'),
  biasRegularizer: regularizer('biasRegularizer'),
}, convCross);
const depthwiseKeys = {
  ...layerKeys,
  strides: option(SIZES, sizes(2))('strides'),
  padding: padding(['valid', 'same']),
  depthMultiplier: option(['1', '2', '3', '0', '-1', '1.5', '2 ** 29'], positiveInt)('depthMultiplier'),
  dilationRate: option(SIZES, sizes(2))('dilationRate'),
  dataFormat,
  ...withActivation,
  depthwiseInitializer: option(["'glorotUniform'", "'heNormal'", "'ones'", "'glorot'"], oneOf(INITIALIZERS))('depthwiseInitializer'),
  biasInitializer: option(["'zeros'", "'ones'"], oneOf(INITIALIZERS))('biasInitializer'),
  depthwiseRegularizer: regularizer('depthwiseRegularizer'),
  biasRegularizer: regularizer('biasRegularizer'),
};
const poolKeys = (rank: number) => ({ ...layerKeys, strides: option(SIZES, sizes(rank))('strides'), padding: padding(['valid', 'same']), dataFormat });
const filters = param(fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 4 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('0', '-2', '1.5', '2 ** 28', '2 ** 29') }), positiveInt, 'filters');
const kernelSize = (rank: number) => param(SIZES, (v) => v !== undefined && v !== null && sizes(rank)(v), 'kernelSize');

/** Validity of a pool size given first: an options object there is the options (TensorFlow.js's form), judged apart. */
const isOptionsObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

function pooling(name: string, rank: 1 | 2): fc.Arbitrary<{ api: string; code: string; valid: Validity; why?: string }> {
  const api = `new ${name}`;
  const sizeFirst = fc.tuple(fc.oneof(param(SIZES, sizes(rank), 'poolSize'), fc.constantFrom(arg('undefined', true), arg('null', true))),
    options(poolKeys(rank), sameInput), fc.boolean())
    .map(([size, o, poolSizeTwice]) => {
      const objectFirst = isOptionsObject(valueOf(size.code));
      // The pool size given both first and as an option is refused, even when the first is undefined.
      const twice = poolSizeTwice && o.code.startsWith('{') && o.code !== '{}';
      const code = twice ? `${o.code.slice(0, -2)}, poolSize: 2 }` : o.code;
      const v = all([size, o]);
      const valid = objectFirst ? undefined : twice && v.valid !== false ? false : v.valid;
      return { api, code: `new ${name}(${size.code}, ${code})`, valid, why: twice && v.valid !== false ? 'the pool size given twice' : v.why };
    });
  const alone = options({ ...poolKeys(rank), poolSize: option(SIZES, sizes(rank))('poolSize') }, sameInput).map((o) => {
    // Not an object, the one argument is a pool size.
    const v = o.code.startsWith('{') || o.code === 'undefined' || o.code === 'null' ? o.valid : o.code === '5' ? true : false;
    return { api, code: `new ${name}(${o.code})`, valid: v, why: v === false ? (o.why ?? 'poolSize') : undefined };
  });
  return fc.oneof(sizeFirst, alone);
}

const zeroPadding = (v: unknown): Validity => {
  const amount = (d: unknown) => Number.isInteger(d) && (d as number) >= 0 && (d as number) <= 2 ** 20;
  if (v === undefined || v === null) return true;
  if (typeof v === 'number') return amount(v);
  if (!Array.isArray(v) || v.length !== 2) return false;
  if (v.every((d) => typeof d === 'number')) return v.every(amount);
  if (v.every((d) => Array.isArray(d) && d.length === 2)) return v.every((d: unknown[]) => d.every(amount));
  return false;
};
const reshapeTarget = (v: unknown): Validity => Array.isArray(v) && v.length >= 1 && v.length <= 7 && v.every((d) => d === -1 || (Number.isSafeInteger(d) && d >= 1))
  && v.filter((d) => d === -1).length <= 1;
const globalOptions = options({ ...layerKeys, keepdims: option(['true', 'false'], bool)('keepdims'), dataFormat }, sameInput);

/** The constructors of the image and sequence layers, with arguments of any validity. */
export const convLayerConstruction: fc.Arbitrary<{ api: string; code: string; valid: Validity; why?: string }> = fc.oneof(
  fc.tuple(filters, kernelSize(2), convOptions(2)).map(([f, s, o]) => ({ api: 'new Conv2D', code: `new Conv2D(${f.code}, ${s.code}, ${o.code})`, ...all([f, s, o]) })),
  fc.tuple(filters, kernelSize(1), convOptions(1)).map(([f, s, o]) => ({ api: 'new Conv1D', code: `new Conv1D(${f.code}, ${s.code}, ${o.code})`, ...all([f, s, o]) })),
  pooling('MaxPooling2D', 2), pooling('AveragePooling2D', 2), pooling('MaxPooling1D', 1), pooling('AveragePooling1D', 1),
  fc.tuple(fc.constantFrom('GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D'), globalOptions)
    .map(([name, o]) => ({ api: `new ${name}`, code: `new ${name}(${o.code})`, ...all([o]) })),
  options({ ...layerKeys, dataFormat }, sameInput).map((o) => ({ api: 'new Flatten', code: `new Flatten(${o.code})`, ...all([o]) })),
  fc.tuple(param(['[2, -1]', '[-1]', '[4, 5, 2]', '[40]', '[-1, 2, 1]', '[-1, -1]', '[0, 2]', '[]', '[2.5]', "['2']", '[1, 1, 1, 1, 1, 1, 1, 40]', '[-2, 5]'], reshapeTarget, 'targetShape'), layerOptions)
    .map(([t, o]) => ({ api: 'new Reshape', code: `new Reshape(${t.code}, ${o.code})`, ...all([t, o]) })),
  fc.tuple(param(['undefined', '1', '0', '2', '[1, 2]', '[[1, 0], [0, 2]]', '[[0, 0], [0, 0]]', '[[1], [2]]', '[1]', '-1', '1.5', '[1, -1]', '2 ** 21', '[1, [1, 2]]'], zeroPadding, 'padding'),
    options({ ...layerKeys, dataFormat }, sameInput))
    .map(([p, o]) => ({ api: 'new ZeroPadding2D', code: `new ZeroPadding2D(${p.code}, ${o.code})`, ...all([p, o]) })),
  fc.tuple(fc.oneof(param(SIZES, sizes(2), 'size'), fc.constant(arg('undefined', true))),
    options({ ...layerKeys, dataFormat, interpolation: option(["'nearest'", "'bilinear'", "'NEAREST'"], oneOf(['nearest']))('interpolation') }, sameInput))
    .map(([n, o]) => ({ api: 'new UpSampling2D', code: `new UpSampling2D(${n.code}, ${o.code})`, ...all([n, o]) })),
  options({
    ...layerKeys,
    axis: option(['-1', '3', '2', '0', '-9', '9', '1.5', '-0'], (v) => Number.isInteger(v) && (v as number) >= -8 && (v as number) <= 8)('axis'),
    momentum: option(['0', '0.5', '0.99', '1', '1.01', '-0.1'], (v) => finite(v) && v >= 0 && v <= 1)('momentum'),
    epsilon: option(['1e-3', '0.1', '0', '-1e-3', '1e-30', '1e-50'], positiveF32)('epsilon'),
    center: option(['true', 'false'], bool)('center'),
    scale: option(['true', 'false'], bool)('scale'),
    betaInitializer: option(["'zeros'", "'ones'", "'glorot'"], oneOf(INITIALIZERS))('betaInitializer'),
    gammaInitializer: option(["'ones'", "'randomNormal'"], oneOf(INITIALIZERS))('gammaInitializer'),
    movingMeanInitializer: option(["'zeros'", "'randomUniform'"], oneOf(INITIALIZERS))('movingMeanInitializer'),
    movingVarianceInitializer: option(["'ones'", "'zeros'"], oneOf(INITIALIZERS))('movingVarianceInitializer'),
    betaRegularizer: regularizer('betaRegularizer'),
    gammaRegularizer: regularizer('gammaRegularizer'),
  }, sameInput).map((o) => ({ api: 'new BatchNormalization', code: `new BatchNormalization(${o.code})`, ...all([o]) })),
  fc.tuple(kernelSize(2), options(depthwiseKeys, convCross)).map(([s, o]) => ({ api: 'new DepthwiseConv2D', code: `new DepthwiseConv2D(${s.code}, ${o.code})`, ...all([s, o]) })),
  fc.tuple(filters, kernelSize(2), options({
    ...depthwiseKeys,
    pointwiseInitializer: option(["'glorotUniform'", "'zeros'", "'glorot'"], oneOf(INITIALIZERS))('pointwiseInitializer'),
    pointwiseRegularizer: regularizer('pointwiseRegularizer'),
  }, convCross)).map(([f, s, o]) => ({ api: 'new SeparableConv2D', code: `new SeparableConv2D(${f.code}, ${s.code}, ${o.code})`, ...all([f, s, o]) })),
);

// ───── advanced activations, noise, regularization; weight options ─────

/** A constraint option: names, Constraint objects, saved forms; bad ones throw (a bad Constraint already in its constructor). */
const constraint = (key: string): fc.Arbitrary<Arg> => fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("'max_norm'", "'maxNorm'", "'non_neg'", "'unit_norm'", "'min_max_norm'", 'new MaxNorm({ maxValue: 2 })', 'new MaxNorm({ maxValue: 0.5, axis: 0 })',
    'new NonNeg()', 'new UnitNorm()', 'new MinMaxNorm({ minValue: 0.5, maxValue: 1, rate: 0.5 })', 'maxNorm({ maxValue: 1 })', "{ class_name: 'MaxNorm', config: { max_value: 3 } }",
    "{ class_name: 'NonNeg' }", 'null', 'undefined').map((c) => arg(c, true)) },
  { weight: 2, arbitrary: fc.constantFrom(
    ['new MaxNorm({ maxValue: -1 })', 'maxValue'], ['new MaxNorm({ maxValue: NaN })', 'maxValue'], ['new MaxNorm({ maxNorm: 2 })', 'an unknown option'],
    ['new MinMaxNorm({ minValue: 2, maxValue: 1 })', 'minValue above maxValue'], ['new MinMaxNorm({ rate: 2 })', 'rate'], ["new MaxNorm({ axis: 'x' })", 'axis'],
    ["'max'", 'an unknown constraint'], ["'l2'", 'an unknown constraint'], ['5', 'not a constraint'], ['[1]', 'not a constraint'], ['{}', 'not a constraint'],
    ["{ class_name: 'MaxNorm', config: { foo: 1 } }", 'an unknown config key'], ["{ class_name: 'Clip' }", 'an unknown constraint'], ["{ class_name: 'MaxNorm', config: 5 }", 'config not an object'],
    ['() => 1', 'not a constraint'],
  ).map(([c, why]) => arg(c!, false, `${key}: ${why}`)) },
  // An axis past the weight's rank is found when the layer is built.
  { weight: 1, arbitrary: fc.constantFrom('new MaxNorm({ axis: 5 })', 'new UnitNorm({ axis: [0, 1] })', "{ class_name: 'UnitNorm', config: { axis: -1 } }").map((c) => arg(c, undefined)) },
);
/** An initializer as an object: Initializer instances and saved forms; bad options throw. */
const initializerObject = (key: string): fc.Arbitrary<Arg> => fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('new Orthogonal()', 'new Orthogonal({ gain: 2, seed: 3 })', 'new RandomNormal({ stddev: 0.1 })', 'new RandomNormal({ mean: 1, stddev: 0.5, seed: 0 })',
    "new VarianceScaling({ scale: 2, mode: 'fan_out', distribution: 'uniform' })", "new VarianceScaling({ mode: 'fanAvg', distribution: 'untruncatedNormal' })", 'new VarianceScaling()',
    'new RandomUniform({ minval: -1, maxval: 1 })', 'new GlorotUniform({ seed: 5 })', 'new Constant({ value: 0.5 })', 'new Zeros()', 'new Ones()',
    "{ class_name: 'RandomNormal', config: { stddev: 0.2 } }", "{ className: 'Orthogonal' }", "'orthogonal'", "'variance_scaling'", "'truncatedNormal'").map((c) => arg(c, true)) },
  { weight: 2, arbitrary: fc.constantFrom(
    ['new RandomNormal({ stddev: 0 })', 'stddev'], ['new RandomNormal({ stddev: -1 })', 'stddev'], ['new RandomNormal({ stddev: NaN })', 'stddev'], ['new Orthogonal({ seed: -1 })', 'seed'],
    ['new Orthogonal({ gain: Infinity })', 'gain'], ["new VarianceScaling({ mode: 'fan' })", 'mode'], ["new VarianceScaling({ distribution: 'cauchy' })", 'distribution'],
    ['new VarianceScaling({ scale: 0 })', 'scale'], ['new RandomUniform({ minval: 1, maxval: 1 })', 'maxval not above minval'], ['new RandomNormal({ std: 1 })', 'an unknown option'],
    ["{ class_name: 'RandomNormal', config: { stddev: -2 } }", 'stddev'], ["{ class_name: 'Gaussian' }", 'an unknown initializer'], ['{ seed: 1 }', 'no class name'],
    ['5', 'not an initializer'], ['() => 0', 'not an initializer'],
  ).map(([c, why]) => arg(c!, false, `${key}: ${why}`)) },
  // The Identity initializer fills 2-D weights only: fine for Dense, a ShapeError when built for a convolution.
  { weight: 1, arbitrary: fc.constant(arg('new Identity()', undefined)) },
);

/** Dense's options, with the weight options (constraints, an activity penalty) and initializer objects. */
const denseWeightOptions = options({
  ...layerKeys,
  activation: option(ACTIVATIONS.map(show).concat("'relux'"), oneOf(ACTIVATIONS))('activation'),
  useBias: option(['true', 'false'], bool)('useBias'),
  kernelInitializer: initializerObject('kernelInitializer'),
  biasInitializer: initializerObject('biasInitializer'),
  kernelRegularizer: regularizer('kernelRegularizer'),
  activityRegularizer: regularizer('activityRegularizer'),
  kernelConstraint: constraint('kernelConstraint'),
  biasConstraint: constraint('biasConstraint'),
}, sameInput);

/** A Dropout-like layer's noiseShape: null or positive integers, the batch entry null or 1 (its fit to the input is checked when built). */
const noiseShape = option(['[null, 1]', '[null, 2]', '[1, null]', '[null, 1, null]', '[null, null, null, 1]', '[2, 1]', '[null, 0]', '[null]', '[null, -1]', "['x', 1]", '[null, 1.5]', '[]'],
  (v) => Array.isArray(v) && v.length >= 2 && v.length <= 8 && v.every((d) => d === null || (Number.isSafeInteger(d) && d > 0)) && (v[0] === null || v[0] === 1))('noiseShape');
const layerSeed = option(['0', '7', '2 ** 32 - 1', '2 ** 32', '-1', '1.5'], (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32)('seed');
const rate = (name: string) => param(['0', '0.1', '0.5', '0.99', '1', '-0.1', 'NaN', '0.99999999999'], (v) => finite(v) && v >= 0 && v < 1 && Math.fround(v) < 1, name);
const newLayer = (name: string, args: Arg[]) => ({ api: `new ${name}`, code: `new ${name}(${args.map((a) => a.code).join(', ')})`, ...all(args) });

/** The constructors of the advanced activations, the noise layers and ActivityRegularization, and Dense with its weight options. */
export const advancedLayerConstruction: fc.Arbitrary<{ api: string; code: string; valid: Validity; why?: string }> = fc.oneof(
  fc.tuple(units.filter((u) => u.length < 5), denseWeightOptions).map(([u, o]) => newLayer('Dense', [arg(u, true), o])),
  options({ ...layerKeys, maxValue: option(['6', '1', '0', '-1'], nonNegative)('maxValue'), negativeSlope: option(['0', '0.1', '-0.1'], nonNegative)('negativeSlope'),
    threshold: option(['0', '0.5', '-1'], nonNegative)('threshold') }, sameInput).map((o) => newLayer('ReLU', [o])),
  options({ ...layerKeys, negativeSlope: option(['0.3', '0', '0.01', '-0.3', 'NaN'], nonNegative)('negativeSlope') }, sameInput).map((o) => newLayer('LeakyReLU', [o])),
  options({ ...layerKeys, alpha: option(['1', '0.5', '-1', '0'], finite)('alpha') }, sameInput).map((o) => newLayer('ELU', [o])),
  options({ ...layerKeys, axis: option(['-1', '1', '2', '-2', '0', '8', '-9', '1.5'], (v) => Number.isInteger(v) && (v as number) >= -8 && (v as number) <= 7 && v !== 0)('axis') }, sameInput)
    .map((o) => newLayer('Softmax', [o])),
  options({ ...layerKeys, alphaInitializer: fc.oneof(option(["'zeros'", "'ones'", "'glorot'"], oneOf(INITIALIZERS))('alphaInitializer'), initializerObject('alphaInitializer')),
    alphaRegularizer: regularizer('alphaRegularizer'), alphaConstraint: option(["'non_neg'"], () => false)('alphaConstraint'),
    sharedAxes: option(['1', '[1]', '[1, 2]', '0', '[0]', '[8]', "'1'", '[1.5]'], (v) => (typeof v === 'number' ? [v] : v) instanceof Array && ((typeof v === 'number' ? [v] : v) as unknown[]).every((a) => Number.isInteger(a) && (a as number) >= 1 && (a as number) <= 7))('sharedAxes') }, sameInput)
    .map((o) => newLayer('PReLU', [o])),
  fc.tuple(param(['0', '0.1', '1', '1.5', '-0.1', 'NaN'], (v) => finite(v) && v >= 0 && v <= 1, 'stddev'), options({ ...layerKeys, seed: layerSeed }, sameInput)).map(([s, o]) => newLayer('GaussianNoise', [s, o])),
  fc.tuple(rate('rate'), options({ ...layerKeys, seed: layerSeed }, sameInput)).map(([r, o]) => newLayer('GaussianDropout', [r, o])),
  fc.tuple(rate('rate'), options({ ...layerKeys, noiseShape, seed: layerSeed }, sameInput)).map(([r, o]) => newLayer('AlphaDropout', [r, o])),
  fc.tuple(rate('rate'), options({ ...layerKeys, noiseShape, seed: layerSeed }, sameInput)).map(([r, o]) => newLayer('Dropout', [r, o])),
  options({ ...layerKeys, l1: option(['0', '0.01', '1', '-0.01', 'NaN', '1e39'], nonNegative)('l1'), l2: option(['0', '0.1', '-1'], nonNegative)('l2') }, sameInput)
    .map((o) => newLayer('ActivityRegularization', [o])),
);

/** The new layers with valid arguments, to add to models (whether one fits a model's input is the model's to say). */
const ADVANCED_LAYERS = [
  'new ReLU()', 'new ReLU({ maxValue: 6, negativeSlope: 0.1, threshold: 0.5 })', 'new LeakyReLU()', 'new LeakyReLU({ negativeSlope: 0.01 })', 'new ELU({ alpha: 0.5 })',
  'new Softmax()', 'new Softmax({ axis: 1 })', 'new PReLU()', "new PReLU({ alphaInitializer: 'ones', alphaRegularizer: 'l2' })", 'new PReLU({ sharedAxes: [1, 2] })',
  'new GaussianNoise(0.1)', 'new GaussianNoise(0.5, { seed: 3 })', 'new GaussianDropout(0.3)', 'new AlphaDropout(0.2)', 'new AlphaDropout(0.5, { noiseShape: [null, 1], seed: 1 })',
  'new Dropout(0.5, { noiseShape: [null, 1] })', 'new Dropout(0.3, { seed: 9 })', 'new Dropout(0.5, { noiseShape: [1, null, 1] })', 'new ActivityRegularization({ l1: 0.01, l2: 0.01 })',
  "new Dense(2, { kernelConstraint: 'max_norm', biasConstraint: new MaxNorm({ maxValue: 0.5 }) })", "new Dense(3, { activityRegularizer: 'l2', activation: 'relu' })",
  'new Dense(2, { kernelInitializer: new Orthogonal(), kernelConstraint: new UnitNorm() })', "new Dense(2, { kernelInitializer: new RandomNormal({ stddev: 0.5 }), biasConstraint: 'non_neg' })",
  "new Dense(1, { kernelInitializer: new VarianceScaling({ scale: 2, mode: 'fan_avg' }), activityRegularizer: { l1: 0.1 } })",
  "new Conv2D(2, 2, { kernelConstraint: new MaxNorm({ maxValue: 1, axis: [0, 1, 2] }), activityRegularizer: 'l1' })",
];

/** Image and sequence layers with valid arguments, to add to models and stack into new ones. */
const IMAGE_LAYERS = [
  'new Conv2D(2, 2)', "new Conv2D(2, [1, 2], { padding: 'same', strides: 2 })", "new Conv2D(1, 2, { dilationRate: 2, activation: 'relu' })",
  "new Conv1D(2, 2, { padding: 'causal' })", 'new Conv1D(1, 3, { strides: 2 })', 'new MaxPooling2D(2)', "new AveragePooling2D(2, { padding: 'same' })",
  'new MaxPooling1D(2)', 'new AveragePooling1D({ poolSize: 3, strides: 1 })', 'new GlobalAveragePooling2D()', 'new GlobalMaxPooling2D({ keepdims: true })',
  'new GlobalAveragePooling1D()', 'new GlobalMaxPooling1D()', 'new Flatten()', 'new Reshape([-1])', 'new Reshape([2, -1])', 'new BatchNormalization()',
  "new BatchNormalization({ center: false, momentum: 0.5 })", 'new BatchNormalization({ scale: false, axis: 3 })', 'new ZeroPadding2D([[1, 0], [0, 2]])',
  'new UpSampling2D(2)', 'new DepthwiseConv2D(2, { depthMultiplier: 2 })', "new SeparableConv2D(2, 2, { padding: 'same', activation: 'relu' })",
  'new Dense(2)', 'new Dropout(0.5)', "new Activation('relu')",
];

/** `new Sequential` over a small image or sequence input: a first layer declaring it, then a few valid layers. */
const imageStack = fc.tuple(
  fc.constantFrom('[5, 4, 2]', '[6, 3]', '[4, 4, 1]', '[3, 3]', '[2, 3, 4, 1]'),
  fc.constantFrom("new Conv2D(2, 2, { inputShape: S })", 'new Conv1D(2, 2, { inputShape: S })', 'new BatchNormalization({ inputShape: S })', 'new Flatten({ inputShape: S })',
    'new ZeroPadding2D(1, { inputShape: S })', "new DepthwiseConv2D(2, { inputShape: S, padding: 'same' })", 'new Dense(3, { inputShape: S })', 'new Dropout(0.1, { inputShape: S })',
    'new MaxPooling1D(2, { inputShape: S })', 'new UpSampling2D(2, { inputShape: S })', 'new Reshape([-1, 2], { inputShape: S })'),
  fc.array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...IMAGE_LAYERS) }, { weight: 4, arbitrary: fc.constantFrom(...ADVANCED_LAYERS) },
    // Layers whose weights or activations outgrow the memory the ballast leaves.
    { weight: 1, arbitrary: fc.constantFrom("new Conv2D(2000, 3, { padding: 'same' })", 'new ZeroPadding2D(2000)', 'new UpSampling2D(600)', 'new Dense(30000)', 'new SeparableConv2D(3000, 1, { depthMultiplier: 3000 })') }),
  { maxLength: 4 }),
  fc.nat(9),
).map(([shape, first, rest, seed]) => ({ code: `new Sequential([${[first.replace(': S', `: ${shape}`), ...rest].join(', ')}], { seed: ${seed} })`, valid: undefined as Validity }));

/** A layer to add to a model: valid constructions, a layer another model owns, or junk. */
const layer: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(units, fc.constantFrom('', ", { activation: 'relu' }", ", { activation: 'softmax' }", ', { inputDim: 2 }', ', { inputDim: 3 }')).map(([u, o]) => arg(`new Dense(${u}${o})`, undefined)) },
  { weight: 2, arbitrary: fc.constantFrom("new Activation('tanh')", 'new Dropout(0.5)').map((c) => arg(c, undefined)) },
  { weight: 4, arbitrary: fc.constantFrom(...IMAGE_LAYERS).map((c) => arg(c, undefined)) },
  { weight: 4, arbitrary: fc.constantFrom(...ADVANCED_LAYERS).map((c) => arg(c, undefined)) },
  { weight: 1, arbitrary: fc.constantFrom('m0.layers[0]', 'm1.layers[1]', 'm3.layers[2]', 'm4.layers[0]').map((c) => arg(c, false, 'a layer another model owns')) },
  { weight: 1, arbitrary: junk.map((c) => arg(c, false, 'not a layer')) },
);

const sequentialOptions = options({
  name: option(["'net'", "''"], string)('name'),
  seed: option(['0', '7', '2 ** 32', '-1', '1.5'], safeInt(0))('seed'),
});

/** `new Sequential(layers, options)`. */
export const sequentialConstruction = fc.tuple(fc.array(layer, { maxLength: 3 }), sequentialOptions).map(([ls, o]) => {
  const v = all([...ls, o]);
  return { api: 'new Sequential', code: `new Sequential([${ls.map((l) => l.code).join(', ')}], ${o.code})`, valid: v.valid === false ? false : undefined, why: v.why };
});

// ───── data ─────

const CELL = ['0', '1', '-1', '0.5', '-0.25', '2', '-0'];
const LABEL = ['0', '1', '2'];
const BAD_CELL = ['NaN', 'Infinity', '-Infinity', '1e39'];
type Form = 'rows' | 'flat' | 'typed' | 'tensor';
const TYPED = ['Float32Array', 'Float64Array', 'Int32Array', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Uint8ClampedArray'];

/**
 * x or y for a model call: rows of `width` values in some form (nested arrays, a flat column, typed arrays,
 * Tensors), sometimes with a non-finite value, and sometimes data no call may accept (ragged, empty,
 * rank 0 or 3, BigInt64Array, DataView, strings, junk). Well-formed data is neither valid nor invalid: that
 * depends on the model.
 */
export function data(widths: readonly number[], cells: readonly string[] = CELL, rows: fc.Arbitrary<number> = fc.integer({ min: 1, max: 5 })): fc.Arbitrary<Arg> {
  const table = fc.record({
    rows,
    width: fc.constantFrom(...widths),
    form: fc.constantFrom<Form>('rows', 'rows', 'flat', 'typed', 'tensor'),
    typed: fc.constantFrom(...TYPED),
    cells: fc.array(fc.constantFrom(...cells), { minLength: 25, maxLength: 25 }),
    bad: sometimes(fc.tuple(fc.nat(24), fc.constantFrom(...BAD_CELL)), 12),
  }).map(({ rows, width, form: drawn, typed, cells: c, bad }) => {
    // A flat array or typed array is one feature per sample: drawn for wider data, it is mostly rows instead.
    const form = width > 1 && (drawn === 'flat' || drawn === 'typed') && rows % 2 === 0 ? 'rows' : drawn;
    const w = form === 'flat' || form === 'typed' ? 1 : width;
    const cell = c.slice(0, rows * w);
    if (bad && bad[0] < cell.length) cell[bad[0]] = bad[1];
    const isInt = typed !== 'Float32Array' && typed !== 'Float64Array';
    const rowsCode = Array.from({ length: rows }, (_, r) => `[${cell.slice(r * w, (r + 1) * w).join(', ')}]`);
    const code = form === 'rows' ? `[${rowsCode.join(', ')}]`
      : form === 'flat' ? `[${cell.join(', ')}]`
        : form === 'typed' ? `new ${typed}([${cell.map((x) => (isInt ? show(Math.trunc(Number(x)) || 0) : x)).join(', ')}])`
          : `tensor(new Float32Array([${cell.join(', ')}]), [${rows}, ${w}])`;
    const nonFinite = bad && bad[0] < cell.length && !(form === 'typed' && isInt);
    return arg(code, nonFinite ? false : undefined, nonFinite ? `a ${bad[1]} in the data` : undefined);
  });
  const malformed = fc.constantFrom(
    ['tensor([0.5], [])', 'a rank-0 tensor'], ['tensor(new Float32Array(8), [2, 2, 2])', 'a rank-3 tensor'],
    ['[[0, 1], [1]]', 'ragged rows'], ['[]', 'no rows'], ['[[]]', 'an empty row'], ["[[0, '1']]", 'a string in the data'],
    ['[[0, 1], 2]', 'a number among rows'], ['new BigInt64Array([1n, 0n])', 'a BigInt64Array'], ['new DataView(new ArrayBuffer(8))', 'a DataView'],
    ['[null, 1]', 'null in the data'],
    ['((t) => { t.data[0] = NaN; return t; })(tensor([[0, 1], [1, 0]]))', 'a NaN written into a Tensor after it was made'],
  ).map(([code, why]) => arg(code!, false, why));
  const notData = junk.filter((c) => !c.startsWith('new Float32Array') && !c.startsWith('[')).map((c) => arg(c, false, 'not data'));
  return fc.oneof({ weight: 12, arbitrary: table }, { weight: 2, arbitrary: malformed }, { weight: 1, arbitrary: notData });
}

/** Source text of `values` nested as `shape` (row-major). */
function nest(values: readonly string[], shape: readonly number[]): string {
  if (shape.length === 1) return `[${values.join(', ')}]`;
  const step = values.length / shape[0]!;
  return `[${Array.from({ length: shape[0]! }, (_, i) => nest(values.slice(i * step, (i + 1) * step), shape.slice(1))).join(', ')}]`;
}

/** Sample shapes near `sample` that a model taking `sample` must refuse: axes swapped, dropped, added, flattened, shrunk. */
function wrongShapes(sample: readonly number[]): number[][] {
  const size = sample.reduce((a, b) => a * b, 1);
  return [[sample[1]!, sample[0]!, ...sample.slice(2)], sample.slice(0, -1), [...sample, 1], [size], [sample[0]! - 1, ...sample.slice(1)], [1, ...sample]]
    .filter((s) => s.join() !== sample.join());
}

/**
 * Images or sequences for a model whose samples are `sample`: nested arrays or a Tensor, mostly of that shape,
 * sometimes of another (which the model must refuse), sometimes with a non-finite value.
 */
export function images(sample: readonly number[], rows: fc.Arbitrary<number> = fc.integer({ min: 1, max: 3 })): fc.Arbitrary<Arg> {
  const wrong = wrongShapes(sample);
  const shapes = [...wrong.map(() => sample), ...wrong.map(() => sample), ...wrong];
  return fc.record({
    rows,
    shape: fc.constantFrom(...shapes),
    tensor: fc.boolean(),
    seed: fc.nat(50),
    bad: sometimes(fc.tuple(fc.nat(200), fc.constantFrom(...BAD_CELL)), 8),
  }).map(({ rows, shape, tensor, seed, bad }) => {
    const n = rows * shape.reduce((a, b) => a * b, 1);
    const cells = Array.from({ length: n }, (_, i) => CELL[(seed + i * 3 + (i >> 2)) % CELL.length]!);
    const nonFinite = bad !== null && bad[0] < n;
    if (nonFinite) cells[bad[0]] = bad[1];
    const code = tensor ? `tensor(new Float32Array([${cells.join(', ')}]), [${rows}, ${shape.join(', ')}])` : nest(cells, [rows, ...shape]);
    const other = shape !== sample;
    return arg(code, other || nonFinite ? false : undefined, other ? `samples of shape [${shape.join(', ')}]` : nonFinite ? `a ${bad![1]} in the data` : undefined);
  });
}

/** Inputs for model `k`: mostly as wide as its first layer (images or sequences of its sample shape). */
const inputs = (k: number, rows?: fc.Arbitrary<number>): fc.Arbitrary<Arg> => {
  const sample = WIDTHS[k]!.sample;
  if (sample) return fc.oneof({ weight: 8, arbitrary: images(sample, rows) }, { weight: 1, arbitrary: data([WIDTHS[k]!.inputs, 3], CELL, rows) });
  return data([WIDTHS[k]!.inputs, WIDTHS[k]!.inputs, WIDTHS[k]!.inputs, 1, 3], CELL, rows);
};
/** Inputs and targets for model `k`, mostly with as many rows each: class indices for the sparse model, 0/1 otherwise. */
const xy = (k: number): fc.Arbitrary<[Arg, Arg]> => fc.integer({ min: 1, max: 5 }).chain((r) => fc.tuple(
  inputs(k, fc.constant(r)),
  data([1, 1, WIDTHS[k]!.outputs, 2], WIDTHS[k]!.sparse ? LABEL.slice(0, WIDTHS[k]!.outputs + 1) : ['0', '1'], fc.oneof({ weight: 9, arbitrary: fc.constant(r) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) })),
));

/** As `xy`, with the number of samples drawn (the rows of x unless x is malformed), for weights that fit them. */
const xyr = (k: number): fc.Arbitrary<[Arg, Arg, number]> => fc.integer({ min: 1, max: 5 }).chain((r) => fc.tuple(
  inputs(k, fc.constant(r)),
  data([1, 1, WIDTHS[k]!.outputs, 2], WIDTHS[k]!.sparse ? LABEL.slice(0, WIDTHS[k]!.outputs + 1) : ['0', '1'], fc.oneof({ weight: 9, arbitrary: fc.constant(r) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) })),
  fc.constant(r),
));

// ───── callbacks ─────

/** Indices of the live models. */
const MODELS = WIDTHS.map((_, i) => i);
const model = fc.integer({ min: 0, max: MODELS.length - 1 });

/** A call a callback makes on a model; library errors are caught, anything else escapes. */
const nested = (k: number): fc.Arbitrary<string> => fc.oneof(
  inputs(k).map((x) => `m${k}.predict(${x.code})`),
  xy(k).map(([x, y]) => `m${k}.evaluate(${x.code}, ${y.code})`),
  fc.constantFrom(`m${k}.setWeights(m${k}.getWeights())`, `m${k}.setWeights([])`, `m${k}.dispose()`, `m${k}.add(new Dense(2))`,
    `m${k}.compile({ optimizer: 'sgd', loss: 'mse' })`, `m${k}.getWeights()`, `m${k}.summary({ printFn: () => {} })`,
    `m${k}.stopTraining = true`, `m${k}.optimizer && (m${k}.optimizer.learningRate = NaN)`),
  xy(k).map(([x, y]) => `background(m${k}.fit(${x.code}, ${y.code}, { epochs: 1, verbose: 0 }))`),
);

/** A hook: a function (that may throw, be async, or call into a model), or something that is not a function. */
const hook: fc.Arbitrary<{ code: string; valid: Validity; touches: number[] }> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('() => {}', 'async () => {}', "() => { throw new Error('boom'); }", "async () => { throw new Error('boom'); }").map((code) => ({ code, valid: true as Validity, touches: [] })) },
  { weight: 4, arbitrary: fc.oneof(...MODELS.map((k) => nested(k).map((op) => ({ code: `() => { try { ${op}; } catch (e) { if (!(e instanceof NeurasmError)) throw e; } }`, valid: true as Validity, touches: [k] })))) },
  { weight: 1, arbitrary: fc.constantFrom('null', 'undefined').map((code) => ({ code, valid: true as Validity, touches: [] })) },
  { weight: 2, arbitrary: fc.constantFrom('5', "'onEpochEnd'", '{}', 'true', '[]').map((code) => ({ code, valid: false as Validity, touches: [] })) },
);
const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'setModel'];

const earlyStoppingOptions = options({
  monitor: option(["'loss'", "'val_loss'", "'accuracy'", "'nope'"], string)('monitor'),
  minDelta: option(['0', '0.01', '-0.01'], finite)('minDelta'), // Keras ignores its sign
  patience: option(['0', '1', '2'], (v) => (safeInt(0)(v) ? true : nonNegative(v) ? undefined : false))('patience'),
  mode: option(["'auto'", "'min'", "'max'"], oneOf(['auto', 'min', 'max']))('mode'),
  baseline: option(['0.5', '1'], finite)('baseline'),
  restoreBestWeights: option(['true', 'false'], bool)('restoreBestWeights'),
  startFromEpoch: option(['0', '1'], safeInt(0))('startFromEpoch'),
  verbose: option(['0'], oneOf([0, 1]))('verbose'),
});

/** A callback: a built-in one or a plain object of hooks; `touches` are the models its hooks call into. */
interface CallbackArg { code: string; valid: Validity; why?: string; touches: number[] }
const callback: fc.Arbitrary<CallbackArg> = fc.oneof(
  earlyStoppingOptions.map((o): CallbackArg => ({ code: `new EarlyStopping(${o.code})`, valid: o.valid === false ? false : undefined, why: o.why, touches: [] })),
  fc.constant<CallbackArg>({ code: 'new TerminateOnNaN()', valid: undefined, touches: [] }),
  fc.uniqueArray(fc.tuple(fc.constantFrom(...HOOKS), hook), { minLength: 1, maxLength: 2, selector: ([name]) => name }).map((hooks): CallbackArg => ({
    code: `{ ${hooks.map(([name, h]) => `${name}: ${h.code}`).join(', ')} }`,
    valid: hooks.some(([, h]) => h.valid === false) ? false : undefined,
    why: hooks.some(([, h]) => h.valid === false) ? 'a hook that is not a function' : undefined,
    touches: hooks.flatMap(([, h]) => h.touches),
  })),
);

// ───── sample and class weights ─────

const WEIGHT = ['1', '0.5', '0', '2', '-0', '3'];
/** Sample weights for `r` samples: one per sample in several forms (fine), or the wrong count, a negative or non-finite weight, wrong types. */
const sampleWeightFor = (r: number): fc.Arbitrary<Arg> => fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.array(fc.constantFrom(...WEIGHT), { minLength: r, maxLength: r }), fc.nat(4)).map(([w, form]) => arg(
    [`[${w.join(', ')}]`, `new Float32Array([${w.join(', ')}])`, `[${w.map((x) => `[${x}]`).join(', ')}]`, `tensor([${w.join(', ')}])`, `new Uint8Array([${w.map((x) => Math.trunc(Number(x))).join(', ')}])`][form]!, true)) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(
    ['W1', 'one weight too many'], ['W-1', 'one weight too few'], ['[]', 'no weights'], ['NEG', 'a negative weight'], ['NAN', 'a NaN weight'], ['INF', 'an infinite weight'],
    ['BIG', 'a weight beyond float32'], ['PAIRS', 'two weights per sample'], ['STR', 'weights as strings'], ['5', 'a number as weights'], ["'1'", 'a string as weights'],
    ['{}', 'an object as weights'], ['{ length: 2 }', 'an array-like as weights'], ['new BigInt64Array(2)', 'a BigInt64Array as weights'], ['() => 1', 'a function as weights'],
    ['[[1, 2]]', 'two weights per sample'], ['tensor(new Float32Array(8), [2, 2, 2])', 'rank-3 weights'],
  ), fc.nat(r - 1)).filter(([[c]]) => !(c === 'W-1' && r === 1) && !((c === '[[1, 2]]') && false)).map(([[c, why], at]) => {
    const ones = Array.from({ length: r }, () => '1');
    const put = (v: string) => { const w = [...ones]; w[at] = v; return `[${w.join(', ')}]`; };
    const code = c === 'W1' ? `[${[...ones, '1'].join(', ')}]` : c === 'W-1' ? `[${ones.slice(1).join(', ')}]` : c === 'NEG' ? put('-1') : c === 'NAN' ? put('NaN')
      : c === 'INF' ? put('Infinity') : c === 'BIG' ? put('1e39') : c === 'PAIRS' ? `[${ones.map(() => '[1, 1]').join(', ')}]` : c === 'STR' ? `[${ones.map(() => "'1'").join(', ')}]` : c!;
    return arg(code, false, `sampleWeight: ${why}`);
  }) },
  { weight: 1, arbitrary: fc.constantFrom(arg('undefined', true), arg('null', true)) },
);

/** classWeight: class indices to weights (fine when they cover the labels, which the data decides), or malformed. */
const classWeight: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('{ 0: 1, 1: 2 }', '[1, 2]', '{ 0: 0.5, 1: 1, 2: 3 }', '[1, 1, 1]', '{ 1: 5 }', "{ '0': 0, '1': 1, 2: 0.5 }",
    'Object.assign(Object.create(null), { 0: 1, 1: 1, 2: 1 })', "{ 0: 1, 1: 1, 2: 1, [Symbol('s')]: 5 }", '{ 2: 1 }', '[0, 0, 0]').map((c) => arg(c, undefined)) },
  { weight: 3, arbitrary: fc.constantFrom(
    '{}', '[]', '{ a: 1 }', "{ '-1': 1, 0: 1 }", '{ 0: -1, 1: 1 }', '{ 0: NaN, 1: 1 }', "{ 0: '1', 1: 1 }", '{ 0: 1e39, 1: 1 }', "{ '01': 1, 1: 1 }", '{ 1.5: 1, 0: 1 }',
    '{ 0: { valueOf: () => 1 }, 1: 1 }', '{ 0: 1n, 1: 1 }', '[1, -1]', '[1, NaN]', '[1, , 2]', '[1, Infinity]', 'new Float32Array([1, 2])', 'new Map([[0, 1], [1, 1]])', '5', "'balanced'", 'true',
    '() => 1', 'Object.create({ 0: 1, 1: 1 })', "{ '-0': 1, 1: 1 }", '{ 0: null, 1: 1 }',
  ).map((c) => arg(c, false, `classWeight ${c}`)) },
  { weight: 1, arbitrary: fc.constantFrom(arg('undefined', true), arg('null', true)) },
);
const given = (a: Arg) => a.code !== 'undefined' && a.code !== 'null';

/** Options code with extra keys merged in: an object gets them, anything else is replaced by an object of them (its own validity dropped). */
function withKeys(o: Arg, extra: readonly (readonly [string, Arg])[]): { code: string; parts: Arg[] } {
  if (extra.length === 0) return { code: o.code, parts: [o] };
  const entries = extra.map(([k, a]) => `${k}: ${a.code}`).join(', ');
  const isObject = o.code.startsWith('{');
  const code = isObject ? (o.code === '{}' ? `{ ${entries} }` : `${o.code.slice(0, -2)}, ${entries} }`) : `{ ${entries} }`;
  return { code, parts: [isObject ? o : arg('{}', true), ...extra.map(([, a]) => a)] };
}

// ───── losses and metrics as objects ─────

const REDUCTION = option(["'sum_over_batch_size'", "'sum'", "'none'", "'mean'", "'SUM'", "'auto'"], oneOf(['sum_over_batch_size', 'sum', 'mean', 'none']))('reduction');
const lossName = option(["'my_loss'", "''"], string)('name');
const fromLogits = option(['true', 'false'], bool)('fromLogits');
const unit = (v: unknown): Validity => finite(v) && v >= 0 && v <= 1;
const labelSmoothing = option(['0', '0.1', '1', '1.5', '-0.1', 'NaN'], unit)('labelSmoothing');
const lossAxis = option(['-1', '1', '0', '-2'], oneOf([-1]))('axis');
/** Loss objects with options of any validity (the constructor refuses a bad one, so the whole expression throws). */
export const lossConstruction: fc.Arbitrary<{ api: string; code: string; valid: Validity; why?: string }> = fc.oneof(
  ...(['BinaryCrossentropy', 'CategoricalCrossentropy'] as const).map((c) => options({ fromLogits, labelSmoothing, reduction: REDUCTION, name: lossName, axis: lossAxis }).map((o) => newLayer(c, [o]))),
  options({ fromLogits, reduction: REDUCTION, axis: lossAxis,
    ignoreClass: option(['0', '1', '-1', '255', '0.5', '2 ** 24', '2 ** 25', "'0'"], (v) => Number.isInteger(v) && Math.abs(v as number) <= 2 ** 24)('ignoreClass') })
    .map((o) => newLayer('SparseCategoricalCrossentropy', [o])),
  options({ delta: option(['1', '0.5', '2', '0', '-1', 'NaN', '1e39', '1e-50'], positiveF32)('delta'), reduction: REDUCTION, name: lossName }).map((o) => newLayer('Huber', [o])),
  options({ alpha: option(['0.25', '0', '1', '1.5', '-0.25'], unit)('alpha'), gamma: option(['2', '0', '0.5', '-1', 'Infinity'], nonNegative)('gamma'),
    applyClassBalancing: option(['true', 'false'], bool)('applyClassBalancing'), fromLogits, labelSmoothing }).map((o) => newLayer('BinaryFocalCrossentropy', [o])),
  fc.constantFrom('MeanSquaredError', 'MeanAbsoluteError', 'LogCosh', 'Hinge', 'Poisson', 'KLDivergence').chain((c) => options({ reduction: REDUCTION, name: lossName }).map((o) => newLayer(c, [o]))),
);

interface MetricArg extends Arg { readonly name?: string }
const metricName = (dflt: string) => fc.constantFrom<[string, string]>(['', dflt], ["name: 'auc', ", 'auc'], ["name: 'm', ", 'm']);
const thresholds = option(['0.5', '[0.5]', '[0.25, 0.75]', '0', '1', '[]', '1.5', 'NaN', '[0.5, NaN]', "'0.5'"],
  (v) => (Array.isArray(v) ? v.length > 0 && v.every(unit) : unit(v)))('thresholds');
/** A Metric object, its name (what compile logs it as) and validity; one giving a value per threshold is refused by compile only. */
const metricObject = (forCompile: boolean): fc.Arbitrary<MetricArg> => fc.oneof(
  fc.tuple(fc.constantFrom('Precision', 'Recall'), options({ thresholds })).map(([c, o]) => {
    const t = o.valid === true && o.code.includes('thresholds: [') ? (valueOf(/thresholds: (\[[^\]]*\])/.exec(o.code)![1]!) as unknown[]) : [];
    const perThreshold = forCompile && t.length > 1;
    return { code: `new ${c}(${o.code})`, valid: perThreshold ? false : o.valid, why: perThreshold ? 'a metric with a value per threshold' : o.why, name: c.toLowerCase() };
  }),
  fc.tuple(metricName('auc'), options({
    numThresholds: option(['200', '2', '10', '1', '0', '2.5', '2 ** 24 + 1'], (v) => Number.isInteger(v) && (v as number) >= 2 && (v as number) <= 2 ** 24)('numThresholds'),
    curve: option(["'ROC'", "'PR'", "'pr'", "'roc2'"], (v) => typeof v === 'string' && ['ROC', 'PR'].includes(v.toUpperCase()))('curve'),
    summationMethod: option(["'interpolation'", "'minoring'", "'MAJORING'", "'trapezoid'"], (v) => typeof v === 'string' && ['interpolation', 'minoring', 'majoring'].includes(v.toLowerCase()))('summationMethod'),
    multiLabel: option(['true', 'false'], bool)('multiLabel'),
  })).map(([[n, name], o]) => {
    const code = n === '' || !o.code.startsWith('{') ? o.code : o.code === '{}' ? `{ ${n.slice(0, -2)} }` : `{ ${n}${o.code.slice(2)}`;
    return { code: `new AUC(${code})`, valid: o.valid, why: o.why, name: code.startsWith('{') && n !== '' ? name : 'auc' };
  }),
  options({ thresholds: option(['[0.5]', '[0.25, 0.5, 0.75]', '[0.3]', '[]', '[0.5, 2]'], (v) => Array.isArray(v) && ['0.5', '0.25,0.5,0.75'].includes(v.join()) && v.every(unit))('thresholds') })
    .map((o) => ({ code: `new AUC(${o.code})`, valid: o.valid, why: o.why, name: 'auc' })),
  options({ threshold: option(['0.5', '0', '1', '-1', '2', 'NaN', '1e39'], finite)('threshold') }).map((o) => ({ code: `new BinaryAccuracy(${o.code})`, valid: o.valid, why: o.why, name: 'binary_accuracy' })),
);
/** A metric in a compile list: a name (it is logged under it), a Metric object, or something that is neither. */
const metricItem: fc.Arbitrary<MetricArg> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('accuracy', 'acc', 'mse', 'mae', 'auc', 'AUC', 'precision', 'recall', 'binaryAccuracy', 'rmse', 'meanSquaredError').map((n) => ({ code: show(n), valid: undefined, name: n })) },
  { weight: 3, arbitrary: metricObject(true) },
  { weight: 1, arbitrary: fc.constantFrom("'f1'", "'top_k'", "'accuracyy'", '5', 'null', '{}', '() => 1', "{ name: 'auc' }", "{ class_name: 'AUC' }").map((c) => ({ code: c, valid: false, why: `metric ${c}` })) },
);
/** A metrics list: an array of metrics (two logged under one name are refused), no list, or not a list. */
const metricList = (key: string): fc.Arbitrary<Arg> => fc.oneof(
  { weight: 6, arbitrary: fc.array(metricItem, { maxLength: 3 }).map((ms) => {
    const v = all(ms);
    const names = ms.map((m) => m.name);
    const twice = v.valid !== false && names.some((n, i) => n !== undefined && names.indexOf(n) !== i);
    return arg(`[${ms.map((m) => m.code).join(', ')}]`, twice ? false : v.valid, twice ? `a metric listed twice in ${key}` : v.why);
  }) },
  { weight: 1, arbitrary: fc.constantFrom(arg('undefined', true), arg('null', true)) },
  { weight: 1, arbitrary: fc.constantFrom("'accuracy'", '{}', '5', "new Set(['mse'])").map((c) => arg(c, false, `${key} not an array`)) },
);

// ───── the calls of a model ─────

const fitOptions = (k: number, r: number) => fc.tuple(
  options({
    // NOTE: 2 ** 31 epochs are valid but never end: fast-check's time limit then abandons the sequence mid-fit,
    // leaving that fit to run (muted) through every later sequence. Huge counts are drawn as refused values only.
    epochs: option(['0', '1', '2', '3'], safeInt(0))('epochs').filter((a) => a.code !== '2 ** 31' && a.code !== '2 ** 53'),
    batchSize: option(['1', '2', '3', '32', '2 ** 31'], safeInt(1))('batchSize'),
    shuffle: option(['true', 'false'], bool)('shuffle'),
    validationSplit: option(['0.25', '0.5', '0.5', '1'], (v) => finite(v) && v > 0 && v < 1 ? undefined : false)('validationSplit'),
    initialEpoch: option(['0', '1'], safeInt(0))('initialEpoch'),
    verbose: option(['0', '0', '2'], oneOf([0, 1, 2]))('verbose'),
  }),
  sometimes(fc.oneof(
    { weight: 3, arbitrary: xy(k).map(([x, y]) => ({ code: `[${x.code}, ${y.code}]`, ...all([x, y]) })) },
    { weight: 2, arbitrary: xyr(k).chain(([x, y, vr]) => sampleWeightFor(vr).map((w) => ({ code: `[${x.code}, ${y.code}, ${w.code}]`, ...all([x, y, w]) }))) },
    { weight: 1, arbitrary: fc.tuple(inputs(k), fc.constantFrom('[X]', '[X, undefined]', '[X, null]', '[undefined, X]', '[X, X, X, X]', '5', '{}')).map(([x, shape]) => ({ code: shape.replaceAll('X', x.code), valid: false as Validity, why: `validationData ${shape}` })) },
  ), 4),
  sometimes(fc.array(callback, { minLength: 1, maxLength: 2 }), 2),
  // Weights: sampleWeight (one per sample), classWeight, or both (which Keras refuses).
  sometimes(fc.oneof(
    sampleWeightFor(r).map((w) => [['sampleWeight', w]] as [string, Arg][]),
    classWeight.map((c) => [['classWeight', c]] as [string, Arg][]),
    fc.tuple(sampleWeightFor(r), classWeight).map(([w, c]) => [['sampleWeight', w], ['classWeight', c]] as [string, Arg][]),
  ), 2),
).map(([o, vd, cbs, weights]) => {
  const both = weights !== null && weights.length === 2 && given(weights[0]![1]) && given(weights[1]![1]);
  const w = (weights ?? []).map(([key, a]) => (both && a.valid !== false ? [key, arg(a.code, false, 'sampleWeight and classWeight together')] : [key, a]) as [string, Arg]);
  const extra = [...(vd ? [`validationData: ${vd.code}`] : []), ...(cbs ? [`callbacks: [${cbs.map((c) => c.code).join(', ')}]`] : []), ...w.map(([key, a]) => `${key}: ${a.code}`)];
  // Only an object gets the extra keys: validationData and callbacks join whatever options were drawn.
  const isObject = o.code.startsWith('{');
  const code = extra.length === 0 ? o.code : isObject ? (o.code === '{}' ? `{ ${extra.join(', ')} }` : `${o.code.slice(0, -2)}, ${extra.join(', ')} }`) : `{ ${extra.join(', ')} }`;
  const parts: Arg[] = [isObject || extra.length === 0 ? o : arg('{}', true), ...(vd ? [arg(vd.code, vd.valid, vd.why)] : []), ...(cbs ?? []).map((c) => arg(c.code, c.valid, c.why)), ...w.map(([, a]) => a)];
  return { code, ...all(parts), touches: (cbs ?? []).flatMap((c) => c.touches) };
});

const batchOptions = (returnDict: boolean) => options({
  batchSize: option(['1', '2', '1024'], safeInt(1))('batchSize'),
  ...(returnDict ? { returnDict: option(['true', 'false'], bool)('returnDict') } : {}),
});

/** Weights to set on model `k`: its own (valid), another model's, altered copies, or junk. */
const weightsFor = (k: number): fc.Arbitrary<Arg> => fc.oneof(
  fc.constantFrom(`m${k}.getWeights()`, `m${k}.getWeights().map((w) => w.toArray())`).map((c) => arg(c, undefined)),
  model.map((j) => arg(`m${j}.getWeights()`, undefined)),
  fc.constantFrom(
    [`m${k}.getWeights().map((w) => tensor(w.data.map(() => NaN), w.shape))`, 'NaN weights'],
    [`m${k}.getWeights().map((w) => tensor(w.data.map(() => 1e39), w.shape))`, 'weights beyond float32'],
    [`m${k}.getWeights().slice(1)`, 'too few weights'],
    [`[...m${k}.getWeights(), tensor([1])]`, 'too many weights'],
  ).map(([c, why]) => arg(c!, false, why)),
  junk.filter((c) => c !== '[]').map((c) => arg(c, false, 'weights not a list')),
);

/** Optimizers with valid settings (options drawn one by one are mostly invalid somewhere): every rule, schedules, EMA, accumulation. */
const VALID_OPTIMIZERS = [
  'new Adagrad()', 'new Adadelta({ learningRate: 1 })', 'new Adamax({ learningRate: 0.01 })', 'new Nadam({ useEma: true, emaMomentum: 0.5 })',
  'new Lion({ learningRate: 1e-3, weightDecay: 0.01 })', 'new Ftrl({ learningRate: 0.1, l1RegularizationStrength: 0.01, beta: 0.5, l2ShrinkageRegularizationStrength: 0.1 })',
  'new Adam({ amsgrad: true, gradientAccumulationSteps: 2 })', 'new RMSprop({ centered: true, momentum: 0.5 })', 'new AdamW({ weightDecay: 0.1, useEma: true, emaOverwriteFrequency: 2 })',
  'new SGD({ learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5, staircase: true }) })',
  'new Adam({ learningRate: new CosineDecay({ initialLearningRate: 0.01, decaySteps: 3, warmupTarget: 0.02, warmupSteps: 2 }) })',
  'new Nadam({ learningRate: new CosineDecay({ initialLearningRate: 0, decaySteps: 1 }), gradientAccumulationSteps: 3, useEma: true })',
  // A schedule that grows past float32 after a few steps.
  'new SGD({ learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0.5, decayRate: 1e10 }) })',
];
const compileOptions = (k: number) => options({
  optimizer: fc.oneof(
    option(OPTIMIZER_NAMES.map(show).concat("'adamx'"), oneOf(OPTIMIZER_NAMES))('optimizer'),
    fc.constantFrom(...VALID_OPTIMIZERS).map((c) => arg(c, undefined)),
    fc.oneof(...Object.entries(OPTIMIZERS).map(([name, o]) => o.map((a) => arg(`new ${name}(${a.code})`, a.valid === false ? false : undefined, a.why)))),
    fc.constantFrom(...MODELS.filter((j) => j !== k)).map((j) => arg(`m${j}.optimizer`, undefined)),
  ),
  loss: fc.oneof(
    { weight: 2, arbitrary: param(LOSSES.map(show).concat("'hingee'"), oneOf(LOSSES), 'loss') },
    { weight: 1, arbitrary: lossConstruction.map((l) => arg(l.code, l.valid === false ? false : undefined, l.why)) },
    // A class-index model: rows labelled with the ignored class count for nothing (all of them, sometimes).
    ...(WIDTHS[k]!.sparse ? [{ weight: 1, arbitrary: fc.tuple(fc.constantFrom('0', '1', '2'), fc.boolean()).map(([c, logits]) => arg(`new SparseCategoricalCrossentropy({ ignoreClass: ${c}${logits ? ', fromLogits: true' : ''} })`, undefined)) }] : []),
  ),
  metrics: fc.oneof(
    option(["['accuracy']", '[]', "['mse', 'mae']", "['acc', 'accuracy']", "['f1']", "'accuracy'", "['mse', 'mse']"],
      (v) => (Array.isArray(v) && v.every((m) => METRICS.includes(m)) && new Set(v).size === v.length ? undefined : false))('metrics'),
    metricList('metrics'),
  ),
  weightedMetrics: metricList('weightedMetrics'),
}, undefined, true);
/** compile's options with a loss nine times in ten (without one, compile is refused). */
const compileWithLoss = (k: number): fc.Arbitrary<Arg> => fc.tuple(compileOptions(k), fc.nat(9), fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...LOSSES).map((l) => arg(show(l), true)) },
  { weight: 1, arbitrary: lossConstruction.map((l) => arg(l.code, l.valid === false ? false : undefined, l.why)) },
  ...(WIDTHS[k]!.sparse ? [{ weight: 1, arbitrary: fc.constantFrom('0', '1', '2').map((c) => arg(`new SparseCategoricalCrossentropy({ ignoreClass: ${c} })`, undefined)) }] : []),
)).map(([o, n, loss]) => {
  if (n === 0 || o.code.includes('loss: ') || !o.code.startsWith('{')) return o;
  const merged = withKeys(o, [['loss', loss]]);
  const v = all(merged.parts);
  return arg(merged.code, v.valid === false ? false : undefined, v.why);
});

const saveTarget = fc.constantFrom('', 'undefined', "'nope://x'", "'indexeddb://m'", "'localstorage://m'", "'downloads://m'", '5', 'null');
const loadOptions = options({
  maxBytes: option(['1024', '2 ** 30', '0', '-1', '1.5'], (v) => (safeInt(1)(v) ? ((v as number) >= 2 ** 30 ? true : undefined) : false))('maxBytes'),
  seed: option(['0', '1'], safeInt(0))('seed'),
});

/** Saved artifacts, whole (valid) or damaged (invalid). */
const artifacts = fc.oneof(
  { weight: 2, arbitrary: fc.constant(arg('saved', true)) },
  { weight: 3, arbitrary: fc.constantFrom(
    ['{ ...saved, weightData: saved.weightData.slice(0, 8) }', 'truncated weight data'],
    ['{ ...saved, weightData: new Float32Array(new Float32Array(saved.weightData).map(() => NaN)).buffer }', 'NaN weights'],
    ['{ ...saved, weightSpecs: saved.weightSpecs.map((s) => ({ ...s, shape: [1, ...s.shape] })) }', 'wrong shapes'],
    ['{ ...saved, weightSpecs: saved.weightSpecs.slice(1) }', 'a weight spec missing'],
    ['{ ...saved, weightSpecs: saved.weightSpecs.map((s) => ({ ...s, dtype: "int32" })) }', 'int32 weights'],
    ['{ ...saved, modelTopology: { ...saved.modelTopology, class_name: "Model" } }', 'not Sequential'],
    ['{ ...saved, modelTopology: { ...saved.modelTopology, config: { layers: [] } } }', 'no layers'],
    ['JSON.parse(JSON.stringify(saved))', 'weightData lost by JSON'],
    ['{ ...saved, trainingConfig: { ...saved.trainingConfig, loss: 5 } }', 'loss not a name'],
    ['{ ...saved, weightData: [saved.weightData, new ArrayBuffer(4)] }', 'extra bytes'],
  ).map(([c, why]) => arg(c!, false, why)) },
  { weight: 1, arbitrary: junk.map((c) => arg(c, false, 'not artifacts')) },
);

/** The calls on model `k` (and the calls that start from it: save, load, toJSON). */
function modelCalls(k: number): fc.Arbitrary<Call> {
  const m = `m${k}`;
  // Whether a model accepts an argument depends on the model: only invalid arguments are known.
  const on = (api: string, expr: string, args: readonly Arg[], extra: Partial<Call> = {}): Call => {
    const v = all(args);
    return { api: `Sequential.${api}`, expr, mode: 'sync', on: k, touches: [], valid: v.valid === false ? false : undefined, why: v.why, ...extra };
  };
  const hasLayer = (i: number) => (w: { models: readonly { layers: readonly unknown[] }[] }) => w.models[k]!.layers.length > i;
  const calls: [number, fc.Arbitrary<Call>][] = [
    [2, layer.map((l) => on('add', `${m}.add(${l.code})`, [l]))],
    [2, compileWithLoss(k).map((o) => on('compile', `${m}.compile(${o.code})`, [o]))],
    [6, xyr(k).chain(([x, y, r]) => fc.tuple(fc.constant([x, y] as const), fitOptions(k, r), fc.boolean())).map(([[x, y], o, wait]) => on('fit',
      wait ? `${m}.fit(${x.code}, ${y.code}, ${o.code})` : `background(${m}.fit(${x.code}, ${y.code}, ${o.code}))`,
      [x, y, arg(o.code, o.valid, o.why)], { mode: wait ? 'await' : 'sync', touches: o.touches, ...(wait ? { post: 'finiteLoss' } : { background: true }) }))],
    [3, xyr(k).chain(([x, y, r]) => fc.tuple(fc.constant([x, y] as const), batchOptions(true), sometimes(sampleWeightFor(r), 3))).map(([[x, y], o, w]) => {
      const merged = withKeys(o, w ? [['sampleWeight', w]] : []);
      return on('evaluate', `${m}.evaluate(${x.code}, ${y.code}, ${merged.code})`, [x, y, ...merged.parts], { pure: true, post: 'finiteLoss' });
    })],
    [3, fc.tuple(inputs(k), batchOptions(false)).map(([x, o]) => on('predict', `${m}.predict(${x.code}, ${o.code})`, [x, o], { pure: true, post: 'copies' }))],
    [2, weightsFor(k).map((w) => on('setWeights', `${m}.setWeights(${w.code})`, [w]))],
    [1, fc.constant(on('getWeights', `${m}.getWeights()`, [], { pure: true, post: 'copies' }))],
    [WIDTHS[k]!.sample ? 3 : 1, fc.tuple(fc.nat(WIDTHS[k]!.sample ? 7 : 2), weightsFor(k)).map(([i, w]) => on('layers[i].setWeights', `${m}.layers[${i}].setWeights(${w.code.replaceAll(`${m}.getWeights()`, `${m}.layers[${i}].getWeights()`)})`,
      // A layer without weights takes an empty list, so only a non-list is wrong for every layer.
      [arg(w.code, w.why === 'weights not a list' ? false : undefined, w.why)], { when: hasLayer(i) }))],
    [1, fc.nat(WIDTHS[k]!.sample ? 7 : 2).map((i) => on('layers[i].getWeights', `${m}.layers[${i}].getWeights()`, [], { pure: true, post: 'copies', when: hasLayer(i) }))],
    [1, param(['0', '1', '2', "'dense'", "'hidden'"], () => undefined, 'getLayer').map((a) => on('getLayer', `${m}.getLayer(${a.code})`, [a], { pure: true }))],
    [1, options({ printFn: option(['() => {}'], (v) => typeof v === 'function')('printFn') }).map((o) => on('summary', `${m}.summary(${o.code})`, [o], { pure: true }))],
    [1, fc.constantFrom('countParams()', 'toJSON()', 'metricsNames', 'layers.length').map((c) => on(c.replace(/\(.*|\..*/, ''), `${m}.${c}`, [], { pure: true }))],
    [1, fc.constant(on('dispose', `${m}.dispose()`, []))],
    // Whether assigning a bad rate throws or fit refuses it later is the library's choice; a good one must stick.
    [2, param(LEARNING_RATES, positive, 'learningRate').map((lr) => on('optimizer.learningRate =', `${m}.optimizer.learningRate = ${lr.code}`, [lr],
      { when: (w) => w.models[k]!.optimizer !== undefined && w.models[k]!.optimizer!.learningRateSchedule === undefined, valid: lr.valid === false ? undefined : lr.valid }))],
    // As in Keras, a number cannot replace a schedule.
    [1, param(LEARNING_RATES, positive, 'learningRate').map((lr) => on('optimizer.learningRate =', `${m}.optimizer.learningRate = ${lr.code}`, [lr],
      { when: (w) => w.models[k]!.optimizer?.learningRateSchedule !== undefined, valid: false, why: 'a number replacing a schedule' }))],
    [2, fc.tuple(saveTarget, options({ includeOptimizer: option(['true', 'false'], bool)('includeOptimizer') })).map(([target, o]) =>
      on('save', `${m}.save(${target === '' ? '' : `${target}, ${o.code}`})`, target === '' ? [] : target === 'undefined' ? [o] : [o, arg(target, false, 'save target')],
        { mode: 'await', bind: 'saved', pure: true }))],
    [2, fc.tuple(artifacts, loadOptions).map(([a, o]) => ({ api: 'loadModel', expr: `loadModel(${a.code}, ${o.code})`, mode: 'await', bind: 'loaded',
      when: (w) => w.vars.saved !== undefined, touches: [], ...all([a, o]), ...(a.code === 'saved' ? { post: 'roundTrip' } : {}) }) as Call)],
    [1, fc.tuple(fc.constantFrom(`${m}.toJSON()`, `JSON.stringify(${m}.toJSON())`, `{ ...${m}.toJSON(), class_name: 'Functional' }`, `JSON.stringify(${m}.toJSON()).slice(0, 40)`), loadOptions).map(([j, o]) => {
      const damaged = j.includes('class_name') || j.includes('slice');
      return { api: 'modelFromJSON', expr: `modelFromJSON(${j}, ${o.code})`, mode: 'sync', bind: 'loaded', touches: [], valid: damaged || o.valid === false ? false : undefined, why: damaged ? 'damaged topology' : o.why } as Call;
    })],
  ];
  return fc.oneof(...calls.map(([weight, arbitrary]) => ({ weight, arbitrary })));
}

const callsOn = MODELS.map(modelCalls);

/** Any call on a live model, or a pause that lets background fits run. */
export const modelCall: fc.Arbitrary<Call> = fc.oneof(
  { weight: 20, arbitrary: fc.oneof(...callsOn) },
  { weight: 1, arbitrary: fc.constantFrom<Call>(
    { api: 'settle', expr: 'settle()', mode: 'await', touches: [], valid: true },
    { api: 'tick', expr: 'new Promise((resolve) => setImmediate(resolve))', mode: 'await', touches: [], valid: true },
  ) },
);

// ───── whole pipelines that must work ─────

/** Layers valid between two Dense layers (rank-2 activations): whatever they are given, a model of them must train. */
const HIDDEN_LAYERS = [
  'new ReLU()', 'new ReLU({ maxValue: 6, negativeSlope: 0.1, threshold: 0.5 })', 'new LeakyReLU()', 'new ELU({ alpha: 0.5 })', 'new Softmax()', 'new Softmax({ axis: 1 })',
  'new PReLU()', "new PReLU({ alphaInitializer: 'ones', alphaRegularizer: 'l2' })", 'new PReLU({ sharedAxes: [1] })', 'new GaussianNoise(0.1)', 'new GaussianNoise(1, { seed: 3 })',
  'new GaussianDropout(0.3)', 'new AlphaDropout(0.2)', 'new AlphaDropout(0.5, { noiseShape: [null, 1], seed: 1 })', 'new Dropout(0.5, { noiseShape: [null, 1] })',
  'new Dropout(0.3, { seed: 9 })', 'new Dropout(0.99, { noiseShape: [1, null] })', 'new ActivityRegularization({ l1: 0.01, l2: 0.01 })',
  "new Dense(2, { kernelConstraint: 'max_norm', biasConstraint: new MaxNorm({ maxValue: 0.5 }) })", "new Dense(3, { activityRegularizer: 'l2', activation: 'relu' })",
  'new Dense(2, { kernelInitializer: new Orthogonal(), kernelConstraint: new UnitNorm() })', "new Dense(2, { kernelInitializer: new RandomNormal({ stddev: 0.5 }), biasConstraint: 'non_neg' })",
  "new Dense(3, { kernelInitializer: new VarianceScaling({ scale: 2, mode: 'fan_avg' }), activityRegularizer: { l1: 0.1 }, kernelConstraint: new MinMaxNorm({ minValue: 0.5, maxValue: 1, rate: 0.5 }) })",
  "new Dense(2, { kernelInitializer: new Identity(), biasInitializer: new Constant({ value: 0.1 }), kernelConstraint: 'non_neg' })",
];
const BINARY_LOSSES = ["'binaryCrossentropy'", 'new BinaryCrossentropy({ labelSmoothing: 0.1 })', 'new BinaryFocalCrossentropy({ alpha: 0.25, gamma: 2, applyClassBalancing: true })',
  'new Huber({ delta: 0.5 })', "'mse'", 'new BinaryCrossentropy({ reduction: "sum" })', 'new Poisson()', 'new LogCosh()', "'hinge'"];
const BINARY_METRICS = ["'accuracy'", 'new AUC({ numThresholds: 10 })', 'new Precision()', 'new BinaryAccuracy({ threshold: 0.3 })', "'AUC'", "'recall'", "new AUC({ curve: 'PR', name: 'pr' })", "'mse'"];
const SPARSE_LOSSES = ["'sparseCategoricalCrossentropy'", 'new SparseCategoricalCrossentropy({ ignoreClass: 2 })', 'new SparseCategoricalCrossentropy({ ignoreClass: 0 })'];
const SPARSE_METRICS = ["'accuracy'", "'sparseCategoricalAccuracy'", "'acc'"];

/**
 * A fresh model of valid pieces, compiled and fitted with valid weights and validation triples, then evaluated
 * with sample weights: every step must succeed and log numbers (an Error that is no NeurasmError is a finding).
 */
const pipeline: fc.Arbitrary<Call> = fc.record({
  sparse: fc.boolean(),
  hidden: fc.array(fc.constantFrom(...HIDDEN_LAYERS), { minLength: 1, maxLength: 3 }),
  lossIndex: fc.nat(8),
  metrics: fc.uniqueArray(fc.nat(7), { maxLength: 2 }),
  weighted: fc.uniqueArray(fc.nat(7), { maxLength: 2 }),
  optimizer: fc.constantFrom(...VALID_OPTIMIZERS.slice(0, -1), "'adam'", "'rmsprop'"),
  rows: fc.integer({ min: 2, max: 6 }),
  weights: fc.constantFrom('sampleWeight', 'classWeight', 'none'),
  batchSize: fc.integer({ min: 1, max: 4 }),
  seed: fc.nat(20),
}).map(({ sparse, hidden, lossIndex, metrics, weighted, optimizer, rows, weights, batchSize, seed }) => {
  const losses = sparse ? SPARSE_LOSSES : BINARY_LOSSES;
  const pool = sparse ? SPARSE_METRICS : BINARY_METRICS;
  const names = (ix: number[]) => `[${[...new Set(ix.map((i) => pool[i % pool.length]!))].join(', ')}]`;
  const x = `[${Array.from({ length: rows }, (_, r) => `[${CELL[(seed + r) % CELL.length]}, ${CELL[(seed + 3 * r + 1) % CELL.length]}]`).join(', ')}]`;
  const y = `[${Array.from({ length: rows }, (_, r) => (sparse ? (seed + r) % 3 : (seed + r) % 2)).join(', ')}]`;
  const w = `[${Array.from({ length: rows }, (_, r) => WEIGHT[(seed + r) % WEIGHT.length]).join(', ')}]`;
  const fitWeights = weights === 'sampleWeight' ? `, sampleWeight: ${w}` : weights === 'classWeight' ? (sparse ? ', classWeight: { 0: 1, 1: 2, 2: 0.5 }' : ', classWeight: [1, 3]') : '';
  const code = `(async () => {
    const m = new Sequential([new Dense(3, { inputDim: 2 }), ${hidden.join(', ')}, new Dense(${sparse ? "3, { activation: 'softmax' }" : "1, { activation: 'sigmoid' }"})], { seed: ${seed} });
    m.compile({ optimizer: ${optimizer}, loss: ${losses[lossIndex % losses.length]}, metrics: ${names(metrics)}, weightedMetrics: ${names(weighted)} });
    const h = await m.fit(${x}, ${y}, { verbose: 0, epochs: 2, batchSize: ${batchSize}${fitWeights}, validationData: [${x}, ${y}, ${w}] });
    const e = m.evaluate(${x}, ${y}, { sampleWeight: ${w}, returnDict: true });
    const bad = [...Object.entries(h.history).map(([k, v]) => [k, v.find((n) => !Number.isFinite(n))]), ...Object.entries(e)].find(([, v]) => v !== undefined && !Number.isFinite(v));
    if (bad || !m.getWeights().every((t) => t.data.every(Number.isFinite))) throw new Error('not finite: ' + (bad ? bad[0] + ' ' + bad[1] : 'weights'));
    return m;
  })()`;
  return { api: 'pipeline', expr: code.replace(/\n\s*/g, ' '), mode: 'await', bind: 'loaded', touches: [], valid: true } as Call;
});

// ───── functions and constructors outside models ─────

const shapeArg = fc.constantFrom('', ', [2, 2]', ', [4]', ', [4, 1]', ', []', ', [1]', ', [2, 3]', ', [1, 1, 4]', ", '2'", ', [2.5]', ', [-1, -4]', ', null', ', [NaN]', ', [2, 2, 1]');
const TENSOR_LIKE = [Float32Array, Float64Array, Int32Array, Uint8Array];
/** Malformed data that `tensor()` itself may still take (it is the models that need rows of features). */
const TENSOR_MAY_TAKE = ['no rows', 'an empty row', 'a rank-0 tensor', 'a rank-3 tensor', 'a BigInt64Array'];

/** Whether `tensor(values, shape)` must succeed (true), must fail (false), or may do either. */
function tensorValidity(values: Arg, shape: string): { valid: Validity; why?: string } {
  if (values.valid === false) return TENSOR_MAY_TAKE.includes(values.why!) ? { valid: undefined } : { valid: false, why: values.why };
  if (values.code.startsWith('tensor(')) return { valid: undefined };
  const v = valueOf(values.code);
  const size = Array.isArray(v) ? (Array.isArray(v[0]) ? v.length * (v[0] as unknown[]).length : v.length) : ArrayBuffer.isView(v) ? (v as unknown as ArrayLike<number>).length : -1;
  const wellTyped = Array.isArray(v) || TENSOR_LIKE.some((T) => v instanceof T);
  if (size < 0) return { valid: false, why: 'not data' };
  if (shape === ', null') return { valid: undefined };
  const s = shape === '' ? undefined : valueOf(shape.slice(2));
  if (s === undefined) return { valid: wellTyped ? true : undefined };
  if (!Array.isArray(s) || s.some((d) => !Number.isSafeInteger(d) || d < 0) || s.reduce((a: number, b: number) => a * b, 1) !== size) return { valid: false, why: `shape${shape}` };
  return { valid: wellTyped && (s.length === 1 || s.length === 2) ? true : undefined };
}

const indexArg = fc.constantFrom('0', '1', '2', '-1', '0.5', 'NaN', "'1'", '1n', 'undefined', "Symbol('i')", '10', '-0');
const plain = (api: string, expr: string, v: { valid: Validity; why?: string }, extra: Partial<Call> = {}): Call => ({ api, expr, mode: 'sync', touches: [], ...v, ...extra });
const tensorBound = { when: (w: { vars: { t?: unknown } }) => w.vars.t !== undefined };

/** Calls of the functions and constructors that need no model. */
export const functionCall: fc.Arbitrary<Call> = fc.oneof(
  fc.tuple(data([1, 2, 4]), shapeArg).map(([v, s]) => plain('tensor', `tensor(${v.code}${s})`, tensorValidity(v, s), { bind: 't', post: 'tensor' })),
  fc.tuple(indexArg, fc.option(indexArg)).map(([i, j]) => plain('Tensor.get', `t.get(${i}${j === null ? '' : `, ${j}`})`, { valid: undefined }, tensorBound)),
  fc.constantFrom('toArray()', 'toString()', 'shape', 'data', 'size').map((p) => plain(`Tensor.${p.replace('()', '')}`, `t.${p}`, { valid: true }, tensorBound)),
  fc.tuple(data([1], LABEL), param(['1', '2', '3', '2 ** 40', '2 ** 31'], safeInt(1), 'numClasses')).map(([l, n]) => {
    const bad = (l.valid === false && !TENSOR_MAY_TAKE.includes(l.why!)) || n.valid === false;
    return plain('oneHot', `oneHot(${l.code}, ${n.code})`, { valid: bad ? false : undefined, why: bad ? (n.why ?? l.why) : undefined });
  }),
  fc.tuple(data([2]), data([1], LABEL), options({
    testSize: option(['0.25', '0.5', '0', '1', '1.5'], (v) => (finite(v) && v > 0 && v < 1 ? undefined : false))('testSize'),
    shuffle: option(['true', 'false'], bool)('shuffle'),
    seed: option(['0', '7', '-1', '0.5'], safeInt(0))('seed'),
  })).map(([x, y, o]) => {
    // Splitting works along the first axis of any rank (as scikit-learn's does): only data malformed otherwise is wrong.
    const v = all([x, y, o]);
    const ok = v.valid === false && (v.why === 'a rank-3 tensor') ? { valid: undefined } : v;
    return plain('trainTestSplit', `trainTestSplit(${x.code}, ${y.code}, ${o.code})`, ok, { post: 'split', inputs: `[${x.code}, ${y.code}]` });
  }),
  fc.constantFrom("new ShapeError('bad shape')", "new ValueError('v')", "new StateError('s')", "new NeurasmError('n')", 'new TypeError()', "'text'", 'null', 'undefined', '{}', '5').map((e) =>
    plain('errorToData', `errorFromData(errorToData(${e}))`, { valid: true }, { post: 'errorRoundTrip' })),
  fc.constantFrom("{ name: 'ShapeError', message: 'm' }", "{ name: 'constructor', message: 'm' }", "{ name: '__proto__', message: 'm' }", '{}', 'null', 'undefined', "'ShapeError'", '5', '{ name: 5, message: {} }').map((d) =>
    plain('errorFromData', `errorFromData(${d})`, { valid: d.startsWith("{ name: '") ? true : undefined })),
  layerConstruction.map((l) => plain(l.api, l.code, l)),
  { weight: 3, arbitrary: convLayerConstruction.map((l) => plain(l.api, l.code, l)) },
  { weight: 3, arbitrary: advancedLayerConstruction.map((l) => plain(l.api, l.code, l)) },
  { weight: 2, arbitrary: pipeline },
  lossConstruction.map((l) => plain(l.api, l.code, l)),
  metricObject(false).map((m) => plain(m.code.replace(/\(.*$/s, ''), m.code, m)),
  scheduleConstruction.map((a) => plain(a.code.replace(/\(.*$/s, ''), a.code, a)),
  { weight: 2, arbitrary: imageStack.map((s) => plain('new Sequential', s.code, s, { bind: 'loaded' })) },
  // Round trips of the image models, fresh in these sequences: what is loaded predicts the very same bits.
  fc.constantFrom(3, 4).chain((k) => fc.constantFrom<Call>(
    plain('modelFromJSON', `modelFromJSON(m${k}.toJSON())`, { valid: true }, { bind: 'loaded' }),
    plain('modelFromJSON', `modelFromJSON(JSON.parse(JSON.stringify(m${k}.toJSON())))`, { valid: true }, { bind: 'loaded' }),
    plain('Sequential.save', `m${k}.save()`, { valid: true }, { mode: 'await', bind: 'saved', on: k, pure: true }),
    plain('loadModel', `m${k}.save().then((s) => loadModel(s))`, { valid: true }, { mode: 'await', bind: 'loaded', post: 'samePredictions', inputs: `m${k}` }),
    plain('loadModel', `loadModel(JSON.parse(JSON.stringify({ ...saved, weightData: [...new Float32Array(saved.weightData)] })))`, { valid: undefined }, { mode: 'await', bind: 'loaded', when: (w) => w.vars.saved !== undefined }),
    plain('Sequential.setWeights', `m${k}.setWeights(m${k}.getWeights())`, { valid: true }, { on: k }),
    plain('Sequential.fit', `m${k}.fit(${k === 3 ? 'tensor(new Float32Array(80).map((_, i) => (i % 7) / 3 - 1), [2, 5, 4, 2]), [0, 1]' : 'tensor(new Float32Array(36).map((_, i) => (i % 5) / 2 - 1), [2, 6, 3]), [[0.5], [-1]]'}, { verbose: 0, epochs: 2, batchSize: 1 })`, { valid: true }, { mode: 'await', on: k }),
  )),
  fc.constantFrom<Call>(
    plain('Sequential.compile', "loaded.compile({ optimizer: 'adam', loss: 'mse' })", { valid: undefined }, { onLoaded: true, when: (w) => w.vars.loaded !== undefined }),
    plain('Sequential.predict', 'loaded.predict(tensor(new Float32Array(loaded.layers[0].inputShape.slice(1).reduce((a, b) => a * b, 2)), [2, ...loaded.layers[0].inputShape.slice(1)]))', { valid: undefined }, { onLoaded: true, pure: true, post: 'copies', when: (w) => w.vars.loaded !== undefined }),
    plain('Sequential.fit', 'loaded.fit(tensor(new Float32Array(loaded.layers[0].inputShape.slice(1).reduce((a, b) => a * b, 2)).fill(0.5), [2, ...loaded.layers[0].inputShape.slice(1)]), tensor(new Float32Array(loaded.layers.at(-1).outputShape.slice(1).reduce((a, b) => a * b, 2)), [2, ...loaded.layers.at(-1).outputShape.slice(1)]), { verbose: 0, epochs: 2 })', { valid: undefined }, { mode: 'await', onLoaded: true, when: (w) => w.vars.loaded !== undefined }),
    plain('modelFromJSON', 'modelFromJSON(loaded.toJSON())', { valid: undefined }, { bind: 'loaded', when: (w) => w.vars.loaded !== undefined }),
    // Weights per sample, per step of a sequence output ([2, steps]), per class; all-zero weights.
    ...["{ sampleWeight: [1, 0.5] }", '{ sampleWeight: tensor(new Float32Array(loaded.layers.at(-1).outputShape.slice(1, -1).reduce((a, b) => a * b, 2)).fill(2), [2, ...loaded.layers.at(-1).outputShape.slice(1, -1)]) }',
      '{ classWeight: { 0: 2 } }', '{ sampleWeight: [0, 0] }', '{ sampleWeight: [1, 1], validationData: [X, Y, [0, 3]] }'].map((o) => plain('Sequential.fit',
      `((X, Y) => loaded.fit(X, Y, { verbose: 0, epochs: 2, ...${o} }))(tensor(new Float32Array(loaded.layers[0].inputShape.slice(1).reduce((a, b) => a * b, 2)).fill(0.5), [2, ...loaded.layers[0].inputShape.slice(1)]), tensor(new Float32Array(loaded.layers.at(-1).outputShape.slice(1).reduce((a, b) => a * b, 2)), [2, ...loaded.layers.at(-1).outputShape.slice(1)]))`,
      { valid: undefined }, { mode: 'await', onLoaded: true, post: 'finiteLoss', when: (w) => w.vars.loaded !== undefined })),
    plain('Sequential.evaluate', 'loaded.evaluate(tensor(new Float32Array(loaded.layers[0].inputShape.slice(1).reduce((a, b) => a * b, 3)).fill(-1), [3, ...loaded.layers[0].inputShape.slice(1)]), tensor(new Float32Array(loaded.layers.at(-1).outputShape.slice(1).reduce((a, b) => a * b, 3)), [3, ...loaded.layers.at(-1).outputShape.slice(1)]), { batchSize: 2 })', { valid: undefined }, { onLoaded: true, pure: true, when: (w) => w.vars.loaded !== undefined }),
    plain('Sequential.setWeights', 'loaded.setWeights(loaded.getWeights())', { valid: undefined }, { onLoaded: true, when: (w) => w.vars.loaded !== undefined }),
    plain('Sequential.summary', 'loaded.summary({ printFn: () => {} })', { valid: undefined }, { onLoaded: true, pure: true, when: (w) => w.vars.loaded !== undefined }),
    plain('Sequential.dispose', 'loaded.dispose()', { valid: undefined }, { onLoaded: true, when: (w) => w.vars.loaded !== undefined }),
  ),
  fc.constantFrom(...IMAGE_LAYERS).map((l) => plain('Sequential.add', `loaded.add(${l})`, { valid: undefined }, { onLoaded: true, when: (w) => w.vars.loaded !== undefined })),
  fc.oneof(...Object.entries(OPTIMIZERS).map(([name, o]) => o.map((a) => plain(`new ${name}`, `new ${name}(${a.code})`, a)))),
  earlyStoppingOptions.map((o) => plain('new EarlyStopping', `new EarlyStopping(${o.code})`, o)),
  fc.constantFrom('new TerminateOnNaN()', 'new History()').map((c) => plain(c.replace('()', ''), c, { valid: true })),
  sequentialConstruction.map((s) => plain(s.api, s.code, s)),
  fc.tuple(junk, loadOptions).map(([j, o]) => plain('modelFromJSON', `modelFromJSON(${j}, ${o.code})`, { valid: false, why: 'not a topology' })),
  fc.tuple(junk.filter((c) => c !== "''"), loadOptions).map(([j, o]) => plain('loadModel', `loadModel(${j}, ${o.code})`, { valid: false, why: 'not a model source' }, { mode: 'await' })),
);
