// Trains the "Learn a 2-D dataset" model off the main thread. The page drives it with two jobs: `setup` builds a
// fresh seeded model on the given points, `train` trains a few epochs (within a time budget) and returns a
// snapshot. The page asks for the next `train` only once the last one is back, so Pause is simply not asking.
import { Adam, Dense, RMSprop, SGD, Sequential, serveWorker, tensor, type Optimizer, type Tensor } from 'neurasm';
import { BOUNDARY_GRID, gridPoints, UNIT_GRID, type Dataset } from './datasets.js';

/** The activations a hidden layer may have here. */
export type HiddenActivation = 'relu' | 'tanh' | 'sigmoid';
/** The optimizers the page offers. */
export type OptimizerName = 'adam' | 'sgd' | 'rmsprop';

/** The network and how it trains; the data comes separately. */
export interface LearnSettings {
  layers: { units: number; activation: HiddenActivation }[];
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  /** L2 penalty on every kernel (0: none). */
  l2: number;
}

/** What the page asks of the worker: build a model (`setup`) or train it a little and report (`train`). */
export type LearnJob =
  | { kind: 'setup'; generation: number; settings: LearnSettings; data: Dataset }
  /** Trains `epochs` epochs, or fewer if `ms` milliseconds pass first (at least one); then takes a snapshot. */
  | { kind: 'train'; generation: number; epochs: number; ms?: number; learningRate: number; batchSize: number };

/** What the page draws: numbers, the output over a grid, and each hidden unit's output over a coarser grid. */
export interface Snapshot {
  generation: number;
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** The probability of class 1 on a BOUNDARY_GRID² grid over the plotted square, row by row from the top. */
  boundary: Float32Array;
  /** Each hidden unit's output on a UNIT_GRID² grid (same order as `boundary`): layer 1's units, then layer 2's, … */
  units: Float32Array;
  /** Each hidden layer's units and activation (how to colour its units' outputs). */
  layers: LearnSettings['layers'];
}

const OPTIMIZERS: Record<OptimizerName, (learningRate: number) => Optimizer> = {
  adam: (learningRate) => new Adam({ learningRate }),
  sgd: (learningRate) => new SGD({ learningRate }),
  rmsprop: (learningRate) => new RMSprop({ learningRate }),
};

const SEED = 1;

interface State {
  generation: number;
  model: Sequential;
  /** probes[k]: the first k + 1 hidden layers alone, given the model's weights before each snapshot. */
  probes: Sequential[];
  xTrain: Tensor; yTrain: Tensor; xTest: Tensor; yTest: Tensor;
  layers: LearnSettings['layers'];
  epoch: number;
}

const boundaryGrid = tensor(gridPoints(BOUNDARY_GRID), [BOUNDARY_GRID * BOUNDARY_GRID, 2]);
const unitGrid = tensor(gridPoints(UNIT_GRID), [UNIT_GRID * UNIT_GRID, 2]);
let state: State | undefined;

function hiddenLayers(settings: LearnSettings): Dense[] {
  return settings.layers.map((layer, i) => new Dense(layer.units, {
    ...(i === 0 ? { inputDim: 2 } : {}),
    activation: layer.activation,
    ...(settings.l2 > 0 ? { kernelRegularizer: { l2: settings.l2 } } : {}),
  }));
}

