// Saving and loading in the TensorFlow.js Layers format, checked against the real TensorFlow.js 4.22 both ways:
// (1) models trained here load in tf.loadLayersModel and predict within 1e-6; (2) models TF.js trained and
// saved load here (TF.js's own dialect and the Python converter's) and train on; (3) save → load → save is
// byte-identical and resumes training bit-identically with the optimizer state; (4) one table of corrupted and
// hostile inputs, each rejected with its error class and message before anything is allocated; (5) toJSON /
// modelFromJSON; (6) file:// paths as TF.js reads them, file system and network failures (ValueError or
// IOError, no half-written model), cancellation and fetchFunc, options, odd arguments, loading as a
// transaction. The browser's storage, URL and File sources are in saving.browser.test.ts.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import {
  Activation, Adam, AdamW, Dense, Dropout, RMSprop, SGD, Sequential, ShapeError, ValueError, loadModel, modelFromJSON, tensor,
  type ActivationName, type ErrorData, type LoadOptions, type ModelArtifacts, type ModelSource, type Optimizer,
  type WeightSpec,
} from '../src/index.js';
import { arena } from '../src/arena.js';
import { IOError, MemoryError } from '../src/errors.js';
import { VERSION } from '../src/version.js';
import { disposeAfterEach, labels, mulberry32, oneHot, randn } from './helpers.js';

// ───────────────────────────── shared data and tools ─────────────────────────────

/**
 * "Predicts within 1e-6": |neurasm − TF.js| ≤ 1e-6 · max(1, |TF.js|) at every output, on inputs like the
 * training data. Absolute below 1; above it relative, because float32 carries 24 bits: at |y| ≥ 8 one ulp is
 * already ~1e-6, and two libraries that sum in different orders differ by an ulp or two.
 */
const PREDICT_TOL = 1e-6;
/**
 * The same on std-4 inputs, where pre-activations reach ±15 and partial sums cancel: rounding differences of
 * the large partial sums then show in small outputs (measured up to ~1e-6 on a three-layer linear stack). A
 * wrong formula in an activation's tail (softplus, gelu, selu, …) would be off by far more than this.
 */
const TAIL_TOL = 1e-5;

const ROWS = 48;
const FEATURES = 5;
const CLASSES = 3;
// Labels with a signal (the largest of the first three features, sometimes flipped), so "trains further"
// means learning something rather than memorising noise: the loss falls reliably, whatever TF.js's
// unseeded initialisation and shuffling did before.
const dataRng = mulberry32(2024);
const xData = randn(ROWS * FEATURES, dataRng);
const noise = labels(ROWS, CLASSES, dataRng);
const yData = oneHot(Array.from({ length: ROWS }, (_, r) => {
  const row = xData.subarray(r * FEATURES, r * FEATURES + CLASSES);
  return r % 6 === 5 ? noise[r]! : row.indexOf(Math.max(...row));
}), CLASSES);
const X = tensor(xData, [ROWS, FEATURES]);
const Y = tensor(yData, [ROWS, CLASSES]);
// Inputs to compare predictions on, like the training data (std 1); and std 4, to see every activation in
// its saturated tails too (see TAIL_TOL).
const xpData = randn(64 * FEATURES, mulberry32(99), 1);
const XP = tensor(xpData, [64, FEATURES]);
const xtData = randn(64 * FEATURES, mulberry32(98), 4);
const XT = tensor(xtData, [64, FEATURES]);
const tfX = () => tf.tensor2d(xData, [ROWS, FEATURES]);
const tfY = () => tf.tensor2d(yData, [ROWS, CLASSES]);
const tfXP = () => tf.tensor2d(xpData, [64, FEATURES]);
const tfXT = () => tf.tensor2d(xtData, [64, FEATURES]);

