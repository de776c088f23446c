// Loss kernels from one table: value against float64, the Grad twin's value and gradient against the float64
// derivative and finite differences, the fused logits forms against sigmoid/softmax + the probability forms,
// and finite results for extreme logits.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import {
  LOSS_REFS, binaryFocalRef, categoricalFocalRef, expEdgeLogits, expectClose, expectSameBits, labels, mulberry32, numericGrad, oneHot, randn, uniform, useWasm, type LossName, type Rng,
} from '../helpers.js';

const wasm = useWasm();

type Value = (p: number, t: number, rows: number, cols: number) => number;
type Grad = (dp: number, p: number, t: number, rows: number, cols: number) => number;

interface Row {
  label: string;
  ref: LossName;
  delta: number;
  /** The value-only kernel, where the loss has one (the newer losses have only Grad and Rows). */
  value?: Value;
  grad: Grad;
  /** Each row's loss into out: [rows]. */
  rows: (out: number, p: number, t: number, rows: number, cols: number) => void;
  /** t holds one class index per row instead of rows × cols targets. */
  sparse: boolean;
  /** Test data away from kinks and clips, so finite differences see one smooth piece. */
  data(rng: Rng, rows: number, cols: number): { p: Float32Array; t: Float32Array };
  /** Class counts to test; the probability forms of categorical losses need 2+ (1 class is always clipped). */
  cols: number[];
}

const ELEMENTWISE_COLS = [1, 3, 5, 17, 33, 127];
const CLASS_COLS = [2, 3, 5, 17, 33, 127];

/** p, t normal with |p − t| kept off 0 and off the Huber thresholds used below (1 and 0.5). */
function regression(rng: Rng, rows: number, cols: number) {
  const p = randn(rows * cols, rng);
  const t = randn(rows * cols, rng);
  for (let i = 0; i < p.length; i++) {
    const a = Math.abs(p[i]! - t[i]!);
    if (a < 0.01 || Math.abs(a - 1) < 0.01 || Math.abs(a - 0.5) < 0.01) p[i] = t[i]! + 0.25;
  }
  return { p, t };
}

/**
 * Rows of targets: one-hot on even rows, soft on odd rows. Soft rows sum to a random total in [0.5, 1.5]:
 * Keras does not normalise targets, so the gradient's Σt factor must be honoured.
 */
function targets(rng: Rng, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    if (r % 2 === 0) { t[r * cols + Math.floor(rng() * cols)] = 1; continue; }
    const w = uniform(cols, rng, 0, 1);
    const s = w.reduce((a, b) => a + b, 0) / (0.5 + rng());
    for (let j = 0; j < cols; j++) t[r * cols + j] = w[j]! / s;
  }
  return t;
}

/** Targets of ±1 (hinge losses keep them) or 0/1 (converted to ±1), with 1 − y·p kept off the kink at 0. */
function hingeData(binary: boolean) {
  return (rng: Rng, rows: number, cols: number) => {
    const p = randn(rows * cols, rng);
    const t = Float32Array.from(uniform(rows * cols, rng, 0, 1), (v) => (v < 0.5 ? (binary ? 0 : -1) : 1));
    for (let i = 0; i < p.length; i++) {
      const y = binary ? 2 * t[i]! - 1 : t[i]!;
      if (Math.abs(1 - y * p[i]!) < 0.01) p[i] = p[i]! + 0.1;
    }
    return { p, t };
  };
}
const positive = (lo: number, hi: number) => (rng: Rng, rows: number, cols: number) =>
  ({ p: uniform(rows * cols, rng, lo, hi), t: uniform(rows * cols, rng, 0, hi) });
