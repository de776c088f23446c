// Bad input, from one table: each row makes one bad call against a fresh trained model (or, for the rows
// about construction, state or disposal, against a model in that state) and names the error class and the
// message it must carry. After every row the model must be exactly as before: weights bit for bit, the
// optimizer's step count, the compiled setup, a predict's bits, the arena's bytes in use, and, checked
// against an untouched twin, every hidden state (optimizer slots, the shuffle and init generators) through
// one more fit that must give the twin's bits.
import { describe, expect, it } from 'vitest';
import {
  Activation, Adam, BatchNormalization, Conv1D, Conv2D, Dense, Dropout, GlobalAveragePooling2D, MaxPooling2D, NeurasmError, Reshape,
  Sequential, ShapeError, StateError, ValueError, ZeroPadding2D, tensor,
} from '../src/index.js';
import { disposeAfterEach } from './helpers.js';
import { arena } from '../src/arena.js';

const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_Y = [0, 1, 1, 0];
const CLASSES_X = [[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5], [0.2, 0.9]];
const CLASSES_Y = [0, 1, 2, 0, 1, 2];
/** A valid input to predict with before and after each bad call. */
const PROBE = [[0, 0], [0.25, 0.75], [1, 0], [1, 1], [-0.5, 2]];

type Setup = 'bce' | 'sparse' | 'uncompiled';

interface Ctx {
  /** The model whose state must not change (trained for 'bce' and 'sparse'; built, not compiled, for 'uncompiled'). */
  model: Sequential;
  /** A model that was trained and then disposed. */
  disposed: Sequential;
  /** A model without inputDim, never fitted, so never built. */
  unbuilt: Sequential;
}

interface Row {
  what: string;
  setup?: Setup;
  call: (c: Ctx) => unknown;
  error: typeof NeurasmError;
  message: RegExp;
  /** Extra checks after the call (e.g. that layers stay usable). */
  after?: (c: Ctx) => void;
}

const track = disposeAfterEach();

async function makeModel(setup: Setup): Promise<Sequential> {
  if (setup === 'sparse') {
    const m = track(new Sequential([
      new Dense(5, { inputDim: 2, activation: 'tanh' }),
      new Dense(3, { activation: 'softmax' }),
    ], { seed: 11 }));
    m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(CLASSES_X, CLASSES_Y, { epochs: 3, batchSize: 4, verbose: 0 });
    return m;
  }
  const m = track(new Sequential([
    new Dense(4, { inputDim: 2, activation: 'relu' }),
    new Dense(1, { activation: 'sigmoid' }),
  ], { seed: 7 }));
  if (setup === 'uncompiled') return m;
  m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  await m.fit(XOR_X, XOR_Y, { epochs: 3, batchSize: 2, verbose: 0 });
  return m;
}

async function makeCtx(setup: Setup): Promise<Ctx> {
  const model = await makeModel(setup);
  const disposed = await makeModel('bce');
  disposed.dispose();
  const unbuilt = track(new Sequential([new Dense(3), new Dense(1, { activation: 'sigmoid' })]));
  return { model, disposed, unbuilt };
}

/** One more valid training run, the same for the model and its twin. */
async function continueTraining(m: Sequential, setup: Setup): Promise<void> {
  if (m.optimizer === undefined) m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
  const [x, y] = setup === 'sparse' ? [CLASSES_X, CLASSES_Y] : [XOR_X, XOR_Y];
  await m.fit(x, y, { epochs: 2, batchSize: 3, verbose: 0 });
}

function bits(arrays: Float32Array[]): number[] {
  return arrays.flatMap((a) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length)));
}

/** Everything observable about a model that a failed call must leave alone. */
function snapshot(m: Sequential) {
  return {
    weights: bits(m.getWeights().map((t) => t.data)),
    shapes: m.getWeights().map((t) => [...t.shape]),
    layers: m.layers.map((l) => l.name),
    params: m.countParams(),
    iterations: m.optimizer?.iterations,
    metricsNames: m.metricsNames,
    stopTraining: m.stopTraining,
    predict: bits([m.predict(PROBE).data]),
  };
}

