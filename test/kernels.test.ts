// The checked kernel layer (test/setup.ts over test/kernels.ts): every kernel is wrapped, a wrong offset throws
// before the kernel runs, including through kernels src captured at load, and every rule of the table is as
// large as what its kernel really touches: run on buffers cut exactly to the rule, nothing outside is written
// and nothing outside is read.
import { describe, expect, it } from 'vitest';
import { arena } from '../src/arena.js';
import { kernels } from '../src/backend.js';
import { LOSSES } from '../src/losses.js';
import { Activation, Dense, Sequential } from '../src/index.js';
import { disposeAfterEach, labels, mulberry32, uniform, useWasm } from './helpers.js';
import { OPERANDS, type KernelName, type Operand } from './kernels.js';
import { takeViolations } from './setup.js';

const wasm = useWasm();
const wasmExports = Object.getPrototypeOf(kernels) as Record<string, unknown>;
const names = Object.keys(OPERANDS) as KernelName[];

/** Runs `call`, expecting it to be stopped by the checks with a message matching `pattern`; takes the violation. */
function expectStopped(call: () => unknown, pattern: RegExp): void {
  expect(call).toThrow(pattern);
  const stopped = takeViolations();
  expect(stopped).toHaveLength(1);
}

describe('the checks', () => {
  it('wrap every exported kernel function, own adapters and wasm exports alike', () => {
    const functions = Object.keys(wasmExports).filter((n) => typeof wasmExports[n] === 'function');
    expect(functions.sort()).toEqual([...names].sort());
    for (const name of names) {
      expect(Object.hasOwn(kernels, name), name).toBe(true);
      expect((kernels[name] as { name: string }).name, name).toBe(name);
      expect(kernels[name], name).not.toBe(wasmExports[name]);
    }
  });

  it('let a correct call through', () => {
    const c = wasm.alloc(4);
    kernels.matmul(c, wasm.put([1, 2, 3, 4]), wasm.put([5, 6, 7, 8]), 2, 2, 2, false, 0, 1);
    expect(Array.from(wasm.read(c, 4))).toEqual([19, 22, 43, 50]);
  });

  it('stop kernels.matmul writing past its output block, before it runs, naming the call and the blocks near it', () => {
    const m = 5, k = 7, n = 9;
    const a = wasm.put(uniform(m * k, mulberry32(1)));
    const b = wasm.put(uniform(k * n, mulberry32(2)));
    const c = wasm.alloc(16); // 64 bytes; C needs 180
    const neighbour = wasm.put(new Float32Array(64).fill(7));
    expectStopped(() => kernels.matmul(c, a, b, m, k, n, false, 0, 1),
      new RegExp(`kernel check: matmul: argument c: 180 bytes at offset ${c} \\(to ${c + 180}\\) are not inside one live arena block; ` +
        `near it: .*live \\[${c}, ${c + 64}\\).*; call matmul\\(${c}, ${a}, ${b}, 5, 7, 9, false, 0, 1\\)`));
    expect(Array.from(wasm.read(neighbour, 64))).toEqual(new Array(64).fill(7));
    // A stale offset: a block already released.
    const released = arena.alloc(m * n * 4);
    arena.release(released);
    expectStopped(() => kernels.matmulTransB(released, a, b, m, k, n, false, 0, 1), /kernel check: matmulTransB: argument c: 180 bytes/);
  });

  it('stop a call through a kernel src/losses.ts captured at load (LOSSES.meanSquaredError.rows)', () => {
    expect(LOSSES.meanSquaredError.rows).toBe(kernels.meanSquaredErrorRows); // the wrapper, not the wasm export
    const t = wasm.put([1, 2, 3, 4, 5, 6]);
    const out = wasm.alloc(2);
    const outside = arena.layout().top + 4096;
    expectStopped(() => LOSSES.meanSquaredError.rows(out, outside, t, 2, 3),
      new RegExp(`kernel check: meanSquaredErrorRows: argument p: 24 bytes at offset ${outside} .*arena base \\d+, top \\d+`));
    LOSSES.meanSquaredError.rows(out, wasm.put([1, 2, 3, 4, 5, 8]), t, 2, 3);
    expect(Array.from(arena.read(out, 2))).toEqual([0, Math.fround(4 / 3)]);
  });

  it('stop an operand that starts in one block and ends in the next', () => {
    const first = wasm.alloc(16);
    wasm.alloc(16);
    expectStopped(() => kernels.fill(first + 32, 16, 1), /kernel check: fill: argument x: 64 bytes at offset \d+ \(to \d+\)/);
  });

  it('stop a sparse label out of range, reading the labels the kernel would follow', () => {
    const p = wasm.put(uniform(6, mulberry32(3), 0.1, 0.9));
    expect(() => kernels.sparseCategoricalCrossentropy(p, wasm.put([0, 2]), 2, 3, NaN)).not.toThrow();
    expectStopped(() => kernels.sparseCategoricalCrossentropy(p, wasm.put([0, 64]), 2, 3, NaN),
      /sparseCategoricalCrossentropy: argument p: 272 bytes/); // row 1's label 64 reaches float 3 + 64
  });
});