/** A Grad + Rows pair with scalars bound. */
const pairOf = (name: string, ...scalars: number[]) => ({
  grad: ((d, p, t, r, c) => (kernels as unknown as Record<string, (...a: number[]) => number>)[`${name}Grad`]!(d, p, t, r, c, ...scalars)) as Grad,
  rows: ((o, p, t, r, c) => { (kernels as unknown as Record<string, (...a: number[]) => void>)[`${name}Rows`]!(o, p, t, r, c, ...scalars); }) as Row['rows'],
});
/** The losses with only Grad and Rows kernels (Keras's defaults for the focal ones: γ = 2, α = 0.25, no smoothing). */
const NEW_ROWS: Row[] = [
  {
    label: 'meanAbsolutePercentageError', ref: 'meanAbsolutePercentageError', delta: 0, sparse: false, cols: ELEMENTWISE_COLS,
    ...pairOf('meanAbsolutePercentageError'),
    data: (rng, rows, cols) => {
      const { p, t } = regression(rng, rows, cols);
      for (let i = 0; i < t.length; i++) if (Math.abs(t[i]!) < 0.1) t[i] = 0.5;
      for (let i = 0; i < t.length; i++) if (Math.abs(p[i]! - t[i]!) < 0.01) p[i] = t[i]! + 0.25;
      return { p, t };
    },
  },
  {
    label: 'meanSquaredLogarithmicError', ref: 'meanSquaredLogarithmicError', delta: 0, sparse: false, cols: ELEMENTWISE_COLS,
    ...pairOf('meanSquaredLogarithmicError'), data: positive(0.1, 3),
  },
  { label: 'hinge (±1)', ref: 'hinge', delta: 0, sparse: false, cols: ELEMENTWISE_COLS, ...pairOf('hinge'), data: hingeData(false) },
  { label: 'hinge (0/1)', ref: 'hinge', delta: 0, sparse: false, cols: ELEMENTWISE_COLS, ...pairOf('hinge'), data: hingeData(true) },
  { label: 'squaredHinge (±1)', ref: 'squaredHinge', delta: 0, sparse: false, cols: ELEMENTWISE_COLS, ...pairOf('squaredHinge'), data: hingeData(false) },
  { label: 'squaredHinge (0/1)', ref: 'squaredHinge', delta: 0, sparse: false, cols: ELEMENTWISE_COLS, ...pairOf('squaredHinge'), data: hingeData(true) },
  {
    label: 'categoricalHinge', ref: 'categoricalHinge', delta: 0, sparse: false, cols: ELEMENTWISE_COLS, ...pairOf('categoricalHinge'),
    data: (rng, rows, cols) => ({ p: randn(rows * cols, rng, 0.5), t: oneHot(labels(rows, cols, rng), cols) }),
  },
  {
    label: 'cosineSimilarity', ref: 'cosineSimilarity', delta: 0, sparse: false, cols: CLASS_COLS, // 1 column: gradient 0
    ...pairOf('cosineSimilarity'),
    data: (rng, rows, cols) => ({ p: randn(rows * cols, rng), t: randn(rows * cols, rng) }),
  },
  { label: 'logCosh', ref: 'logCosh', delta: 0, sparse: false, cols: ELEMENTWISE_COLS, ...pairOf('logCosh'), data: regression },
  {
    label: 'klDivergence', ref: 'klDivergence', delta: 0, sparse: false, cols: ELEMENTWISE_COLS, ...pairOf('klDivergence'),
    data: (rng, rows, cols) => ({ p: uniform(rows * cols, rng, 0.05, 0.95), t: uniform(rows * cols, rng, 0.05, 1) }),
  },
  { label: 'poisson', ref: 'poisson', delta: 0, sparse: false, cols: ELEMENTWISE_COLS, ...pairOf('poisson'), data: positive(0.1, 3) },
  {
    label: 'binaryFocalCrossentropy', ref: 'binaryFocalCrossentropy', delta: 0, sparse: false, cols: ELEMENTWISE_COLS,
    ...pairOf('binaryFocalCrossentropy', 2, 1, 1, 0),
    data: (rng, rows, cols) => ({ p: uniform(rows * cols, rng, 0.02, 0.98), t: uniform(rows * cols, rng, 0, 1) }),
  },
  {
    label: 'binaryFocalCrossentropyLogits', ref: 'binaryFocalCrossentropyLogits', delta: 0, sparse: false, cols: ELEMENTWISE_COLS,
    ...pairOf('binaryFocalCrossentropyLogits', 2, 1, 1, 0),
    data: (rng, rows, cols) => ({ p: randn(rows * cols, rng, 3), t: uniform(rows * cols, rng, 0, 1) }),
  },
  {
    label: 'categoricalFocalCrossentropy', ref: 'categoricalFocalCrossentropy', delta: 0, sparse: false, cols: CLASS_COLS,
    ...pairOf('categoricalFocalCrossentropy', 0.25, 2, 0),
    data: (rng, rows, cols) => ({ p: uniform(rows * cols, rng, 0.05, 1), t: targets(rng, rows, cols) }),
  },
  {
    label: 'categoricalFocalCrossentropyLogits', ref: 'categoricalFocalCrossentropyLogits', delta: 0, sparse: false,
    cols: ELEMENTWISE_COLS, ...pairOf('categoricalFocalCrossentropyLogits', 0.25, 2, 0),
    data: (rng, rows, cols) => ({ p: randn(rows * cols, rng, 2), t: targets(rng, rows, cols) }),
  },
];