const root = mkdtempSync(join(tmpdir(), 'neurasm-saving-'));
let dirs = 0;
/** A fresh directory under the suite's temporary root. */
function tmp(): string {
  const dir = join(root, `d${dirs++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

// Every model a test makes is disposed after it, so no model is garbage-collected (and its arena blocks
// released) in the middle of a later test that compares arena.bytesInUse before and after.
const own = disposeAfterEach();

const measured: Array<{ label: string; abs: number; scaled: number }> = [];
/**
 * Largest |ours − theirs| / max(1, |theirs|), the quantity bounded by PREDICT_TOL; records it and the largest
 * absolute difference under `label` for the summary printed at the end.
 */
function maxDiff(ours: ArrayLike<number>, theirs: ArrayLike<number>, label?: string): number {
  expect(ours.length).toBe(theirs.length);
  let abs = 0;
  let scaled = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i]! - theirs[i]!);
    abs = Math.max(abs, d);
    scaled = Math.max(scaled, d / Math.max(1, Math.abs(theirs[i]!)));
  }
  if (label) measured.push({ label, abs, scaled });
  return scaled;
}

function concatBytes(parts: ArrayLike<number>[] | Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const bytesOfView = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
const bytesOfData = (d: ArrayBuffer | ArrayBuffer[]) => concatBytes((Array.isArray(d) ? d : [d]).map((b) => new Uint8Array(b)));
/** All of a model's weights as one byte string, for bit-for-bit comparisons. */
const weightBytes = (m: Sequential) => concatBytes(m.getWeights().map((w) => bytesOfView(w.data)));
const tfWeightBytes = (m: tf.LayersModel) => concatBytes(m.getWeights().map((w) => bytesOfView(w.dataSync() as Float32Array)));
const tfPredict = (m: tf.LayersModel, x: tf.Tensor) => (m.predict(x) as tf.Tensor).dataSync() as Float32Array;
/** The loss alone, whether or not the model has metrics. */
const lossOf = (m: Sequential) => m.evaluate(X, Y)[0]!;

/**
 * model.json and its weight files, as TF.js's own file handler would hand them to tf.loadLayersModel. Pure
 * @tensorflow/tfjs has no file:// IO handler (that is tfjs-node's), so the files are read here, the shards
 * concatenated in manifest order, and the result given to tf.io.fromMemory: the same artifacts
 * `tf.loadLayersModel('file://…/model.json')` would build.
 */
function tfArtifactsFromDir(dir: string): tf.io.ModelArtifacts {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object; weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
    format?: string; generatedBy?: string; convertedBy?: string | null; trainingConfig?: tf.io.TrainingConfig;
  };
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const data = concatBytes(paths.map((p) => new Uint8Array(readFileSync(join(dir, p)))));
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: data.buffer,
    format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
  };
  if (json.trainingConfig) artifacts.trainingConfig = json.trainingConfig;
  return artifacts;
}

/** What `tfModel.save` writes, captured in memory. */
async function tfSave(model: tf.LayersModel, includeOptimizer = false): Promise<ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer });
  return captured as unknown as ModelArtifacts;
}

/** The optimizer weights in saved artifacts, by name, as numbers (iter is int32). */
function savedOptimizerWeights(a: ModelArtifacts): Array<{ name: string; values: number[] }> {
  const data = bytesOfData(a.weightData);
  let at = 0;
  const out: Array<{ name: string; values: number[] }> = [];
  for (const s of a.weightSpecs) {
    const n = s.shape.reduce((x, y) => x * y, 1);
    const bytes = data.slice(at, at + n * 4).buffer;
    at += n * 4;
    if (s.group === 'optimizer') out.push({ name: s.name, values: Array.from(s.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes)) });
  }
  return out;
}

/** Reads the optimizer's weights TF.js holds (iter first, then the slots), as flat numbers. */
async function tfOptimizerState(model: tf.LayersModel): Promise<Array<{ name: string; values: number[] }>> {
  const ws = await model.optimizer.getWeights();
  return ws.map((w) => ({ name: w.name, values: Array.from(w.tensor.dataSync()) }));
}

beforeAll(async () => {
  tf.enableProdMode(); // silences the "install tfjs-node" banner; numerics are unchanged
  await tf.setBackend('cpu');
  await tf.ready();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  if (measured.length) {
    const f = (x: number) => x.toExponential(2);
    console.log(`saving.test: neurasm vs TF.js predictions, max |diff| (max |diff|/max(1,|y|)): ${measured.map((m) => `${m.label} ${f(m.abs)} (${f(m.scaled)})`).join('; ')}`);
  }
});

it("src/version.ts's VERSION is package.json's version, and saved models say so", async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
  const m = own(new Sequential([new Dense(2, { inputDim: 3 })]));
  expect((await m.save()).generatedBy).toBe(`neurasm ${pkg.version}`);
});

// ───────────────────────────── (1) neurasm → TensorFlow.js ─────────────────────────────

// Activations neurasm and TF.js 4.22 both have as an activation *string*, computing the same function. (TF.js reads
// 'hard_sigmoid' as Keras 2's 0.2x + 0.5, not Keras 3's: save() warns, see 'model.toJSON() and modelFromJSON()'.)
// neurasm's leakyRelu has no TF.js activation string (TF.js has only a LeakyReLU layer), so a model using it cannot
// load in TF.js: see the test below.
const SHARED_ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'swish', 'gelu'] as const satisfies readonly ActivationName[];

describe('neurasm → TensorFlow.js: trained here, saved to a directory, loaded by tf.loadLayersModel', () => {
  it('TF.js 4.22 knows every activation of the table, and has no leaky_relu activation string', () => {
    for (const activation of SHARED_ACTIVATIONS) expect(() => tf.layers.dense({ units: 1, activation })).not.toThrow();
    expect(() => tf.layers.dense({ units: 1, activation: 'leaky_relu' as 'relu' })).toThrow(/Unknown activation: leaky_relu/);
  });

  it.each(SHARED_ACTIVATIONS)('Dense stack with %s predicts within 1e-6 of neurasm, with the same weight bits', async (activation) => {
    const model = own(new Sequential([
      new Dense(12, { inputDim: FEATURES, activation }), new Dense(7, { activation }), new Dense(CLASSES, { activation }),
    ], { seed: 11 }));
    model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'meanSquaredError', metrics: ['mae'] });
    const initial = weightBytes(model);
    await model.fit(X, Y, { epochs: 3, batchSize: 16, verbose: 0 });
    expect(weightBytes(model)).not.toEqual(initial); // trained, not just initialised
    const dir = tmp();
    await model.save(dir);

    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(tfArtifactsFromDir(dir)));
    expect(tfModel.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Dense', 'Dense']);
    expect(tfModel.layers.map((l) => l.getConfig().activation)).toEqual([activation, activation, activation]);
    expect(tfWeightBytes(tfModel)).toEqual(weightBytes(model));
    const [x, xt] = [tfXP(), tfXT()];
    expect(maxDiff(model.predict(XP).data, tfPredict(tfModel, x), activation)).toBeLessThanOrEqual(PREDICT_TOL);
    expect(maxDiff(model.predict(XT).data, tfPredict(tfModel, xt), `${activation} (std-4 inputs)`)).toBeLessThanOrEqual(TAIL_TOL);
    tf.dispose([x, xt]);
    tfModel.dispose();
  });

  it('with Activation and Dropout layers (inference: Dropout passes through in both)', async () => {
    const model = own(new Sequential([
      new Dense(16, { inputDim: FEATURES }), new Activation('relu'), new Dropout(0.3),
      new Dense(8, { activation: 'tanh' }), new Dropout(0.2), new Dense(CLASSES), new Activation('softmax'),
    ], { seed: 12 }));
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(X, Y, { epochs: 4, batchSize: 8, verbose: 0 });
    const dir = tmp();
    await model.save(dir);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(tfArtifactsFromDir(dir)));
    expect(tfModel.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Activation', 'Dropout', 'Dense', 'Dropout', 'Dense', 'Activation']);
    expect(tfModel.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect((tfModel.layers[2]!.getConfig() as { rate: number }).rate).toBe(0.3);
    const x = tfXP();
    expect(maxDiff(model.predict(XP).data, tfPredict(tfModel, x), 'Dense/Activation/Dropout')).toBeLessThanOrEqual(PREDICT_TOL);
    // The trainingConfig was saved and TF.js compiled the model from it.
    expect(tfModel.optimizer.getClassName()).toBe('Adam');
    tf.dispose([x]);
    tfModel.dispose();
  });

  it('a model using leakyRelu cannot load in TF.js (no activation string there): a documented limitation', async () => {
    const model = own(new Sequential([new Dense(4, { inputDim: FEATURES, activation: 'leakyRelu' })], { seed: 1 }));
    const artifacts = await model.save();
    expect(JSON.stringify(artifacts.modelTopology)).toContain('"activation":"leaky_relu"'); // Keras's spelling
    await expect(tf.loadLayersModel(tf.io.fromMemory(artifacts as unknown as tf.io.ModelArtifacts))).rejects.toThrow(/Unknown activation: leakyRelu/); // TF.js camel-cases the name it read
  });

  // With includeOptimizer the optimizer's state goes along; TF.js sets it on the optimizer it compiles from the
  // trainingConfig, by position (iter, then each slot kind for every weight). TF.js must hold what was saved,
  // name for name, and train on from it.
  const OPTIMIZERS: Array<{ name: string; make: () => Optimizer; tfClass: string }> = [
    { name: 'Adam', make: () => new Adam({ learningRate: 0.01 }), tfClass: 'Adam' },
    { name: 'SGD', make: () => new SGD({ learningRate: 0.1 }), tfClass: 'SGD' },
    // (SGD with momentum: TF.js keeps another quantity, so its state is written for TF.js to refuse: see below.)
    { name: 'RMSprop', make: () => new RMSprop({ learningRate: 0.01 }), tfClass: 'RMSProp' },
    { name: 'RMSprop momentum', make: () => new RMSprop({ learningRate: 0.01, momentum: 0.5 }), tfClass: 'RMSProp' },
  ];

  it.each(OPTIMIZERS)('with includeOptimizer ($name): TF.js holds the saved state and trains on', async ({ make, tfClass }) => {
    const model = own(new Sequential([new Dense(6, { inputDim: FEATURES, activation: 'tanh' }), new Dense(CLASSES, { activation: 'softmax' })], { seed: 13 }));
    model.compile({ optimizer: make(), loss: 'categoricalCrossentropy' });
    await model.fit(X, Y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    const dir = tmp();
    const saved = await model.save(dir, { includeOptimizer: true });

    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(tfArtifactsFromDir(dir)));
    expect(tfModel.optimizer.getClassName()).toBe(tfClass);
    const state = await tfOptimizerState(tfModel);
    expect(state[0]).toEqual({ name: 'iter', values: [model.optimizer!.iterations] });
    expect(state).toEqual(savedOptimizerWeights(saved));
    const x = tfX();
    const y = tfY();
    const history = await tfModel.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    expect((history.history.loss as number[]).every(Number.isFinite)).toBe(true);
    tf.dispose([x, y]);
    tfModel.dispose();
  });

  it("a loss or metrics TF.js cannot compile: TF.js loads the model with what it can (a saving audit: it refused the whole model), neurasm restores all", async () => {
    for (const [loss, metrics, tfLoss, tfMetrics] of [
      ['huber', ['accuracy', 'auc'], undefined, undefined],
      ['categoricalCrossentropy', ['accuracy', 'auc', 'recall'], 'categoricalCrossentropy', ['accuracy']],
      ['logCosh', ['mae', 'meanSquaredError'], 'logcosh', ['mae']],
      ['klDivergence', [], 'kullbackLeiblerDivergence', []],
      ['cosineSimilarity', ['r2Score'], 'cosineProximity', []],
    ] as const) {
      const model = own(new Sequential([new Dense(CLASSES, { inputDim: FEATURES, activation: 'softmax' })], { seed: 3 }));
      model.compile({ optimizer: 'adam', loss, metrics: [...metrics], weightedMetrics: ['accuracy'] });
      await model.fit(X, Y, { epochs: 1, batchSize: 16, verbose: 0 });
      const dir = tmp();
      await model.save(dir, { includeOptimizer: true });
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { trainingConfig?: { loss: string; metrics: string[] }; userDefinedMetadata?: unknown };
      expect(json.trainingConfig?.loss, loss).toBe(tfLoss);
      expect(json.trainingConfig?.metrics, loss).toEqual(tfMetrics);
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory(tfArtifactsFromDir(dir)));
      expect(tfModel.optimizer != null, loss).toBe(tfLoss !== undefined);
      tfModel.dispose();
      const back = own(await loadModel(dir));
      expect(back.metricsNames, loss).toEqual(model.metricsNames);
      expect(Array.from(back.getOptimizerSlots()), loss).toEqual(Array.from(model.getOptimizerSlots()));
      expect(back.trainingConfig!.loss.className, loss).toBe(model.trainingConfig!.loss.className);
    }
  });

  it('a model compiled with AdamW (an optimizer TF.js lacks) still loads in TF.js and predicts within 1e-6', async () => {
    const model = own(new Sequential([new Dense(6, { inputDim: FEATURES, activation: 'tanh' }), new Dense(CLASSES, { activation: 'softmax' })], { seed: 14 }));
    model.compile({ optimizer: new AdamW({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    await model.fit(X, Y, { epochs: 2, batchSize: 16, verbose: 0 });
    const dir = tmp();
    await model.save(dir);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(tfArtifactsFromDir(dir)));
    const x = tfXP();
    expect(maxDiff(model.predict(XP).data, tfPredict(tfModel, x))).toBeLessThanOrEqual(PREDICT_TOL);
    tf.dispose([x]);
    tfModel.dispose();
    // And neurasm itself still reads it back as AdamW.
    expect(own(await loadModel(dir)).optimizer).toBeInstanceOf(AdamW);
  });
});

// ───────────────────────────── (2) TensorFlow.js → neurasm ─────────────────────────────

type TfInit = 'randomNormal' | undefined;

/** 5 → Dense(8, relu) → Dropout(0.25) → Dense(3, softmax) in TF.js, with the given kernel initialiser. */
/**
 * Runs `f` with Math.random seeded. NOTE: TF.js draws initial weights, dropout masks and shuffles from it, so a
 * model TF.js trains (and whether more epochs in neurasm then lower its loss) is otherwise new on every run.
 */
async function withSeededRandom(seed: number, f: () => Promise<void>): Promise<void> {
  const random = vi.spyOn(Math, 'random').mockImplementation(mulberry32(seed));
  try {
    await f();
  } finally {
    random.mockRestore();
  }
}

function tfClassifier(kernelInitializer: TfInit): tf.Sequential {
  const init = kernelInitializer ? { kernelInitializer } : {};
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'relu', inputShape: [FEATURES], ...init }),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.dense({ units: CLASSES, activation: 'softmax', ...init }),
    ],
  });
}

// TF.js serialises *every* variance-scaling initialiser (its Dense default glorotNormal, and glorotUniform,
// heNormal, … when asked for) as `{ class_name: 'VarianceScaling', config: { scale, mode, distribution } }`;
// RandomNormal stays RandomNormal. A model as TF.js builds it by default is the case that matters; the
// RandomNormal variant exercises the rest of the path independently of how initialisers are read.
const TF_VARIANTS: Array<{ name: string; init: TfInit }> = [
  { name: 'TF.js defaults: kernels glorotNormal, saved as VarianceScaling', init: undefined },
  { name: 'kernels RandomNormal', init: 'randomNormal' },
];

describe.each(TF_VARIANTS)('TensorFlow.js → neurasm: built, trained and saved by TF.js ($name)', ({ init }) => {
  let tfModel: tf.Sequential;
  let plain: ModelArtifacts;
  let withOptimizer: ModelArtifacts;
  let tfPredictions: Float32Array;

  beforeAll(async () => {
    await withSeededRandom(7, async () => {
      tfModel = tfClassifier(init);
      tfModel.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const [x, y, xp] = [tfX(), tfY(), tfXP()];
      await tfModel.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0 });
      plain = await tfSave(tfModel);
      withOptimizer = await tfSave(tfModel, true);
      tfPredictions = tfPredict(tfModel, xp);
      tf.dispose([x, y, xp]);
    });
  });
  afterAll(() => tfModel.dispose());

  it('what TF.js wrote is its own dialect', () => {
    expect(plain.weightSpecs.map((s) => s.name)).toEqual(tfModel.weights.map((w) => w.originalName));
    expect(plain.weightSpecs[0]!.name).toMatch(/^dense_Dense\d+\/kernel$/);
    expect(plain.trainingConfig).toBeUndefined(); // TF.js writes the training config only with includeOptimizer
    expect(withOptimizer.trainingConfig?.optimizer_config.class_name).toBe('Adam');
  });

  it('loads, predicts within 1e-6 of TF.js with the same weight bits, and trains once compiled', async () => {
    const model = own(await loadModel(plain, { seed: 1 }));
    expect(model.layers.map((l) => l.className)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(model.layers.map((l) => l.name)).toEqual(tfModel.layers.map((l) => l.name));
    expect(weightBytes(model)).toEqual(tfWeightBytes(tfModel));
    expect(maxDiff(model.predict(XP).data, tfPredictions, `TF.js→neurasm (${init ?? 'default'})`)).toBeLessThanOrEqual(PREDICT_TOL);
    expect(model.optimizer).toBeUndefined();
    model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    const before = lossOf(model);
    await model.fit(X, Y, { epochs: 10, batchSize: 16, verbose: 0 });
    expect(lossOf(model)).toBeLessThan(before);
  });

  it("with includeOptimizer: compiled from TF.js's trainingConfig, Adam's state restored, trains further", async () => {
    const model = own(await loadModel(withOptimizer, { seed: 5 }));
    expect(model.seed).toBe(5);
    expect(maxDiff(model.predict(XP).data, tfPredictions)).toBeLessThanOrEqual(PREDICT_TOL);
    const optimizer = model.optimizer!;
    expect(optimizer).toBeInstanceOf(Adam);
    expect(optimizer.getConfig()).toMatchObject({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(model.metricsNames).toEqual(['loss', 'accuracy']);
    // iter, m and v are TF.js's, to the bit.
    const state = await tfOptimizerState(tfModel);
    expect(optimizer.iterations).toBe(state[0]!.values[0]);
    expect(optimizer.iterations).toBe(4 * Math.ceil(ROWS / 16));
    expect(Array.from(model.getOptimizerSlots())).toEqual(state.slice(1).flatMap((s) => s.values));
    const before = lossOf(model);
    const history = await model.fit(X, Y, { epochs: 10, batchSize: 16, verbose: 0 });
    expect(lossOf(model)).toBeLessThan(before);
    expect(history.history.loss!.at(-1)!).toBeLessThan(history.history.loss![0]!);
    expect(optimizer.iterations).toBe(14 * Math.ceil(ROWS / 16));
  });
});

describe('TensorFlow.js → neurasm: the optimizers TF.js saves with includeOptimizer', () => {
  // Kernels RandomNormal here, so that each row checks only its optimizer.
  const ROWS_: Array<{ name: string; make: () => tf.Optimizer; expected: Record<string, unknown> }> = [
    { name: 'adam', make: () => tf.train.adam(0.02), expected: { name: 'Adam', learningRate: 0.02 } },
    { name: 'sgd', make: () => tf.train.sgd(0.1), expected: { name: 'SGD', learningRate: 0.1, momentum: 0 } },
    { name: 'momentum', make: () => tf.train.momentum(0.05, 0.9), expected: { name: 'SGD', learningRate: 0.05, momentum: 0.9, nesterov: false } },
    { name: 'momentum (Nesterov)', make: () => tf.train.momentum(0.05, 0.9, true), expected: { name: 'SGD', learningRate: 0.05, momentum: 0.9, nesterov: true } },
    { name: 'rmsprop', make: () => tf.train.rmsprop(0.01), expected: { name: 'RMSprop', learningRate: 0.01, rho: 0.9, momentum: 0 } },
    { name: 'rmsprop with momentum', make: () => tf.train.rmsprop(0.01, 0.9, 0.5), expected: { name: 'RMSprop', momentum: 0.5 } },
  ];

  it.each(ROWS_)('$name: loads compiled, with the state TF.js had, and trains further', async ({ make, expected }) => {
    let artifacts: ModelArtifacts | undefined;
    let state: Awaited<ReturnType<typeof tfOptimizerState>> = [];
    await withSeededRandom(11, async () => {
      const tfModel = tfClassifier('randomNormal');
      tfModel.compile({ optimizer: make(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const [x, y] = [tfX(), tfY()];
      await tfModel.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
      artifacts = await tfSave(tfModel, true);
      state = await tfOptimizerState(tfModel);
      tf.dispose([x, y]);
      tfModel.dispose();
    });

    const model = own(await loadModel(artifacts!, { seed: 1 }));
    expect(model.optimizer!.getConfig()).toMatchObject(expected);
    expect(model.optimizer!.iterations).toBe(state[0]!.values[0]);
    const before = lossOf(model);
    await model.fit(X, Y, { epochs: 8, batchSize: 16, verbose: 0 });
    expect(lossOf(model)).toBeLessThan(before);
  });

  it("momentum: TF.js's accumulator becomes Keras's velocity, so training goes on as TF.js's would (a saving audit: w 3.428 against 0.062)", async () => {
    for (const nesterov of [false, true]) {
      // One weight, lr 0.1, μ 0.9, three steps on loss (w − 1)²/1 from w = 0: one in TF.js, then two more in each library.
      const make = () => {
        const t = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' })] });
        t.compile({ optimizer: tf.train.momentum(0.1, 0.9, nesterov), loss: 'meanSquaredError' });
        return t;
      };
      const [x, y] = [tf.tensor2d([[1]]), tf.tensor2d([[1]])];
      const t = make();
      await t.fit(x, y, { epochs: 1, batchSize: 1, verbose: 0 });
      const artifacts = await tfSave(t, true);
      await t.fit(x, y, { epochs: 2, batchSize: 1, verbose: 0 });
      const tfWeight = t.getWeights()[0]!.dataSync()[0]!;
      const model = own(await loadModel(artifacts));
      await model.fit([[1]], [[1]], { epochs: 2, batchSize: 1, verbose: 0 });
      expect(model.getWeights()[0]!.data[0]).toBeCloseTo(tfWeight, 6);
      tf.dispose([x, y]);
      t.dispose();
    }
  });

  it('a TF.js model saved with includeOptimizer before any step (only iter: no slots yet) loads, its optimizer fresh', async () => {
    const tfModel = tfClassifier('randomNormal');
    tfModel.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const artifacts = await tfSave(tfModel, true);
    tfModel.dispose();
    expect(artifacts.weightSpecs!.filter((s) => s.group === 'optimizer').map((s) => s.name)).toEqual(['iter']);
    const model = own(await loadModel(artifacts));
    expect(model.optimizer!.iterations).toBe(0);
    const before = lossOf(model);
    await model.fit(X, Y, { epochs: 4, batchSize: 16, verbose: 0 });
    expect(lossOf(model)).toBeLessThan(before);
  });

  it("neurasm's SGD momentum state is written so that TF.js refuses it rather than take it for its accumulator; neurasm reads it back", async () => {
    const model = own(new Sequential([new Dense(CLASSES, { inputDim: FEATURES, activation: 'softmax' })], { seed: 2 }));
    model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
    await model.fit(X, Y, { epochs: 1, batchSize: 16, verbose: 0 });
    const artifacts = await model.save(undefined, { includeOptimizer: true });
    expect(artifacts.trainingConfig!.optimizer_config).toMatchObject({ class_name: 'SGD', config: { kerasClassName: 'SGD', momentum: 0.9 } });
    await expect(tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts))).rejects.toThrow(/SGD optimizer does not have settable weights/);
    const back = own(await loadModel(artifacts));
    expect(back.optimizer!.getConfig()).toMatchObject({ name: 'SGD', momentum: 0.9 });
    expect(Array.from(back.getOptimizerSlots())).toEqual(Array.from(model.getOptimizerSlots()));
    const plain = await model.save(); // without the state TF.js loads it, and would train with its Momentum
    expect(plain.trainingConfig!.optimizer_config).toMatchObject({ class_name: 'Momentum' });
    (await tf.loadLayersModel(tf.io.fromMemory(plain as tf.io.ModelArtifacts))).dispose();
  });

  it('a TF.js model compiled without metrics (TF.js writes `metrics: {}`) loads', async () => {
    const tfModel = tfClassifier('randomNormal');
    tfModel.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const artifacts = await tfSave(tfModel, true);
    tfModel.dispose();
    expect(artifacts.trainingConfig?.metrics).toEqual({}); // sic: an empty object, not a list
    const model = own(await loadModel(artifacts));
    expect(model.metricsNames).toEqual(['loss']);
  });
});

// ───── the Python converter's dialect ─────

/** A Keras 3 DTypePolicy as `model.to_json()` writes it. */
const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const glorot = { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null };
const zeros = { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null };

/** The classifier's topology as Keras 3 writes it (InputLayer with `batch_shape`, dtype policies, modules). */
function keras3Topology() {
  const dense = (name: string, units: number, activation: string, inputs: number) => ({
    module: 'keras.layers', class_name: 'Dense', registered_name: null, build_config: { input_shape: [null, inputs] },
    config: {
      name, trainable: true, dtype: policy, units, activation, use_bias: true, kernel_initializer: glorot, bias_initializer: zeros,
      kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null,
    },
  });
  return {
    module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, FEATURES] },
    config: {
      name: 'sequential', trainable: true, dtype: policy,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, config: { batch_shape: [null, FEATURES], dtype: 'float32', sparse: false, name: 'input_layer' } },
        dense('dense', 8, 'relu', FEATURES),
        { module: 'keras.layers', class_name: 'Dropout', registered_name: null, config: { name: 'dropout', trainable: true, dtype: policy, rate: 0.25, seed: null, noise_shape: null } },
        dense('dense_1', CLASSES, 'softmax', 8),
      ],
    },
  };
}

/** The same as Keras 2 writes it (`batch_input_shape`, plain dtype strings). */
function keras2Topology() {
  const dense = (name: string, units: number, activation: string) => ({
    class_name: 'Dense',
    config: {
      name, trainable: true, dtype: 'float32', units, activation, use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
    },
  });
  return {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, FEATURES], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' } },
        dense('dense', 8, 'relu'),
        { class_name: 'Dropout', config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.25, noise_shape: null, seed: null } },
        dense('dense_1', CLASSES, 'softmax'),
      ],
    },
  };
}

const KERAS_DIALECTS = [
  { name: 'Keras 3 (InputLayer batch_shape)', topology: keras3Topology, version: '3.6.0' },
  { name: 'Keras 2 (InputLayer batch_input_shape)', topology: keras2Topology, version: '2.15.0' },
];

describe('TensorFlow.js → neurasm: the Python converter dialect, on disk in two shards', () => {
  let tfModel: tf.Sequential;
  let artifacts: ModelArtifacts;
  let tfPredictions: Float32Array;

  beforeAll(async () => {
    await withSeededRandom(13, async () => {
      tfModel = tfClassifier(undefined);
      tfModel.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const [x, y, xp] = [tfX(), tfY(), tfXP()];
      await tfModel.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
      artifacts = await tfSave(tfModel);
      tfPredictions = tfPredict(tfModel, xp);
      tf.dispose([x, y, xp]);
    });
  });
  afterAll(() => tfModel.dispose());

  /**
   * TF.js's artifacts rewritten as tensorflowjs_converter writes a Keras model: the topology wrapped in
   * `{ keras_version, backend, model_config, training_config }`, weights renamed `dense/kernel`, … to match the
   * Keras layer names, the byte stream cut (mid-tensor, as the converter's fixed-size shards are) into
   * group1-shard1of2.bin and group1-shard2of2.bin. `order` lists the weights in a different order than the
   * topology's, to show weights are matched by name.
   */
  function writeConverted(topology: object, version: string, reorder: boolean): string {
    const rename: Record<string, string> = {};
    const tfDense = tfModel.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.name);
    tfDense.forEach((n, i) => {
      const keras = i === 0 ? 'dense' : `dense_${i}`;
      rename[`${n}/kernel`] = `${keras}/kernel`;
      rename[`${n}/bias`] = `${keras}/bias`;
    });
    const all = new Uint8Array(artifacts.weightData as ArrayBuffer);
    let at = 0;
    let entries = artifacts.weightSpecs.map((s) => {
      const n = s.shape.reduce((a, b) => a * b, 1) * 4;
      const e = { spec: { name: rename[s.name]!, shape: s.shape, dtype: s.dtype }, bytes: all.slice(at, at + n) };
      at += n;
      return e;
    });
    if (reorder) entries = [...entries].reverse();
    const stream = concatBytes(entries.map((e) => e.bytes));
    const cut = 37; // inside the first weight's bytes
    const dir = tmp();
    writeFileSync(join(dir, 'group1-shard1of2.bin'), stream.subarray(0, cut));
    writeFileSync(join(dir, 'group1-shard2of2.bin'), stream.subarray(cut));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({
      format: 'layers-model', generatedBy: `keras v${version}`, convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: version, backend: 'tensorflow', model_config: topology,
        training_config: { loss: 'categorical_crossentropy', metrics: null, weighted_metrics: null, loss_weights: null, optimizer_config: { class_name: 'Adam', config: { name: 'adam', learning_rate: 0.01, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false } } },
      },
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: entries.map((e) => e.spec) }],
    }));
    return dir;
  }

  it.each(KERAS_DIALECTS)('$name: loadModel(dir) predicts within 1e-6 of TF.js', async ({ topology, version }) => {
    const dir = writeConverted(topology(), version, false);
    const model = own(await loadModel(dir, { seed: 1 }));
    expect(model.layers.map((l) => `${l.name} (${l.className})`)).toEqual(['dense (Dense)', 'dropout (Dropout)', 'dense_1 (Dense)']);
    expect(weightBytes(model)).toEqual(tfWeightBytes(tfModel));
    expect(maxDiff(model.predict(XP).data, tfPredictions, `converter ${version}`)).toBeLessThanOrEqual(PREDICT_TOL);
    // The same through model.json's path and a file:// URL.
    for (const source of [join(dir, 'model.json'), pathToFileURL(dir).href]) {
      const again = own(await loadModel(source));
      expect(weightBytes(again)).toEqual(weightBytes(model));
    }
    // It compiles and trains further.
    model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
    const before = lossOf(model);
    await model.fit(X, Y, { epochs: 10, batchSize: 16, verbose: 0 });
    expect(lossOf(model)).toBeLessThan(before);
  });

  it('weights are matched by name, whatever their order in the manifest', async () => {
    const dir = writeConverted(keras3Topology(), '3.6.0', true);
    const model = own(await loadModel(dir));
    expect(maxDiff(model.predict(XP).data, tfPredictions)).toBeLessThanOrEqual(PREDICT_TOL);
  });

  it("TF.js 4.22 itself reads the Keras 2 file but not Keras 3's batch_shape (the known failure neurasm reads past)", async () => {
    const keras2 = await tf.loadLayersModel(tf.io.fromMemory(tfArtifactsFromDir(writeConverted(keras2Topology(), '2.15.0', false))));
    const x = tfXP();
    expect(maxDiff(tfPredict(keras2, x), tfPredictions)).toBe(0);
    tf.dispose([x]);
    keras2.dispose();
    // The same file with only the InputLayer's batch_input_shape renamed batch_shape, as Keras 3 writes it.
    const topology = keras2Topology();
    const input = topology.config.layers[0]!.config as Record<string, unknown>;
    input.batch_shape = input.batch_input_shape;
    delete input.batch_input_shape;
    const dir = writeConverted(topology, '3.6.0', false);
    await expect(tf.loadLayersModel(tf.io.fromMemory(tfArtifactsFromDir(dir)))).rejects.toThrow(/An InputLayer should be passed either a `batchInputShape` or an `inputShape`/);
    expect(maxDiff(own(await loadModel(dir)).predict(XP).data, tfPredictions)).toBeLessThanOrEqual(PREDICT_TOL);
  });
});

// ───────────────────────────── (3) save → load → save ─────────────────────────────

function classifier(seed: number, name?: string): Sequential {
  return new Sequential([
    new Dense(8, { inputDim: FEATURES, activation: 'tanh', name: 'hidden' }),
    new Dense(CLASSES, { activation: 'softmax', name: 'out' }),
  ], { seed, name });
}

/** Everything in the artifacts but the bytes, which are compared as bytes. */
const shapeOf = (a: ModelArtifacts) => JSON.parse(JSON.stringify({ ...a, weightData: undefined })) as unknown;

describe('save → load → save is byte-identical', () => {
  it.each([
    { name: 'an uncompiled model', compile: false, includeOptimizer: false },
    { name: 'a compiled, trained model', compile: true, includeOptimizer: false },
    { name: 'with includeOptimizer', compile: true, includeOptimizer: true },
  ])('$name: model.json text, weights.bin bytes and the in-memory artifacts', async ({ compile, includeOptimizer }) => {
    const model = own(new Sequential([
      new Dense(8, { inputDim: FEATURES, activation: 'gelu', kernelInitializer: 'heNormal', kernelRegularizer: 'l2' }),
      new Dropout(0.1), new Activation('swish'), new Dense(CLASSES, { activation: 'softmax', useBias: false }),
    ], { seed: 21, name: 'round_trip' }));
    if (compile) {
      model.compile({ optimizer: new RMSprop({ learningRate: 0.005, momentum: 0.3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mse'] });
      await model.fit(X, Y, { epochs: 2, batchSize: 16, verbose: 0 });
    }
    const [d1, d2] = [tmp(), tmp()];
    const a1 = await model.save(d1, { includeOptimizer });
    const loaded = own(await loadModel(d1));
    const a2 = await loaded.save(d2, { includeOptimizer });
    expect(readFileSync(join(d2, 'model.json'), 'utf8')).toBe(readFileSync(join(d1, 'model.json'), 'utf8'));
    expect(readFileSync(join(d2, 'weights.bin'))).toEqual(readFileSync(join(d1, 'weights.bin')));
    expect(shapeOf(a2)).toEqual(shapeOf(a1));
    expect(bytesOfData(a2.weightData)).toEqual(bytesOfData(a1.weightData));
    // And in memory only, without a file in between.
    const a3 = await own(await loadModel(a1)).save(undefined, { includeOptimizer });
    expect(shapeOf(a3)).toEqual(shapeOf(a1));
    expect(bytesOfData(a3.weightData)).toEqual(bytesOfData(a1.weightData));
    expect(readFileSync(join(d1, 'weights.bin'))).toEqual(Buffer.from(bytesOfData(a1.weightData)));
  });

  // NOTE: bit-identical resumption needs the same batches: shuffle: false here. The models' random streams
  // (shuffling, dropout) are not part of the saved state, as in Keras, so a run that shuffles or has Dropout
  // continues differently after loading (even with the same seed: the original's stream has moved on).
  const RESUME: Array<{ name: string; make: () => Optimizer }> = [
    { name: 'Adam', make: () => new Adam({ learningRate: 0.01 }) },
    { name: 'SGD with momentum', make: () => new SGD({ learningRate: 0.1, momentum: 0.9 }) },
    { name: 'SGD with Nesterov momentum', make: () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }) },
    { name: 'RMSprop', make: () => new RMSprop({ learningRate: 0.01 }) },
    { name: 'RMSprop with momentum', make: () => new RMSprop({ learningRate: 0.01, momentum: 0.5 }) },
    { name: 'AdamW', make: () => new AdamW({ learningRate: 0.01 }) },
  ];

  it.each(RESUME)('$name: with includeOptimizer, training resumes bit-identically to the original continuing', async ({ make }) => {
    const fit = (m: Sequential) => m.fit(X, Y, { epochs: 3, batchSize: 10, shuffle: false, verbose: 0 });
    const original = own(classifier(31));
    original.compile({ optimizer: make(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await fit(original);
    const dir = tmp();
    const artifacts = await original.save(dir, { includeOptimizer: true });
    const fromDisk = own(await loadModel(dir));
    const fromMemory = own(await loadModel(artifacts));
    // Without the state: the same optimizer settings, started afresh.
    const fresh = own(await loadModel(await original.save()));
    fresh.compile({ optimizer: make(), loss: 'categoricalCrossentropy' });
    expect(fromDisk.optimizer!.iterations).toBe(original.optimizer!.iterations);

    const h = await fit(original);
    const hDisk = await fit(fromDisk);
    await fit(fromMemory);
    await fit(fresh);
    expect(weightBytes(fromDisk)).toEqual(weightBytes(original));
    expect(weightBytes(fromMemory)).toEqual(weightBytes(original));
    expect(bytesOfView(fromDisk.getOptimizerSlots())).toEqual(bytesOfView(original.getOptimizerSlots()));
    expect(hDisk.history).toEqual(h.history);
    expect(fromDisk.optimizer!.iterations).toBe(original.optimizer!.iterations);
    // The state mattered: starting it afresh gives other weights.
    expect(weightBytes(fresh)).not.toEqual(weightBytes(original));
  });
});

describe('targets and sources', () => {
  it('save() to a file:// URL writes the directory; weightData given as a list of shards loads', async () => {
    const model = own(classifier(35));
    const dir = tmp();
    const artifacts = await model.save(pathToFileURL(dir).href);
    expect(new Uint8Array(readFileSync(join(dir, 'weights.bin')))).toEqual(bytesOfData(artifacts.weightData));
    const bytes = bytesOfData(artifacts.weightData);
    const shards = [bytes.slice(0, 13).buffer, bytes.slice(13, 100).buffer, bytes.slice(100).buffer];
    expect(weightBytes(own(await loadModel({ ...artifacts, weightData: shards })))).toEqual(weightBytes(model));
  });

  // Browser storage does not exist in Node: a clear ValueError, like `save('file://…')` gives in a browser.
  it.each(['indexeddb://m', 'localstorage://m', 'downloads://m'])('save(%j) in Node rejects with a ValueError, not a ReferenceError', async (target) => {
    const model = own(classifier(36));
    const error = await model.save(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(/^save\(\): .*browser/);
  });

  it.each(['indexeddb://m', 'localstorage://m'])('loadModel(%j) in Node rejects with a ValueError, not a ReferenceError', async (source) => {
    const error = await loadModel(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(/^loadModel\(\): .*browser/);
  });
});

// ───────────────────────────── (4) corrupted and hostile inputs ─────────────────────────────

/** A copy of artifacts to corrupt: everything but the bytes through JSON, the bytes copied. */
interface Editable {
  modelTopology: any; // any: the rows reach into it freely
  weightSpecs: Array<WeightSpec & Record<string, unknown>>;
  weightData: ArrayBuffer;
  trainingConfig?: any;
}

let base: ModelArtifacts; // compiled with Adam, includeOptimizer: hidden/kernel [5,4], hidden/bias, out/kernel [4,3], out/bias, iter, …/m, …/v
let baseDir = '';

/** The table's base: a small model compiled with Adam, trained a little, saved with its optimizer state. */
async function makeBase(): Promise<void> {
  if (baseDir) return;
  const model = new Sequential([
    new Dense(4, { inputDim: FEATURES, activation: 'relu', name: 'hidden' }),
    new Dense(CLASSES, { activation: 'softmax', name: 'out' }),
  ], { seed: 41, name: 'base' });
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(X, Y, { epochs: 1, batchSize: 16, verbose: 0 });
  baseDir = tmp();
  base = await model.save(baseDir, { includeOptimizer: true });
  model.dispose();
}

function edit(from: ModelArtifacts, f: (a: Editable) => void = () => {}): Editable {
  const a = JSON.parse(JSON.stringify({ ...from, weightData: undefined })) as Editable;
  a.weightData = bytesOfData(from.weightData).buffer;
  f(a);
  return a;
}

/** Byte offset and length of each spec in the stream. */
function layout(specs: WeightSpec[]): Map<string, { at: number; bytes: number }> {
  const map = new Map<string, { at: number; bytes: number }>();
  let at = 0;
  for (const s of specs) {
    const bytes = s.shape.reduce((a, b) => a * b, 1) * 4;
    map.set(s.name, { at, bytes });
    at += bytes;
  }
  return map;
}

function splice(a: Editable, at: number, remove: number, insert: Uint8Array = new Uint8Array(0)): void {
  const old = new Uint8Array(a.weightData);
  a.weightData = concatBytes([old.subarray(0, at), insert, old.subarray(at + remove)]).buffer;
}

const withoutWeight = (name: string) => (a: Editable) => {
  const { at, bytes } = layout(a.weightSpecs).get(name)!;
  a.weightSpecs = a.weightSpecs.filter((s) => s.name !== name);
  splice(a, at, bytes);
};
const setValue = (name: string, index: number, value: number) => (a: Editable) => {
  const { at } = layout(a.weightSpecs).get(name)!;
  new DataView(a.weightData).setFloat32(at + index * 4, value, true);
};
const modelOnly = (a: Editable) => {
  const l = layout(a.weightSpecs);
  const model = a.weightSpecs.filter((s) => s.group !== 'optimizer');
  const end = model.reduce((n, s) => n + l.get(s.name)!.bytes, 0);
  a.weightSpecs = model.map(({ group: _group, ...s }) => s as WeightSpec & Record<string, unknown>);
  a.weightData = a.weightData.slice(0, end);
  delete a.trainingConfig;
};
/** Topology or training config through JSON text with `inject` spliced in after the first `at`. */
function viaText(value: unknown, at: string, inject: string): unknown {
  const text = JSON.stringify(value);
  const i = text.indexOf(at);
  expect(i).toBeGreaterThanOrEqual(0);
  return JSON.parse(text.slice(0, i + at.length) + inject + text.slice(i + at.length));
}
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

/** A copy of the saved directory, with model.json edited and files added or removed. */
function dirWith(edit: (json: any) => void, files: Record<string, Uint8Array | string | null> = {}): string {
  const dir = tmp();
  const json = JSON.parse(readFileSync(join(baseDir, 'model.json'), 'utf8')) as unknown;
  edit(json);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'weights.bin'), readFileSync(join(baseDir, 'weights.bin')));
  for (const [name, content] of Object.entries(files)) {
    if (content === null) rmSync(join(dir, name));
    else writeFileSync(join(dir, name), content);
  }
  return dir;
}
const manifestPaths = (paths: string[]) => (json: { weightsManifest: Array<{ paths: string[] }> }) => { json.weightsManifest[0]!.paths = paths; };

interface Row {
  name: string;
  /** The row's fault is in the topology alone: modelFromJSON must reject it too. */
  topology?: true;
  source: () => ModelSource | unknown;
  options?: LoadOptions | unknown;
  error: typeof ValueError | typeof ShapeError;
  message: RegExp;
}

const ROWS_HOSTILE: Row[] = [
  // ── the topology ──
  { name: 'unknown layer class', topology: true, source: () => edit(base, (a) => { a.modelTopology.config.layers[1].class_name = 'LSTM'; }), error: ValueError, message: /layer 1: unknown layer class "LSTM"/ },
  { name: 'unknown activation', topology: true, source: () => edit(base, (a) => { a.modelTopology.config.layers[0].config.activation = 'swoosh'; }), error: ValueError, message: /layer 0 \(Dense\): unknown activation "swoosh"/ },
  { name: 'unknown layer dtype', topology: true, source: () => edit(base, (a) => { a.modelTopology.config.layers[0].config.dtype = 'float16'; }), error: ValueError, message: /unsupported dtype "float16"/ },
  { name: 'a mixed-precision dtype policy', topology: true, source: () => edit(base, (a) => { a.modelTopology.config.layers[1].config.dtype = { class_name: 'DTypePolicy', config: { name: 'mixed_float16' } }; }), error: ValueError, message: /unsupported dtype .*mixed_float16/ },
  { name: 'a functional Model topology', topology: true, source: () => edit(base, (a) => { a.modelTopology.class_name = 'Model'; a.modelTopology.config.input_layers = [['input_1', 0, 0]]; a.modelTopology.config.output_layers = [['out', 0, 0]]; }), error: ValueError, message: /class "Model" is not supported; neurasm reads Sequential models/ },
  { name: "Keras 3's Functional topology", topology: true, source: () => edit(base, (a) => { a.modelTopology.class_name = 'Functional'; }), error: ValueError, message: /class "Functional" is not supported/ },
  { name: 'batch_input_shape of rank 3 (Dense on the last axis: another kernel shape)', source: () => edit(base, (a) => { a.modelTopology.config.layers[0].config.batch_input_shape = [null, 5, 1]; }), error: ShapeError, message: /weight 'hidden\/kernel' has shape \[5, 4\], the topology needs \[1, 4\]/ },
  { name: "an InputLayer's batch_shape of rank 3", source: () => edit(base, (a) => { a.modelTopology.config.layers.unshift({ class_name: 'InputLayer', config: { batch_shape: [null, 28, 28], name: 'in' } }); }), error: ShapeError, message: /weight 'hidden\/kernel' has shape \[5, 4\], the topology needs \[28, 4\]/ },
  { name: 'batch_input_shape without a batch axis', topology: true, source: () => edit(base, (a) => { a.modelTopology.config.layers[0].config.batch_input_shape = [5]; }), error: ShapeError, message: /input shape must be \[null, \.\.\.one sample's positive dimensions\], got \[5\]/ },
  { name: 'batch_input_shape with a zero dimension', topology: true, source: () => edit(base, (a) => { a.modelTopology.config.layers[0].config.batch_input_shape = [null, 5, 0]; }), error: ShapeError, message: /input shape must be \[null, \.\.\.one sample's positive dimensions\], got \[null,5,0\]/ },
  { name: 'no input shape', topology: true, source: () => edit(base, (a) => { delete a.modelTopology.config.layers[0].config.batch_input_shape; }), error: ShapeError, message: /no input shape/ },
  { name: 'no layers', topology: true, source: () => edit(base, (a) => { a.modelTopology.config.layers = []; }), error: ValueError, message: /no layers/ },
  { name: 'two layers with one name', topology: true, source: () => edit(base, (a) => { a.modelTopology.config.layers[1].config.name = 'hidden'; }), error: ValueError, message: /two layers are named 'hidden'/ },
  { name: 'units 1e400 (Infinity through JSON text)', topology: true, source: () => ({ ...edit(base), modelTopology: viaText(base.modelTopology, '"units":4', '0e400') }), error: ValueError, message: /'units' must be a positive integer, got Infinity/ },
  { name: "'__proto__' key in the topology (own property from JSON text)", topology: true, source: () => ({ ...edit(base), modelTopology: viaText(base.modelTopology, '"config":{', '"__proto__":{"polluted":true},') }), error: ValueError, message: /forbidden key '__proto__' at config/ },
  { name: "'constructor' key in a layer config", topology: true, source: () => ({ ...edit(base), modelTopology: viaText(base.modelTopology, '"units":4,', '"constructor":{"prototype":{"polluted":true}},') }), error: ValueError, message: /forbidden key 'constructor' at config\.layers\[0\]\.config/ },
  { name: 'nesting 1000 levels deep in the topology', topology: true, source: () => ({ ...edit(base), modelTopology: viaText(base.modelTopology, '"units":4,', `"extra":${deep(1000)},`) }), error: ValueError, message: /nests deeper than 64 levels/ },
  // ── the weights ──
  { name: 'unknown weight dtype', source: () => edit(base, (a) => { a.weightSpecs[0]!.dtype = 'float16' as 'float32'; }), error: ValueError, message: /weight 0 \('hidden\/kernel'\): unsupported dtype "float16"/ },
  { name: 'a model weight stored as int32', source: () => edit(base, (a) => { a.weightSpecs[1]!.dtype = 'int32'; }), error: ValueError, message: /weight 'hidden\/bias' must be float32, is int32/ },
  { name: 'quantized weights', source: () => edit(base, (a) => { a.weightSpecs[0]!.quantization = { dtype: 'uint8', scale: 0.01, min: -1 }; }), error: ValueError, message: /quantized weights are not supported/ },
  { name: 'a weight name that matches nothing', source: () => edit(base, (a) => { a.weightSpecs.splice(4, 0, { name: 'stray/kernel', shape: [2], dtype: 'float32', group: 'model' }); splice(a, 156, 0, new Uint8Array(8)); }), error: ValueError, message: /weight 'stray\/kernel' matches nothing in the model/ },
  { name: 'a missing weight', source: () => edit(base, withoutWeight('out/bias')), error: ValueError, message: /weight 'out\/bias' is missing from the weights/ },
  { name: 'a missing optimizer slot', source: () => edit(base, withoutWeight('out/kernel/v')), error: ValueError, message: /optimizer weight 'out\/kernel\/v' is missing/ },
  { name: 'a duplicated weight', source: () => edit(base, (a) => { const { at, bytes } = layout(a.weightSpecs).get('hidden/bias')!; a.weightSpecs.push({ ...a.weightSpecs[1]! }); splice(a, a.weightData.byteLength, 0, new Uint8Array(a.weightData, at, bytes).slice()); }), error: ValueError, message: /weight 'hidden\/bias' is listed twice/ },
  { name: 'wrong weight shape (same byte count)', source: () => edit(base, (a) => { a.weightSpecs[0]!.shape = [4, 5]; }), error: ShapeError, message: /weight 'hidden\/kernel' has shape \[4, 5\], the topology needs \[5, 4\]/ },
  { name: 'weight bytes too few', source: () => edit(base, (a) => { a.weightData = a.weightData.slice(0, -4); }), error: ValueError, message: /the weight specs describe 472 bytes but the weight data has 468/ },
  { name: 'weight bytes too many', source: () => edit(base, (a) => { splice(a, a.weightData.byteLength, 0, new Uint8Array(4)); }), error: ValueError, message: /describe 472 bytes but the weight data has 476/ },
  { name: 'a shape whose product overflows: [2**40, 2**40]', source: () => edit(base, (a) => { a.weightSpecs[0]!.shape = [2 ** 40, 2 ** 40]; }), error: ShapeError, message: /has more elements than can be counted/ },
  { name: 'a negative dimension', source: () => edit(base, (a) => { a.weightSpecs[0]!.shape = [-5, 4]; }), error: ShapeError, message: /not a non-negative integer/ },
  { name: 'a shape beyond the default 1 GiB maxBytes: [65536, 65536]', source: () => edit(base, (a) => { a.weightSpecs[0]!.shape = [65536, 65536]; }), error: ValueError, message: /more than 1073741824 bytes \(the maxBytes limit\) by weight 'hidden\/kernel'/ },
  { name: 'weights beyond a maxBytes option', source: () => edit(base), options: { maxBytes: 100 }, error: ValueError, message: /more than 100 bytes \(the maxBytes limit\)/ },
  { name: 'NaN in a weight', source: () => edit(base, setValue('hidden/kernel', 7, NaN)), error: ValueError, message: /weight 'hidden\/kernel' has a value that is not finite \(NaN\) at index 7/ },
  { name: 'Infinity in a weight', source: () => edit(base, setValue('out/bias', 2, -Infinity)), error: ValueError, message: /weight 'out\/bias' has a value that is not finite \(-Infinity\) at index 2/ },
  { name: 'NaN in an optimizer slot', source: () => edit(base, setValue('hidden/bias/m', 0, NaN)), error: ValueError, message: /optimizer weight 'hidden\/bias\/m' has a value that is not finite/ },
  { name: 'weightData not an ArrayBuffer', source: () => ({ ...edit(base), weightData: new Float32Array(118) }), error: ValueError, message: /weightData must be an ArrayBuffer/ },
  // ── the training config and optimizer state ──
  { name: 'optimizer weights without trainingConfig', source: () => edit(base, (a) => { delete a.trainingConfig; }), error: ValueError, message: /optimizer weights without a trainingConfig/ },
  { name: 'an unknown optimizer', source: () => edit(base, (a) => { a.trainingConfig.optimizer_config.class_name = 'Adafactor'; delete a.trainingConfig.optimizer_config.config.kerasClassName; }), error: ValueError, message: /unknown optimizer "Adafactor"/ },
  { name: 'an unknown loss', source: () => edit(base, (a) => { a.trainingConfig.loss = 'triplet_margin'; }), error: ValueError, message: /unknown loss "triplet_margin"/ },
  { name: 'an unknown metric', source: () => edit(base, (a) => { a.trainingConfig.metrics = ['mean_iou']; }), error: ValueError, message: /unknown metric "mean_iou"/ },
  { name: 'a learning rate of 1e400 (Infinity through JSON text)', source: () => ({ ...edit(base), trainingConfig: viaText(base.trainingConfig, '"learningRate":', '1e400,"x":') }), error: ValueError, message: /learningRate must be a positive finite number, got Infinity/ },
  { name: "'__proto__' key in the training config (from JSON text)", source: () => ({ ...edit(base), trainingConfig: viaText(base.trainingConfig, '{', '"__proto__":{"polluted":true},') }), error: ValueError, message: /trainingConfig: forbidden key '__proto__' at the top/ },
  { name: "'constructor' key in the optimizer config", source: () => ({ ...edit(base), trainingConfig: viaText(base.trainingConfig, '"config":{', '"constructor":1,') }), error: ValueError, message: /forbidden key 'constructor' at optimizer_config\.config/ },
  { name: 'nesting 1000 levels deep in the training config', source: () => ({ ...edit(base), trainingConfig: viaText(base.trainingConfig, '{', `"extra":${deep(1000)},`) }), error: ValueError, message: /trainingConfig: the JSON nests deeper than 64 levels/ },
  { name: "a non-integer 'iter'", source: () => edit(base, (a) => { const { at } = layout(a.weightSpecs).get('iter')!; a.weightSpecs.find((s) => s.name === 'iter')!.dtype = 'float32'; new DataView(a.weightData).setFloat32(at, 1.5, true); }), error: ValueError, message: /'iter' must be a non-negative integer, got 1.5/ },
  // ── options and the source itself ──
  ...[0, -1, 1.5, NaN, Infinity, '100', 2 ** 60].map((maxBytes): Row => ({ name: `maxBytes ${typeof maxBytes === 'string' ? JSON.stringify(maxBytes) : maxBytes}`, source: () => edit(base), options: { maxBytes }, error: ValueError, message: /maxBytes must be a positive integer/ })),
  { name: 'seed -1', source: () => edit(base), options: { seed: -1 }, error: ValueError, message: /seed must be a non-negative integer/ },
  { name: 'not a model at all', source: () => 42, error: ValueError, message: /expected a path, URL, artifacts or Files, got 42/ },
  { name: 'an unknown URL scheme', source: () => 'ftp://host/model.json', error: ValueError, message: /unknown source scheme 'ftp:\/\/'/ },
  // ── a directory on disk ──
  { name: 'model.json that is not JSON', source: () => dirWith(() => {}, { 'model.json': '{"modelTopology": {' }), error: ValueError, message: /model\.json is not JSON/ },
  { name: 'no model.json', source: () => dirWith(() => {}, { 'model.json': null }), error: ValueError, message: /no model\.json at/ },
  { name: 'model.json without a weightsManifest, its topology a string', source: () => dirWith(() => {}, { 'model.json': '{"modelTopology": "x"}' }), error: ValueError, message: /modelTopology/ },
  { name: 'model.json without a weightsManifest: a model with weights, none given', source: () => dirWith((j) => { delete j.weightsManifest; }), error: ValueError, message: /missing from the weights/ },
  { name: "a weights path '../weights.bin' (a valid file there is not read)", source: () => { const d = dirWith(manifestPaths(['../weights.bin'])); writeFileSync(join(d, '..', 'weights.bin'), readFileSync(join(baseDir, 'weights.bin'))); return d; }, error: ValueError, message: /weight file "\.\.\/weights\.bin" is not a plain file name beside model\.json/ },
  { name: "a weights path '/etc/passwd'", source: () => dirWith(manifestPaths(['/etc/passwd'])), error: ValueError, message: /weight file "\/etc\/passwd" is not a plain file name/ },
  { name: "a weights path 'http://evil/x'", source: () => dirWith(manifestPaths(['http://evil/x'])), error: ValueError, message: /weight file "http:\/\/evil\/x" is not a plain file name/ },
  { name: 'a weights path in a subfolder', source: () => dirWith(manifestPaths(['sub/weights.bin'])), error: ValueError, message: /weight file "sub\/weights\.bin" is not a plain file name/ },
  { name: 'a missing weight file', source: () => dirWith(() => {}, { 'weights.bin': null }), error: ValueError, message: /weight file .*weights\.bin is missing/ },
  { name: 'a weight file larger than the manifest says (a sparse 4 GiB file, not read)', source: () => { const d = dirWith(() => {}); truncateSync(join(d, 'weights.bin'), 4 * 2 ** 30); return d; }, error: ValueError, message: /holds more bytes \(4294967296\) than the manifest leaves for it \(472\)/ },
  { name: 'a weight file smaller than the manifest says', source: () => dirWith(() => {}, { 'weights.bin': new Uint8Array(100) }), error: ValueError, message: /the weight files hold 100 bytes, the manifest describes 472/ },
  { name: 'a manifest shape that overflows, on disk (nothing read)', source: () => dirWith((j) => { j.weightsManifest[0].weights[0].shape = [2 ** 40, 2 ** 40]; }), error: ShapeError, message: /more elements than can be counted/ },
  { name: 'a manifest beyond maxBytes, on disk (nothing read)', source: () => dirWith((j) => { j.weightsManifest[0].weights[0].shape = [65536, 65536]; }), error: ValueError, message: /the maxBytes limit/ },
  { name: "'__proto__' in model.json's manifest", source: () => dirWith(() => {}, { 'model.json': readFileSync(join(baseDir, 'model.json'), 'utf8').replace('"weightsManifest":[{', '"weightsManifest":[{"__proto__":{"polluted":true},') }), error: ValueError, message: /forbidden key '__proto__' at weightsManifest\[0\]/ },
  { name: 'model.json nesting 1000 levels deep', source: () => dirWith(() => {}, { 'model.json': readFileSync(join(baseDir, 'model.json'), 'utf8').replace('{', `{"extra":${deep(1000)},`) }), error: ValueError, message: /nests deeper than 64 levels/ },
  // ── Files (here Node's File; the browser test loads real ones) ──
  { name: 'Files without a model.json', source: () => [new File([readFileSync(join(baseDir, 'weights.bin'))], 'weights.bin')], error: ValueError, message: /none of the files is a model\.json/ },
  { name: 'Files without the weight file the manifest names', source: () => [new File([readFileSync(join(baseDir, 'model.json'))], 'model.json')], error: ValueError, message: /weight file 'weights\.bin' was not among the files given/ },
];

describe('corrupted and hostile inputs: rejected with a clear error, before anything is allocated', () => {
  const messages = new Map<string, string>();
  let fetchSpy: ReturnType<typeof vi.spyOn>;
  beforeAll(makeBase);

  it('the base model loads (so each row fails for its own reason)', async () => {
    expect(base.weightSpecs.map((s) => `${s.name}:${s.shape.join('x')}`).slice(0, 5)).toEqual(['hidden/kernel:5x4', 'hidden/bias:4', 'out/kernel:4x3', 'out/bias:3', 'iter:']);
    expect(bytesOfData(base.weightData).length).toBe(472); // 156 of weights, 4 of iter, 156 each of m and v
    own(await loadModel(edit(base)));
    own(await loadModel(baseDir));
    own(await loadModel(edit(base, modelOnly)));
  });

  beforeAll(() => {
    // Nothing in the table may fetch anything.
    fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => { throw new Error(`fetched ${String(input)}`); });
  });
  afterAll(() => fetchSpy.mockRestore());

  it.each(ROWS_HOSTILE)('$name', async (row) => {
    const source = row.source();
    const before = { used: arena.bytesInUse, memory: arena.memoryBytes, buffers: process.memoryUsage().arrayBuffers };
    let error: unknown;
    try {
      own(await loadModel(source as ModelSource, row.options as LoadOptions));
    } catch (e) {
      error = e;
    }
    expect(error, 'loadModel should have rejected').toBeInstanceOf(row.error);
    expect((error as Error).name).toBe(row.error.name);
    expect((error as Error).message).toMatch(row.message);
    messages.set(row.name, (error as Error).message);
    expect(arena.bytesInUse, 'arena bytes in use').toBe(before.used);
    expect(arena.memoryBytes, 'wasm memory').toBe(before.memory);
    expect(process.memoryUsage().arrayBuffers - before.buffers, 'ArrayBuffer bytes').toBeLessThan(16 * 2 ** 20);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it("every rejection names the call, loadModel()", () => {
    expect(messages.size, 'run with the rows above').toBeGreaterThan(0);
    const others = [...messages].filter(([, m]) => !m.startsWith('loadModel()')).map(([name, m]) => `${name}: ${m}`);
    expect(others).toEqual([]);
  });
});

describe('hostile inputs over http: only what model.json names is fetched, and no more than it says', () => {
  let server: Server;
  let url: string;
  const requested: string[] = [];
  let routes: Record<string, string | Uint8Array | ((res: ServerResponse) => void)> = {};

  beforeAll(async () => {
    await makeBase();
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      requested.push(path);
      const body = routes[path];
      if (body === undefined) { res.writeHead(404).end(); return; }
      if (typeof body === 'function') body(res);
      else res.writeHead(200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => {
    server.closeAllConnections(); // a response the client stopped reading would otherwise hold close() open
    server.close(() => resolve());
  }));

  /** A response of `total` zero bytes in 64 KiB chunks, declaring its length or not (chunked); counts what was sent. */
  function streaming(total: number, declare: boolean) {
    const sent = { bytes: 0, finished: false };
    const respond = (res: ServerResponse) => {
      res.on('error', () => {});
      res.writeHead(200, declare ? { 'content-length': String(total) } : {});
      const chunk = new Uint8Array(65536);
      const pump = () => {
        while (sent.bytes < total && !res.destroyed) {
          sent.bytes += chunk.length;
          if (!res.write(chunk)) { res.once('drain', pump); return; }
        }
        if (sent.bytes >= total) { sent.finished = true; res.end(); }
      };
      pump();
    };
    return { sent, respond };
  }

  it.each([
    { name: 'declaring its length', declare: true },
    { name: 'chunked, without a content-length', declare: false },
  ])('a 64 MiB weights response ($name) where the manifest says 472 bytes: rejected without reading it all', async ({ declare }) => {
    const big = streaming(64 * 2 ** 20, declare);
    routes = { '/m/model.json': readFileSync(join(baseDir, 'model.json'), 'utf8'), '/m/weights.bin': big.respond };
    const before = process.memoryUsage().arrayBuffers;
    await expect(loadModel(`${url}/m/model.json`)).rejects.toThrow(/weights\.bin is \d+ bytes( or more)?, more than the 472 expected/);
    expect(process.memoryUsage().arrayBuffers - before, 'ArrayBuffer bytes').toBeLessThan(16 * 2 ** 20);
    expect(big.sent.finished, `the server sent all ${big.sent.bytes} bytes: the client read the whole body`).toBe(false);
  });

  it('a served model loads over http (Node fetch)', async () => {
    routes = { '/m/model.json': readFileSync(join(baseDir, 'model.json'), 'utf8'), '/m/weights.bin': readFileSync(join(baseDir, 'weights.bin')) };
    const model = own(await loadModel(`${url}/m/model.json`));
    expect(weightBytes(model)).toEqual(weightBytes(own(await loadModel(baseDir))));
  });

  it.each(['http://evil/x', '../secret.bin', '/secret.bin', '%2e%2e/secret.bin', 'weights.bin?x=../secret.bin'])('weights path %j: rejected, never fetched', async (path) => {
    const json = JSON.parse(readFileSync(join(baseDir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ paths: string[] }> };
    json.weightsManifest[0]!.paths = [path];
    routes = { '/m/model.json': JSON.stringify(json), '/secret.bin': readFileSync(join(baseDir, 'weights.bin')), '/m/weights.bin': readFileSync(join(baseDir, 'weights.bin')) };
    requested.length = 0;
    const spy = vi.spyOn(globalThis, 'fetch');
    try {
      await expect(loadModel(`${url}/m/model.json`)).rejects.toThrow(/is not a plain file name beside model\.json/);
      expect(spy.mock.calls.map((c) => String(c[0]))).toEqual([`${url}/m/model.json`]);
      expect(requested).toEqual(['/m/model.json']);
    } finally {
      spy.mockRestore();
    }
  });
});

// A saved Adam state restores β1ᵗ and β2ᵗ by repeating the `iter` multiplications. A hostile `iter` must not
// make a load take seconds or forever: run in a worker that is terminated when it takes too long.
describe('a huge optimizer step count does not hang loading', () => {
  let workerFile: string;
  beforeAll(async () => {
    await makeBase();
    workerFile = join(root, 'load-worker.mjs');
    await build({ entryPoints: ['test/fixtures/load-worker.ts'], outfile: workerFile, bundle: true, format: 'esm', target: 'es2022', platform: 'node', logLevel: 'error' });
  });

  function loadInWorker(artifacts: unknown, deadlineMs: number): Promise<{ loaded?: true; error?: ErrorData; ms?: number; timedOut?: true }> {
    const worker = new Worker(workerFile, { workerData: artifacts });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { void worker.terminate(); resolve({ timedOut: true }); }, deadlineMs);
      worker.once('message', (m: { loaded?: true; error?: ErrorData; ms: number }) => { clearTimeout(timer); void worker.terminate(); resolve(m); });
      worker.once('error', (e) => { clearTimeout(timer); reject(e); });
    });
  }

  const iterAs = (dtype: 'int32' | 'float32', value: number) => edit(base, (a) => {
    const { at } = layout(a.weightSpecs).get('iter')!;
    a.weightSpecs.find((s) => s.name === 'iter')!.dtype = dtype;
    const view = new DataView(a.weightData);
    if (dtype === 'int32') view.setInt32(at, value, true);
    else view.setFloat32(at, value, true);
  });

  // Concurrent: each waits at most 3 s for its worker, and they wait together.
  it.concurrent.for([
    { name: "int32 'iter' 2**31 − 1 (the most TF.js's int32 can hold)", artifacts: () => iterAs('int32', 2 ** 31 - 1) },
    { name: "float32 'iter' 2**52", artifacts: () => iterAs('float32', 2 ** 52) },
  ])('$name: loads or is rejected within 1 s', { timeout: 10_000 }, async ({ artifacts }, { expect }) => {
    const result = await loadInWorker(artifacts(), 3000);
    expect(result.timedOut, 'loadModel was still running after 3 s').toBeUndefined();
    expect(result.ms!).toBeLessThan(1000);
  });
});

// ───────────────────────────── (5) toJSON / modelFromJSON ─────────────────────────────

describe("'hard_sigmoid': Keras 3's function here, Keras 2's and TensorFlow.js's elsewhere (a saving audit found TF.js reading the file as its own)", () => {
  it('save() warns once that TensorFlow.js computes another function; a Keras 2 file that uses it is refused', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const m = own(new Sequential([new Dense(2, { inputDim: 2, activation: 'hardSigmoid' })], { seed: 1 }));
      const topology = m.toJSON();
      m.toJSON();
      // Once per process (vitest gives each test file its own modules, and no other test here saves hard_sigmoid).
      const said = warn.mock.calls.filter(([text]) => String(text).includes("'hard_sigmoid'"));
      expect(said).toHaveLength(1);
      expect(String(said[0]![0])).toContain("TensorFlow.js reads that name as Keras 2's 0.2·x + 0.5");
      const keras2 = { ...topology, keras_version: '2.15.0', backend: 'tensorflow' };
      expect(() => modelFromJSON(keras2)).toThrow(/layer 0 uses Keras 2\.15\.0's 'hard_sigmoid', 0\.2·x \+ 0\.5 clipped to \[0, 1\], which neurasm does not have/);
      own(await modelFromJSON(topology)); // its own file: read back as saved
    } finally {
      warn.mockRestore();
    }
  });
});

describe('model.toJSON() and modelFromJSON()', () => {
  const layers = () => [
    new Dense(16, { inputDim: FEATURES, activation: 'selu', kernelInitializer: 'lecunNormal', kernelRegularizer: { l1: 0.001, l2: 0.01 } }),
    new Dropout(0.2), new Activation('tanh'),
    new Dense(CLASSES, { activation: 'softmax', useBias: false, kernelInitializer: 'heUniform', biasRegularizer: 'l1' }),
  ];

  it('gives the same architecture; JSON.stringify(model) works', () => {
    const model = own(new Sequential(layers(), { seed: 51, name: 'arch' }));
    const json = model.toJSON();
    expect(JSON.stringify(model)).toBe(JSON.stringify(json));
    const quiet = { printFn: () => {} };
    for (const source of [json, JSON.stringify(model), JSON.stringify({ modelTopology: json, weightsManifest: [] })]) {
      const copy = own(modelFromJSON(source as string));
      expect(copy.summary(quiet)).toBe(model.summary(quiet));
      expect(copy.toJSON()).toEqual(json);
      expect(copy.layers.map((l) => l.className)).toEqual(['Dense', 'Dropout', 'Activation', 'Dense']);
    }
  });

  it('with the same seed, modelFromJSON initialises the same weights as the original model', () => {
    const model = own(new Sequential(layers(), { seed: 52 }));
    const copy = own(modelFromJSON(model.toJSON(), { seed: 52 }));
    expect(weightBytes(copy)).toEqual(weightBytes(model));
  });

  it('an unbuilt model has no topology to save', async () => {
    const model = own(new Sequential([new Dense(2)]));
    expect(() => model.toJSON()).toThrow(ValueError);
    expect(() => model.toJSON()).toThrow(/not built yet/);
    await expect(model.save()).rejects.toThrow(/not built yet/);
  });

  // The topology rows of the table, through modelFromJSON.
  const TOPOLOGY_ROWS = ROWS_HOSTILE.filter((r) => r.topology);

  it('rejects every bad topology of the table the way loadModel does, allocating nothing', () => {
    expect(TOPOLOGY_ROWS.length).toBeGreaterThanOrEqual(14);
    for (const row of TOPOLOGY_ROWS) {
      const topology = (row.source() as ModelArtifacts).modelTopology;
      const before = arena.bytesInUse;
      let error: unknown;
      try { own(modelFromJSON(topology)); } catch (e) { error = e; }
      expect(error, row.name).toBeInstanceOf(row.error);
      expect((error as Error).message, row.name).toMatch(row.message);
      expect(arena.bytesInUse, row.name).toBe(before);
    }
    expect(() => modelFromJSON('{"class_name": "Sequential", ')).toThrow(/modelFromJSON\(\): not JSON/);
    expect(() => modelFromJSON(`{"class_name":"Sequential","__proto__":{"polluted":true},"config":{"layers":[]}}`)).toThrow(/forbidden key '__proto__'/);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('names modelFromJSON() in its errors, not loadModel()', () => {
    expect(() => modelFromJSON({ class_name: 'Model', config: { layers: [] } })).toThrow(/^modelFromJSON\(\)/);
  });

  it('honours maxBytes: a topology whose weights exceed it is rejected before allocating', () => {
    const topology = { class_name: 'Sequential', config: { name: 'big', layers: [{ class_name: 'Dense', config: { name: 'd', units: 256, batch_input_shape: [null, 16] } }] } };
    const before = arena.bytesInUse;
    expect(() => own(modelFromJSON(topology, { maxBytes: 1000 }))).toThrow(/maxBytes/);
    expect(arena.bytesInUse).toBe(before);
  });

  it('rejects a topology needing more than the default maxBytes with a ValueError, not an out-of-memory RangeError', () => {
    // 2**16 × 2**14 floats = 4 GiB: beyond the wasm memory too, so nothing can be allocated either way.
    const topology = { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'd', units: 2 ** 14, batch_input_shape: [null, 2 ** 16] } }] } };
    const memory = arena.memoryBytes;
    expect(() => own(modelFromJSON(topology))).toThrow(ValueError);
    expect(arena.memoryBytes).toBe(memory);
  });

  // A few bytes of topology must not take a large share of the wasm memory, which never shrinks: the
  // parameters of a topology alone are allocated from nothing, so modelFromJSON stops at 64 MiB by default.
  it('modelFromJSON refuses a topology needing more than 64 MiB of parameters unless maxBytes allows it', () => {
    const dense = (units: number, inputs: number) => ({ class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'd', units, batch_input_shape: [null, inputs] } }] } });
    const memory = arena.memoryBytes;
    const used = arena.bytesInUse;
    // 4096 × 4096 floats and a bias: 64 MiB and 16 KiB.
    expect(() => own(modelFromJSON(dense(4096, 4096)))).toThrow(/^modelFromJSON\(\): modelTopology: the weights need more than 67108864 bytes \(the maxBytes limit, 67108864 by default here: pass a larger maxBytes/);
    // A topology of ~130 bytes that asks for 977 MiB of parameters.
    const small = JSON.stringify(dense(16000, 16000));
    expect(small.length).toBeLessThan(200);
    expect(() => own(modelFromJSON(small))).toThrow(ValueError);
    expect(() => own(modelFromJSON(small, { maxBytes: 2 ** 29 }))).toThrow(/more than 536870912 bytes \(the maxBytes limit\)/);
    expect(arena.memoryBytes).toBe(memory);
    expect(arena.bytesInUse).toBe(used);
    // Below the limit, and with a limit raised on purpose, it builds.
    expect(own(modelFromJSON(dense(64, 64))).countParams()).toBe(64 * 64 + 64);
    expect(own(modelFromJSON(dense(64, 64), { maxBytes: 64 * 65 * 4 })).countParams()).toBe(64 * 65);
  });
});

// ───────────────────────────── (6) where files go; failures of paths, disks and networks ─────────────────────────────

type FsName = 'mkdir' | 'mkdtemp' | 'writeFile' | 'rename' | 'rm' | 'readFile' | 'stat';
const FS_WRITES: readonly FsName[] = ['mkdir', 'mkdtemp', 'writeFile', 'rename', 'rm'];
/** Failures a test injects into node:fs/promises: return an error to make that call (given its first path) fail. */
const injected: Partial<Record<FsName, (path: string) => Error | undefined>> = {};

/**
 * For the tests of a describe block: node:fs/promises, as src/io.ts sees it (a builtin module's exports follow
 * its object once syncBuiltinESMExports runs), refuses every write outside the suite's temporary root, so no
 * test of where a path lands can write elsewhere, even against broken code; and fails what a test injected.
 */
function guardFileSystem(): void {
  const fns = fsp as unknown as Record<FsName, (...args: any[]) => Promise<any>>;
  const spies: Array<{ mockRestore: () => void }> = [];
  const inside = (p: unknown) => resolve(String(p)).startsWith(resolve(root) + sep);
  beforeAll(() => {
    for (const name of ['mkdir', 'mkdtemp', 'writeFile', 'rename', 'rm', 'readFile', 'stat'] as const) {
      const real = fns[name].bind(fsp);
      spies.push(vi.spyOn(fns, name).mockImplementation((...args: any[]) => {
        const paths = name === 'rename' ? args.slice(0, 2) : args.slice(0, 1);
        if (FS_WRITES.includes(name) && !paths.every(inside)) return Promise.reject(new Error(`test guard: ${name}(${paths.join(', ')}) is outside ${root}`));
        const failure = injected[name]?.(String(args[0]));
        return failure ? Promise.reject(failure) : real(...args);
      }));
    }
    syncBuiltinESMExports();
  });
  afterAll(() => {
    spies.splice(0).forEach((s) => s.mockRestore());
    syncBuiltinESMExports();
  });
}

/** Runs `f` with a failure injected into one fs function, removed after. */
async function withFailure<T>(name: FsName, fail: (path: string) => Error | undefined, f: () => Promise<T>): Promise<T> {
  injected[name] = fail;
  try {
    return await f();
  } finally {
    delete injected[name];
  }
}

/** An fs error as Node makes them. */
const fsFailure = (code: string, path: string) => Object.assign(new Error(`${code}: failed, '${path}'`), { code, path });

/** The names in a directory, model files and anything left aside. */
const listing = (dir: string) => readdirSync(dir).sort();

describe('file:// paths as TensorFlow.js reads them', () => {
  guardFileSystem();

  it("'file://./x' and 'file://x' are relative to the working directory and 'file:///abs/x' is absolute, never the file system root", async () => {
    const model = own(classifier(61));
    const work = tmp();
    const cwd = process.cwd();
    try {
      process.chdir(work);
      await model.save('file://./dotted');
      await model.save('file://plain');
      await model.save(`file://${join(work, 'absolute')}`);
      for (const d of ['dotted', 'plain', 'absolute']) expect(listing(join(work, d)), d).toEqual(['model.json', 'weights.bin']);
      for (const source of ['file://./dotted', 'file://plain', 'file://plain/model.json', `file://${join(work, 'absolute')}`]) {
        expect(weightBytes(own(await loadModel(source))), source).toEqual(weightBytes(model));
      }
    } finally {
      process.chdir(cwd);
    }
  });

  it("a '%' in a file:// path is part of the name, as in TensorFlow.js (not a URIError, not decoded)", async () => {
    const model = own(classifier(62));
    const dir = tmp();
    await model.save(`file://${join(dir, '100%')}`);
    await model.save(`file://${join(dir, 'a%20b')}`);
    expect(listing(dir)).toEqual(['100%', 'a%20b']);
    expect(weightBytes(own(await loadModel(`file://${join(dir, '100%')}`)))).toEqual(weightBytes(model));
  });
});