describe('the checks, on the library', () => {
  const track = disposeAfterEach();
  const x = Array.from({ length: 10 }, (_, i) => [Math.sin(i), Math.cos(i * 1.3), (i % 3) - 1]);

  // NOTE: a fused loss once read the logits of an output Activation layer from an offset taken before the first
  // forward pass (0: below the arena); training went on silently on whatever lay there. Under the checks it throws.
  it.each([
    ['softmax', 'categoricalCrossentropy', 3, x.map((_, i) => [i % 3 === 0 ? 1 : 0, i % 3 === 1 ? 1 : 0, i % 3 === 2 ? 1 : 0])],
    ['softmax', 'sparseCategoricalCrossentropy', 3, x.map((_, i) => i % 3)],
    ['sigmoid', 'binaryCrossentropy', 1, x.map((_, i) => i % 2)],
  ] as const)('an output Activation(%s) fused with %s trains, evaluates and predicts', async (activation, loss, units, y) => {
    const model = track(new Sequential([new Dense(4, { inputDim: 3, activation: 'relu' }), new Dense(units), new Activation(activation)], { seed: 3 }));
    model.compile({ optimizer: 'adam', loss, metrics: ['accuracy'] });
    await model.fit(x, y as number[] | number[][], { epochs: 2, batchSize: 4, verbose: 0 });
    model.evaluate(x, y as number[] | number[][]);
    model.predict(x);
  });
});

// ─── Every rule against its kernel ───

/** A pointer argument: the kernel's parameter name, optional contents (else seeded floats), i32 contents. */
interface Ptr { readonly ptr: string; readonly data?: ArrayLike<number>; readonly i32?: boolean; readonly same?: string }
type Arg = Ptr | number | boolean;
const P = (ptr: string, data?: ArrayLike<number>): Ptr => ({ ptr, data });
const I32 = (ptr: string, data: ArrayLike<number>): Ptr => ({ ptr, data, i32: true });
/** Parameter `ptr` passed the same buffer as `same` (denseForward's pre = out). */
const SAME = (ptr: string, same: string): Ptr => ({ ptr, same });

const ids = {
  linear: kernels.ACTIVATION_LINEAR.value, relu: kernels.ACTIVATION_RELU.value, sigmoid: kernels.ACTIVATION_SIGMOID.value,
  tanh: kernels.ACTIVATION_TANH.value, softmax: kernels.ACTIVATION_SOFTMAX.value, leakyRelu: kernels.ACTIVATION_LEAKY_RELU.value,
  elu: kernels.ACTIVATION_ELU.value, selu: kernels.ACTIVATION_SELU.value, gelu: kernels.ACTIVATION_GELU.value,
  swish: kernels.ACTIVATION_SWISH.value, softplus: kernels.ACTIVATION_SOFTPLUS.value,
  relu6: kernels.ACTIVATION_RELU6.value, hardSigmoid: kernels.ACTIVATION_HARD_SIGMOID.value, hardSwish: kernels.ACTIVATION_HARD_SWISH.value,
  softsign: kernels.ACTIVATION_SOFTSIGN.value, mish: kernels.ACTIVATION_MISH.value, logSoftmax: kernels.ACTIVATION_LOG_SOFTMAX.value,
  logSigmoid: kernels.ACTIVATION_LOG_SIGMOID.value, exponential: kernels.ACTIVATION_EXPONENTIAL.value, celu: kernels.ACTIVATION_CELU.value,
  geluApproximate: kernels.ACTIVATION_GELU_APPROXIMATE.value,
};
const ALL_IDS = Object.values(ids);

const N = [1, 6, 13]; // a lone tail, a SIMD block and a tail, three blocks and a tail
const ROWS_COLS = [[1, 1], [3, 5], [2, 0], [4, 9]] as const;
const SHAPES = [[1, 1, 1], [2, 5, 3], [3, 7, 9], [5, 7, 9], [4, 0, 5], [13, 3, 6], [6, 260, 10], [9, 17, 33], [5, 3, 520]] as const;

const each = <T>(values: readonly T[], f: (v: T) => Arg[][]): Arg[][] => values.flatMap(f);
const forN = (f: (n: number) => Arg[]): Arg[][] => N.map(f);
const forRowsCols = (f: (rows: number, cols: number) => Arg[]): Arg[][] => ROWS_COLS.map(([r, c]) => f(r, c));
const unaryCases = (...scalars: number[]) => forN((n) => [P('y'), P('x'), n, ...scalars]);
const gradCases = (...scalars: number[]) => forN((n) => [P('dx'), P('dy'), P('x'), P('y'), n, ...scalars]);
const lossCases = (...scalars: number[]) => forRowsCols((r, c) => [P('p'), P('t'), r, c, ...scalars]);
const lossGradCases = (...scalars: number[]) => forRowsCols((r, c) => [P('dp'), P('p'), P('t'), r, c, ...scalars]);
const rowsCases = (...scalars: number[]) => forRowsCols((r, c) => [P('out'), P('p'), P('t'), r, c, ...scalars]);
const sparseCases = (grad: boolean) => ROWS_COLS.filter(([, c]) => c > 0).map(([r, c]) =>
  [...(grad ? [P('dp')] : []), P('p'), P('t', labels(r, c, mulberry32(r * 31 + c))), r, c]);
