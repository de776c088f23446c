// The TensorFlow.js Layers format: a model as a topology (JSON) plus weight specs and one little-endian byte
// stream. Writes what TensorFlow.js 4.22 writes; reads that and what the Python converter makes of Keras
// models. Everything read is checked (keys, classes, names, shapes, sizes, byte counts, finiteness) before a
// model is allocated. Where artifacts are stored (files, URLs, browser storage) is io.ts's business.
import { Sequential } from './sequential.js';
import { Layer, LAYER_CLASSES, ConfigReader, binding, isObject, sameShape, sizeOf, type LayerOptions } from './layers/index.js';
import { Plan } from './plan.js';
import { Adadelta, Adagrad, Adam, AdamW, Adamax, Ftrl, Lion, Nadam, OPTIMIZERS, RMSprop, SGD, type Optimizer, type OptimizerOptions } from './optimizers.js';
import { Loss, lossFromConfig, lossKey, resolveLoss } from './losses.js';
import { scheduleFromConfig, type LearningRateSchedule, type ScheduleConfig } from './schedules.js';
import { camelCase, lookup } from './names.js';
import { METRICS, metricFromConfig, type Metric, type MetricSpelling } from './metrics.js';
import { ShapeError, StateError, ValueError, describe } from './errors.js';
import { boolean, readOptions } from './arguments.js';
import { VERSION } from './version.js';
import { Tensor } from './tensor.js';

/** One tensor in the weight byte stream. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  group?: 'model' | 'optimizer';
}

/** What the TensorFlow.js optimizer, loss and metrics of a compiled model are saved as. */
export interface TrainingConfig {
  /** A loss name (Keras's defaults), or Keras's `{ class_name, config }` for a loss object with options. */
  loss: string | SavedObject;
  /** Metric names, or `{ class_name, config }` for metric objects. */
  metrics?: Array<string | SavedObject>;
  /** Keras's `weighted_metrics`, the same way. */
  weighted_metrics?: Array<string | SavedObject>;
  optimizer_config: { class_name: string; config: Record<string, unknown> };
}

/** A Keras object as saved: its class name and its config with snake_case keys. */
export interface SavedObject { class_name: string; config: Record<string, unknown> }

/** A saved model in memory, as TensorFlow.js's `io.ModelArtifacts`. */
export interface ModelArtifacts {
  modelTopology: Record<string, unknown>;
  weightSpecs: WeightSpec[];
  /** The weights' bytes, concatenated in `weightSpecs` order (one buffer, or shards in order). */
  weightData: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
}

/** Options of `model.save` (`null` or omitted: none). */
export interface SaveOptions {
  /** Also save the optimizer's state (step count and slots), so training resumes exactly; default false. */
  includeOptimizer?: boolean;
}

/**
 * Options of `loadModel` and `modelFromJSON` (`null` or omitted: none; an unknown key is a ValueError). `signal`,
 * `requestInit` and `fetchFunc` are TensorFlow.js's http options and apply to `loadModel` only.
 */
export interface LoadOptions {
  /**
   * Largest weight data accepted, in bytes. Checked before anything is read or allocated. `loadModel`'s
   * default is 1 GiB (the bytes must be there to load). `modelFromJSON`'s is 64 MiB: a topology of a few
   * bytes can ask for any number of parameters, allocated from nothing and kept (wasm memory never shrinks),
   * so a larger model built from a topology alone needs a larger `maxBytes` given on purpose.
   */
  maxBytes?: number;
  /** Seed for the loaded model's own random draws (shuffling, dropout); random if omitted. */
  seed?: number;
  /**
   * Cancels loading: passed to every request (model.json and each weight file), and checked again before the
   * model is built, whatever the source. An aborted load rejects with the signal's reason, as `fetch` does:
   * a DOMException named 'AbortError' after `controller.abort()`, 'TimeoutError' after `AbortSignal.timeout`,
   * or whatever was given to `abort(reason)`. No model is built.
   */
  signal?: HostInstance<'AbortSignal'>;
  /** Options merged into every request's `fetch` init (headers, credentials, …); the `signal` option wins over one here. */
  requestInit?: FetchInit;
  /** Used instead of the global `fetch` for every request, called as `fetchFunc(url, init)` (TensorFlow.js's `fetchFunc`). */
  fetchFunc?: (input: string, init?: FetchInit) => Promise<HostInstance<'Response'>>;
}

// NOTE: the declarations name no host global (AbortSignal, RequestInit, File, …) directly: a TypeScript project whose
// `lib` lacks DOM (a Node project without @types/node, say) would get errors from neurasm's own .d.ts files. These
// look the types up where the project declares them, and are `never` where it does not.
/** The instance type of the global class `K` where the project's types declare it (DOM's `File`, …), else `never`. */
export type HostInstance<K extends string> = typeof globalThis extends { [P in K]: { prototype: infer T } } ? T : never;
/** `fetch`'s init (DOM's `RequestInit`) where the project's types declare `fetch`, else `never`. */
export type FetchInit = typeof globalThis extends { fetch(input: never, init?: infer I): unknown } ? NonNullable<I> : never;

/** The keys `modelFromJSON` takes (the others are about fetching). */
export const TOPOLOGY_KEYS = ['maxBytes', 'seed'] as const;
/** The keys `loadModel` takes. */
export const LOAD_KEYS = [...TOPOLOGY_KEYS, 'signal', 'requestInit', 'fetchFunc'] as const;

