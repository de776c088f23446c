// Property-based fuzzing of the whole public API (issue: "no call, however wrong, can corrupt another
// model's memory or train on garbage"). Random valid and invalid arguments and random call sequences on
// live models; after every call the invariants of test/fuzz/invariants.ts must hold. `npm test` runs a few
// seeded rounds; `npm run fuzz` (vitest.fuzz.config.ts) provides `fuzzRuns` for many more. Each distinct
// broken invariant is reported with a minimal TypeScript repro.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { functionCall, modelCall } from './fuzz/arbitraries.js';
import { Hunter, report, type Finding } from './fuzz/hunt.js';
import { callOf } from './fuzz/world.js';

declare module 'vitest' {
  export interface ProvidedContext {
    fuzzRuns: number;
  }
}

/**
 * Sequences per round (a hunt ends when a whole round finds nothing new) and the most time each hunt may take:
 * under `npm test` 300 seeded sequences and 3 s; `npm run fuzz` provides `fuzzRuns` and allows 150 ms a run.
 */
const PROVIDED = inject('fuzzRuns');
const RUNS = PROVIDED ?? 300;
const TIME_MS = PROVIDED === undefined ? 3_000 : RUNS * 150;
const SEED = 42;

describe('fuzzing the public API', () => {
  let hunter: Hunter;
  beforeAll(() => {
    hunter = new Hunter();
  });
  afterAll(() => {
    const s = hunter.stats;
    console.log(`fuzz: ${s.calls} calls in ${s.runs} sequences (shrinking included): ${s.succeeded} succeeded, ` +
      `${s.clean} ended in a clean NeurasmError with everything unchanged, ${s.userErrors} passed a callback's own error through, ` +
      `${s.violations} broke an invariant (${hunter.findings.size} distinct); ${s.skipped} skipped (a variable they need was unset)`);
    hunter.dispose();
  });

  async function expectNoFindings(found: Promise<Finding[]>): Promise<void> {
    const findings = await found;
    if (findings.length > 0) console.log(`\n${report(findings)}\n`);
    expect(findings.map((f) => f.signature)).toEqual([]);
  }

  it('functions and constructors: tensor, Tensor methods, oneHot, trainTestSplit, errors, layers, optimizers, callbacks, Sequential, loading', async () => {
    await expectNoFindings(hunter.hunt(fc.array(functionCall, { minLength: 1, maxLength: 6 }), { seed: SEED, numRuns: RUNS, timeMs: TIME_MS }));
  });

  it('call sequences on live models: add, compile, fit (callbacks, overlapping), evaluate, predict, weights, save/load, dispose', async () => {
    await expectNoFindings(hunter.hunt(fc.array(modelCall, { minLength: 1, maxLength: 10 }), { seed: SEED, numRuns: RUNS, timeMs: TIME_MS }));
  });
});

/**
 * Every distinct counterexample the fuzz suite found, as its minimal repro (the lines after the models' setup,
 * in test/fuzz/world.ts), replayed with all the invariants checked after every line. `refused` means the last
 * line must throw a NeurasmError, `accepted` that it must succeed. They fail until the library keeps its promises.
 */