function checkSettings(settings: LearnSettings): void {
  const { layers, optimizer, learningRate, batchSize, l2 } = settings;
  if (!Array.isArray(layers) || layers.length < 1 || layers.length > 3) throw new RangeError('the network needs 1 to 3 hidden layers');
  for (const [i, layer] of layers.entries()) {
    if (!Number.isInteger(layer.units) || layer.units < 1 || layer.units > 16) throw new RangeError(`hidden layer ${i + 1} needs 1 to 16 units, got ${layer.units}`);
    if (!['relu', 'tanh', 'sigmoid'].includes(layer.activation)) throw new RangeError(`hidden layer ${i + 1}: unknown activation "${layer.activation}"`);
  }
  if (!(optimizer in OPTIMIZERS)) throw new RangeError(`unknown optimizer "${optimizer}"`);
  if (!(learningRate > 0 && learningRate <= 10)) throw new RangeError(`the learning rate must be above 0 and at most 10, got ${learningRate}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`the batch size must be a whole number of at least 1, got ${batchSize}`);
  if (!(l2 >= 0 && l2 <= 1)) throw new RangeError(`the L2 penalty must be between 0 and 1, got ${l2}`);
}

function setup(job: Extract<LearnJob, { kind: 'setup' }>): Snapshot {
  checkSettings(job.settings);
  const { train, test } = job.data;
  const model = new Sequential([...hiddenLayers(job.settings), new Dense(1, { activation: 'sigmoid' })], { seed: SEED });
  model.compile({ optimizer: OPTIMIZERS[job.settings.optimizer](job.settings.learningRate), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const probes = job.settings.layers.map((_, k) => new Sequential(hiddenLayers(job.settings).slice(0, k + 1), { seed: SEED }));
  if (state) {
    state.model.dispose();
    for (const probe of state.probes) probe.dispose();
  }
  state = {
    generation: job.generation, model, probes, epoch: 0, layers: job.settings.layers,
    xTrain: tensor(train.x, [train.y.length, 2]), yTrain: tensor(train.y, [train.y.length, 1]),
    xTest: tensor(test.x, [test.y.length, 2]), yTest: tensor(test.y, [test.y.length, 1]),
  };
  return snapshot(state);
}

async function train(job: Extract<LearnJob, { kind: 'train' }>): Promise<Snapshot> {
  const s = state;
  // The page sends a setup before any training job of a new generation: a mismatch means that setup failed.
  if (!s || s.generation !== job.generation) throw new Error('There is no network for these settings (building it failed): change a setting or press Reset.');
  const { model } = s;
  model.optimizer!.learningRate = job.learningRate;
  const deadline = performance.now() + (job.ms ?? 0);
  await model.fit(s.xTrain, s.yTrain, {
    epochs: job.epochs, batchSize: job.batchSize, verbose: 0, shuffle: true,
    callbacks: [{
      onEpochEnd: () => {
        s.epoch++;
        if (job.ms !== undefined && performance.now() >= deadline) model.stopTraining = true;
      },
    }],
  });
  return snapshot(s);
}

function snapshot(s: State): Snapshot {
  const [trainLoss, trainAccuracy] = s.model.evaluate(s.xTrain, s.yTrain, { batchSize: 1024 });
  const [testLoss, testAccuracy] = s.model.evaluate(s.xTest, s.yTest, { batchSize: 1024 });
  const boundary = s.model.predict(boundaryGrid).data;
  const weights = s.model.getWeights();
  const cells = UNIT_GRID * UNIT_GRID;
  // One array for all maps (a message of a few large arrays is cheaper to receive than of many small ones).
  const units = new Float32Array(s.layers.reduce((sum, layer) => sum + layer.units, 0) * cells);
  let at = 0;
  s.probes.forEach((probe, k) => {
    probe.setWeights(weights.slice(0, 2 * (k + 1)));
    const out = probe.predict(unitGrid);
    const width = out.shape[1]!;
    // Row-major [cells, units] → one map per unit.
    for (let u = 0; u < width; u++, at += cells) for (let c = 0; c < cells; c++) units[at + c] = out.data[c * width + u]!;
  });
  return {
    generation: s.generation, epoch: s.epoch,
    trainLoss: trainLoss!, trainAccuracy: trainAccuracy!, testLoss: testLoss!, testAccuracy: testAccuracy!,
    boundary, units, layers: s.layers,
  };
}

await serveWorker<LearnJob, Snapshot>((job) => (job.kind === 'setup' ? setup(job) : train(job)));