const DEFAULT_MAX_BYTES = 2 ** 30;
/** `modelFromJSON`'s default limit: its parameters are allocated from nothing (see LoadOptions.maxBytes). */
const DEFAULT_TOPOLOGY_MAX_BYTES = 64 * 2 ** 20;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 64;

// ───────────────────────────── writing ─────────────────────────────

function layerConfig(layer: Layer, first: boolean, inputShape: readonly number[]): Record<string, unknown> {
  const common = { name: layer.name, trainable: layer.trainable, ...(first ? { batch_input_shape: [null, ...inputShape] } : {}), dtype: 'float32' };
  return { class_name: layer.className, config: { ...layer.getConfig(), ...common } };
}

/** Whether save() has said once that TensorFlow.js reads 'hard_sigmoid' as another function. */
let warnedHardSigmoid = false;

/** The model's topology as TensorFlow.js saves a Sequential model. */
export function topologyOf(model: Sequential): Record<string, unknown> {
  const layers = model.layers;
  if (layers.length === 0 || layers[0]!.inputDim === 0) {
    throw new ValueError(`save(): model '${model.name}' is not built yet (give the first layer inputShape, or fit it first)`);
  }
  const inputShape = binding(layers[0]!).inputShape;
  const configs = layers.map((l, i) => layerConfig(l, i === 0, inputShape));
  if (!warnedHardSigmoid && configs.some((c) => (c.config as { activation?: unknown }).activation === 'hard_sigmoid')) {
    warnedHardSigmoid = true;
    console.warn("save(): this model uses 'hard_sigmoid', Keras 3's relu6(x + 3)/6; TensorFlow.js reads that name as Keras 2's 0.2·x + 0.5 (clipped), so its predictions of this file would differ (neurasm reads it back as saved)");
  }
  return {
    class_name: 'Sequential',
    config: { name: model.name, layers: configs },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

// ─── The optimizer as saved ───
// Its config goes in trainingConfig.optimizer_config, as TensorFlow.js writes it: `class_name` TensorFlow.js's
// class and `config` its camelCase keys, plus Keras's options TensorFlow.js lacks (weightDecay, amsgrad, useEma, …),
// which it ignores. NOTE: TensorFlow.js refuses a whole model whose optimizer class it does not know, even to
// predict; so an optimizer TensorFlow.js lacks (AdamW, Nadam, Lion, Ftrl) is written as 'Adam', and `kerasClassName`
// always names the real class, which neurasm reads back (TensorFlow.js, training on, would use its Adam).
// Its state (with includeOptimizer) is `iter` (every step taken, Keras's `_iterations`, int32) and, per slot
// kind, one tensor per trainable weight named `<weight>/<slot>`: TensorFlow.js's slot names in its order where
// it has the optimizer (Adam m, v; RMSProp rms, momentum, mg; Adagrad accumulator; Adadelta accum_grad,
// accum_var; Momentum momentum; Adamax m, v), else neurasm's: Adam's amsgrad `vhat`, Nadam m, v, Lion momentum, Ftrl
// accumulator, linear,
// then Keras's `gradient_accumulator` and EMA `average`. TensorFlow.js sets the state by position, so a file
// with slots it does not have (vhat, gradient_accumulator, average, Lion's) loads there only for inference.

/** The slot kinds written, in TensorFlow.js's order: each a slot of ours, or zeros TensorFlow.js expects and neurasm lacks. */
function savedSlots(optimizer: Optimizer): Array<{ suffix: string; slot: number | undefined }> {
  const slots: Array<{ suffix: string; slot: number | undefined }> = optimizer.slotNames().map((suffix, slot) => ({ suffix, slot }));
  // TensorFlow.js's RMSProp always keeps a momentum slot; without momentum neurasm has none.
  if (optimizer instanceof RMSprop && optimizer.momentum === 0) slots.splice(1, 0, { suffix: 'momentum', slot: undefined });
  return slots;
}

/** TensorFlow.js's class for an optimizer, and the keys of its config that TensorFlow.js reads. */
function tfjsConfig(o: Optimizer): { className: string; config: Record<string, unknown> } {
  const lr = o.learningRate;
  if (o instanceof SGD) {
    return o.momentum > 0 ? { className: 'Momentum', config: { learningRate: lr, momentum: o.momentum, useNesterov: o.nesterov } } : { className: 'SGD', config: { learningRate: lr } };
  }
  if (o instanceof RMSprop) return { className: 'RMSProp', config: { learningRate: lr, decay: o.rho, momentum: o.momentum, epsilon: o.epsilon, centered: o.centered } };
  if (o instanceof Adagrad) return { className: 'Adagrad', config: { learningRate: lr, initialAccumulatorValue: o.initialAccumulatorValue } };
  if (o instanceof Adadelta) return { className: 'Adadelta', config: { learningRate: lr, rho: o.rho, epsilon: o.epsilon } };
  if (o instanceof Adamax) return { className: 'Adamax', config: { learningRate: lr, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, decay: 0 } };
  if (o instanceof Adam || o instanceof Nadam) return { className: 'Adam', config: { learningRate: lr, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon } };
  if (o instanceof Lion) return { className: 'Adam', config: { learningRate: lr, beta1: o.beta1, beta2: o.beta2 } };
  if (o instanceof Ftrl) return { className: 'Adam', config: { learningRate: lr, beta1: 0.9, beta2: 0.999 } }; // TF.js's Adam needs its betas
  throw new ValueError(`save(): optimizer ${describe(o)} cannot be saved`);
}

function optimizerConfig(o: Optimizer, withState = false): TrainingConfig['optimizer_config'] {
  let { className, config } = tfjsConfig(o);
  // NOTE: TensorFlow.js's Momentum keeps another quantity than Keras's SGD (see fromArtifacts): given this state as
  // its own it would train on wrong momentum. Written as 'SGD', whose setWeights refuses any slot, TensorFlow.js
  // refuses the file instead; neurasm reads the real class from kerasClassName.
  if (withState && o instanceof SGD && o.momentum > 0) ({ className, config } = { className: 'SGD', config: { learningRate: o.learningRate } });
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o.getConfig())) {
    if (key === 'name' || key === 'learningRate' || key in config || value === null) continue;
    if (key === 'useEma' && value === false) continue;
    if (key === 'emaMomentum' && !o.useEma) continue;
    extras[key] = value;
  }
  const schedule = o.learningRateSchedule;
  if (schedule) extras.learningRateSchedule = { class_name: schedule.className, config: schedule.getConfig() };
  // Always named: an 'Adam' with a weightDecay and no kerasClassName is an AdamW of an older file.
  return { class_name: className, config: { ...config, ...extras, kerasClassName: o.className } };
}