// The sparse losses: with no ignored class (NaN), and with −1 ignored on every other row (never an index).
const sparseLossCases = (grad: boolean) => ROWS_COLS.filter(([, c]) => c > 0).flatMap(([r, c]) => {
  const l = labels(r, c, mulberry32(r * 31 + c));
  return [[...(grad ? [P('dp')] : []), P('p'), P('t', l), r, c, NaN],
    [...(grad ? [P('dp')] : []), P('p'), P('t', l.map((v, i) => (i % 2 === 0 ? -1 : v))), r, c, -1]];
});
const productCases = each(SHAPES, ([m, k, n]) => [true, false].map((acc) => [P('c'), P('a'), P('b'), m, k, n, acc]));
const drawCases = forN((n) => [P('x'), n, P('state'), -0.5, 2]);
// Convolution geometries [batch, height, width, inC, outC, kH, kW, sh, sw, dh, dw, padTop, padLeft, outH, outW]:
// 'same' and 'valid', strides, dilation, a 1-D row, output channels on every SIMD block and tail, an empty batch.
const CONVS = [
  [2, 5, 4, 3, 5, 3, 2, 1, 1, 1, 1, 1, 0, 5, 4], [1, 7, 5, 1, 9, 3, 3, 2, 3, 1, 1, 0, 0, 3, 1],
  [3, 1, 9, 2, 17, 1, 3, 1, 2, 1, 2, 0, 2, 1, 5], [2, 6, 6, 4, 16, 2, 2, 2, 2, 1, 1, 0, 0, 3, 3],
  [1, 4, 3, 5, 8, 2, 2, 1, 1, 2, 1, 1, 0, 4, 3], [0, 3, 3, 2, 4, 2, 2, 1, 1, 1, 1, 0, 0, 2, 2],
] as const;
// Pooling geometries [batch, height, width, channels, poolH, poolW, sh, sw, padTop, padLeft, outH, outW].
const POOLS = [
  [2, 5, 7, 5, 2, 2, 2, 2, 0, 0, 2, 3], [1, 5, 7, 3, 3, 2, 2, 1, 1, 0, 3, 7], [2, 4, 4, 8, 2, 2, 1, 1, 0, 0, 3, 3],
  [1, 1, 9, 1, 1, 3, 1, 2, 0, 1, 1, 5], [0, 2, 2, 4, 2, 2, 2, 2, 0, 0, 1, 1],
] as const;
const poolCases = (...ptrs: Ptr[]) => POOLS.map((g) => [...ptrs, ...g]);
// Depthwise geometries [batch, height, width, inC, multiplier, kH, kW, sh, sw, dh, dw, padTop, padLeft, outH, outW]:
// output channels (inC·multiplier) on the SIMD path and the tail, multipliers that gather x, an empty batch.
const DEPTHWISE = [
  [2, 5, 4, 3, 1, 3, 2, 1, 1, 1, 1, 1, 0, 5, 4], [1, 7, 5, 5, 1, 3, 3, 2, 3, 1, 1, 0, 0, 3, 1],
  [3, 1, 9, 2, 3, 1, 3, 1, 2, 1, 2, 0, 2, 1, 5], [2, 6, 6, 4, 2, 2, 2, 2, 2, 1, 1, 0, 0, 3, 3],
  [1, 4, 3, 13, 1, 2, 2, 1, 1, 2, 1, 1, 0, 4, 3], [0, 3, 3, 2, 4, 2, 2, 1, 1, 1, 1, 0, 0, 2, 2],
] as const;
// Batch normalization [rows, channels]: channels on every SIMD block and tail, a single row, no rows.
const NORMS = [[1, 1], [7, 3], [5, 4], [6, 13], [3, 8], [0, 5]] as const;
// Padding [batch, height, width, channels, top, bottom, left, right] and upsampling [batch, height, width, channels,
// sizeH, sizeW]: sides of 0, sizes of 1, channels on the SIMD path and the tail, an empty batch.
const PADS = [[2, 3, 4, 5, 1, 2, 0, 3], [1, 7, 5, 1, 0, 0, 2, 1], [3, 2, 2, 8, 2, 1, 1, 1], [0, 2, 2, 3, 1, 1, 1, 1]] as const;
const UPSAMPLES = [[2, 3, 4, 5, 2, 3], [1, 7, 5, 1, 1, 1], [3, 2, 3, 8, 3, 2], [1, 2, 2, 13, 2, 2], [0, 2, 2, 3, 2, 2]] as const;
/** Winners for maxPool2dGrad: spread over x, with a −1 (an empty window) and an index past x, which are skipped. */
const winners = ([batch, height, width, channels, , , , , , , outH, outW]: (typeof POOLS)[number]) => {
  const size = batch * height * width * channels;
  return Array.from({ length: batch * outH * outW * channels }, (_, i) => (i === 1 ? -1 : i === 2 ? size : (i * 7919) % size));
};