const REGRESSIONS: { title: string; lines: string[]; refused?: boolean; accepted?: boolean }[] = [
  // Data no model can take. m2 is compiled but not built: its first fit builds it one feature wide.
  ...['m2.predict(tensor([0.5], []))', 'm2.evaluate(tensor([0.5], []), [1])', 'await m2.fit(tensor([0.5], []), [1], { verbose: 0 })']
    .map((line) => ({ title: `a rank-0 tensor: ${line}`, lines: ['await m2.fit([[0.5]], [1], { verbose: 0 })', line], refused: true })),
  { title: 'a rank-0 tensor: fit on a model not built yet', lines: ['await m2.fit(tensor([0.5], []), [1], { verbose: 0 })'], refused: true },
  ...['trainTestSplit(tensor([0.5], []), [1])', 'trainTestSplit(tensor([0.5], []), tensor([1], []))']
    .map((line) => ({ title: `a rank-0 tensor: ${line}`, lines: [line], refused: true })),
  ...['m0.predict(new BigInt64Array([1n, 0n]))', 'm0.evaluate(new BigInt64Array([1n, 0n]), [1, 0])', 'await m0.fit(new BigInt64Array([1n, 0n]), [1, 0], { verbose: 0 })',
    'tensor(new BigInt64Array([1n, 0n]))', 'oneHot(new BigInt64Array([1n, 0n]), 2)', 'trainTestSplit(new BigInt64Array([1n, 0n]), [1, 0])']
    .map((line) => ({ title: `a BigInt64Array: ${line}`, lines: [line], refused: true })),
  ...['trainTestSplit([[0, 0], [0, 0]], tensor(new Float32Array(8), [2, 2, 2]))', 'trainTestSplit(tensor(new Float32Array(8), [2, 2, 2]), [[0], [0]])']
    .map((line) => ({ title: `trainTestSplit keeps every value of a rank-3 tensor: ${line}`, lines: [line] })),
  { title: "tensor([1, 2], '2')", lines: ["tensor([1, 2], '2')"], refused: true },
  { title: 'oneHot([0], 2 ** 40)', lines: ['oneHot([0], 2 ** 40)'], refused: true },
  { title: 'oneHot([], 1e39)', lines: ['oneHot([], 1e39)'], refused: true },
  { title: 't.get(0, 1n)', lines: ['let t = tensor([[0]])', 't.get(0, 1n)'], refused: true },
  { title: "t.get(Symbol('i'))", lines: ['let t = tensor([[0]])', "t.get(Symbol('i'))"], refused: true },
  // null as options means no options; a non-object and an unknown key are refused.
  ...['new Dense(2, null)', "new Activation('relu', null)", 'new Dropout(0.5, null)', 'new SGD(null)', 'new Adam(null)', 'new AdamW(null)', 'new RMSprop(null)',
    'new EarlyStopping(null)', 'new Sequential([], null)', 'm0.predict([[0, 1]], null)', 'm0.evaluate([[0, 1]], [1], null)', 'await m0.fit([[0, 1]], [1], null)',
    'm0.summary(null)', 'await m0.save(undefined, null)', 'modelFromJSON(m0.toJSON(), null)', 'trainTestSplit([[0], [1]], [0, 1], null)',
    'let saved = await m0.save()\nawait loadModel(saved, null)']
    .map((line) => ({ title: `null options: ${line.split('\n').pop()}`, lines: line.split('\n'), accepted: true })),
  ...['new Dense(2, 5)', "new Activation('relu', 5)", 'new Dropout(0.5, 5)', 'new SGD(5)', 'new Adam(5)', 'new AdamW(5)', 'new RMSprop(5)', 'new EarlyStopping(5)',
    'new Sequential([], 5)', 'm0.predict([[0, 1]], 5)', 'm0.evaluate([[0, 1]], [1], 5)', 'await m0.fit([[0, 1]], [1], 5)', 'm0.summary(5)',
    'await m0.save(undefined, 5)', 'modelFromJSON(m0.toJSON(), 5)', 'trainTestSplit([[0], [1]], [0, 1], 5)', 'let saved = await m0.save()\nawait loadModel(saved, 5)']
    .map((line) => ({ title: `options not an object: ${line.split('\n').pop()}`, lines: line.split('\n'), refused: true })),
  ...['new Dense(2, { lr: 1 })', "new Activation('relu', { lr: 1 })", 'new Dropout(0.5, { lr: 1 })', 'new SGD({ lr: 1 })', 'new Adam({ lr: 1 })', 'new AdamW({ lr: 1 })',
    'new RMSprop({ lr: 1 })', 'new EarlyStopping({ lr: 1 })', 'new Sequential([], { lr: 1 })', 'm0.predict([[0, 1]], { lr: 1 })', 'm0.evaluate([[0, 1]], [1], { lr: 1 })',
    'await m0.fit([[0, 1]], [1], { verbose: 0, lr: 1 })', 'm0.summary({ lr: 1 })', "m0.compile({ loss: 'mse', lr: 1 })", 'await m0.save(undefined, { lr: 1 })',
    'modelFromJSON(m0.toJSON(), { lr: 1 })', 'trainTestSplit([[0], [1]], [0, 1], { lr: 1 })', 'let saved = await m0.save()\nawait loadModel(saved, { lr: 1 })']
    .map((line) => ({ title: `an unknown option: ${line.split('\n').pop()}`, lines: line.split('\n'), refused: true })),
  // Options of the wrong type or out of range.
  ...["new Dense(2, { useBias: 'false' })", 'new Dense(1e39)', 'new Dense(1, { kernelRegularizer: 0.5 })', 'new Dense(1, { biasRegularizer: [1, 2] })',
    'new Dropout(0, { inputDim: 1e39 })', "new SGD({ nesterov: 'false' })", 'new Adam({ globalClipNorm: 1e39 })', 'new RMSprop({ clipNorm: 1e39 })',
    'new AdamW({ epsilon: 1e39 })', "new Sequential([], { name: Symbol('s') })", 'new EarlyStopping({ monitor: -0 })', "new EarlyStopping({ monitor: Symbol('s') })",
    'new EarlyStopping({ monitor: Object.create(null) })', 'new EarlyStopping({ patience: 1e39 })', 'new EarlyStopping({ restoreBestWeights: { valueOf: () => 3 } })',
    'new EarlyStopping({ baseline: [1, 2] })', 'new EarlyStopping({ startFromEpoch: 1e39 })', "new EarlyStopping({ verbose: Symbol('s') })",
    'm1.evaluate([[0, 0, 0]], [0], { batchSize: 2 ** 53 })', 'm1.evaluate([[0, 0, 0]], [0], { returnDict: new BigInt64Array(2) })', "m0.summary({ printFn: 'false' })",
    'await m0.save(undefined, { includeOptimizer: NaN })', 'await m1.fit([[0, 0, 0]], [0], { verbose: 0, epochs: 0, batchSize: 1e39 })',
    'await m0.fit([[0, 0]], [0], { verbose: 0, epochs: 0, initialEpoch: 1e39 })', 'await m2.fit([[0, 1]], [1], { verbose: 0, epochs: 1e39 })',
    'm0.predict([[0, 0]], { batchSize: 1e39 })', 'new EarlyStopping({ minDelta: 1e39 })', "new Activation('linear', { inputDim: 1e39 })", 'new Adam({ clipNorm: 1e39 })',
    'new AdamW({ clipValue: 1e39 })', 'new Adam({ learningRate: 1e39 })', 'modelFromJSON(m1.toJSON(), { maxBytes: 1e39 })', 'trainTestSplit([[0], [1], [2], [3]], [0, 1, 0, 1], { shuffle: 0 })',
    'modelFromJSON(m0.toJSON(), { maxBytes: Object.create(null) })', 'await loadModel([[]])']
    .map((line) => ({ title: `a wrong option or argument: ${line}`, lines: [line], refused: true })),
  // null for one option means that option's default.
  ...['new RMSprop({ learningRate: null })', 'new Adam({ clipNorm: null })', 'new Adam({ beta1: null })', 'new SGD({ clipValue: null })', 'new Dropout(0, { name: null })', "new Activation('linear', { inputDim: null })"]
    .map((line) => ({ title: `a null option: ${line}`, lines: [line], accepted: true })),
  { title: 'a layer without weights given null weights', lines: ['m1.layers[1].setWeights(null)'], refused: true },
  { title: "a layer without weights given a string as weights", lines: ["m1.layers[1].setWeights('')"], refused: true },
  ...['errorFromData(null)', 'errorFromData(undefined)'].map((line) => ({ title: line, lines: [line] })),
  // Callbacks.
  { title: 'a hook that is not a function', lines: ['await m0.fit([[0, 1]], [1], { verbose: 0, callbacks: [{ onEpochEnd: 5 }] })'], refused: true },
  { title: 'a hook that is not a function, with epochs: 0', lines: ['await m1.fit([[0, 0, 0]], [0], { verbose: 0, epochs: 0, callbacks: [{ onBatchBegin: 5 }] })'], refused: true },
  { title: 'an async setModel that rejects (the library drops its promise)', lines: ["await m0.fit([[0, 1]], [1], { verbose: 0, epochs: 0, callbacks: [{ setModel: async () => { throw new Error('boom'); } }] })"] },
  { title: 'validationData [x, undefined]', lines: ['await m0.fit([[0, 1]], [1], { verbose: 0, validationData: [[[0, 1]], undefined] })'], refused: true },
  // Training on garbage, and models changing each other.
  { title: 'learningRate = NaN, then fit', lines: ['m0.optimizer.learningRate = NaN', 'await m0.fit([[0, 1]], [1], { verbose: 0 })'] },
  { title: 'learningRate = undefined, then fit', lines: ['m1.optimizer.learningRate = undefined', 'await m1.fit([[0, 0, 0]], [0], { verbose: 0 })'] },
  // Keras 3 refuses more than one clipping option (found by the fuzz suite once it knew the rule).
  ...['new Adam({ clipNorm: 1, clipValue: 1 })', 'new SGD({ clipNorm: 1, globalClipNorm: 1 })', 'new Lion({ clipValue: 0.1, globalClipNorm: 2 })']
    .map((line) => ({ title: `two clipping options: ${line}`, lines: [line], refused: true })),
  // A schedule that leaves float32 at step 2 (found by npm run fuzz): refused once steps 0 and 1 had trained the model.
  { title: 'a schedule past float32 midway through a fit', lines: ["m0.compile({ optimizer: new SGD({ learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0.5, decayRate: 1e10 }) }), loss: 'mse' })", 'await m0.fit([[0, 1], [1, 0], [1, 1]], [1, 0, 1], { verbose: 0, batchSize: 1 })'], refused: true },
  { title: 'one optimizer for two models', lines: ['await m0.fit([[0, 1]], [1], { verbose: 0 })', "m1.compile({ optimizer: m0.optimizer, loss: 'mse' })", 'm0.optimizer.learningRate = 0.1', 'await m1.fit([[0, 0, 0]], [[0, 0, 0]], { verbose: 0 })'] },
  // A value in range as a float64 that leaves it as the float32 the kernels take (found by npm run fuzz): an
  // epsilon of 1e-50 reached Adam and RMSprop as 0 and turned every weight with a zero gradient into NaN.
  ...['new Adam({ learningRate: 0.01, clipNorm: 1, epsilon: 1e-50 })', 'new AdamW({ epsilon: 1e-50, weightDecay: 0 })', 'new RMSprop({ epsilon: 1e-50 })',
    'new RMSprop({ rho: 0.99999999999 })', 'new BatchNormalization({ epsilon: 1e-50 })', 'new Dropout(0.99999999999)']
    .map((line) => ({ title: `a value that rounds out of its range as a float32: ${line}`, lines: [line], refused: true })),
  // Memory: the suite's ballast leaves 64 MiB free.
  { title: 'add(new Dense(2 ** 31))', lines: ['m0.add(new Dense(2 ** 31))'], refused: true },
  { title: 'a constructor whose second layer does not fit gives its memory back', lines: ['new Sequential([new Dense(1, { inputDim: 3 }), new Dense(1, { inputDim: 2 })])'], refused: true },
  { title: 'a compile that runs out of memory', lines: ["m0.compile({ optimizer: 'sgd', loss: 'mse' })", 'm0.add(new Dense(2500))', 'm0.add(new Dense(2500))', "m0.compile({ optimizer: 'adam', loss: 'mse' })"], refused: true },
];

describe('regressions found by the fuzz suite', () => {
  let hunter: Hunter;
  beforeAll(() => {
    hunter = new Hunter();
  });
  afterAll(() => hunter.dispose());

  for (const r of REGRESSIONS) {
    it(r.title, async () => {
      const last = r.lines.length - 1;
      const calls = r.lines.map((line, i) => callOf(line, i < last ? undefined : r.refused ? 'refuse' : r.accepted ? 'accept' : undefined));
      const v = await hunter.check(calls);
      expect(v && `(${v.invariant}) ${v.message}`).toBeUndefined();
    });
  }
});