const bad = (x: number[][], r: number, c: number, v: unknown) => x.map((row, i) => row.map((e, j) => (i === r && j === c ? v : e))) as number[][];
const weightsOf = (m: Sequential) => m.getWeights().map((t) => t.toArray());
/** Valid replacement weights (all 0.5) with the model's shapes: a half-applied setWeights would show. */
const halves = (m: Sequential) => m.getWeights().map((t) => tensor(new Float32Array(t.size).fill(0.5), t.shape));
const fitQuiet = { verbose: 0 as const };

const ROWS: Row[] = [
  // ── data that does not fit the model or itself ──
  { what: 'x and y with different row counts', call: ({ model }) => model.fit(XOR_X, [0, 1, 1], fitQuiet), error: ShapeError, message: /fit\(\): x has 4 samples but y has 3/ },
  { what: 'x wider than the model input (fit)', call: ({ model }) => model.fit(XOR_X.map((r) => [...r, 0]), XOR_Y, fitQuiet), error: ShapeError, message: /fit\(\): x has 3 features per sample, but the model expects 2/ },
  { what: 'x narrower than the model input (predict)', call: ({ model }) => model.predict([[1], [2]]), error: ShapeError, message: /predict\(\): x has 1 features per sample, but the model expects 2/ },
  { what: 'x of the wrong width (evaluate)', call: ({ model }) => model.evaluate(XOR_X.map((r) => [...r, 0]), XOR_Y), error: ShapeError, message: /evaluate\(\): x has 3 features per sample, but the model expects 2/ },
  { what: 'y wider than the model output', call: ({ model }) => model.fit(XOR_X, XOR_Y.map((v) => [v, 1 - v]), fitQuiet), error: ShapeError, message: /fit\(\): y has 2 values per sample, but the model outputs 1/ },
  { what: 'NaN in x', call: ({ model }) => model.fit(bad(XOR_X, 1, 0, NaN), XOR_Y, fitQuiet), error: ValueError, message: /fit\(\): x has a value that is not a finite float32 \(NaN\) at row 1, column 0/ },
  { what: 'Infinity in x', call: ({ model }) => model.fit(bad(XOR_X, 2, 1, Infinity), XOR_Y, fitQuiet), error: ValueError, message: /fit\(\): x has a value that is not a finite float32 \(Infinity\) at row 2, column 1/ },
  { what: '-Infinity in x (predict)', call: ({ model }) => model.predict(bad(XOR_X, 0, 0, -Infinity)), error: ValueError, message: /predict\(\): x has a value that is not a finite float32 \(-Infinity\) at row 0, column 0/ },
  { what: 'NaN in y', call: ({ model }) => model.fit(XOR_X, [0, 1, NaN, 0], fitQuiet), error: ValueError, message: /fit\(\): y has a value that is not a finite float32 \(NaN\) at row 2/ },
  { what: 'NaN in y (evaluate)', call: ({ model }) => model.evaluate(XOR_X, [NaN, 1, 1, 0]), error: ValueError, message: /evaluate\(\): y has a value that is not a finite float32 \(NaN\) at row 0/ },
  { what: 'a value beyond float32 range (1e39) in x', call: ({ model }) => model.fit(bad(XOR_X, 3, 1, 1e39), XOR_Y, fitQuiet), error: ValueError, message: /fit\(\): x has a value that is not a finite float32 .* at row 3, column 1/ },
  { what: 'ragged rows in x', call: ({ model }) => model.fit([[0, 0], [0, 1], [1, 0, 1], [1, 1]], XOR_Y, fitQuiet), error: ShapeError, message: /fit\(\): x is ragged: row 0 has 2 values, row 2 has 3/ },
  { what: 'a non-array row in x', call: ({ model }) => model.predict([[0, 0], 5 as unknown as number[]]), error: ValueError, message: /predict\(\): x\[1\] must be a row \(an array of 2 numbers\).*got 5$/ },
  { what: 'a string in x', call: ({ model }) => model.fit(bad(XOR_X, 1, 0, 'a'), XOR_Y, fitQuiet), error: ValueError, message: /fit\(\): x\[1\]\[0\] must be a number, got "a"/ },
  { what: 'null in x', call: ({ model }) => model.predict(bad(XOR_X, 0, 1, null)), error: ValueError, message: /predict\(\): x\[0\]\[1\] must be a number, got null/ },
  { what: 'a string in y', call: ({ model }) => model.fit(XOR_X, [0, '1', 1, 0] as unknown as number[], fitQuiet), error: ValueError, message: /fit\(\): y\[1\] must be a number, got "1"/ },
  { what: 'x that is not an array', call: ({ model }) => model.predict('abc' as unknown as number[]), error: ValueError, message: /predict\(\): x must be an array of rows.*got "abc"/ },
  { what: 'empty x (fit)', call: ({ model }) => model.fit([], [], fitQuiet), error: ValueError, message: /fit\(\): x is empty/ },
  { what: 'empty x (predict)', call: ({ model }) => model.predict([]), error: ValueError, message: /predict\(\): x is empty/ },
  { what: 'x of rows without values', call: ({ model }) => model.predict([[], []]), error: ValueError, message: /predict\(\): x is empty \(shape \[2, 0\]\)/ },
  { what: 'evaluate without y', call: ({ model }) => (model.evaluate as (x: unknown) => unknown)(XOR_X), error: ValueError, message: /evaluate\(\): y is required/ },
  { what: 'a label out of range (sparse)', setup: 'sparse', call: ({ model }) => model.fit(CLASSES_X, [0, 1, 2, 3, 1, 2], fitQuiet), error: ValueError, message: /fit\(\): label y\[3\] = 3 is not a class index in \[0, 2\]/ },
  { what: 'a negative label (sparse)', setup: 'sparse', call: ({ model }) => model.evaluate(CLASSES_X, [0, -1, 2, 0, 1, 2]), error: ValueError, message: /evaluate\(\): label y\[1\] = -1 is not a class index in \[0, 2\]/ },
  { what: 'a non-integer label (sparse)', setup: 'sparse', call: ({ model }) => model.fit(CLASSES_X, [0, 1, 1.5, 0, 1, 2], fitQuiet), error: ValueError, message: /fit\(\): label y\[2\] = 1.5 is not a class index in \[0, 2\]/ },
  { what: 'one-hot targets for sparse', setup: 'sparse', call: ({ model }) => model.fit(CLASSES_X, CLASSES_Y.map((c) => [0, 1, 2].map((k) => +(k === c))), fitQuiet), error: ShapeError, message: /fit\(\): sparseCategoricalCrossentropy takes one class index per sample .*got y shape \[6, 3\]/ },
  { what: 'a BCE target above 1', call: ({ model }) => model.fit(XOR_X, [0, 1, 2, 0], fitQuiet), error: ValueError, message: /fit\(\): y\[2\] is 2, but cross-entropy targets must be in \[0, 1\]/ },
  { what: 'a BCE target below 0 (evaluate)', call: ({ model }) => model.evaluate(XOR_X, [0, -0.5, 1, 0]), error: ValueError, message: /evaluate\(\): y\[1\] is -0.5, but cross-entropy targets must be in \[0, 1\]/ },

  // ── names nothing answers to ──
  // @ts-expect-error: a misspelt name does not compile; from plain JavaScript it throws
  { what: 'an unknown activation (Dense)', call: () => new Dense(2, { activation: 'relux' }), error: ValueError, message: /Dense\(\): unknown activation "relux"; expected one of .*relu/ },
  // @ts-expect-error
  { what: 'an unknown activation (Activation)', call: () => new Activation('softmaxx'), error: ValueError, message: /Activation\(\): unknown activation "softmaxx"; expected one of .*softmax/ },
  // @ts-expect-error
  { what: 'an unknown kernel initializer', call: () => new Dense(2, { kernelInitializer: 'glorot' }), error: ValueError, message: /Dense\(\): unknown initializer "glorot"; expected one of .*glorotUniform/ },
  // @ts-expect-error
  { what: 'an unknown bias initializer', call: () => new Dense(2, { biasInitializer: 'zero' }), error: ValueError, message: /Dense\(\): unknown initializer "zero"; expected one of .*zeros/ },
  // @ts-expect-error
  { what: 'an unknown loss', call: ({ model }) => model.compile({ optimizer: 'adam', loss: 'binary_crossentropyy' }), error: ValueError, message: /compile\(\): unknown loss "binary_crossentropyy"; expected one of .*binaryCrossentropy/ },
  // @ts-expect-error
  { what: 'an unknown optimizer', call: ({ model }) => model.compile({ optimizer: 'adamm', loss: 'mse' }), error: ValueError, message: /compile\(\): unknown optimizer "adamm"; expected one of .*adam/ },
  // @ts-expect-error
  { what: 'an unknown metric', call: ({ model }) => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['accurracy'] }), error: ValueError, message: /compile\(\): unknown metric "accurracy"; expected one of .*accuracy/ },
  { what: 'a metric listed twice', call: ({ model }) => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae', 'mae'] }), error: ValueError, message: /compile\(\): metric 'mae' is listed twice/ },
  // Found by the fuzz suite: Keras 3 refuses more than one clipping option; every pair was accepted.
  ...([{ clipNorm: 1, clipValue: 0.5 }, { clipNorm: 1, globalClipNorm: 1 }, { clipValue: 1, globalClipNorm: 2 }] as const).map((o): Row => ({
    what: `two clipping options: ${Object.keys(o).join(', ')}`, call: ({ model }) => model.compile({ optimizer: new Adam(o), loss: 'binaryCrossentropy' }), error: ValueError,
    message: /Adam\(\): only one of clipNorm, clipValue and globalClipNorm can be set \(as Keras 3\), got \w+ and \w+/,
  })),
  { what: 'compile without a loss', call: ({ model }) => model.compile({ optimizer: 'sgd' } as never), error: ValueError, message: /compile\(\): a loss is required/ },

  // ── calls in the wrong state ──
  { what: 'fit before compile', setup: 'uncompiled', call: ({ model }) => model.fit(XOR_X, XOR_Y, fitQuiet), error: StateError, message: /fit\(\): the model must be compiled first/ },
  { what: 'evaluate before compile', setup: 'uncompiled', call: ({ model }) => model.evaluate(XOR_X, XOR_Y), error: StateError, message: /evaluate\(\): the model must be compiled first/ },
  { what: 'predict before the model is built', call: ({ unbuilt }) => unbuilt.predict(XOR_X), error: StateError, message: /predict\(\): the model is not built yet/ },
  { what: 'summary before the model is built', call: ({ unbuilt }) => unbuilt.summary({ printFn: () => {} }), error: StateError, message: /summary\(\): model '.*' is not built yet/ },
  { what: 'setWeights before the model is built', call: ({ unbuilt }) => unbuilt.setWeights([]), error: StateError, message: /setWeights\(\): the model is not built yet/ },

  // ── weights ──
  { what: 'setWeights with too few arrays', call: ({ model }) => model.setWeights(halves(model).slice(0, 3)), error: ShapeError, message: /setWeights\(\): expected 4 weight arrays \(.*kernel \[2, 4\].*\), got an array of length 3/ },
  { what: 'setWeights with too many arrays', call: ({ model }) => model.setWeights([...halves(model), tensor([1])]), error: ShapeError, message: /setWeights\(\): expected 4 weight arrays .*got an array of length 5/ },
  { what: 'setWeights with a transposed kernel (last array)', call: ({ model }) => { const w = halves(model); w[2] = tensor(new Float32Array(4).fill(0.5), [1, 4]); model.setWeights(w); }, error: ShapeError, message: /setWeights\(\): .*\/kernel must have shape \[4, 1\], got \[1, 4\]/ },
  { what: 'setWeights with a flat kernel', call: ({ model }) => { const w = halves(model); w[0] = tensor(new Float32Array(8)); model.setWeights(w); }, error: ShapeError, message: /setWeights\(\): .*\/kernel must have shape \[2, 4\], got \[8\]/ },
  { what: 'setWeights with NaN in the last array', call: ({ model }) => { const w = weightsOf(model); w[3] = [NaN]; model.setWeights(w as number[][]); }, error: ValueError, message: /setWeights\(\): weights\[3\] \(.*\/bias\) has a value that is not a finite float32 \(NaN\)/ },
  { what: 'layer.setWeights with one array', call: ({ model }) => model.layers[0]!.setWeights([halves(model)[0]!]), error: ShapeError, message: /\.setWeights\(\): expected 2 weight arrays \(kernel \[2, 4\], bias \[4\]\), got an array of length 1/ },
  { what: 'layer.setWeights with a wrong bias shape', call: ({ model }) => model.layers[0]!.setWeights([halves(model)[0]!, [0.5, 0.5, 0.5]]), error: ShapeError, message: /\.setWeights\(\): bias must have shape \[4\], got \[3\]/ },
  { what: 'layer.setWeights with NaN', call: ({ model }) => model.layers[1]!.setWeights([[[0.5], [0.5], [NaN], [0.5]], [0]]), error: ValueError, message: /\.setWeights\(\): weights\[0\] \(kernel\) has a value that is not a finite float32 \(NaN\) at row 2, column 0/ },

  // ── fit options ──
  ...[0, -1, 1.5].map((b): Row => ({ what: `fit batchSize ${b}`, call: ({ model }) => model.fit(XOR_X, XOR_Y, { batchSize: b, verbose: 0 }), error: ValueError, message: new RegExp(`fit\\(\\): batchSize must be an integer ≥ 1, got ${b}`) })),
  { what: 'predict batchSize 0', call: ({ model }) => model.predict(XOR_X, { batchSize: 0 }), error: ValueError, message: /predict\(\): batchSize must be an integer ≥ 1, got 0/ },
  { what: 'evaluate batchSize 1.5', call: ({ model }) => model.evaluate(XOR_X, XOR_Y, { batchSize: 1.5 }), error: ValueError, message: /evaluate\(\): batchSize must be an integer ≥ 1, got 1.5/ },
  { what: 'fit epochs -1', call: ({ model }) => model.fit(XOR_X, XOR_Y, { epochs: -1, verbose: 0 }), error: ValueError, message: /fit\(\): epochs must be an integer ≥ 0, got -1/ },
  { what: 'fit epochs 2.5', call: ({ model }) => model.fit(XOR_X, XOR_Y, { epochs: 2.5, verbose: 0 }), error: ValueError, message: /fit\(\): epochs must be an integer ≥ 0, got 2.5/ },
  ...[0, 1, 1.5, NaN].map((s): Row => ({ what: `fit validationSplit ${s}`, call: ({ model }) => model.fit(XOR_X, XOR_Y, { validationSplit: s, verbose: 0 }), error: ValueError, message: new RegExp(`fit\\(\\): validationSplit must be in \\(0, 1\\), got ${s}`) })),
  { what: 'fit validationSplit that leaves no training rows', call: ({ model }) => model.fit(XOR_X, XOR_Y, { validationSplit: 0.8, verbose: 0 }), error: ValueError, message: /fit\(\): validationSplit 0.8 of 4 samples leaves no training data/ },
  { what: 'fit validationData with one array', call: ({ model }) => model.fit(XOR_X, XOR_Y, { validationData: [XOR_X] as never, verbose: 0 }), error: ValueError, message: /fit\(\): validationData must be \[x, y\] or \[x, y, sampleWeight\], got an array of length 1/ },
  { what: 'fit validationData that is not an array', call: ({ model }) => model.fit(XOR_X, XOR_Y, { validationData: { x: XOR_X } as never, verbose: 0 }), error: ValueError, message: /fit\(\): validationData must be \[x, y\] or \[x, y, sampleWeight\], got an object/ },
  { what: 'fit validationData x of the wrong width', call: ({ model }) => model.fit(XOR_X, XOR_Y, { validationData: [[[1, 2, 3]], [1]], verbose: 0 }), error: ShapeError, message: /fit\(\) validationData: x has 3 features per sample, but the model expects 2/ },
  { what: 'fit validationData y of the wrong width', call: ({ model }) => model.fit(XOR_X, XOR_Y, { validationData: [[[1, 2]], [[1, 0]]], verbose: 0 }), error: ShapeError, message: /fit\(\) validationData: y has 2 values per sample, but the model outputs 1/ },
  { what: 'fit validationData with NaN', call: ({ model }) => model.fit(XOR_X, XOR_Y, { validationData: [[[1, NaN]], [1]], verbose: 0 }), error: ValueError, message: /fit\(\) validationData: x has a value that is not a finite float32 \(NaN\)/ },
  { what: 'fit verbose 3', call: ({ model }) => model.fit(XOR_X, XOR_Y, { verbose: 3 as never }), error: ValueError, message: /fit\(\): verbose must be 0, 1 or 2, got 3/ },
  { what: 'fit shuffle "yes"', call: ({ model }) => model.fit(XOR_X, XOR_Y, { shuffle: 'yes' as never, verbose: 0 }), error: ValueError, message: /fit\(\): shuffle must be true or false, got "yes"/ },
  { what: 'fit callbacks with null', call: ({ model }) => model.fit(XOR_X, XOR_Y, { callbacks: [null as never], verbose: 0 }), error: ValueError, message: /fit\(\): callbacks must be an array of objects/ },

  // ── layers ──
  { what: 'a negative model seed', call: () => new Sequential([], { seed: -1 }), error: ValueError, message: /Sequential\(\): seed must be a non-negative integer, got -1/ },
  { what: 'x of rank 3', call: ({ model }) => model.predict(tensor(new Float32Array(8), [2, 2, 2])), error: ShapeError, message: /predict\(\): x has samples of shape \[2, 2\], but the model expects \[\d+\] \(x shape \[2, 2, 2\]\)/ },
  { what: 'Dense(0)', call: () => new Dense(0), error: ValueError, message: /Dense\(\): units must be a positive integer, got 0/ },
  { what: 'Dense(1.5)', call: () => new Dense(1.5), error: ValueError, message: /Dense\(\): units must be a positive integer, got 1.5/ },
  { what: 'Dropout(1)', call: () => new Dropout(1), error: ValueError, message: /Dropout\(\): rate must be in \[0, 1\), got 1/ },
  { what: 'Dropout(-0.1)', call: () => new Dropout(-0.1), error: ValueError, message: /Dropout\(\): rate must be in \[0, 1\), got -0.1/ },
  { what: 'inputShape with a zero dimension', call: () => new Dense(4, { inputShape: [2, 0] }), error: ValueError, message: /Dense\(\): inputShape\[1\] must be a positive integer, got 0/ },
  { what: 'inputShape of rank 8', call: () => new Dense(4, { inputShape: [1, 1, 1, 1, 1, 1, 1, 2] }), error: ShapeError, message: /Dense\(\): inputShape must describe one sample, e\.g\. \[2\] or \[28, 28, 1\]; got \[1, 1, 1, 1, 1, 1, 1, 2\]/ },
  { what: 'inputDim and inputShape that disagree', call: () => new Dense(4, { inputDim: 3, inputShape: [2] }), error: ShapeError, message: /Dense\(\): inputDim \[3\] and the declared input shape \[2\] disagree/ },
  {
    what: 'a duplicate layer name added to a trained model',
    call: ({ model }) => model.add(new Dense(1, { name: model.layers[0]!.name })),
    error: ValueError, message: /add\(\): a layer named '.*' is already in the model; layer names must be unique/,
  },
  {
    // The first layer must not stay claimed by the model that failed to construct, nor its weights allocated.
    what: 'duplicate layer names in the Sequential constructor',
    call: (c) => {
      const first = new Dense(2, { inputDim: 2, name: 'twin' });
      (c as Ctx & { first?: Dense }).first = first;
      return new Sequential([first, new Dense(1, { name: 'twin' })]);
    },
    error: ValueError, message: /Sequential\(\): two layers are named 'twin'; layer names must be unique/,
    after: (c) => {
      const first = (c as Ctx & { first?: Dense }).first!;
      expect(() => track(new Sequential([first, new Dense(1)])), 'reusing the first layer').not.toThrow();
    },
  },
  { what: 'a layer added to a second model', call: ({ model }) => new Sequential().add(model.layers[1]!), error: ValueError, message: /add\(\): layer '.*' already belongs to a model/ },
  { what: 'a layer of another model in a constructor', call: ({ model }) => new Sequential([model.layers[0]!]), error: ValueError, message: /Sequential\(\): layer '.*' already belongs to a model/ },
  { what: 'add() of something that is not a layer', call: ({ model }) => model.add({} as never), error: ValueError, message: /add\(\): expected a layer .*got an object/ },
  { what: 'add() of a layer declaring the wrong input width', call: ({ model }) => model.add(new Dense(2, { inputDim: 5 })), error: ShapeError, message: /add\(\): layer '.*' declares input shape \[5\], but the previous layer outputs \[1\]/ },
  { what: 'getLayer of a missing name', call: ({ model }) => model.getLayer('nope'), error: ValueError, message: /getLayer\(\): no layer "nope"; layers are / },
  { what: 'getLayer of a missing index', call: ({ model }) => model.getLayer(2), error: ValueError, message: /getLayer\(\): no layer 2; layers are / },

  // ── convolutional layers (issue 10): shapes they cannot take, whether in a new model or added to this one ──
  { what: 'Conv2D given rank-1 samples', call: () => new Sequential([new Conv2D(2, 3, { inputShape: [8] })]), error: ShapeError, message: /expects samples of shape \[height, width, channels\], got \[8\]/ },
  { what: 'Conv2D given rank-2 samples', call: () => new Sequential([new Conv2D(2, 3, { inputShape: [8, 8] })]), error: ShapeError, message: /got \[8, 8\] \(add a channels axis of 1: \[8, 8, 1\]\)/ },
  { what: "a Conv2D kernel larger than the input with 'valid'", call: () => new Sequential([new Conv2D(2, [5, 2], { inputShape: [4, 4, 1] })]), error: ShapeError, message: /a 5×2 kernel does not fit in an input of 4×4 with padding 'valid'/ },
  { what: "a dilated Conv2D kernel larger than the input with 'valid'", call: () => new Sequential([new Conv2D(2, 3, { inputShape: [4, 6, 1], dilationRate: 2 })]), error: ShapeError, message: /a 3×3 kernel dilated 2×2 does not fit in an input of 4×6/ },
  { what: 'Conv1D given images', call: () => new Sequential([new Conv1D(2, 3, { inputShape: [5, 5, 1] })]), error: ShapeError, message: /expects samples of shape \[steps, channels\], got \[5, 5, 1\]/ },
  { what: 'a MaxPooling2D pool larger than the input', call: () => new Sequential([new MaxPooling2D(3, { inputShape: [2, 5, 1] })]), error: ShapeError, message: /a 3×3 pool does not fit in an input of 2×5 with padding 'valid'/ },
  { what: 'GlobalAveragePooling2D given rank-1 samples', call: () => new Sequential([new GlobalAveragePooling2D({ inputShape: [4] })]), error: ShapeError, message: /expects samples of shape \[height, width, channels\], got \[4\]/ },
  { what: 'ZeroPadding2D given rank-2 samples', call: () => new Sequential([new ZeroPadding2D(1, { inputShape: [4, 4] })]), error: ShapeError, message: /expects samples of shape \[height, width, channels\], got \[4, 4\]/ },
  { what: 'Reshape to a wrong size', call: () => new Sequential([new Reshape([5, 2], { inputShape: [3, 3] })]), error: ShapeError, message: /cannot reshape a sample of shape \[3, 3\] \(9 values\) to \[5, 2\]/ },
  { what: 'Reshape with a -1 that does not divide', call: () => new Sequential([new Reshape([2, -1], { inputShape: [3, 3] })]), error: ShapeError, message: /cannot reshape a sample of shape \[3, 3\] \(9 values\) to \[2, -1\]/ },
  { what: 'BatchNormalization axis 1 on rank-3 samples', call: () => new Sequential([new BatchNormalization({ axis: 1, inputShape: [4, 4, 2] })]), error: ShapeError, message: /axis 1 is not the last axis of samples of shape \[4, 4, 2\]/ },
  { what: 'a Conv2D after a layer with images of the wrong rank', call: () => new Sequential([new Dense(4, { inputShape: [3] }), new Conv2D(2, 3)]), error: ShapeError, message: /expects samples of shape \[height, width, channels\], got \[4\]/ },
  { what: 'Conv2D strides and dilation both > 1', call: () => new Conv2D(2, 3, { strides: 2, dilationRate: 2 }), error: ValueError, message: /Conv2D\(\): strides \[2, 2\] and dilationRate \[2, 2\] cannot both exceed 1/ },
  { what: 'Conv2D negative filters', call: () => new Conv2D(-2, 3), error: ValueError, message: /Conv2D\(\): filters must be a positive integer, got -2/ },
  { what: "Conv2D dataFormat 'channelsFirst'", call: () => new Conv2D(2, 3, { dataFormat: 'channelsFirst' as never }), error: ValueError, message: /Conv2D\(\): dataFormat "channelsFirst" is not supported/ },
  { what: 'add() of a Conv2D to a model with rank-1 output', call: ({ model }) => model.add(new Conv2D(2, 3)), error: ShapeError, message: /expects samples of shape \[height, width, channels\], got \[1\]/ },
  { what: 'add() of a Reshape to a wrong size', call: ({ model }) => model.add(new Reshape([2])), error: ShapeError, message: /cannot reshape a sample of shape \[1\] \(1 values\) to \[2\]/ },
  { what: 'add() of a BatchNormalization on an axis the output lacks', call: ({ model }) => model.add(new BatchNormalization({ axis: 2 })), error: ShapeError, message: /axis 2 is not the last axis of samples of shape \[1\]/ },

  // ── a disposed model ──
  { what: 'fit on a disposed model', call: ({ disposed }) => disposed.fit(XOR_X, XOR_Y, fitQuiet), error: StateError, message: /fit\(\): model '.*' was disposed/ },
  { what: 'predict on a disposed model', call: ({ disposed }) => disposed.predict(XOR_X), error: StateError, message: /predict\(\): model '.*' was disposed/ },
  { what: 'evaluate on a disposed model', call: ({ disposed }) => disposed.evaluate(XOR_X, XOR_Y), error: StateError, message: /evaluate\(\): model '.*' was disposed/ },
  { what: 'compile on a disposed model', call: ({ disposed }) => disposed.compile({ optimizer: 'adam', loss: 'mse' }), error: StateError, message: /compile\(\): model '.*' was disposed/ },
  { what: 'getWeights on a disposed model', call: ({ disposed }) => disposed.getWeights(), error: StateError, message: /getWeights\(\): model '.*' was disposed/ },
  { what: 'setWeights on a disposed model', call: ({ disposed, model }) => disposed.setWeights(model.getWeights()), error: StateError, message: /setWeights\(\): model '.*' was disposed/ },
  { what: 'summary on a disposed model', call: ({ disposed }) => disposed.summary({ printFn: () => {} }), error: StateError, message: /summary\(\): model '.*' was disposed/ },
  { what: 'add on a disposed model', call: ({ disposed }) => disposed.add(new Dense(1)), error: StateError, message: /add\(\): model '.*' was disposed/ },
  { what: "setWeights on a disposed model's layer", call: ({ disposed, model }) => disposed.layers[0]!.setWeights(model.layers[0]!.getWeights()), error: StateError, message: /setWeights\(\): .*disposed/ },
];