/** Calls for every kernel on small awkward sizes: every path (SIMD tails, packed and row-by-row GEMM, flags). */
const CASES: { [K in KernelName]: Arg[][] } = {
  heapBase: [[]],
  scratchBytes: [[]],
  // Only 0 (the instance's own scratch): moving the test's instance elsewhere would outlive the case's buffers.
  useScratch: [[0]],
  // 1 after the case: a product of another call must pack its own B.
  setChunks: [[1]],
  matmul: productCases,
  matmulTransA: productCases,
  matmulTransB: productCases,
  denseForward: [
    ...each(ALL_IDS, (id) => [[2, 5, 6], [5, 3, 6], [3, 0, 4]].map(([rows, inDim, units]) =>
      [P('out'), P('pre'), P('x'), P('w'), P('b'), rows!, inDim!, units!, id, 0.2])),
    [P('out'), P('pre'), P('x'), P('w'), 0, 5, 7, 9, ids.relu, 0], // no bias
    [P('out'), SAME('pre', 'out'), P('x'), P('w'), P('b'), 5, 7, 9, ids.linear, 0], // pre = out
    [P('out'), SAME('pre', 'out'), P('x'), P('w'), 0, 2, 7, 3, ids.linear, 0],
  ],
  // Whole calls (no part arguments) and, with (part, parts), split ones that keep K blocks in scratch.
  denseForwardDepth: [
    ...[[2, 5, 6], [5, 3, 6], [3, 0, 4], [6, 260, 10], [5, 520, 20]].map(([rows, inDim, units]) =>
      [P('pre'), P('scratch'), P('x'), P('w'), P('b'), rows!, inDim!, units!]),
    ...[0, 1, 2].map((part) => [P('pre'), P('scratch'), P('x'), P('w'), P('b'), 5, 600, 20, part, 3]),
    [P('pre'), 0, P('x'), P('w'), 0, 5, 7, 9], // no bias, no scratch
  ],
  denseDepthSlices: [[784, 128], [256, 128], [257, 13], [1000, 12], [0, 40]],
  denseForwardReduce: [
    ...each(ALL_IDS, (id) => [[2, 5, 6], [5, 520, 20]].map(([rows, inDim, units]) =>
      [P('out'), P('pre'), P('scratch'), rows!, inDim!, units!, 1, id, 0.2])),
    ...[0, 1].map((part) => [P('out'), P('pre'), P('scratch'), 5, 600, 20, 3, ids.relu, 0, part, 2]),
    [P('out'), SAME('pre', 'out'), 0, 5, 7, 9, 1, ids.linear, 0], // pre = out
  ],
  biasAdd: forRowsCols((r, c) => [P('y'), P('b'), r, c]).concat([[P('y'), P('b'), 0, 5]]),
  biasGrad: forRowsCols((r, c) => [P('db'), P('dy'), r, c]).concat([[P('db'), P('dy'), 0, 5]]),
  fill: forN((n) => [P('x'), n, 3]),
  conv2d: [...CONVS.map((g) => [P('out'), P('x'), P('w'), P('b'), ...g]), [P('out'), P('x'), P('w'), 0, ...CONVS[0]]],
  conv2dForward: [
    ...each(ALL_IDS, (id) => CONVS.map((g) => [P('out'), P('pre'), P('x'), P('w'), P('b'), ...g, id, 0.2])),
    [P('out'), P('pre'), P('x'), P('w'), 0, ...CONVS[0], ids.relu, 0], // no bias
    [P('out'), SAME('pre', 'out'), P('x'), P('w'), P('b'), ...CONVS[1], ids.linear, 0], // pre = out
  ],
  conv2dInputGrad: CONVS.map((g) => [P('dx'), P('dy'), P('w'), ...g]),
  conv2dFilterGrad: [...CONVS.map((g) => [P('dw'), P('db'), P('x'), P('dy'), ...g]), [P('dw'), 0, P('x'), P('dy'), ...CONVS[1]]],
  maxPool2d: poolCases(P('out'), P('argmax'), P('x')),
  maxPool2dGrad: POOLS.map((g) => [P('dx'), P('dy'), I32('argmax', winners(g)), ...g]),
  avgPool2d: poolCases(P('out'), P('x')),
  avgPool2dGrad: poolCases(P('dx'), P('dy')),
  depthwiseConv2d: [...DEPTHWISE.map((g) => [P('out'), P('x'), P('w'), P('b'), ...g]), [P('out'), P('x'), P('w'), 0, ...DEPTHWISE[2]]],
  depthwiseConv2dInputGrad: DEPTHWISE.map((g) => [P('dx'), P('dy'), P('w'), ...g]),
  depthwiseConv2dFilterGrad: [...DEPTHWISE.map((g) => [P('dw'), P('db'), P('x'), P('dy'), ...g]),
    [P('dw'), 0, P('x'), P('dy'), ...DEPTHWISE[3]]],
  batchNormTrain: [
    ...NORMS.map(([r, c]) => [P('out'), P('xhat'), P('mean'), P('invStd'), P('x'), P('gamma'), P('beta'), P('movingMean'),
      P('movingVar'), r, c, 0.99, 1e-3]),
    [P('out'), P('xhat'), P('mean'), P('invStd'), P('x'), 0, 0, P('movingMean'), P('movingVar'), 6, 13, 0.9, 1e-3],
  ],
  batchNormInference: [
    ...NORMS.map(([r, c]) => [P('out'), P('x'), P('gamma'), P('beta'), P('movingMean'), P('movingVar'), r, c, 1e-3]),
    [P('out'), P('x'), 0, 0, P('movingMean'), P('movingVar'), 6, 13, 1e-3],
  ],
  batchNormGrad: [
    ...NORMS.map(([r, c]) => [P('dx'), P('dgamma'), P('dbeta'), P('dy'), P('xhat'), P('invStd'), P('gamma'), r, c]),
    [SAME('dx', 'dy'), P('dgamma'), P('dbeta'), P('dy'), P('xhat'), P('invStd'), 0, 6, 13], // dx = dy, no scale
    [0, P('dgamma'), 0, P('dy'), P('xhat'), P('invStd'), P('gamma'), 6, 13],
    [P('dx'), 0, 0, P('dy'), P('xhat'), P('invStd'), P('gamma'), 7, 3],
  ],
  zeroPad2d: PADS.map((g) => [P('out'), P('x'), ...g]),
  crop2d: PADS.map((g) => [P('dx'), P('dy'), ...g]),
  upSample2d: UPSAMPLES.map((g) => [P('out'), P('x'), ...g]),
  upSample2dGrad: UPSAMPLES.map((g) => [P('dx'), P('dy'), ...g]),
  gatherRows: [1, 7, 8].map((cols) => [P('out'), P('src'), I32('idx', [3, 0, 4, 4, 1]), 5, cols]),
  firstNonFinite: forN((n) => [P('x'), n]),
  linear: [...unaryCases(), [SAME('y', 'x'), P('x'), 7]],
  linearGrad: [...gradCases(), [SAME('dx', 'dy'), P('dy'), P('x'), P('y'), 7]],
  relu: unaryCases(),
  reluGrad: gradCases(),
  leakyRelu: unaryCases(0.2),
  leakyReluGrad: gradCases(0.2),
  sigmoid: unaryCases(),
  sigmoidGrad: gradCases(),
  tanh: unaryCases(),
  tanhGrad: gradCases(),
  elu: unaryCases(0.7),
  eluGrad: gradCases(0.7),
  selu: unaryCases(),
  seluGrad: gradCases(),
  gelu: unaryCases(),
  geluGrad: gradCases(),
  swish: unaryCases(),
  swishGrad: gradCases(),
  softplus: unaryCases(),
  softplusGrad: gradCases(),
  softmax: forRowsCols((r, c) => [P('y'), P('x'), r, c]),
  softmaxGrad: forRowsCols((r, c) => [P('dx'), P('dy'), P('x'), P('y'), r, c]),
  relu6: unaryCases(),
  relu6Grad: gradCases(),
  reluWith: [...unaryCases(6, 0.1, 0.5), ...unaryCases(Infinity, 0, 1)],
  reluWithGrad: [...gradCases(6, 0.1, 0.5), ...gradCases(Infinity, 0, 1)],
  hardSigmoid: unaryCases(),
  hardSigmoidGrad: gradCases(),
  hardSwish: unaryCases(),
  hardSwishGrad: gradCases(),
  softsign: unaryCases(),
  softsignGrad: gradCases(),
  mish: unaryCases(),
  mishGrad: gradCases(),
  logSigmoid: unaryCases(),
  logSigmoidGrad: gradCases(),
  exponential: unaryCases(),
  exponentialGrad: gradCases(),
  celu: unaryCases(0.7),
  celuGrad: gradCases(0.7),
  geluApproximate: unaryCases(),
  geluApproximateGrad: gradCases(),
  logSoftmax: forRowsCols((r, c) => [P('y'), P('x'), r, c]),
  logSoftmaxGrad: forRowsCols((r, c) => [P('dx'), P('dy'), P('x'), P('y'), r, c]),
  softmaxAxis: [[2, 3, 5], [1, 4, 1], [3, 1, 2], [2, 0, 3], [0, 2, 2]].map(([o, n, i]) => [P('y'), P('x'), o!, n!, i!]),
  softmaxAxisGrad: [[2, 3, 5], [1, 4, 1], [3, 1, 2], [2, 0, 3]].map(([o, n, i]) => [P('dx'), P('dy'), P('x'), P('y'), o!, n!, i!]),
  prelu: [[2, 3, 1, 1], [3, 2, 4, 1], [2, 1, 3, 5], [1, 2, 3, 2], [0, 2, 2, 2]].map(([o, a, s, b]) => [P('y'), P('x'), P('alpha'), o!, a!, s!, b!]),
  preluGrad: [
    ...[[2, 3, 1, 1], [3, 2, 4, 1], [2, 1, 3, 5], [1, 2, 3, 2], [0, 2, 2, 2]].map(([o, a, s, b]) =>
      [P('dx'), P('dalpha'), P('dy'), P('x'), P('alpha'), o!, a!, s!, b!]),
    [0, P('dalpha'), P('dy'), P('x'), P('alpha'), 2, 3, 2, 2], // no input gradient
    [P('dx'), 0, P('dy'), P('x'), P('alpha'), 2, 3, 2, 2], // frozen alpha
  ],
  applyActivation: [
    ...each(ALL_IDS, (id) => forRowsCols((r, c) => [id, P('y'), P('x'), r, c, 0.2])),
    [ids.linear, SAME('y', 'x'), P('x'), 3, 5, 0],
  ],
  meanSquaredError: lossCases(),
  meanSquaredErrorGrad: lossGradCases(),
  meanAbsoluteError: lossCases(),
  meanAbsoluteErrorGrad: lossGradCases(),
  huber: lossCases(0.3),
  huberGrad: lossGradCases(0.3),
  binaryCrossentropy: lossCases(0.1),
  binaryCrossentropyGrad: lossGradCases(0.1),
  binaryCrossentropyLogits: forRowsCols((r, c) => [P('z'), P('t'), r, c, 0.1]),
  binaryCrossentropyLogitsGrad: forRowsCols((r, c) => [P('dz'), P('z'), P('t'), r, c, 0.1]),
  categoricalCrossentropy: lossCases(0.1),
  categoricalCrossentropyGrad: lossGradCases(0.1),
  categoricalCrossentropyLogits: forRowsCols((r, c) => [P('z'), P('t'), r, c, 0.1]),
  categoricalCrossentropyLogitsGrad: forRowsCols((r, c) => [P('dz'), P('z'), P('t'), r, c, 0.1]),
  sparseCategoricalCrossentropy: sparseLossCases(false),
  sparseCategoricalCrossentropyGrad: sparseLossCases(true),
  sparseCategoricalCrossentropyLogits: sparseLossCases(false).map(([, ...rest]) => [P('z'), ...rest]),
  sparseCategoricalCrossentropyLogitsGrad: sparseLossCases(true).map(([, , ...rest]) => [P('dz'), P('z'), ...rest]),
  meanSquaredErrorRows: rowsCases(),
  meanAbsoluteErrorRows: rowsCases(),
  huberRows: rowsCases(0.3),
  binaryCrossentropyRows: rowsCases(0.1),
  binaryCrossentropyLogitsRows: forRowsCols((r, c) => [P('out'), P('z'), P('t'), r, c, 0.1]),
  categoricalCrossentropyRows: rowsCases(0.1),
  categoricalCrossentropyLogitsRows: forRowsCols((r, c) => [P('out'), P('z'), P('t'), r, c, 0.1]),
  sparseCategoricalCrossentropyRows: sparseLossCases(false).map((args) => [P('out'), ...args]),
  sparseCategoricalCrossentropyLogitsRows: sparseLossCases(false).map(([, ...rest]) => [P('out'), P('z'), ...rest]),
  accumulate: forN((n) => [P('x'), n, 0.25]),
  counted: [[P('t', [0, -1, 2, -1]), 4, -1], [P('t', [0, 1]), 2, NaN], [P('t'), 0, -1]],
  meanAbsolutePercentageErrorGrad: lossGradCases(),
  meanAbsolutePercentageErrorRows: rowsCases(),
  meanSquaredLogarithmicErrorGrad: lossGradCases(),
  meanSquaredLogarithmicErrorRows: rowsCases(),
  hingeGrad: lossGradCases(),
  hingeRows: rowsCases(),
  squaredHingeGrad: lossGradCases(),
  squaredHingeRows: rowsCases(),
  categoricalHingeGrad: lossGradCases(),
  categoricalHingeRows: rowsCases(),
  cosineSimilarityGrad: lossGradCases(),
  cosineSimilarityRows: rowsCases(),
  logCoshGrad: lossGradCases(),
  logCoshRows: rowsCases(),
  klDivergenceGrad: lossGradCases(),
  klDivergenceRows: rowsCases(),
  poissonGrad: lossGradCases(),
  poissonRows: rowsCases(),
  binaryFocalCrossentropyGrad: lossGradCases(2, 0.25, 0.75, 0.1),
  binaryFocalCrossentropyRows: rowsCases(2, 0.25, 0.75, 0.1),
  binaryFocalCrossentropyLogitsGrad: forRowsCols((r, c) => [P('dz'), P('z'), P('t'), r, c, 2, 0.25, 0.75, 0.1]),
  binaryFocalCrossentropyLogitsRows: forRowsCols((r, c) => [P('out'), P('z'), P('t'), r, c, 2, 0.25, 0.75, 0.1]),
  categoricalFocalCrossentropyGrad: lossGradCases(0.25, 2, 0.1),
  categoricalFocalCrossentropyRows: rowsCases(0.25, 2, 0.1),
  categoricalFocalCrossentropyLogitsGrad: forRowsCols((r, c) => [P('dz'), P('z'), P('t'), r, c, 0.25, 2, 0.1]),
  categoricalFocalCrossentropyLogitsRows: forRowsCols((r, c) => [P('out'), P('z'), P('t'), r, c, 0.25, 2, 0.1]),
  scaleRows: forRowsCols((r, c) => [P('x'), P('w'), r, c]).concat([[P('x'), P('w'), 0, 5]]),
  weightedAccumulate: forN((n) => [P('v'), P('w'), n, 0.25]),
  // Metric states: f64 slots; weighted (w) and unweighted (0) updates; a hand-made row where a stray read flips a result.
  meanMetricUpdate: [...forN((n) => [P('state'), P('v'), P('w'), n]), ...forN((n) => [P('state'), P('v'), 0, n])],
  accuracyRows: [...rowsCases(), [P('out'), P('p', [1, 0, 1]), P('t', [1, 0, 1]), 3, 1]],
  binaryAccuracyRows: [...rowsCases(0.5), [P('out'), P('p', [0.9, 0.1, 0.9]), P('t', [1, 0, 1]), 3, 1, 0.5]],
  categoricalAccuracyRows: [...rowsCases(), [P('out'), P('p', [0.1, 0.8, 0.1, 0.1, 0.8, 0.1]), P('t', [0, 1, 0, 0, 1, 0]), 2, 3]],
  sparseCategoricalAccuracyRows: [...sparseCases(false).map((args) => [P('out'), ...args]),
    [P('out'), P('p', [0.1, 0.8, 0.1, 0.1, 0.8, 0.1]), P('t', [1, 1]), 2, 3]],
  topKCategoricalAccuracyRows: [...rowsCases(2), [P('out'), P('p', [0.1, 0.8, 0.1, 0.1, 0.8, 0.1]), P('t', [0, 1, 0, 0, 1, 0]), 2, 3, 1]],
  sparseTopKCategoricalAccuracyRows: [...sparseCases(false).map((args) => [P('out'), ...args, 2]),
    [P('out'), P('p', [0.1, 0.8, 0.1, 0.1, 0.8, 0.1]), P('t', [1, 7]), 2, 3, 1]],
  confusionUpdate: [
    ...forRowsCols((r, c) => [P('state'), P('p'), P('t'), P('w'), r, c, 0.5, -1, 0]),
    ...forRowsCols((r, c) => [P('state'), P('p'), P('t'), 0, r, c, 0.3, -1, 2]),
    [P('state'), P('p'), P('t'), P('w'), 4, 9, 0.5, 3, 0], [P('state'), P('p'), P('t'), 0, 4, 9, -1e10, 8, 2],
  ],
  confusionBucketsUpdate: [
    ...forRowsCols((r, c) => [P('state'), P('p'), P('t'), P('w'), r, c, 7, -1, 0, false, true]),
    ...forRowsCols((r, c) => [P('state'), P('p'), P('t'), 0, r, c, 5, -1, 0, true, true]),
    [P('state'), P('p'), P('t'), P('w'), 4, 9, 3, 2, 2, false, false], [P('state'), P('p'), P('t'), 0, 4, 9, 3, 2, 0, true, false],
  ],
  aucResult: [0, 1].flatMap((curve) => [0, 1, 2].map((method) => [P('state', Array.from({ length: 2 * 22 * 2 }, (_, i) => (i % 7) + 1)), 10, 2, curve, method])),
  fScoreUpdate: [...forRowsCols((r, c) => [P('state'), P('p'), P('t'), P('w'), r, c, 0.5]), ...forRowsCols((r, c) => [P('state'), P('p'), P('t'), 0, r, c, -1])],
  r2Update: [...forRowsCols((r, c) => [P('state'), P('p'), P('t'), P('w'), r, c]), ...forRowsCols((r, c) => [P('state'), P('p'), P('t'), 0, r, c])],
  sgdStep: forN((n) => [P('w'), P('g'), n, 0.1]),
  sgdMomentumStep: each([false, true], (nesterov) => forN((n) => [P('w'), P('v'), P('g'), n, 0.1, 0.9, nesterov])),
  adamStep: each([0, 0.01], (decay) => forN((n) => [P('w'), P('m'), P('v'), P('g'), n, 0.01, 0.1, 0.001, 1e-7, decay])),
  rmspropStep: each([0, 0.9], (momentum) => forN((n) => [P('w'), P('v'), P('u'), P('g'), n, 0.01, 0.9, 0.1, 1e-7, momentum])),
  rmspropCenteredStep: each([0, 0.9], (momentum) => forN((n) => [P('w'), P('v'), P('a'), P('u'), P('g'), n, 0.01, 0.9, 0.1, 1e-7, momentum])),
  adamAmsgradStep: forN((n) => [P('w'), P('m'), P('v'), P('vhat'), P('g'), n, 0.01, 0.1, 0.001, 1e-7]),
  adagradStep: forN((n) => [P('w'), P('acc'), P('g'), n, 0.01, 1e-7]),
  adadeltaStep: forN((n) => [P('w'), P('a'), P('s'), P('g'), n, 0.01, 0.95, 0.05, 1e-7]),
  adamaxStep: forN((n) => [P('w'), P('m'), P('u'), P('g'), n, 0.01, 0.1, 0.999, 1e-7, 0.1]),
  nadamStep: forN((n) => [P('w'), P('m'), P('v'), P('g'), n, 0.01, 0.1, 0.001, 1e-7, 0.9, 0.5, 0.001]),
  lionStep: forN((n) => [P('w'), P('m'), P('g'), n, 0.01, 0.9, 0.1, 0.99, 0.01]),
  ftrlStep: forN((n) => [P('w'), P('a'), P('linear'), P('g'), n, 0.01, 0.5, 0.01, 0.02, 0.001]),
  weightDecayStep: forN((n) => [P('w'), n, 0.001]),
  gradientAccumulate: forN((n) => [P('acc'), P('g'), n]),
  gradientAccumulatedMean: forN((n) => [P('g'), P('acc'), n, 4]),
  emaStep: forN((n) => [P('avg'), P('w'), n, 0.99, 0.01]),
  clipByValue: forN((n) => [P('g'), n, 0.3]),
  sumSquares: forN((n) => [P('x'), n]),
  clipByNorm: each([[0.5, 1], [2, 1]], ([norm, clip]) => forN((n) => [P('g'), n, norm!, clip!])),
  regularize: forN((n) => [P('g'), P('w'), n, 0.01, 0.02]),
  regularizerPenalty: forN((n) => [P('w'), n, 0.01, 0.02]),
  exponentialDecay: [[0.1, 7, 3, 0.5, false], [0.1, 7, 3, 0.5, true]],
  polynomialDecay: [[0.1, 0.001, 4, 10, 2]],
  cosineDecay: [[0.1, 4, 10, 0.1]],
  cosineDecayRestarts: [[0.1, 35, 10, 2, 0.5, 0.1], [0.1, 35, 10, 1, 0.5, 0]],
  seedRandom: [[P('state'), 42, 3]],
  randomU32: [[P('state')]],
  randomUniform: drawCases,
  randomNormal: drawCases,
  truncatedNormal: drawCases,
  permutation: [0, 1, 2, 9].map((n) => [P('idx'), n, P('state')]),
  dropoutMask: forN((n) => [P('mask'), n, P('state'), 0.3]),
  multiply: forN((n) => [P('y'), P('x'), P('mask'), n]),
  gaussianNoise: forN((n) => [P('y'), P('x'), n, P('state'), 0.5]),
  alphaDropoutMask: forN((n) => [P('mask'), n, P('state'), 0.3, 1.2]),
  alphaDropout: forN((n) => [P('y'), P('x'), P('mask', Array.from({ length: n }, (_, i) => (i % 3 === 1 ? 0 : 1.2))), n, 1.2, 0.3, -1.76]),
  broadcastAxis: [[1, 1, 1], [2, 3, 5], [3, 4, 1], [1, 5, 2], [4, 1, 3], [2, 0, 3]].map(([o, s, i]) => [P('x'), o!, s!, i!]),
  seedFrom: [[P('scratch'), P('state'), 7]],
  normConstraint: SHAPES.map(([o, s, i]) => [P('w'), o, s, i, 0.5, 2, 0.7]),
  nonNeg: forN((n) => [P('w'), n]),
  orthonormalize: [[1, 1], [3, 2], [2, 3], [4, 4], [0, 3], [5, 1]].map(([r, c]) => [P('x'), r!, c!, 1.5]),
  peakLoop: [3, 8, 100].map((iterations) => [P('x'), iterations]),
};