/** `save`'s options, checked: null means none, unknown keys and values of the wrong kind are ValueErrors. */
export function readSaveOptions(value: unknown, where: string): SaveOptions {
  const options = readOptions(value as SaveOptions, ['includeOptimizer'], where);
  if (options.includeOptimizer !== undefined) boolean(options.includeOptimizer, 'includeOptimizer', where);
  return options;
}

/** The model as in-memory artifacts: topology, weight specs and bytes, and the training config if compiled. */
export function toArtifacts(model: Sequential, options: SaveOptions = {}): ModelArtifacts {
  const modelTopology = topologyOf(model);
  const weights = model.getWeights();
  const layerSpecs = model.layers.flatMap((l) => binding(l).specs.map((s) => ({ name: `${l.name}/${s.name}`, trainable: s.trainable })));
  const names = layerSpecs.map((s) => s.name);
  const specs: WeightSpec[] = weights.map((w, i) => ({ name: names[i]!, shape: [...w.shape], dtype: 'float32' }));
  const parts: ArrayBufferView[] = weights.map((w) => w.data);
  // The optimizer's slots cover the trainable weights only (TensorFlow.js keeps none for moving statistics).
  const trainable = weights.flatMap((w, i) => (layerSpecs[i]!.trainable ? [{ w, name: names[i]! }] : []));
  const training = model.trainingConfig;
  if (options.includeOptimizer) {
    if (!training) throw new ValueError(`save(): includeOptimizer needs a compiled model; '${model.name}' was not compiled`);
    if (model.trainableChanged) {
      throw new StateError(`save(): a layer was frozen or unfrozen since the optimizer's state was laid out; it takes effect at the next compile() or fit(): call one first, or save without includeOptimizer`);
    }
    specs.forEach((s) => { s.group = 'model'; });
    specs.push({ name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' });
    parts.push(Int32Array.of(training.optimizer.steps));
    const slots = model.getOptimizerSlots();
    const size = model.countTrainableParams();
    for (const { suffix, slot } of savedSlots(training.optimizer)) {
      let at = 0;
      for (const { w, name } of trainable) {
        specs.push({ name: `${name}/${suffix}`, shape: [...w.shape], dtype: 'float32', group: 'optimizer' });
        parts.push(slot === undefined ? new Float32Array(w.size) : slots.subarray(slot * size + at, slot * size + at + w.size));
        at += w.size;
      }
    }
  }
  const artifacts: ModelArtifacts = { modelTopology, weightSpecs: specs, weightData: concat(parts), format: 'layers-model', generatedBy: `neurasm ${VERSION}`, convertedBy: null };
  if (training) {
    const full: TrainingConfig = {
      loss: savedLoss(training.loss), metrics: training.metrics.map(savedMetric), optimizer_config: optimizerConfig(training.optimizer, options.includeOptimizer === true),
      ...(training.weightedMetrics.length > 0 ? { weighted_metrics: training.weightedMetrics.map(savedMetric) } : {}),
    };
    // TensorFlow.js compiles trainingConfig when it loads a model and refuses the whole model for any loss or metric
    // it does not know: it gets what it can compile (or nothing, for a loss it lacks), and neurasm's own config goes
    // in userDefinedMetadata, which TensorFlow.js keeps without reading and neurasm prefers.
    const forTfjs = tfjsTrainingConfig(full);
    if (forTfjs) artifacts.trainingConfig = forTfjs;
    if (JSON.stringify(forTfjs) !== JSON.stringify(full)) artifacts.userDefinedMetadata = { neurasm: { trainingConfig: full } };
  }
  return artifacts;
}

/**
 * A loss as saved: the name TensorFlow.js also reads when its options are Keras's defaults ('binaryCrossentropy'),
 * otherwise Keras's `{ class_name, config }` (TensorFlow.js cannot compile those; it still loads the model).
 */
function savedLoss(loss: Loss): string | SavedObject {
  const plain = resolveLoss(loss.className, 'save()');
  const config = loss.getConfig();
  if (JSON.stringify(config) === JSON.stringify(plain.getConfig())) return lossKey(loss.className, 'save()');
  return { class_name: loss.className, config };
}

/** Losses TensorFlow.js 4.22 compiles, by neurasm's saved name (its loss key): TF.js's spelling (measured with tf.loadLayersModel). */
const TFJS_LOSSES: Readonly<Record<string, string>> = {
  meanSquaredError: 'meanSquaredError', meanAbsoluteError: 'meanAbsoluteError', meanAbsolutePercentageError: 'meanAbsolutePercentageError',
  meanSquaredLogarithmicError: 'meanSquaredLogarithmicError', categoricalCrossentropy: 'categoricalCrossentropy',
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy', binaryCrossentropy: 'binaryCrossentropy', hinge: 'hinge',
  squaredHinge: 'squaredHinge', categoricalHinge: 'categoricalHinge', poisson: 'poisson', logCosh: 'logcosh',
  klDivergence: 'kullbackLeiblerDivergence', cosineSimilarity: 'cosineProximity',
};
/** Metric names TensorFlow.js 4.22 compiles (measured): any other makes it refuse the model. */
const TFJS_METRICS: ReadonlySet<string> = new Set(['accuracy', 'acc', 'binaryAccuracy', 'categoricalAccuracy', 'precision',
  'categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'mse', 'mae']);

/** The part of a training config TensorFlow.js can compile, or undefined when it has none of the loss. */
function tfjsTrainingConfig(full: TrainingConfig): TrainingConfig | undefined {
  const loss = typeof full.loss === 'string' && Object.hasOwn(TFJS_LOSSES, full.loss) ? TFJS_LOSSES[full.loss] : undefined;
  if (loss === undefined) return undefined;
  return { loss, metrics: (full.metrics as unknown[]).filter((m): m is string => typeof m === 'string' && TFJS_METRICS.has(m)), optimizer_config: full.optimizer_config };
}

/** A metric as saved: a name as given to compile, or `{ class_name, config }` for a metric object. */
function savedMetric(metric: string | Metric): string | SavedObject {
  return typeof metric === 'string' ? metric : { class_name: metric.className, config: metric.getConfig() };
}

function concat(parts: ArrayBufferView[]): ArrayBuffer {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  return bytes.buffer;
}

// ───────────────────────────── reading ─────────────────────────────

type Json = Record<string, unknown>;

/** Rejects keys that could reach an object's prototype, and absurd nesting, anywhere in parsed JSON. */
export function checkJson(value: unknown, where: string, path = '', depth = 0): void {
  if (depth > MAX_DEPTH) throw new ValueError(`${where}: the JSON nests deeper than ${MAX_DEPTH} levels at ${path || 'the top'}`);
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJson(v, where, `${path}[${i}]`, depth + 1));
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw new ValueError(`${where}: forbidden key '${key}' at ${path || 'the top'}`);
      checkJson(value[key], where, path ? `${path}.${key}` : key, depth + 1);
    }
  }
}

const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Old Keras and TensorFlow.js spellings of the layer classes. */
const CLASS_ALIASES: Record<string, string> = {
  MaxPool1D: 'MaxPooling1D', MaxPool2D: 'MaxPooling2D', AvgPool1D: 'AveragePooling1D', AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D', GlobalAvgPool2D: 'GlobalAveragePooling2D', GlobalMaxPool1D: 'GlobalMaxPooling1D', GlobalMaxPool2D: 'GlobalMaxPooling2D',
  Convolution1D: 'Conv1D', Convolution2D: 'Conv2D',
};

/** The sample shape a layer config declares (`batch_input_shape`, or Keras 3's `batch_shape`), if any. */
function inputShapeOf(config: Json, where: string): number[] | undefined {
  const shape = config.batch_input_shape ?? config.batch_shape;
  if (shape === undefined || shape === null) return undefined;
  if (!Array.isArray(shape) || shape.length < 2 || shape.length > 8 || !(shape[0] === null || isPositiveInt(shape[0])) || !shape.slice(1).every(isPositiveInt)) {
    throw new ShapeError(`${where}: input shape must be [null, ...one sample's positive dimensions], got ${JSON.stringify(shape)}`);
  }
  return shape.slice(1) as number[];
}

function dtypeOk(config: Json, where: string): void {
  const dtype = config.dtype;
  if (dtype !== undefined && dtype !== null && dtype !== 'float32' && !(isObject(dtype) && isObject(dtype.config) && dtype.config.name === 'float32')) {
    const policy = isObject(dtype) ? (isObject(dtype.config) ? dtype.config.name : undefined) ?? dtype.class_name : undefined;
    throw new ValueError(`${where}: unsupported dtype ${isObject(dtype) ? `policy ${describe(policy)}` : describe(dtype)}; neurasm computes in float32`);
  }
}

/** One entry of a topology's layer list as a layer (constructed, not built: nothing allocated), or an InputLayer's shape. */
function readLayer(entry: unknown, index: number, call: string, given: number[] | undefined): { layer?: Layer; inputShape?: number[] } {
  const where = `${call}: layer ${index}`;
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) throw new ValueError(`${where}: expected { class_name, config }, got ${describe(entry)}`);
  const c = entry.config;
  const at = `${where} (${entry.class_name})`;
  dtypeOk(c, at);
  const inputShape = inputShapeOf(c, at) ?? given;
  if (entry.class_name === 'InputLayer') {
    if (index !== 0) throw new ValueError(`${at}: an InputLayer can only come first`);
    return { inputShape };
  }
  const kind = Object.hasOwn(LAYER_CLASSES, entry.class_name) ? LAYER_CLASSES[entry.class_name] : LAYER_CLASSES[CLASS_ALIASES[entry.class_name] ?? ''];
  if (!kind) throw new ValueError(`${where}: unknown layer class ${describe(entry.class_name)}; neurasm reads InputLayer, ${Object.keys(LAYER_CLASSES).join(', ')}`);
  const reader = new ConfigReader(c, at);
  const common: LayerOptions = { name: reader.string('name'), trainable: reader.bool('trainable', true), ...(inputShape ? { inputShape } : {}) };
  try {
    return { layer: kind.fromConfig(reader, common), inputShape };
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(at)) e.message = `${at}: ${e.message}`;
    throw e;
  }
}