describe('file system failures: a ValueError when the path is wrong, an IOError when the storage fails, and no half-written model', () => {
  guardFileSystem();
  beforeAll(makeBase);

  it.each([
    { name: 'an existing file', path: (file: string) => file, message: /^save\(\): .*somefile is a file, not a directory/ },
    { name: 'a folder inside a file', path: (file: string) => join(file, 'sub'), message: /^save\(\): cannot create the directory .*somefile\/sub: a part of the path is a file, not a directory \(ENOTDIR\)/ },
  ])('save() to $name is a ValueError naming save() and the path, and writes nothing', async ({ path, message }) => {
    const model = own(classifier(63));
    const dir = tmp();
    const file = join(dir, 'somefile');
    writeFileSync(file, 'keep me');
    const error = await model.save(path(file)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(message);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    expect(listing(dir)).toEqual(['somefile']);
  });

  it.each(['model.json', 'weights.bin'])('save() where %s is a directory is refused before anything is written', async (name) => {
    const model = own(classifier(64));
    const dir = tmp();
    mkdirSync(join(dir, name));
    const error = await model.save(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(new RegExp(`^save\\(\\): .*${name.replace('.', '\\.')} exists and is not a file`));
    expect(listing(dir)).toEqual([name]);
    expect(listing(join(dir, name))).toEqual([]);
  });

  it.each([
    { code: 'ENOSPC', reason: /no space left on the device \(ENOSPC\)/ },
    { code: 'EACCES', reason: /permission denied \(EACCES\)/ },
  ])('a save that fails part-way ($code while writing model.json) is an IOError and leaves the model saved there before whole', async ({ code, reason }) => {
    const dir = tmp();
    const before = own(classifier(65));
    await before.save(dir);
    const saved = { json: readFileSync(join(dir, 'model.json')), weights: readFileSync(join(dir, 'weights.bin')) };
    const error = await withFailure('writeFile', (file) => file.endsWith('model.json') ? fsFailure(code, file) : undefined, () => own(classifier(66)).save(dir).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(IOError);
    expect((error as Error).message).toMatch(/^save\(\): cannot write .*model\.json: /);
    expect((error as Error).message).toMatch(reason);
    expect(listing(dir)).toEqual(['model.json', 'weights.bin']);
    expect(readFileSync(join(dir, 'model.json'))).toEqual(saved.json);
    expect(readFileSync(join(dir, 'weights.bin'))).toEqual(saved.weights);
  });

  it('a save into a new directory that fails leaves no directory behind', async () => {
    const dir = join(tmp(), 'new', 'model');
    const model = own(classifier(67));
    await withFailure('writeFile', (file) => fsFailure('ENOSPC', file), () => expect(model.save(dir)).rejects.toThrow(IOError));
    expect(existsSync(join(dir, '..', '..', 'new'))).toBe(false);
  });

  it('loadModel() of a model.json it may not read is an IOError naming loadModel() and the file', async () => {
    const error = await withFailure('readFile', (file) => file.endsWith('model.json') ? fsFailure('EACCES', file) : undefined, () => loadModel(baseDir).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(IOError);
    expect((error as Error).message).toBe(`loadModel(): cannot read ${join(baseDir, 'model.json')}: permission denied (EACCES)`);
  });

  it('loadModel() of a model.json that is a directory, or under a file, is a ValueError', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'model.json'));
    writeFileSync(join(dir, 'file'), '');
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel\(\): no model\.json at /);
    await expect(loadModel(join(dir, 'file'))).rejects.toThrow(/^loadModel\(\): no model\.json at .*file\/model\.json/);
  });
});