const F32 = 4;
const GUARD = 16; // floats of guard on each side of every buffer
const SHIFT = 1; // element 0 one float off the 64-byte alignment
const NAN_BITS = 0x7fc0dead; // the first guard fill: a NaN no kernel makes
/** Guard fills: the NaN, then values a stray read would use (1 is a class label; ±1e6 wins an argmax). */
const GUARDS = [NAN_BITS, 0x3f800000, 0x49742400, -0x368bdc00];

/** A buffer placed for a case: `floats` floats at `ptr`, inside a block from `base` with guards on both sides. */
interface Placed { name: string; ptr: number; base: number; floats: number }

/** Resolves a case's arguments against buffers of the given sizes (in floats), with guards filled with `guard`. */
function place(args: Arg[], sizes: Map<string, number>, guard: number): { call: unknown[]; buffers: Placed[] } {
  const rng = mulberry32(7); // the same contents on every placement of a case
  const buffers = new Map<string, Placed>();
  for (const a of args) {
    if (typeof a !== 'object' || a.same !== undefined) continue;
    const floats = sizes.get(a.ptr) ?? a.data?.length ?? 0;
    const base = wasm.alloc(GUARD + SHIFT + floats + GUARD);
    const ptr = base + (GUARD + SHIFT) * F32;
    arena.i32(base, GUARD + SHIFT + floats + GUARD).fill(guard);
    const data = uniform(floats, rng, 0.05, 0.95);
    if (a.i32) new Int32Array(data.buffer).set(Array.from({ length: floats }, (_, i) => a.data?.[i] ?? 0));
    else if (a.data) data.set(Array.from(a.data).slice(0, floats));
    arena.f32(ptr, floats).set(data);
    buffers.set(a.ptr, { name: a.ptr, ptr, base, floats });
  }
  const call = args.map((a) => (typeof a !== 'object' ? a : buffers.get(a.same ?? a.ptr)!.ptr));
  return { call, buffers: [...buffers.values()] };
}

