// OPERANDS: the one table from kernel name to the memory a call touches, written from each kernel's code in
// assembly/*.ts. test/setup.ts checks every call against it; test/kernels.test.ts checks it against the kernels.
import { arena } from '../src/arena.js';
import { kernels, memory, type Kernels } from '../src/backend.js';

/** `bytes` bytes at byte offset `offset` that a kernel call reads or writes through its argument `arg`. */
export interface Operand {
  readonly arg: string;
  readonly offset: number;
  readonly bytes: number;
}

/** The names of the exported kernel functions (the exports that are not globals or the memory). */
export type KernelName = { [K in keyof Kernels]: Kernels[K] extends (...args: never[]) => unknown ? K : never }[keyof Kernels];

/** A kernel's rule: its own arguments in, the operands of the call out. */
type Rule<F> = F extends (...args: infer A) => unknown ? (...args: A) => Operand[] : never;

const F32 = 4;
const STATE_BYTES = 16; // random.ts: PCG32's state and increment, two u64
const LINEAR = kernels.ACTIVATION_LINEAR.value;
const SOFTMAX = kernels.ACTIVATION_SOFTMAX.value;

/** `n` f32/i32 slots through `arg`. */
function floats(arg: string, offset: number, n: number): Operand {
  return { arg, offset, bytes: n * F32 };
}

// NOTE: a row-wise max or argmax (softmax, logSumExp, argmax) reads x[o] before its loop over the row, so with
// cols = 0 and rows > 0 it still reads the first float.
function rowWise(rows: number, cols: number): number {
  return rows > 0 && cols <= 0 ? 1 : rows * cols;
}

/** Floats [lo, hi) from a base that a call touches: `span` floats, widened by `width` floats at each index. */
function widen(span: number, n: number, width: number, index: (i: number) => number): { lo: number; hi: number } {
  let lo = 0;
  let hi = span;
  if (width > 0) {
    for (let i = 0; i < n; i++) {
      const at = index(i);
      if (at < lo) lo = at;
      if (at + width > hi) hi = at + width;
    }
  }
  return { lo, hi };
}

/** `count` little-endian 32-bit values at `offset`, or undefined when they are not in a live block. */
function view(offset: number, count: number): DataView | undefined {
  return count > 0 && arena.holds(offset, count * F32) ? new DataView(memory.buffer, offset, count * F32) : undefined;
}

/** A class index as losses.ts `label` reads it: `<i32>` of the f32 truncates (saturating; NaN gives 0). */
function label(t: DataView, r: number): number {
  const v = Math.trunc(t.getFloat32(r * F32, true));
  return Number.isNaN(v) ? 0 : Math.min(Math.max(v, -(2 ** 31)), 2 ** 31 - 1);
}

// NOTE: the sparse kernels read (and the gradients write) p[r·cols + label]: a label outside [0, cols) reaches
// outside the [rows, cols] block (wasm wraps a negative index below p), so the operand widens to what it reaches
// and the check fails there. The labels are read only once they are known to lie in a live block.
/** t: [rows] labels; `pArg` [rows, cols] at p; `out`, if named, the gradient at dp, shaped like p. */
function sparse(out: string | undefined, pArg: string, p: number, t: number, rows: number, cols: number, dp = 0, ignore = NaN): Operand[] {
  const labels = view(t, rows);
  // A row labelled `ignore` never indexes p (its gradient row is zeroed, inside the block).
  const at = (r: number) => (labels!.getFloat32(r * F32, true) === Math.fround(ignore) ? r * cols : r * cols + label(labels!, r));
  const { lo, hi } = labels ? widen(rows * cols, rows, 1, at) : { lo: 0, hi: rows * cols };
  const touched = [floats('t', t, rows), floats(pArg, p + lo * F32, hi - lo)];
  return out === undefined ? touched : [floats(out, dp + lo * F32, hi - lo), ...touched];
}

// An elementwise activation's forward: y, x: [n]. Its gradient reads only the inputs its rule uses.
const unary = (y: number, x: number, n: number): Operand[] => [floats('y', y, n), floats('x', x, n)];
const usesX = (dx: number, dy: number, x: number, _y: number, n: number): Operand[] =>
  [floats('dx', dx, n), floats('dy', dy, n), floats('x', x, n)];