describe('loading over http: cancellation, a replacement fetch, network failures', () => {
  let silent: Server; // accepts connections and never answers
  let silentURL: string;
  const files = () => ({ json: readFileSync(join(baseDir, 'model.json')), weights: readFileSync(join(baseDir, 'weights.bin')) });

  beforeAll(async () => {
    await makeBase();
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentURL = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/m/model.json`;
  });
  afterAll(() => new Promise<void>((resolve) => {
    silent.closeAllConnections();
    silent.close(() => resolve());
  }));

  it('a server that never answers: loadModel rejects as soon as the signal aborts, with its reason (AbortError by default)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const error = await loadModel(silentURL, { signal: controller.signal }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');

    const reason = new Error('the user gave up');
    const other = new AbortController();
    setTimeout(() => other.abort(reason), 50);
    await expect(loadModel(silentURL, { signal: other.signal })).rejects.toBe(reason);

    // A signal given in requestInit works the same; AbortSignal.timeout rejects with a TimeoutError.
    await expect(loadModel(silentURL, { requestInit: { signal: AbortSignal.timeout(50) } })).rejects.toMatchObject({ name: 'TimeoutError' });
  }, 10_000);

  it('an already aborted signal rejects before anything is fetched or built, whatever the source', async () => {
    const fetchFunc = vi.fn(async () => new Response(''));
    const signal = AbortSignal.abort();
    const used = arena.bytesInUse;
    await expect(loadModel('http://models.invalid/m/model.json', { signal, fetchFunc })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(loadModel(baseDir, { signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(loadModel(base, { signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(fetchFunc).not.toHaveBeenCalled();
    expect(arena.bytesInUse).toBe(used);
  });

  it('fetchFunc fetches model.json and the weights, each with requestInit merged in and the signal option winning over its signal', async () => {
    const { json, weights } = files();
    const served: Record<string, Uint8Array> = { 'http://models.invalid/m/model.json': json, 'http://models.invalid/m/weights.bin': weights };
    const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
    const fetchFunc = async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      const body = served[url];
      return new Response(body ? new Uint8Array(body) : null, { status: body ? 200 : 404 });
    };
    const globalFetch = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => { throw new Error('the global fetch was used'); });
    const mine = new AbortController();
    const theirs = new AbortController();
    try {
      const model = own(await loadModel('http://models.invalid/m/model.json', { fetchFunc, signal: mine.signal, requestInit: { headers: { authorization: 'Bearer t' }, credentials: 'include', signal: theirs.signal } }));
      expect(weightBytes(model)).toEqual(weightBytes(own(await loadModel(baseDir))));
      expect(globalFetch).not.toHaveBeenCalled();
    } finally {
      globalFetch.mockRestore();
    }
    expect(calls.map((c) => c.url)).toEqual(Object.keys(served));
    for (const { init } of calls) {
      expect(init?.headers).toEqual({ authorization: 'Bearer t' });
      expect(init?.credentials).toBe('include');
      expect(init?.signal).toBe(mine.signal);
    }
  });

  it("a network failure (fetch rejects with TypeError 'fetch failed') is an IOError naming loadModel() and the URL", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/m/model.json`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await loadModel(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IOError);
    expect((error as Error).message).toMatch(new RegExp(`^loadModel\\(\\): fetching ${url.replace(/[.]/g, '\\.')} failed: fetch failed \\(.*ECONNREFUSED`));
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('HTTP 404 is a ValueError (the URL is wrong), HTTP 503 an IOError (the server failed); a fetchFunc resolving to no Response a ValueError', async () => {
    const status = (code: number) => async () => new Response('', { status: code });
    await expect(loadModel('http://models.invalid/model.json', { fetchFunc: status(404) })).rejects.toThrow(ValueError);
    const error = await loadModel('http://models.invalid/model.json', { fetchFunc: status(503) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IOError);
    expect((error as Error).message).toMatch(/^loadModel\(\): model\.json: HTTP 503/);
    await expect(loadModel('http://models.invalid/model.json', { fetchFunc: async () => 'text' as never })).rejects.toThrow(/^loadModel\(\): the fetch function must resolve to a Response, got "text"/);
  });
});

describe('options and odd arguments: null means none, anything else is checked, and every failure is a clear ValueError', () => {
  guardFileSystem();
  beforeAll(makeBase);

  it('null as the options of save, loadModel and modelFromJSON means no options', async () => {
    const model = own(classifier(68));
    const dir = tmp();
    const artifacts = await model.save(dir, null as never);
    expect(artifacts.weightSpecs.some((s) => s.group === 'optimizer')).toBe(false);
    expect(weightBytes(own(await loadModel(dir, null)))).toEqual(weightBytes(model));
    expect(own(modelFromJSON(model.toJSON(), null)).countParams()).toBe(model.countParams());
  });

  const options: Array<{ name: string; call: (model: Sequential) => Promise<unknown>; message: RegExp }> = [
    { name: "save: includeOptimizer 'yes'", call: (m) => m.save(undefined, { includeOptimizer: 'yes' as never }), message: /^save\(\): includeOptimizer must be true or false, got "yes"/ },
    { name: 'save: a misspelt key', call: (m) => m.save(undefined, { includeOptimiser: true } as never), message: /^save\(\): unknown option 'includeOptimiser'; did you mean 'includeOptimizer'\?/ },
    { name: 'save: options 5', call: (m) => m.save(undefined, 5 as never), message: /^save\(\): options must be an object, got 5/ },
    { name: 'loadModel: a misspelt key', call: () => loadModel(base, { maxbytes: 10 } as never), message: /^loadModel\(\): unknown option 'maxbytes'; did you mean 'maxBytes'\?/ },
    { name: 'loadModel: signal {}', call: () => loadModel(base, { signal: {} as never }), message: /^loadModel\(\): signal must be an AbortSignal/ },
    { name: 'loadModel: signal a controller', call: () => loadModel(base, { signal: new AbortController() as never }), message: /signal must be an AbortSignal .*got an object \(AbortController\)/ },
    { name: "loadModel: requestInit 'x'", call: () => loadModel(base, { requestInit: 'x' as never }), message: /^loadModel\(\): requestInit must be a plain object/ },
    { name: 'loadModel: requestInit.signal 5', call: () => loadModel(base, { requestInit: { signal: 5 as never } }), message: /^loadModel\(\): requestInit\.signal must be an AbortSignal, got 5/ },
    { name: 'loadModel: fetchFunc 5', call: () => loadModel(base, { fetchFunc: 5 as never }), message: /^loadModel\(\): fetchFunc must be a function, got 5/ },
    { name: 'modelFromJSON: a fetch option', call: async () => modelFromJSON(base.modelTopology, { signal: AbortSignal.abort() } as never), message: /^modelFromJSON\(\): unknown option 'signal'/ },
  ];

  /** The call fails with a ValueError matching `message`, and allocates nothing (a model it loads is disposed). */
  async function expectRefused(call: (model: Sequential) => Promise<unknown>, message: RegExp, seed: number): Promise<void> {
    const model = own(classifier(seed));
    const used = arena.bytesInUse;
    const error = await call(model).then(own as never, (e: unknown) => e);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(message);
    expect(arena.bytesInUse).toBe(used);
  }

  it.each(options)('options are checked: $name', ({ call, message }) => expectRefused(call, message, 69));

  const odd: Array<{ name: string; call: (model: Sequential) => Promise<unknown>; message: RegExp }> = [
    { name: "loadModel('')", call: () => loadModel(''), message: /^loadModel\(\): "" names no model/ },
    { name: "loadModel('file://')", call: () => loadModel('file://'), message: /^loadModel\(\): "file:\/\/" names no model/ },
    { name: "loadModel('indexeddb://')", call: () => loadModel('indexeddb://'), message: /names no model/ },
    { name: "loadModel('http://')", call: () => loadModel('http://'), message: /^loadModel\(\): "http:\/\/" names no model/ },
    { name: "loadModel('http://[::1')", call: () => loadModel('http://[::1/model.json'), message: /^loadModel\(\): "http:\/\/\[::1\/model\.json" is not a valid URL/ },
    { name: 'loadModel(a path with a NUL)', call: () => loadModel('models/a\0b'), message: /^loadModel\(\): .* contains a NUL character/ },
    { name: 'loadModel([1, 2])', call: () => loadModel([1, 2] as never), message: /^loadModel\(\): file 0 of the list is not a File \(with a name\), got 1/ },
    { name: 'loadModel([null])', call: () => loadModel([null] as never), message: /file 0 of the list is not a File/ },
    { name: 'loadModel(a FileList-like object of non-Files)', call: () => loadModel({ length: 1, item: () => null, 0: 'model.json' } as never), message: /file 0 of the list is not a File \(with a name\), got "model\.json"/ },
    { name: 'loadModel([a Blob without a name])', call: () => loadModel([new Blob(['{}'])] as never), message: /file 0 of the list is not a File/ },
    { name: "save('')", call: (m) => m.save(''), message: /^save\(\): "" names no model/ },
    { name: "save('file://')", call: (m) => m.save('file://'), message: /^save\(\): "file:\/\/" names no model/ },
    { name: "save('localstorage://')", call: (m) => m.save('localstorage://'), message: /^save\(\): "localstorage:\/\/" names no model/ },
    { name: 'save(a path with a NUL)', call: (m) => m.save('models/a\0b'), message: /^save\(\): .* contains a NUL character/ },
  ];

  it.each(odd)('$name is a ValueError naming the call, not a raw TypeError, RangeError or URIError', ({ call, message }) => expectRefused(call, message, 70));
});

describe('loading is a transaction', () => {
  beforeAll(makeBase);

  // Out of memory in compile (the arena throws MemoryError) is the case that matters; the others fail the same way.
  it.each(['setWeights', 'compile', 'setOptimizerSlots'] as const)('if %s fails once the model is built, the half-made model is disposed and nothing stays allocated', async (method) => {
    const failure = new MemoryError(`${method}(): out of memory (simulated)`);
    const spy = vi.spyOn(Sequential.prototype, method).mockImplementationOnce(() => { throw failure; });
    const used = arena.bytesInUse;
    try {
      await expect(loadModel(edit(base))).rejects.toBe(failure);
    } finally {
      spy.mockRestore();
    }
    expect(arena.bytesInUse).toBe(used);
    own(await loadModel(edit(base))); // and the next load works
  });
});