const TABLE: Row[] = [
  {
    label: 'meanSquaredError', ref: 'meanSquaredError', delta: 0, sparse: false, cols: ELEMENTWISE_COLS,
    value: kernels.meanSquaredError, grad: kernels.meanSquaredErrorGrad, rows: kernels.meanSquaredErrorRows, data: regression,
  },
  {
    label: 'meanAbsoluteError', ref: 'meanAbsoluteError', delta: 0, sparse: false, cols: ELEMENTWISE_COLS,
    value: kernels.meanAbsoluteError, grad: kernels.meanAbsoluteErrorGrad, rows: kernels.meanAbsoluteErrorRows, data: regression,
  },
  ...[1, 0.5].map((delta): Row => ({
    label: `huber(${delta})`, ref: 'huber', delta, sparse: false, cols: ELEMENTWISE_COLS,
    value: (p, t, rows, cols) => kernels.huber(p, t, rows, cols, delta),
    grad: (dp, p, t, rows, cols) => kernels.huberGrad(dp, p, t, rows, cols, delta),
    rows: (out, p, t, rows, cols) => kernels.huberRows(out, p, t, rows, cols, delta),
    data: regression,
  })),
  {
    label: 'binaryCrossentropy', ref: 'binaryCrossentropy', delta: 0, sparse: false, cols: ELEMENTWISE_COLS,
    value: (p, t, r, c) => kernels.binaryCrossentropy(p, t, r, c, 0),
    grad: (d, p, t, r, c) => kernels.binaryCrossentropyGrad(d, p, t, r, c, 0),
    rows: (o, p, t, r, c) => kernels.binaryCrossentropyRows(o, p, t, r, c, 0),
    data: (rng, rows, cols) => ({ p: uniform(rows * cols, rng, 0.02, 0.98), t: uniform(rows * cols, rng, 0, 1) }),
  },
  {
    label: 'binaryCrossentropyLogits', ref: 'binaryCrossentropyLogits', delta: 0, sparse: false, cols: ELEMENTWISE_COLS,
    value: (p, t, r, c) => kernels.binaryCrossentropyLogits(p, t, r, c, 0),
    grad: (d, p, t, r, c) => kernels.binaryCrossentropyLogitsGrad(d, p, t, r, c, 0),
    rows: (o, p, t, r, c) => kernels.binaryCrossentropyLogitsRows(o, p, t, r, c, 0),
    data: (rng, rows, cols) => ({ p: randn(rows * cols, rng, 3), t: uniform(rows * cols, rng, 0, 1) }),
  },
  {
    // Unnormalised rows: the kernel must divide by the row sum as Keras does.
    label: 'categoricalCrossentropy', ref: 'categoricalCrossentropy', delta: 0, sparse: false, cols: CLASS_COLS,
    value: (p, t, r, c) => kernels.categoricalCrossentropy(p, t, r, c, 0),
    grad: (d, p, t, r, c) => kernels.categoricalCrossentropyGrad(d, p, t, r, c, 0),
    rows: (o, p, t, r, c) => kernels.categoricalCrossentropyRows(o, p, t, r, c, 0),
    data: (rng, rows, cols) => ({ p: uniform(rows * cols, rng, 0.05, 1), t: targets(rng, rows, cols) }),
  },
  {
    label: 'categoricalCrossentropyLogits', ref: 'categoricalCrossentropyLogits', delta: 0, sparse: false,
    cols: ELEMENTWISE_COLS,
    value: (p, t, r, c) => kernels.categoricalCrossentropyLogits(p, t, r, c, 0),
    grad: (d, p, t, r, c) => kernels.categoricalCrossentropyLogitsGrad(d, p, t, r, c, 0),
    rows: (o, p, t, r, c) => kernels.categoricalCrossentropyLogitsRows(o, p, t, r, c, 0),
    data: (rng, rows, cols) => ({ p: randn(rows * cols, rng, 2), t: targets(rng, rows, cols) }),
  },
  {
    label: 'sparseCategoricalCrossentropy', ref: 'sparseCategoricalCrossentropy', delta: 0, sparse: true, cols: CLASS_COLS,
    value: (p, t, r, c) => kernels.sparseCategoricalCrossentropy(p, t, r, c, NaN),
    grad: (d, p, t, r, c) => kernels.sparseCategoricalCrossentropyGrad(d, p, t, r, c, NaN),
    rows: (o, p, t, r, c) => kernels.sparseCategoricalCrossentropyRows(o, p, t, r, c, NaN),
    data: (rng, rows, cols) => ({ p: uniform(rows * cols, rng, 0.05, 1), t: labels(rows, cols, rng) }),
  },
  {
    label: 'sparseCategoricalCrossentropyLogits', ref: 'sparseCategoricalCrossentropyLogits', delta: 0, sparse: true,
    cols: ELEMENTWISE_COLS,
    value: (p, t, r, c) => kernels.sparseCategoricalCrossentropyLogits(p, t, r, c, NaN),
    grad: (d, p, t, r, c) => kernels.sparseCategoricalCrossentropyLogitsGrad(d, p, t, r, c, NaN),
    rows: (o, p, t, r, c) => kernels.sparseCategoricalCrossentropyLogitsRows(o, p, t, r, c, NaN),
    data: (rng, rows, cols) => ({ p: randn(rows * cols, rng, 2), t: labels(rows, cols, rng) }),
  },
  ...NEW_ROWS,
];