const usesY = (dx: number, dy: number, _x: number, y: number, n: number): Operand[] =>
  [floats('dx', dx, n), floats('dy', dy, n), floats('y', y, n)];
const usesXY = (dx: number, dy: number, x: number, y: number, n: number): Operand[] =>
  [floats('dx', dx, n), floats('dy', dy, n), floats('x', x, n), floats('y', y, n)];

// A loss value kernel (p, t: [rows, cols]) and its gradient (dp too); the sigmoid-fused forms call p z.
const pair = (p: number, t: number, rows: number, cols: number): Operand[] =>
  [floats('p', p, rows * cols), floats('t', t, rows * cols)];
const pairGrad = (dp: number, p: number, t: number, rows: number, cols: number): Operand[] =>
  [floats('dp', dp, rows * cols), ...pair(p, t, rows, cols)];
const pairLogits = (z: number, t: number, rows: number, cols: number): Operand[] =>
  [floats('z', z, rows * cols), floats('t', t, rows * cols)];
// The softmax-fused forms take each row's max first (logSumExp).
const logits = (z: number, t: number, rows: number, cols: number): Operand[] =>
  [floats('z', z, rowWise(rows, cols)), floats('t', t, rows * cols)];

/** Matrix products: A is [m, k] (matmulTransA: [k, m]), B [k, n] (matmulTransB: [n, k]), C [m, n]. */
const product = (c: number, a: number, b: number, m: number, k: number, n: number): Operand[] =>
  [floats('c', c, m * n), floats('a', a, m * k), floats('b', b, k * n)];

/** The random draws touch the generator's state only when they draw. */
const draws = (x: number, n: number, state: number): Operand[] =>
  [floats('x', x, n), { arg: 'state', offset: state, bytes: n > 0 ? STATE_BYTES : 0 }];

/** Floats of denseForwardDepth's scratch a call in `parts` parts uses: every K block of 256 but the first, when it splits. */
function depthScratch(rows: number, inDim: number, units: number, parts: number): number {
  const blocks = Math.ceil(inDim / 256);
  const even = Math.ceil(blocks / parts) * parts * 4 <= blocks * 5; // the largest part at most 25 % over the mean
  const splits = parts > 1 && rows >= 4 && blocks > 1 && !(units <= 12 && rows > units) && even;
  return splits ? (blocks - 1) * rows * units : 0;
}

/**
 * Every exported kernel function → the operands of one call: each pointer argument with the bytes the call
 * can read or write through it, given its arguments (and the indices it follows: sparse labels, gatherRows'
 * rows). A pointer the kernel does not touch for these arguments (an unused gradient input, an absent bias,
 * RMSprop's momentum slots without momentum) has no operand or 0 bytes, as it needs no block.
 * Data-dependent early exits (firstNonFinite) do not shrink an operand: the caller must own what it passes.
 */