/** A checked topology: the layers to build, the input shape, and the model weights expected, in order. */
interface ModelPlan {
  name: string | undefined;
  inputShape: number[];
  layers: Layer[];
  weights: Array<{ name: string; shape: number[]; trainable: boolean; min?: number }>;
}

/** Checks a topology; `limit` names the limit on the parameters' bytes, `maxBytes`, in the error message. */
function planModel(topology: unknown, call: string, maxBytes: number, limit = 'the maxBytes limit'): ModelPlan {
  const where = `${call}: modelTopology`;
  checkJson(topology, where);
  let t = topology;
  if (isObject(t) && isObject(t.model_config)) t = t.model_config; // the Python converter's wrapper
  if (!isObject(t)) throw new ValueError(`${where}: expected an object, got ${describe(t)}`);
  if (t.class_name !== 'Sequential') throw new ValueError(`${where}: class ${describe(t.class_name)} is not supported; neurasm reads Sequential models`);
  const config = t.config;
  const entries = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : undefined; // old files: a bare array
  if (!entries || entries.length === 0) throw new ValueError(`${where}: no layers`);
  const name = isObject(config) && typeof config.name === 'string' && config.name.length > 0 ? config.name : undefined;
  // Keras 2's hard_sigmoid was 0.2·x + 0.5 (clipped); Keras 3's, neurasm's, is relu6(x + 3)/6: refuse, not misread.
  const kerasVersion = isObject(topology) && typeof topology.keras_version === 'string' ? topology.keras_version : typeof t.keras_version === 'string' ? t.keras_version : '';
  if (/^2\./.test(kerasVersion)) {
    entries.forEach((entry, i) => {
      if (isObject(entry) && isObject(entry.config) && entry.config.activation === 'hard_sigmoid') {
        throw new ValueError(`${where}: layer ${i} uses Keras ${kerasVersion}'s 'hard_sigmoid', 0.2·x + 0.5 clipped to [0, 1], which neurasm does not have; its 'hard_sigmoid' is Keras 3's relu6(x + 3)/6`);
      }
    });
  }
  let inputShape: number[] | undefined;
  const layers: Layer[] = [];
  entries.forEach((entry, i) => {
    // An InputLayer's shape goes to the layer after it, as the shape that layer declares.
    const read = readLayer(entry, i, call, i === 1 && layers.length === 0 ? inputShape : undefined);
    if (i === 0) inputShape = read.inputShape;
    if (read.layer) layers.push(read.layer);
  });
  if (inputShape === undefined) throw new ShapeError(`${where}: no input shape (batch_input_shape or an InputLayer) on the first layer`);
  if (layers.length === 0) throw new ValueError(`${where}: no layers`);
  const names = new Set<string>();
  for (const l of layers) {
    if (names.has(l.name)) throw new ValueError(`${where}: two layers are named '${l.name}'`);
    names.add(l.name);
  }
  // Shapes and weights through the layers, checked as a build would, before any memory is taken.
  const weights: ModelPlan['weights'] = [];
  let bytes = 0;
  new Plan().shapes(inputShape, where, layers).forEach(({ specs }, i) => {
    for (const s of specs) {
      bytes += sizeOf(s.shape) * 4;
      if (bytes > maxBytes) throw new ValueError(`${where}: the weights need more than ${maxBytes} bytes (${limit}) by '${layers[i]!.name}/${s.name}'`);
      weights.push({ name: `${layers[i]!.name}/${s.name}`, shape: s.shape, trainable: s.trainable, min: s.min });
    }
  });
  return { name, inputShape, layers, weights };
}