const ROWS = [1, 4];
const VALUE_TOL = { rtol: 2e-6, atol: 1e-7 };
/** Gradients are O(1/n) per element: the absolute floor scales with the largest expected entry. */
const gradTol = (expected: ArrayLike<number>) => {
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i]!));
  return { rtol: 1e-5, atol: 1e-6 * max };
};

/** Runs the value kernel (or the Grad twin where there is none) and the Grad twin on (p, t); dp is guarded. */
function run(row: Row, p: Float32Array, t: Float32Array, rows: number, cols: number) {
  const pp = wasm.put(p);
  const pt = wasm.put(t);
  const dp = wasm.guarded(rows * cols, new Float32Array(rows * cols).fill(Number.NaN)); // must be overwritten
  const gradValue = row.grad(dp.ptr, pp, pt, rows, cols);
  const value = row.value ? row.value(pp, pt, rows, cols) : gradValue;
  dp.expectIntact();
  return { value, gradValue, dp: dp.read() };
}

for (const row of TABLE) describe(row.label, () => {
  const ref = LOSS_REFS[row.ref];

  it.each(row.cols)('value matches float64; Grad returns the same value, cols = %i', (cols) => {
    for (const rows of ROWS) {
      const { p, t } = row.data(mulberry32(cols * 10 + rows), rows, cols);
      const { value, gradValue } = run(row, p, t, rows, cols);
      expectClose([value], [ref.value(p, t, rows, cols, row.delta)], { ...VALUE_TOL, label: `${row.label} ${rows}×${cols}` });
      expect(gradValue).toBe(value);
    }
  });

  it.each(row.cols)('gradient matches the float64 derivative and finite differences, cols = %i', (cols) => {
    for (const rows of ROWS) {
      const { p, t } = row.data(mulberry32(cols * 100 + rows), rows, cols);
      const { dp } = run(row, p, t, rows, cols);
      const analytic = ref.grad(p, t, rows, cols, row.delta);
      expectClose(dp, analytic, { ...gradTol(analytic), label: `${row.label}Grad ${rows}×${cols}` });
      const fd = numericGrad((x) => ref.value(x, t, rows, cols, row.delta), Float64Array.from(p));
      expectClose(dp, fd, { ...gradTol(analytic), label: `${row.label}Grad vs finite differences ${rows}×${cols}` });
    }
  });
});