export const OPERANDS: { [K in KernelName]: Rule<Kernels[K]> } = {
  // matmul.ts — heapBase takes no pointer; the GEMM's packing scratch lies below it, outside the arena.
  heapBase: () => [],
  scratchBytes: () => [],
  // A pool thread's own scratch block (threads.ts): SCRATCH_BYTES + 64 from the arena; 0 is the instance's own.
  useScratch: (at) => (at === 0 ? [] : [{ arg: 'at', offset: at, bytes: Number(kernels.scratchBytes()) }]),
  // A count: the chunks per part of the split call whose chunks this instance runs next (no pointer).
  setChunks: () => [],
  matmul: product,
  matmulTransA: product,
  matmulTransB: product,
  denseForward: (out, pre, x, w, b, rows, inDim, units, activation) => [
    floats('out', out, rows * units), // may equal pre
    floats('pre', pre, activation === SOFTMAX ? rowWise(rows, units) : rows * units),
    floats('x', x, rows * inDim),
    floats('w', w, inDim * units),
    floats('b', b, b === 0 ? 0 : units), // 0: no bias
  ],
  denseForwardDepth: (pre, scratch, x, w, b, rows, inDim, units, part, parts) => [
    floats('pre', pre, rows * units),
    floats('scratch', scratch, depthScratch(rows, inDim, units, parts)), // only a split call keeps blocks there
    floats('x', x, rows * inDim),
    floats('w', w, inDim * units),
    floats('b', b, b === 0 ? 0 : units),
  ],
  denseDepthSlices: () => [],
  denseForwardReduce: (out, pre, scratch, rows, inDim, units, split) => [
    floats('out', out, rows * units), // may equal pre
    floats('pre', pre, rows * units),
    floats('scratch', scratch, depthScratch(rows, inDim, units, split)),
  ],
  biasAdd: (y, b, rows, cols) => [floats('y', y, rows * cols), floats('b', b, rows > 0 ? cols : 0)],
  biasGrad: (db, dy, rows, cols) => [floats('db', db, cols), floats('dy', dy, rows * cols)],
  fill: (x, n) => [floats('x', x, n)],

  // convolution.ts — channels-last: x, dx [batch, height, width, inC]; out, dy [batch, outH, outW, outC];
  // w, dw [kH, kW, inC, outC]; pooling keeps the channels; argmax is i32 shaped like out.
  conv2d: (out, x, w, b, batch, height, width, inC, outC, kH, kW, _sh, _sw, _dh, _dw, _pt, _pl, outH, outW) => [
    floats('out', out, batch * outH * outW * outC),
    floats('x', x, batch * height * width * inC),
    floats('w', w, kH * kW * inC * outC),
    floats('b', b, b === 0 ? 0 : outC), // 0: no bias
  ],
  conv2dForward: (out, pre, x, w, b, batch, height, width, inC, outC, kH, kW, _sh, _sw, _dh, _dw, _pt, _pl, outH, outW, activation) => [
    floats('out', out, batch * outH * outW * outC), // may equal pre
    floats('pre', pre, activation === SOFTMAX ? rowWise(batch * outH * outW, outC) : batch * outH * outW * outC),
    floats('x', x, batch * height * width * inC),
    floats('w', w, kH * kW * inC * outC),
    floats('b', b, b === 0 ? 0 : outC), // 0: no bias
  ],
  conv2dInputGrad: (dx, dy, w, batch, height, width, inC, outC, kH, kW, _sh, _sw, _dh, _dw, _pt, _pl, outH, outW) => [
    floats('dx', dx, batch * height * width * inC),
    floats('dy', dy, batch * outH * outW * outC),
    floats('w', w, kH * kW * inC * outC),
  ],
  conv2dFilterGrad: (dw, db, x, dy, batch, height, width, inC, outC, kH, kW, _sh, _sw, _dh, _dw, _pt, _pl, outH, outW) => [
    floats('dw', dw, kH * kW * inC * outC),
    floats('db', db, db === 0 ? 0 : outC), // 0: no bias
    floats('x', x, batch * height * width * inC),
    floats('dy', dy, batch * outH * outW * outC),
  ],
  maxPool2d: (out, argmax, x, batch, height, width, channels, _ph, _pw, _sh, _sw, _pt, _pl, outH, outW) => [
    floats('out', out, batch * outH * outW * channels),
    floats('argmax', argmax, batch * outH * outW * channels),
    floats('x', x, batch * height * width * channels),
  ],
  // Indices in argmax outside x are skipped, so dx is touched only inside its own block.
  maxPool2dGrad: (dx, dy, argmax, batch, height, width, channels, _ph, _pw, _sh, _sw, _pt, _pl, outH, outW) => [
    floats('dx', dx, batch * height * width * channels),
    floats('dy', dy, batch * outH * outW * channels),
    floats('argmax', argmax, batch * outH * outW * channels),
  ],
  avgPool2d: (out, x, batch, height, width, channels, _ph, _pw, _sh, _sw, _pt, _pl, outH, outW) => [
    floats('out', out, batch * outH * outW * channels),
    floats('x', x, batch * height * width * channels),
  ],
  avgPool2dGrad: (dx, dy, batch, height, width, channels, _ph, _pw, _sh, _sw, _pt, _pl, outH, outW) => [
    floats('dx', dx, batch * height * width * channels),
    floats('dy', dy, batch * outH * outW * channels),
  ],

  // depthwise.ts — as conv2d with outC = inC·multiplier: w, dw [kH, kW, inC, multiplier]; b, db [inC·multiplier].
  depthwiseConv2d: (out, x, w, b, batch, height, width, inC, multiplier, kH, kW, _sh, _sw, _dh, _dw, _pt, _pl, outH, outW) => [
    floats('out', out, batch * outH * outW * inC * multiplier),
    floats('x', x, batch * height * width * inC),
    floats('w', w, kH * kW * inC * multiplier),
    floats('b', b, b === 0 ? 0 : inC * multiplier), // 0: no bias
  ],
  depthwiseConv2dInputGrad: (dx, dy, w, batch, height, width, inC, multiplier, kH, kW, _sh, _sw, _dh, _dw, _pt, _pl, outH, outW) => [
    floats('dx', dx, batch * height * width * inC),
    floats('dy', dy, batch * outH * outW * inC * multiplier),
    floats('w', w, kH * kW * inC * multiplier),
  ],
  depthwiseConv2dFilterGrad: (dw, db, x, dy, batch, height, width, inC, multiplier, kH, kW, _sh, _sw, _dh, _dw, _pt, _pl, outH, outW) => [
    floats('dw', dw, kH * kW * inC * multiplier),
    floats('db', db, db === 0 ? 0 : inC * multiplier), // 0: no bias
    floats('x', x, batch * height * width * inC),
    floats('dy', dy, batch * outH * outW * inC * multiplier),
  ],

  // normalization.ts — x, out, xhat, dx, dy: [rows, channels]; every other operand [channels]; gamma, beta, dgamma,
  // dbeta 0: absent. batchNormTrain touches nothing when rows ≤ 0; batchNormGrad reads invStd and gamma only for dx.
  batchNormTrain: (out, xhat, mean, invStd, x, gamma, beta, movingMean, movingVar, rows, channels) => {
    const c = rows > 0 ? channels : 0;
    return [
      floats('out', out, rows * c), floats('xhat', xhat, rows * c), floats('mean', mean, c), floats('invStd', invStd, c),
      floats('x', x, rows * c), floats('gamma', gamma, gamma === 0 ? 0 : c), floats('beta', beta, beta === 0 ? 0 : c),
      floats('movingMean', movingMean, c), floats('movingVar', movingVar, c),
    ];
  },
  batchNormInference: (out, x, gamma, beta, movingMean, movingVar, rows, channels) => [
    floats('out', out, rows * channels), floats('x', x, rows * channels),
    floats('gamma', gamma, gamma === 0 ? 0 : channels), floats('beta', beta, beta === 0 ? 0 : channels),
    floats('movingMean', movingMean, channels), floats('movingVar', movingVar, channels),
  ],
  batchNormGrad: (dx, dgamma, dbeta, dy, xhat, invStd, gamma, rows, channels) => [
    floats('dx', dx, dx === 0 ? 0 : rows * channels), // may equal dy
    floats('dgamma', dgamma, dgamma === 0 ? 0 : channels), floats('dbeta', dbeta, dbeta === 0 ? 0 : channels),
    floats('dy', dy, rows * channels), floats('xhat', xhat, rows * channels),
    floats('invStd', invStd, dx === 0 ? 0 : channels), floats('gamma', gamma, dx === 0 || gamma === 0 ? 0 : channels),
  ],

  // resize.ts — x, dx: [batch, height, width, channels]; padded: [batch, top + height + bottom, left + width + right,
  // channels]; upsampled: [batch, height·sizeH, width·sizeW, channels].
  zeroPad2d: (out, x, batch, height, width, channels, top, bottom, left, right) => [
    floats('out', out, batch * (top + height + bottom) * (left + width + right) * channels),
    floats('x', x, batch * height * width * channels),
  ],
  crop2d: (dx, dy, batch, height, width, channels, top, bottom, left, right) => [
    floats('dx', dx, batch * height * width * channels),
    floats('dy', dy, batch * (top + height + bottom) * (left + width + right) * channels),
  ],
  upSample2d: (out, x, batch, height, width, channels, sizeH, sizeW) => [
    floats('out', out, batch * height * sizeH * width * sizeW * channels),
    floats('x', x, batch * height * width * channels),
  ],
  upSample2dGrad: (dx, dy, batch, height, width, channels, sizeH, sizeW) => [
    floats('dx', dx, batch * height * width * channels),
    floats('dy', dy, batch * height * sizeH * width * sizeW * channels),
  ],

  // data.ts — idx: i32 [rows]; src is read at the rows idx names.
  gatherRows: (out, src, idx, rows, cols) => {
    const rowsOf = view(idx, rows);
    const { lo, hi } = rowsOf ? widen(0, rows, cols, (r) => rowsOf.getInt32(r * F32, true) * cols) : { lo: 0, hi: 0 };
    return [floats('idx', idx, rows), floats('src', src + lo * F32, hi - lo), floats('out', out, rows * cols)];
  },
  firstNonFinite: (x, n) => [floats('x', x, n)],

  // activations.ts — linear copies only when y ≠ x; each gradient reads what its formula names.
  linear: (y, x, n) => (y === x ? [] : unary(y, x, n)),
  linearGrad: (dx, dy, _x, _y, n) => (dx === dy ? [] : [floats('dx', dx, n), floats('dy', dy, n)]),
  relu: unary,
  reluGrad: usesX,
  leakyRelu: unary,
  leakyReluGrad: usesX,
  sigmoid: unary,
  sigmoidGrad: usesY,
  tanh: unary,
  tanhGrad: usesY,
  elu: unary,
  eluGrad: usesXY,
  selu: unary,
  seluGrad: usesXY,
  gelu: unary,
  geluGrad: usesX,
  swish: unary,
  swishGrad: usesXY,
  softplus: unary,
  softplusGrad: usesX,
  softmax: (y, x, rows, cols) => [floats('y', y, rows * cols), floats('x', x, rowWise(rows, cols))],
  softmaxGrad: (dx, dy, _x, y, rows, cols) =>
    [floats('dx', dx, rows * cols), floats('dy', dy, rows * cols), floats('y', y, rows * cols)],
  applyActivation: (id, y, x, rows, cols) => (id === LINEAR && y === x ? [] :
    [floats('y', y, rows * cols), floats('x', x, id === SOFTMAX ? rowWise(rows, cols) : rows * cols)]),
  relu6: unary,
  relu6Grad: usesX,
  reluWith: unary,
  reluWithGrad: usesX,
  hardSigmoid: unary,
  hardSigmoidGrad: usesX,
  hardSwish: unary,
  hardSwishGrad: usesX,
  softsign: unary,
  softsignGrad: usesX,
  mish: unary,
  mishGrad: usesX,
  logSigmoid: unary,
  logSigmoidGrad: usesX,
  exponential: unary,
  exponentialGrad: usesY,
  celu: unary,
  celuGrad: usesX,
  geluApproximate: unary,
  geluApproximateGrad: usesX,
  // logSoftmax starts each row's max at −∞, so an empty row reads nothing (unlike softmax).
  logSoftmax: (y, x, rows, cols) => [floats('y', y, rows * cols), floats('x', x, rows * cols)],
  logSoftmaxGrad: (dx, dy, _x, y, rows, cols) =>
    [floats('dx', dx, rows * cols), floats('dy', dy, rows * cols), floats('y', y, rows * cols)],
  softmaxAxis: (y, x, outer, size, inner) => [floats('y', y, outer * size * inner), floats('x', x, outer * size * inner)],
  softmaxAxisGrad: (dx, dy, _x, y, outer, size, inner) => [floats('dx', dx, outer * size * inner),
    floats('dy', dy, outer * size * inner), floats('y', y, outer * size * inner)],
  // prelu: x [outer, a, s, b], alpha [a, b]; preluGrad writes dx and dalpha only when given (offset ≠ 0), and
  // reads alpha only for dx.
  prelu: (y, x, alpha, outer, a, s, b) => {
    const n = outer * a * s * b;
    return [floats('y', y, n), floats('x', x, n), floats('alpha', alpha, n > 0 ? a * b : 0)];
  },
  preluGrad: (dx, dalpha, dy, x, alpha, outer, a, s, b) => {
    const n = outer * a * s * b;
    return [floats('dx', dx, dx === 0 ? 0 : n), floats('dalpha', dalpha, dalpha === 0 ? 0 : a * b), floats('dy', dy, n),
      floats('x', x, n), floats('alpha', alpha, dx === 0 || n === 0 ? 0 : a * b)];
  },

  // losses.ts — sparse targets are one class index (as f32) per row.
  meanSquaredError: pair,
  meanSquaredErrorGrad: pairGrad,
  meanAbsoluteError: pair,
  meanAbsoluteErrorGrad: pairGrad,
  huber: pair,
  huberGrad: pairGrad,
  binaryCrossentropy: pair,
  binaryCrossentropyGrad: pairGrad,
  binaryCrossentropyLogits: pairLogits,
  binaryCrossentropyLogitsGrad: (dz, z, t, rows, cols) => [floats('dz', dz, rows * cols), ...pairLogits(z, t, rows, cols)],
  categoricalCrossentropy: pair,
  categoricalCrossentropyGrad: pairGrad,
  categoricalCrossentropyLogits: logits,
  categoricalCrossentropyLogitsGrad: (dz, z, t, rows, cols) => [floats('dz', dz, rows * cols), ...logits(z, t, rows, cols)],
  sparseCategoricalCrossentropy: (p, t, rows, cols, ignore) => sparse(undefined, 'p', p, t, rows, cols, 0, ignore),
  sparseCategoricalCrossentropyGrad: (dp, p, t, rows, cols, ignore) => sparse('dp', 'p', p, t, rows, cols, dp, ignore),
  sparseCategoricalCrossentropyLogits: (z, t, rows, cols, ignore) => sparse(undefined, 'z', z, t, rows, cols, 0, ignore),
  sparseCategoricalCrossentropyLogitsGrad: (dz, z, t, rows, cols, ignore) => sparse('dz', 'z', z, t, rows, cols, dz, ignore),
  // Per-row losses (Keras's reduction 'none'): out: [rows], f32.
  meanSquaredErrorRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  meanAbsoluteErrorRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  huberRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  binaryCrossentropyRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  binaryCrossentropyLogitsRows: (out, z, t, rows, cols) => [floats('out', out, rows), ...pairLogits(z, t, rows, cols)],
  categoricalCrossentropyRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  categoricalCrossentropyLogitsRows: (out, z, t, rows, cols) => [floats('out', out, rows), ...logits(z, t, rows, cols)],
  sparseCategoricalCrossentropyRows: (out, p, t, rows, cols, ignore) => [floats('out', out, rows), ...sparse(undefined, 'p', p, t, rows, cols, 0, ignore)],
  sparseCategoricalCrossentropyLogitsRows: (out, z, t, rows, cols, ignore) => [floats('out', out, rows), ...sparse(undefined, 'z', z, t, rows, cols, 0, ignore)],
  accumulate: (x, n) => [floats('x', x, n)],
  counted: (t, rows) => [floats('t', t, rows)],
  // The losses with only Grad and Rows forms: each reads p and t whole (rows × cols).
  meanAbsolutePercentageErrorGrad: pairGrad,
  meanAbsolutePercentageErrorRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  meanSquaredLogarithmicErrorGrad: pairGrad,
  meanSquaredLogarithmicErrorRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  hingeGrad: pairGrad,
  hingeRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  squaredHingeGrad: pairGrad,
  squaredHingeRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  categoricalHingeGrad: pairGrad,
  categoricalHingeRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  cosineSimilarityGrad: pairGrad,
  cosineSimilarityRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  logCoshGrad: pairGrad,
  logCoshRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  klDivergenceGrad: pairGrad,
  klDivergenceRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  poissonGrad: pairGrad,
  poissonRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  binaryFocalCrossentropyGrad: pairGrad,
  binaryFocalCrossentropyRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  binaryFocalCrossentropyLogitsGrad: (dz, z, t, rows, cols) => [floats('dz', dz, rows * cols), ...pairLogits(z, t, rows, cols)],
  binaryFocalCrossentropyLogitsRows: (out, z, t, rows, cols) => [floats('out', out, rows), ...pairLogits(z, t, rows, cols)],
  categoricalFocalCrossentropyGrad: pairGrad,
  categoricalFocalCrossentropyRows: (out, p, t, rows, cols) => [floats('out', out, rows), ...pair(p, t, rows, cols)],
  categoricalFocalCrossentropyLogitsGrad: (dz, z, t, rows, cols) => [floats('dz', dz, rows * cols), ...logits(z, t, rows, cols)],
  categoricalFocalCrossentropyLogitsRows: (out, z, t, rows, cols) => [floats('out', out, rows), ...logits(z, t, rows, cols)],
  scaleRows: (x, w, rows, cols) => [floats('x', x, rows * cols), floats('w', w, rows)],
  weightedAccumulate: (v, w, n) => [floats('v', v, n), floats('w', w, n)],

  // metrics.ts: states are f64 (two floats a slot); a weights offset of 0 means unweighted and touches nothing.
  meanMetricUpdate: (state, v, w, rows) => [floats('state', state, 4), floats('v', v, rows), ...(w ? [floats('w', w, rows)] : [])],
  accuracyRows: (out, p, t, rows, cols) => [floats('out', out, rows), floats('p', p, rows * cols), floats('t', t, rows * cols)],
  binaryAccuracyRows: (out, p, t, rows, cols) => [floats('out', out, rows), floats('p', p, rows * cols), floats('t', t, rows * cols)],
  categoricalAccuracyRows: (out, p, t, rows, cols) =>
    [floats('out', out, rows), floats('p', p, rowWise(rows, cols)), floats('t', t, rowWise(rows, cols))],
  sparseCategoricalAccuracyRows: (out, p, t, rows, cols) => [floats('out', out, rows), floats('p', p, rowWise(rows, cols)), floats('t', t, rows)],
  topKCategoricalAccuracyRows: (out, p, t, rows, cols) =>
    [floats('out', out, rows), floats('p', p, rows * cols), floats('t', t, rowWise(rows, cols))],
  sparseTopKCategoricalAccuracyRows: (out, p, t, rows, cols) => [floats('out', out, rows), floats('p', p, rows * cols), floats('t', t, rows)],
  confusionUpdate: (state, p, t, w, rows, cols, _threshold, classId) => {
    const span = rows <= 0 ? 0 : classId >= 0 ? Math.max(rows * cols, (rows - 1) * cols + classId + 1) : rows * cols;
    return [floats('state', state, 8), floats('p', p, span), floats('t', t, span), ...(w ? [floats('w', w, rows)] : [])];
  },
  confusionBucketsUpdate: (state, p, t, w, rows, cols, thresholds, classId, _topK, multiLabel) => {
    const span = rows <= 0 ? 0 : classId >= 0 ? Math.max(rows * cols, (rows - 1) * cols + classId + 1) : rows * cols;
    const blocks = multiLabel ? (classId >= 0 ? 1 : cols) : 1;
    return [floats('state', state, 2 * (2 * thresholds + 2) * blocks), floats('p', p, span), floats('t', t, span), ...(w ? [floats('w', w, rows)] : [])];
  },
  aucResult: (state, thresholds, labels) => [floats('state', state, 2 * (2 * thresholds + 2) * labels)],
  fScoreUpdate: (state, p, t, w, rows, cols) =>
    [floats('state', state, 8 * cols), floats('p', p, rowWise(rows, cols)), floats('t', t, rows * cols), ...(w ? [floats('w', w, rows)] : [])],
  r2Update: (state, p, t, w, rows, cols) =>
    [floats('state', state, 2 * (4 * cols + 1)), floats('p', p, rows * cols), floats('t', t, rows * cols), ...(w ? [floats('w', w, rows)] : [])],

  // optimizers.ts — one flat vector of n weights; RMSprop's u is touched only with momentum.
  sgdStep: (w, g, n) => [floats('w', w, n), floats('g', g, n)],
  sgdMomentumStep: (w, v, g, n) => [floats('w', w, n), floats('v', v, n), floats('g', g, n)],
  adamStep: (w, m, v, g, n) => [floats('w', w, n), floats('m', m, n), floats('v', v, n), floats('g', g, n)],
  rmspropStep: (w, v, u, g, n, _lr, _rho, _rhoComplement, _epsilon, momentum) =>
    [floats('w', w, n), floats('v', v, n), floats('u', u, Math.fround(momentum) > 0 ? n : 0), floats('g', g, n)],
  rmspropCenteredStep: (w, v, a, u, g, n, _lr, _rho, _rhoComplement, _epsilon, momentum) =>
    [floats('w', w, n), floats('v', v, n), floats('a', a, n), floats('u', u, Math.fround(momentum) > 0 ? n : 0), floats('g', g, n)],
  adamAmsgradStep: (w, m, v, vhat, g, n) => [floats('w', w, n), floats('m', m, n), floats('v', v, n), floats('vhat', vhat, n), floats('g', g, n)],
  adagradStep: (w, acc, g, n) => [floats('w', w, n), floats('acc', acc, n), floats('g', g, n)],
  adadeltaStep: (w, a, s, g, n) => [floats('w', w, n), floats('a', a, n), floats('s', s, n), floats('g', g, n)],
  adamaxStep: (w, m, u, g, n) => [floats('w', w, n), floats('m', m, n), floats('u', u, n), floats('g', g, n)],
  nadamStep: (w, m, v, g, n) => [floats('w', w, n), floats('m', m, n), floats('v', v, n), floats('g', g, n)],
  lionStep: (w, m, g, n) => [floats('w', w, n), floats('m', m, n), floats('g', g, n)],
  ftrlStep: (w, a, linear, g, n) => [floats('w', w, n), floats('a', a, n), floats('linear', linear, n), floats('g', g, n)],
  weightDecayStep: (w, n) => [floats('w', w, n)],
  gradientAccumulate: (acc, g, n) => [floats('acc', acc, n), floats('g', g, n)],
  gradientAccumulatedMean: (g, acc, n) => [floats('g', g, n), floats('acc', acc, n)],
  emaStep: (avg, w, n) => [floats('avg', avg, n), floats('w', w, n)],
  clipByValue: (g, n) => [floats('g', g, n)],
  sumSquares: (x, n) => [floats('x', x, n)],
  clipByNorm: (g, n, norm, clipNorm) => [floats('g', g, Math.fround(norm) <= Math.fround(clipNorm) ? 0 : n)],
  regularize: (g, w, n) => [floats('g', g, n), floats('w', w, n)],
  regularizerPenalty: (w, n) => [floats('w', w, n)],

  // schedules.ts — scalars in, a scalar out: no memory.
  exponentialDecay: () => [],
  polynomialDecay: () => [],
  cosineDecay: () => [],
  cosineDecayRestarts: () => [],

  // random.ts — the generator's state is 16 bytes.
  seedRandom: (state) => [{ arg: 'state', offset: state, bytes: STATE_BYTES }],
  randomU32: (state) => [{ arg: 'state', offset: state, bytes: STATE_BYTES }],
  randomUniform: draws,
  randomNormal: draws,
  truncatedNormal: draws,
  permutation: (idx, n, state) => [floats('idx', idx, n), { arg: 'state', offset: state, bytes: n > 1 ? STATE_BYTES : 0 }],
  dropoutMask: (mask, n, state) => [floats('mask', mask, n), { arg: 'state', offset: state, bytes: n > 0 ? STATE_BYTES : 0 }],
  multiply: (y, x, mask, n) => [floats('y', y, n), floats('x', x, n), floats('mask', mask, n)],

  // noise.ts — the generator's state is read only when something is drawn; alphaDropout skips x where mask is 0.
  gaussianNoise: (y, x, n, state) => [floats('y', y, n), floats('x', x, n), { arg: 'state', offset: state, bytes: n > 0 ? STATE_BYTES : 0 }],
  alphaDropoutMask: (mask, n, state) => [floats('mask', mask, n), { arg: 'state', offset: state, bytes: n > 0 ? STATE_BYTES : 0 }],
  alphaDropout: (y, x, mask, n) => [floats('y', y, n), floats('x', x, n), floats('mask', mask, n)],
  broadcastAxis: (x, outer, size, inner) => [floats('x', x, Math.max(outer, 0) * Math.max(size, 0) * Math.max(inner, 0))],
  seedFrom: (scratch, state) => [{ arg: 'scratch', offset: scratch, bytes: STATE_BYTES }, { arg: 'state', offset: state, bytes: STATE_BYTES }],

  // constraints.ts — in place over the whole weight.
  normConstraint: (w, outer, size, inner) => [floats('w', w, Math.max(outer, 0) * Math.max(size, 0) * Math.max(inner, 0))],
  nonNeg: (w, n) => [floats('w', w, n)],

  // orthogonal.ts — in place over the whole matrix.
  orthonormalize: (x, rows, cols) => [floats('x', x, Math.max(rows, 0) * Math.max(cols, 0))],

  // peak.ts — round i reads the 32 bytes at x + (i & 7)·32: the 64 floats at x from 8 rounds on, whatever
  // `iterations` is beyond that (the caller's buffer: peakLoop has no scratch of its own).
  peakLoop: (x, iterations) => [{ arg: 'x', offset: x, bytes: Math.min(Math.max(iterations, 0), 8) * 32 }],
};