function checkShape(shape: unknown, where: string): number {
  if (!Array.isArray(shape) || shape.length > 8) throw new ShapeError(`${where}: shape must be an array of at most 8 dimensions, got ${describe(shape)}`);
  let size = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`${where}: shape ${JSON.stringify(shape)} has a dimension that is not a non-negative integer`);
    size *= d;
    if (size > Number.MAX_SAFE_INTEGER) throw new ShapeError(`${where}: shape ${JSON.stringify(shape)} has more elements than can be counted`);
  }
  return size;
}

/** Checks weight specs: fields, dtypes, shapes; returns each spec's byte length and the total. Reads no bytes. */
export function checkWeightSpecs(specs: unknown, options: LoadOptions, where: string): { specs: WeightSpec[]; bytes: number[]; total: number } {
  if (!Array.isArray(specs)) throw new ValueError(`${where}: weight specs must be an array, got ${describe(specs)}`);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const bytes: number[] = [];
  let total = 0;
  specs.forEach((s: unknown, i) => {
    const at = `${where}: weight ${i}`;
    if (!isObject(s) || !isString(s.name)) throw new ValueError(`${at}: expected { name, shape, dtype }, got ${describe(s)}`);
    if (s.quantization !== undefined && s.quantization !== null) throw new ValueError(`${at} ('${s.name}'): quantized weights are not supported; convert without quantization`);
    if (s.dtype !== 'float32' && s.dtype !== 'int32') throw new ValueError(`${at} ('${s.name}'): unsupported dtype ${describe(s.dtype)}; expected float32`);
    if (s.group !== undefined && s.group !== 'model' && s.group !== 'optimizer') throw new ValueError(`${at} ('${s.name}'): unknown group ${describe(s.group)}`);
    const n = checkShape(s.shape, `${at} ('${s.name}')`);
    total += n * 4;
    if (total > maxBytes) throw new ValueError(`${where}: the weights need more than ${maxBytes} bytes (the maxBytes limit) by weight '${s.name}'`);
    bytes.push(n * 4);
  });
  return { specs: specs as WeightSpec[], bytes, total };
}