describe('per-row losses (what evaluation sums)', () => {
  for (const row of TABLE) {
    it(`${row.label}: each row's loss is the float64 loss of that row alone`, () => {
      const rows = 5;
      const cols = row.cols[row.cols.length - 1]!;
      const { p, t } = row.data(mulberry32(rows * 1000 + cols), rows, cols);
      const out = wasm.guarded(rows, new Float32Array(rows).fill(Number.NaN));
      row.rows(out.ptr, wasm.put(p), wasm.put(t), rows, cols);
      out.expectIntact();
      const tCols = row.sparse ? 1 : cols;
      const expected = Array.from({ length: rows }, (_, r) =>
        LOSS_REFS[row.ref].value(p.subarray(r * cols, (r + 1) * cols), t.subarray(r * tCols, (r + 1) * tCols), 1, cols, row.delta));
      expectClose(out.read(), expected, { ...VALUE_TOL, label: `${row.label}Rows` });
    });
  }

  it('accumulate adds one value at a time in f64, so a total continues exactly across chunks', () => {
    const x = randn(257, mulberry32(9), 3);
    const ptr = wasm.put(x);
    let sequential = 0;
    for (const v of x) sequential += v;
    expect(kernels.accumulate(ptr, x.length, 0)).toBe(sequential);
    const split = kernels.accumulate(ptr + 100 * 4, x.length - 100, kernels.accumulate(ptr, 100, 0));
    expect(split).toBe(sequential);
  });
});