/** The float count each pointer parameter needs by the rule, found by placing buffers until the rule agrees. */
function sizesByRule(name: KernelName, args: Arg[]): Map<string, number> {
  let sizes = new Map<string, number>();
  for (let round = 0; round < 4; round++) {
    const { call, buffers } = place(args, sizes, NAN_BITS);
    const operands = (OPERANDS[name] as (...a: unknown[]) => Operand[])(...call);
    const next = new Map<string, number>();
    for (const op of operands) {
      if (op.bytes === 0 && !args.some((a) => typeof a === 'object' && a.ptr === op.arg)) continue; // e.g. b = 0: no bias
      const param = args.find((a): a is Ptr => typeof a === 'object' && a.ptr === op.arg);
      expect(param, `${name}: the rule names '${op.arg}', which is no pointer parameter of the case`).toBeDefined();
      const buffer = buffers.find((b) => b.name === (param!.same ?? param!.ptr))!;
      expect(op.offset, `${name}: '${op.arg}' starts at its pointer`).toBe(buffer.ptr);
      expect(op.bytes % F32, `${name}: '${op.arg}' is whole floats`).toBe(0);
      const key = param!.same ?? param!.ptr;
      next.set(key, Math.max(next.get(key) ?? 0, op.bytes / F32));
    }
    for (const b of buffers) if (!next.has(b.name)) next.set(b.name, 0); // untouched: guards only
    wasm.releaseAll();
    if ([...next].every(([k, v]) => sizes.get(k) === v)) return sizes;
    sizes = next;
  }
  throw new Error(`${name}: the rule's sizes do not settle`);
}