function joined(data: ArrayBuffer | ArrayBuffer[]): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  return concat(data.map((b) => new Uint8Array(b)));
}

function optimizerFrom(config: unknown, where: string): Optimizer {
  if (!isObject(config) || typeof config.class_name !== 'string') throw new ValueError(`${where}: optimizer_config must be { class_name, config }, got ${describe(config)}`);
  const raw = isObject(config.config) ? config.config : {};
  const c: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) c[camelCase(k)] = v;
  const num = (k: string): number | undefined => {
    const v = c[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number') throw new ValueError(`${where}: optimizer_config.${k} must be a number, got ${describe(v)}`);
    return v;
  };
  const flag = (k: string): boolean | undefined => {
    const v = c[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new ValueError(`${where}: optimizer_config.${k} must be true or false, got ${describe(v)}`);
    return v;
  };
  // A schedule: neurasm writes its current value as learningRate (for TensorFlow.js) and the schedule beside it;
  // Keras writes the schedule as learning_rate.
  const saved = c.learningRateSchedule ?? (isObject(c.learningRate) ? c.learningRate : undefined);
  let schedule: LearningRateSchedule | undefined;
  if (saved !== undefined && saved !== null) {
    try {
      schedule = scheduleFromConfig(saved as ScheduleConfig);
    } catch (e) {
      throw new ValueError(`${where}: optimizer_config.learningRate: ${(e as Error).message}`);
    }
  }
  if (num('lossScaleFactor') !== undefined) throw new ValueError(`${where}: optimizer_config.loss_scale_factor is not supported (neurasm trains in float32)`);
  const exclude = c.excludeFromWeightDecay;
  if (exclude !== undefined && exclude !== null && !(Array.isArray(exclude) && exclude.every((e) => typeof e === 'string'))) {
    throw new ValueError(`${where}: optimizer_config.excludeFromWeightDecay must be a list of names, got ${describe(exclude)}`);
  }
  const common: OptimizerOptions = {
    learningRate: schedule ?? num('learningRate') ?? num('lr'), clipNorm: num('clipnorm'), clipValue: num('clipvalue'), globalClipNorm: num('globalClipnorm'),
    weightDecay: num('weightDecay'), excludeFromWeightDecay: (exclude ?? undefined) as string[] | undefined, useEma: flag('useEma'),
    emaMomentum: num('emaMomentum'), emaOverwriteFrequency: num('emaOverwriteFrequency'), gradientAccumulationSteps: num('gradientAccumulationSteps'),
  };
  const betas = { beta1: num('beta1'), beta2: num('beta2') };
  const adam = { ...common, ...betas, epsilon: num('epsilon'), amsgrad: flag('amsgrad') };
  const keras = c.kerasClassName;
  if (keras !== undefined && typeof keras !== 'string') throw new ValueError(`${where}: optimizer_config.kerasClassName must be a class name, got ${describe(keras)}`);
  const className = keras ?? config.class_name;
  try {
    switch (className.toLowerCase()) {
      // Files from before every optimizer took weightDecay wrote AdamW as Adam with a weightDecay.
      case 'adam': return keras === undefined && num('weightDecay') ? new AdamW(adam) : new Adam(adam);
      case 'adamw': return new AdamW(adam);
      case 'sgd': return new SGD({ ...common, momentum: num('momentum'), nesterov: flag('nesterov') });
      case 'momentum': return new SGD({ ...common, momentum: num('momentum'), nesterov: flag('useNesterov') ?? flag('nesterov') });
      case 'rmsprop': return new RMSprop({ ...common, rho: num('decay') ?? num('rho'), epsilon: num('epsilon'), momentum: num('momentum'), centered: flag('centered') });
      case 'adagrad': return new Adagrad({ ...common, initialAccumulatorValue: num('initialAccumulatorValue'), epsilon: num('epsilon') });
      case 'adadelta': return new Adadelta({ ...common, rho: num('rho'), epsilon: num('epsilon') });
      case 'adamax': {
        if (num('decay')) throw new ValueError('TensorFlow.js\'s Adamax decay (a decaying learning rate) is not supported; use a schedule');
        return new Adamax({ ...common, ...betas, epsilon: num('epsilon') });
      }
      case 'nadam': return new Nadam({ ...common, ...betas, epsilon: num('epsilon') });
      case 'lion': return new Lion({ ...common, ...betas });
      case 'ftrl': return new Ftrl({
        ...common, learningRatePower: num('learningRatePower'), initialAccumulatorValue: num('initialAccumulatorValue'), beta: num('beta'),
        l1RegularizationStrength: num('l1RegularizationStrength'), l2RegularizationStrength: num('l2RegularizationStrength'),
        l2ShrinkageRegularizationStrength: num('l2ShrinkageRegularizationStrength'),
      });
    }
  } catch (e) {
    throw new ValueError(`${where}: optimizer_config: ${(e as Error).message}`);
  }
  const known = [...Object.values(OPTIMIZERS).map((r) => r.className), 'Momentum'].join(', ');
  throw new ValueError(`${where}: unknown optimizer ${describe(className)}; expected one of ${known} (or TensorFlow.js's RMSProp)`);
}

/** Metric names or configs of a training config (TensorFlow.js writes {} for none). */
function metricsFrom(metrics: unknown, key: string, where: string): Array<MetricSpelling | Metric> {
  const list = isObject(metrics) && Object.keys(metrics).length === 0 ? [] : metrics ?? [];
  if (!Array.isArray(list)) throw new ValueError(`${where}: trainingConfig.${key} must be a list of names or { class_name, config }, got ${describe(list)}`);
  return list.map((m: unknown) => {
    if (typeof m === 'string') {
      lookup(METRICS, m, 'metric', `${where}: trainingConfig.${key}`);
      return m as MetricSpelling; // checked by the lookup above
    }
    return metricFromConfig(m as SavedObject, `${where}: trainingConfig.${key}`);
  });
}

/**
 * Rebuilds a model from in-memory artifacts, after checking all of them. `options` must have been checked
 * (readLoadOptions). Building is a transaction: if anything fails once memory is taken, the half-made model is
 * disposed before the error propagates.
 */
export function fromArtifacts(artifacts: unknown, options: LoadOptions = {}): Sequential {
  const where = 'loadModel()';
  if (!isObject(artifacts)) throw new ValueError(`${where}: expected { modelTopology, weightSpecs, weightData }, got ${describe(artifacts)}`);
  const plan = planModel(artifacts.modelTopology, where, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const { specs, bytes, total } = checkWeightSpecs(artifacts.weightSpecs ?? [], options, `${where}: weightSpecs`);
  const data = artifacts.weightData;
  if (!(data instanceof ArrayBuffer) && !(Array.isArray(data) && data.every((b) => b instanceof ArrayBuffer))) {
    throw new ValueError(`${where}: weightData must be an ArrayBuffer (or a list of them), got ${describe(data)}`);
  }
  const buffer = joined(data);
  if (buffer.byteLength !== total) throw new ValueError(`${where}: the weight specs describe ${total} bytes but the weight data has ${buffer.byteLength}`);
  // neurasm's own config, when TensorFlow.js's trainingConfig had to leave something out (see toArtifacts).
  const ours = isObject(artifacts.userDefinedMetadata) && isObject(artifacts.userDefinedMetadata.neurasm) ? artifacts.userDefinedMetadata.neurasm.trainingConfig : undefined;
  const training = ours !== undefined && ours !== null ? ours : artifacts.trainingConfig;
  if (training !== undefined && training !== null) {
    if (!isObject(training)) throw new ValueError(`${where}: trainingConfig must be an object, got ${describe(training)}`);
    checkJson(training, `${where}: trainingConfig`);
  }

  // Where each spec's bytes are; names must be unique.
  const byName = new Map<string, { spec: WeightSpec; offset: number }>();
  let offset = 0;
  specs.forEach((spec, i) => {
    if (byName.has(spec.name)) throw new ValueError(`${where}: weight '${spec.name}' is listed twice`);
    byName.set(spec.name, { spec, offset });
    offset += bytes[i]!;
  });
  const read = (name: string, shape: number[], what: string): Float32Array => {
    const found = byName.get(name);
    if (!found) throw new ValueError(`${where}: ${what} '${name}' is missing from the weights`);
    if (found.spec.dtype !== 'float32') throw new ValueError(`${where}: ${what} '${name}' must be float32, is ${found.spec.dtype}`);
    if (!sameShape(found.spec.shape, shape)) {
      throw new ShapeError(`${where}: ${what} '${name}' has shape [${found.spec.shape.join(', ')}], the topology needs [${shape.join(', ')}]`);
    }
    const values = new Float32Array(buffer.slice(found.offset, found.offset + shape.reduce((a, b) => a * b, 1) * 4));
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ValueError(`${where}: ${what} '${name}' has a value that is not finite (${values[bad]}) at index ${bad}`);
    byName.delete(name);
    return values;
  };
  const weights = plan.weights.map((w) => {
    const values = read(w.name, w.shape, 'weight');
    const low = w.min === undefined ? -1 : values.findIndex((v) => v < w.min!);
    if (low >= 0) throw new ValueError(`${where}: weight '${w.name}' must be ≥ ${w.min} everywhere, got ${values[low]} at index ${low}`);
    return new Tensor(values, w.shape);
  });

  let compile: { optimizer: Optimizer; loss: Loss; metrics: Array<MetricSpelling | Metric>; weightedMetrics: Array<MetricSpelling | Metric> } | undefined;
  if (isObject(training)) {
    const metrics = metricsFrom(training.metrics, 'metrics', where);
    const weightedMetrics = metricsFrom(training.weighted_metrics, 'weighted_metrics', where);
    const loss = lossFromConfig(training.loss as SavedObject | string, `${where}: trainingConfig.loss`);
    compile = { optimizer: optimizerFrom(training.optimizer_config, `${where}: trainingConfig`), loss, metrics, weightedMetrics };
  }
  let state: { iterations: number; slots: Float32Array } | undefined;
  const optimizerSpecs = specs.filter((s) => s.group === 'optimizer');
  if (optimizerSpecs.length > 0) {
    if (!compile) throw new ValueError(`${where}: optimizer weights without a trainingConfig`);
    const iter = byName.get('iter');
    if (!iter || iter.spec.shape.length !== 0) throw new ValueError(`${where}: optimizer weights need a scalar 'iter'`);
    const raw = new DataView(buffer, iter.offset, 4);
    const iterations = iter.spec.dtype === 'int32' ? raw.getInt32(0, true) : raw.getFloat32(0, true);
    if (!Number.isSafeInteger(iterations) || iterations < 0) throw new ValueError(`${where}: optimizer 'iter' must be a non-negative integer, got ${iterations}`);
    byName.delete('iter');
    // TensorFlow.js's optimizers make their slots at the first step: a file saved before it holds `iter` (0) alone.
    const untrained = iterations === 0 && optimizerSpecs.length === 1;
    const trainable = plan.weights.filter((w) => w.trainable);
    const parts: Float32Array[] = [];
    for (const { suffix, slot } of untrained ? [] : savedSlots(compile.optimizer)) {
      for (const w of trainable) {
        const name = `${w.name}/${suffix}`;
        if (slot !== undefined) parts.push(read(name, w.shape, 'optimizer weight'));
        else if (byName.has(name)) read(name, w.shape, 'optimizer weight'); // zeros TensorFlow.js keeps: checked, then dropped
      }
    }
    // TensorFlow.js's Momentum keeps a = μ·a + g and steps w −= lr·a; Keras's SGD (neurasm's) keeps v = μ·v − lr·g and
    // steps w += v: the same state as v = −lr·a at a constant rate. (neurasm's own files hold v: see toArtifacts.)
    const optimizer = compile.optimizer;
    const fromTfjs = isObject(training) && isObject(training.optimizer_config) && training.optimizer_config.class_name === 'Momentum'
      && !(typeof artifacts.generatedBy === 'string' && artifacts.generatedBy.startsWith('neurasm'));
    if (fromTfjs && optimizer instanceof SGD && optimizer.momentum > 0) {
      const lr = Math.fround(optimizer.learningRateSchedule?.value(iterations) ?? optimizer.learningRate);
      for (const part of parts) for (let i = 0; i < part.length; i++) part[i] = Math.fround(-lr * part[i]!);
    }
    if (!untrained) state = { iterations, slots: parts.length ? new Float32Array(joined(parts.map((p) => p.buffer as ArrayBuffer))) : new Float32Array(0) };
  }
  if (byName.size > 0) throw new ValueError(`${where}: weight '${[...byName.keys()][0]}' matches nothing in the model`);

  // Everything checked: only now is anything allocated.
  const model = build(plan, options);
  try {
    model.setWeights(weights);
    if (compile) model.compile(compile);
    if (state) model.setOptimizerSlots(state.slots, state.iterations);
  } catch (e) {
    model.dispose(); // e.g. a MemoryError in compile: nothing of the half-made model stays allocated
    throw e;
  }
  return model;
}

/**
 * A model from a topology alone (`model.toJSON()` or `modelTopology` of a model.json), freshly initialised.
 * Options: `maxBytes` (default 64 MiB here, see LoadOptions.maxBytes) and `seed`.
 */
export function modelFromJSON(json: string | Record<string, unknown>, options?: Pick<LoadOptions, 'maxBytes' | 'seed'> | null): Sequential {
  const where = 'modelFromJSON()';
  const o = readLoadOptions(options, TOPOLOGY_KEYS, where);
  let topology: unknown = json;
  if (typeof json === 'string') {
    try {
      topology = JSON.parse(json);
    } catch (e) {
      throw new ValueError(`${where}: not JSON: ${(e as Error).message}`);
    }
  }
  if (isObject(topology) && isObject(topology.modelTopology)) topology = topology.modelTopology; // a whole model.json
  const maxBytes = o.maxBytes ?? DEFAULT_TOPOLOGY_MAX_BYTES;
  const limit = o.maxBytes === undefined ? `the maxBytes limit, ${maxBytes} by default here: pass a larger maxBytes to build a model this big from a topology alone` : 'the maxBytes limit';
  return build(planModel(topology, where, maxBytes, limit), o);
}

/**
 * Load options, checked: null means none; a key not in `keys`, or a maxBytes or seed of the wrong kind, is a
 * ValueError. The fetch options (signal, requestInit, fetchFunc) are checked where they are used (io.ts).
 */
export function readLoadOptions(value: unknown, keys: readonly (keyof LoadOptions)[], where: string): LoadOptions {
  const options = readOptions(value as LoadOptions, keys, where);
  if (options.maxBytes !== undefined && !(Number.isSafeInteger(options.maxBytes) && options.maxBytes > 0)) {
    throw new ValueError(`${where}: maxBytes must be a positive integer, got ${describe(options.maxBytes)}`);
  }
  if (options.seed !== undefined && !(Number.isSafeInteger(options.seed) && options.seed >= 0)) {
    throw new ValueError(`${where}: seed must be a non-negative integer, got ${describe(options.seed)}`);
  }
  return options;
}

function build(plan: ModelPlan, options: LoadOptions): Sequential {
  return new Sequential(plan.layers, { name: plan.name, seed: options.seed });
}