describe('the probability forms at the clip', () => {
  it('binaryCrossentropy clips p to [ε, 1 − ε]: finite value, zero gradient outside', () => {
    const p = Float32Array.from([0, 1, 1e-9, 0, 1, 0.5]);
    const t = Float32Array.from([1, 0, 1, 0, 1, 1]);
    const row = TABLE.find((r) => r.ref === 'binaryCrossentropy')!;
    const { value, gradValue, dp } = run(row, p, t, 1, p.length);
    expect(gradValue).toBe(value);
    expectClose([value], [LOSS_REFS.binaryCrossentropy.value(p, t, 1, p.length, 0)], VALUE_TOL);
    // −log ε twice, −log(2⁻²³) for p = 1 (1 − ε rounds to 1 − 2⁻²³ in f32), log 2, and two terms of ~1e-7
    expectClose([value], [(-2 * Math.log(Math.fround(1e-7)) + 23 * Math.LN2 + Math.LN2) / 6], { rtol: 1e-6 });
    expect(Array.from(dp.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
    expect(dp[5]).toBeCloseTo(-2 / 6, 6);
  });

  it('categorical forms stay finite with zero probabilities off the target', () => {
    const p = Float32Array.from([0, 0.5, 0.5, 0.25, 0, 0.75]);
    const t = Float32Array.from([0, 1, 0, 1, 0, 0]);
    const dense = TABLE.find((r) => r.ref === 'categoricalCrossentropy')!;
    const d = run(dense, p, t, 2, 3);
    expectClose([d.value], [LOSS_REFS.categoricalCrossentropy.value(p, t, 2, 3, 0)], VALUE_TOL);
    expectClose(d.dp, LOSS_REFS.categoricalCrossentropy.grad(p, t, 2, 3, 0), { rtol: 1e-6 });
    const sparse = TABLE.find((r) => r.ref === 'sparseCategoricalCrossentropy')!;
    const s = run(sparse, p, Float32Array.from([1, 0]), 2, 3);
    expectClose([s.value], [d.value], VALUE_TOL);
    expectClose(s.dp, d.dp, { rtol: 1e-6 });
  });

  it('categorical forms stay finite when the target class has probability 0', () => {
    const p = Float32Array.from([0, 0.5, 0.5, 0.3, 0.7, 0]);
    const t = Float32Array.from([1, 0, 0, 0, 0, 1]);
    const expected = -Math.log(Math.fround(1e-7)); // both rows clipped at ε
    const dense = run(TABLE.find((r) => r.ref === 'categoricalCrossentropy')!, p, t, 2, 3);
    const sparse = run(TABLE.find((r) => r.ref === 'sparseCategoricalCrossentropy')!, p, Float32Array.from([0, 2]), 2, 3);
    for (const { value, gradValue, dp } of [dense, sparse]) {
      expect(gradValue).toBe(value);
      expectClose([value], [expected], VALUE_TOL);
      for (const v of dp) expect(Number.isFinite(v)).toBe(true);
    }
  });
});

describe('logits forms', () => {
  it('binaryCrossentropyLogits equals binaryCrossentropy of sigmoid(z), value and chained gradient', () => {
    for (const n of [1, 5, 33]) {
      const rng = mulberry32(n);
      const z = uniform(n, rng, -4, 4);
      const t = uniform(n, rng, 0, 1);
      const [pz, pt] = [wasm.put(z), wasm.put(t)];
      const [pp, dp, dz, dzFused] = [wasm.alloc(n), wasm.alloc(n), wasm.alloc(n), wasm.alloc(n)];
      kernels.sigmoid(pp, pz, n);
      const value = kernels.binaryCrossentropyGrad(dp, pp, pt, 1, n, 0);
      kernels.sigmoidGrad(dz, dp, pz, pp, n);
      const fused = kernels.binaryCrossentropyLogitsGrad(dzFused, pz, pt, 1, n, 0);
      expectClose([value], [fused], { rtol: 1e-5, label: `n=${n}` });
      expectClose(wasm.read(dz, n), wasm.read(dzFused, n), { rtol: 1e-4, atol: 1e-6 / n, label: `grad n=${n}` });
    }
  });

  const categorical = [
    { name: 'categoricalCrossentropy', sparse: false },
    { name: 'sparseCategoricalCrossentropy', sparse: true },
  ] as const;

  it.each(categorical)('$name of softmax(z) equals the Logits form, value and chained gradient', ({ name, sparse }) => {
    for (const [rows, cols] of [[1, 2], [4, 5], [3, 33]] as const) {
      const rng = mulberry32(rows * cols);
      const z = uniform(rows * cols, rng, -4, 4);
      const t = sparse ? labels(rows, cols, rng) : targets(rng, rows, cols);
      const n = rows * cols;
      const [pz, pt] = [wasm.put(z), wasm.put(t)];
      const [pp, dp, dz, dzFused] = [wasm.alloc(n), wasm.alloc(n), wasm.alloc(n), wasm.alloc(n)];
      kernels.softmax(pp, pz, rows, cols);
      const value = kernels[`${name}Grad`](dp, pp, pt, rows, cols, sparse ? NaN : 0);
      kernels.softmaxGrad(dz, dp, pz, pp, rows, cols);
      const fused = kernels[`${name}LogitsGrad`](dzFused, pz, pt, rows, cols, sparse ? NaN : 0);
      expectClose([value], [fused], { rtol: 1e-5, label: `${name} ${rows}×${cols}` });
      expectClose(wasm.read(dz, n), wasm.read(dzFused, n),
        { rtol: 1e-4, atol: 1e-6 / rows, label: `${name} grad ${rows}×${cols}` });
    }
  });

  it.each(categorical)('$name\'s Logits gradient gives the bits of a row at a time with the scalar expf', ({ name, sparse }) => {
    // Reference: softmax(z) as e^(z − lse(z)) with z − lse(z) from the logSoftmax kernel and e^ from the exponential
    // activation, both one element at a time; the loss against the value kernel, which computes lse row by row.
    for (const [rows, cols] of [[1, 1], [1, 2], [3, 3], [4, 5], [7, 10], [5, 13]] as const) {
      const rng = mulberry32(rows * 100 + cols);
      const z = expEdgeLogits(rows * cols, rng);
      const t = sparse ? labels(rows, cols, rng) : targets(rng, rows, cols);
      if (sparse && rows > 2) t[1] = 0; // with ignore = 0 below, row 1 is ignored
      const n = rows * cols;
      for (const option of sparse ? [NaN, 0] : [0, 0.1]) {
        const [pz, pt, ls, dz] = [wasm.put(z), wasm.put(t), wasm.alloc(n), wasm.alloc(n)];
        kernels.logSoftmax(ls, pz, rows, cols);
        kernels.exponential(ls, ls, n);
        const e = wasm.read(ls, n);
        const loss = kernels[`${name}LogitsGrad`](dz, pz, pt, rows, cols, option);
        expect(loss).toBe(kernels[`${name}Logits`](pz, pt, rows, cols, option));
        const want = new Float32Array(n);
        const counted = sparse ? t.filter((l) => l !== option).length : rows;
        const k = Math.fround(1 / Math.max(counted, 1));
        for (let r = 0; r < rows; r++) {
          const s32 = Math.fround(option); // the kernel takes it as f32
          const smoothed = (j: number) => Math.fround(Math.fround(t[r * cols + j]! * Math.fround(1 - s32)) + Math.fround(s32 * Math.fround(1 / cols)));
          let tsum = 0;
          if (!sparse) for (let j = 0; j < cols; j++) tsum = Math.fround(tsum + smoothed(j));
          for (let j = 0; j < cols; j++) {
            const ej = e[r * cols + j]!;
            if (sparse) want[r * cols + j] = t[r] === option ? 0 : k * Math.fround(ej - (j === t[r] ? 1 : 0));
            else want[r * cols + j] = k * Math.fround(Math.fround(ej * tsum) - smoothed(j));
          }
        }
        expectSameBits(wasm.read(dz, n), want, `${name}LogitsGrad ${rows}×${cols} (${option})`);
      }
    }
  });

  it('binaryCrossentropyLogits stays finite and exact at z = ±100', () => {
    const z = Float32Array.from([100, -100, 100, -100, 100, -100]);
    const t = Float32Array.from([1, 0, 0, 1, 0.5, 0.5]);
    const row = TABLE.find((r) => r.ref === 'binaryCrossentropyLogits')!;
    const { value, gradValue, dp } = run(row, z, t, 1, 6);
    expect(gradValue).toBe(value);
    expectClose([value], [(0 + 0 + 100 + 100 + 50 + 50) / 6], VALUE_TOL);
    expectClose(dp, [0, 0, 1 / 6, -1 / 6, 0.5 / 6, -0.5 / 6], { rtol: 1e-6, atol: 1e-12 });
  });

  it.each(['categoricalCrossentropyLogits', 'sparseCategoricalCrossentropyLogits'] as const)(
    '%s stays finite and accurate at z = ±100',
    (ref) => {
      const cols = 4;
      const z = Float32Array.from([100, -100, 0, 3, -100, -100, -100, 100, 100, 100, -100, -100]);
      const classes = [1, 3, 0];
      const sparse = ref.startsWith('sparse');
      const t = sparse ? Float32Array.from(classes) : oneHot(classes, cols);
      const row = TABLE.find((r) => r.ref === ref)!;
      const { value, gradValue, dp } = run(row, z, t, 3, cols);
      expect(gradValue).toBe(value);
      for (const v of [value, ...dp]) expect(Number.isFinite(v)).toBe(true);
      expectClose([value], [LOSS_REFS[ref].value(z, t, 3, cols, 0)], VALUE_TOL);
      expectClose([value], [(200 + 0 + Math.log(2)) / 3], VALUE_TOL);
      const expected = LOSS_REFS[ref].grad(z, t, 3, cols, 0);
      expectClose(dp, expected, { rtol: 1e-5, atol: 1e-7 });
    },
  );
});

describe('the table', () => {
  it('covers every kernel of the loss files in assembly/', () => {
    const source = ['losses', 'more-losses', 'focal-losses'].map((f) => readFileSync(new URL(`../../assembly/${f}.ts`, import.meta.url), 'utf8')).join('\n');
    const exported = [...source.matchAll(/^export function (\w+)/gm)].map((m) => m[1]!).sort();
    const tested = [...new Set(TABLE.flatMap((row) => [...(row.value ? [row.ref] : []), `${row.ref}Grad`, `${row.ref}Rows`])),
      'accumulate', 'counted'].sort();
    expect(tested).toEqual(exported);
  });
});

describe('options the kernels take (label smoothing, focal weights, ignored class)', () => {
  const k = kernels as unknown as Record<string, (...a: number[]) => number>;
  const cases = [
    { name: 'binaryFocalCrossentropy', scalars: [1.5, 0.3, 0.7, 0.2], ref: binaryFocalRef(1.5, 0.3, 0.7, 0.2, false), logits: false, classes: false },
    { name: 'binaryFocalCrossentropyLogits', scalars: [0.5, 0.6, 0.4, 0.1], ref: binaryFocalRef(0.5, 0.6, 0.4, 0.1, true), logits: true, classes: false },
    { name: 'categoricalFocalCrossentropy', scalars: [0.6, 1.5, 0.2], ref: categoricalFocalRef(0.6, 1.5, 0.2, false), logits: false, classes: true },
    { name: 'categoricalFocalCrossentropyLogits', scalars: [0.6, 0, 0.1], ref: categoricalFocalRef(0.6, 0, 0.1, true), logits: true, classes: true },
  ];
  it.each(cases)('$name with $scalars: value and gradient vs float64 and finite differences', ({ name, scalars, ref, logits, classes }) => {
    const [rows, cols] = [3, 5];
    const rng = mulberry32(77);
    const p = logits ? randn(rows * cols, rng, 2) : uniform(rows * cols, rng, 0.05, 0.95);
    const t = classes ? targets(rng, rows, cols) : uniform(rows * cols, rng, 0, 1);
    const dp = wasm.alloc(rows * cols);
    const value = k[`${name}Grad`]!(dp, wasm.put(p), wasm.put(t), rows, cols, ...scalars);
    expectClose([value], [ref.value(p, t, rows, cols, 0)], { rtol: 1e-5, label: name });
    const analytic = ref.grad(p, t, rows, cols, 0);
    expectClose(wasm.read(dp, rows * cols), analytic, { ...gradTol(analytic), rtol: 1e-4, label: `${name}Grad` });
    const fd = numericGrad((x) => ref.value(x, t, rows, cols, 0), Float64Array.from(p));
    expectClose(wasm.read(dp, rows * cols), fd, { ...gradTol(analytic), rtol: 1e-4, label: `${name}Grad vs finite differences` });
  });

  it('label smoothing in the cross-entropies equals the loss of smoothed targets, value and gradient', () => {
    const [rows, cols, s] = [3, 4, 0.3];
    const rng = mulberry32(5);
    const p = uniform(rows * cols, rng, 0.05, 0.95);
    const z = randn(rows * cols, rng, 2);
    const t = targets(rng, rows, cols);
    for (const [name, x, smoothed] of [
      ['binaryCrossentropy', p, t.map((v) => v * (1 - s) + 0.5 * s)], ['binaryCrossentropyLogits', z, t.map((v) => v * (1 - s) + 0.5 * s)],
      ['categoricalCrossentropy', p, t.map((v) => v * (1 - s) + s / cols)], ['categoricalCrossentropyLogits', z, t.map((v) => v * (1 - s) + s / cols)],
    ] as const) {
      const [d1, d2] = [wasm.alloc(rows * cols), wasm.alloc(rows * cols)];
      const a = k[`${name}Grad`]!(d1, wasm.put(x), wasm.put(t), rows, cols, s);
      const b = k[`${name}Grad`]!(d2, wasm.put(x), wasm.put(smoothed), rows, cols, 0);
      expectClose([a], [b], { rtol: 1e-6, label: name });
      expectClose(wasm.read(d1, rows * cols), wasm.read(d2, rows * cols), { rtol: 1e-5, atol: 1e-7, label: `${name}Grad` });
      const out = wasm.alloc(rows);
      k[`${name}Rows`]!(out, wasm.put(x), wasm.put(t), rows, cols, s);
      expectClose([wasm.read(out, rows).reduce((u, v) => u + v, 0) / rows], [a], { rtol: 1e-6 });
    }
  });

  it.each(['sparseCategoricalCrossentropy', 'sparseCategoricalCrossentropyLogits'])(
    '%s skips rows labelled `ignore` (never reading p there) and averages the others', (name) => {
      const [rows, cols] = [4, 3];
      const p = uniform(rows * cols, mulberry32(8), 0.1, 1);
      const t = Float32Array.from([2, 255, 0, 255]);
      const d = wasm.alloc(rows * cols);
      const value = k[`${name}Grad`]!(d, wasm.put(p), wasm.put(t), rows, cols, 255);
      const kept = Float32Array.from([...p.subarray(0, 3), ...p.subarray(6, 9)]);
      const dk = wasm.alloc(6);
      const expected = k[`${name}Grad`]!(dk, wasm.put(kept), wasm.put([2, 0]), 2, cols, NaN);
      expect(value).toBe(expected);
      expect(k[name]!(wasm.put(p), wasm.put(t), rows, cols, 255)).toBe(expected);
      const dp = wasm.read(d, rows * cols);
      expectClose([...dp.subarray(0, 3), ...dp.subarray(6, 9)], wasm.read(dk, 6), { rtol: 0 });
      expect([...dp.subarray(3, 6), ...dp.subarray(9, 12)]).toEqual([0, 0, 0, 0, 0, 0]);
      const out = wasm.alloc(rows);
      k[`${name}Rows`]!(out, wasm.put(p), wasm.put(t), rows, cols, 255);
      expect(wasm.read(out, rows)[1]).toBe(0);
      expect(kernels.counted(wasm.put(t), rows, 255)).toBe(2);
      expect(k[`${name}Grad`]!(d, wasm.put(p), wasm.put([255, 255, 255, 255]), rows, cols, 255)).toBe(0); // none counted
    });
});