/** Runs the case on buffers cut to `sizes`; returns the result, every buffer's contents, and the clobbered guards. */
function run(name: KernelName, args: Arg[], sizes: Map<string, number>, guard: number) {
  const { call, buffers } = place(args, sizes, guard);
  let result: unknown;
  try {
    result = (kernels[name] as (...a: unknown[]) => unknown)(...call);
  } catch (e) {
    throw new Error(`${name} failed with guards ${guard} (a read outside its operands?): ${(e as Error).message}`);
  }
  const contents = buffers.map((b) => ({ name: b.name, bits: arena.i32(b.ptr, b.floats).slice() }));
  const clobbered: string[] = [];
  for (const b of buffers) {
    const all = arena.i32(b.base, GUARD + SHIFT + b.floats + GUARD);
    all.forEach((v, i) => {
      const inside = i >= GUARD + SHIFT && i < GUARD + SHIFT + b.floats;
      if (!inside && v !== guard) clobbered.push(`${b.name}[${i - GUARD - SHIFT}]`);
    });
  }
  wasm.releaseAll();
  return { result, contents, clobbered };
}

const sameNumber = (a: unknown, b: unknown) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe.each(names)('the rule for %s', (name) => {
  it('covers everything the kernel writes and reads, on buffers cut exactly to it', () => {
    expect(CASES[name].length, `${name} has no case in CASES`).toBeGreaterThan(0);
    for (const args of CASES[name]) {
      const label = `${name}(${args.map((a) => (typeof a === 'object' ? a.ptr : String(a))).join(', ')})`;
      const sizes = sizesByRule(name, args);
      const a = run(name, args, sizes, NAN_BITS);
      expect(a.clobbered, `${label} wrote outside its operands`).toEqual([]);
      // Different guards, same results: nothing outside the operands was read (or it was read and ignored).
      for (const guard of GUARDS.slice(1)) {
        const b = run(name, args, sizes, guard);
        expect(b.clobbered, `${label} wrote outside its operands`).toEqual([]);
        expect(sameNumber(a.result, b.result), `${label} result ${String(a.result)} vs ${String(b.result)} with other guards`).toBe(true);
        a.contents.forEach((c, i) => {
          const other = b.contents[i]!.bits;
          const diff = c.bits.findIndex((v, j) => v !== other[j] && !(Number.isNaN(bitsToFloat(v)) && Number.isNaN(bitsToFloat(other[j]!))));
          expect(diff, `${label}: ${c.name}[${diff}] depends on memory outside the operands`).toBe(-1);
        });
      }
    }
  });
});

const scratch = new DataView(new ArrayBuffer(4));
function bitsToFloat(bits: number): number {
  scratch.setInt32(0, bits, true);
  return scratch.getFloat32(0, true);
}