describe('bad input raises a clear error and changes nothing', () => {
  it('has one row per case, every description unique', () => {
    expect(new Set(ROWS.map((r) => r.what)).size).toBe(ROWS.length);
  });

  for (const row of ROWS) {
    it(row.what, async () => {
      const setup = row.setup ?? 'bce';
      const ctx = await makeCtx(setup);
      const twin = await makeModel(setup);
      const before = snapshot(ctx.model);
      const twinBefore = snapshot(twin);
      const optimizerBefore = ctx.model.optimizer;
      const bytesBefore = arena.bytesInUse;

      let thrown: unknown;
      try {
        await row.call(ctx);
      } catch (e) {
        thrown = e;
      }
      const bytesAfter = arena.bytesInUse;
      expect(thrown, 'the call must throw').toBeInstanceOf(row.error);
      expect((thrown as Error).message).toMatch(row.message);

      // Soft: every property a failed call broke is reported, not only the first.
      expect.soft(snapshot(ctx.model)).toEqual(before);
      expect.soft({ ...snapshot(ctx.model), layers: [] }).toEqual({ ...twinBefore, layers: [] }); // names differ by design
      expect.soft(ctx.model.optimizer, 'the compiled optimizer').toBe(optimizerBefore);
      expect.soft(bytesAfter, 'bytes in use of the wasm arena').toBe(bytesBefore);
      row.after?.(ctx);

      // Hidden state (optimizer slots, generator streams) shows in the next fit: it must match the twin's.
      await continueTraining(ctx.model, setup);
      await continueTraining(twin, setup);
      expect(bits(ctx.model.getWeights().map((t) => t.data))).toEqual(bits(twin.getWeights().map((t) => t.data)));
      expect(ctx.model.optimizer!.iterations).toBe(twin.optimizer!.iterations);
    });
  }
});
