// Matrix-product kernels against float64 loops, on every size in every dimension (SIMD blocks, their tails and
// both at once), with sentinels around each output to catch a tail that writes past the end.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { expectClose, expectSameBits, matmulRef, mulberry32, uniform, useWasm, type MatmulForm } from '../helpers.js';

const wasm = useWasm();
const SIZES = [1, 3, 5, 7, 8, 17, 33, 127];
const FORMS: MatmulForm[] = ['matmul', 'matmulTransA', 'matmulTransB'];

// f32 sums of k products of values in [−1, 1]: rounding grows like k·2⁻²⁴ in the worst case.
const tolerance = (k: number) => ({ rtol: 1e-5, atol: 2e-6 * k });

/** Runs one form on fresh random data; returns the output and the float64 expectation. */
function runCase(form: MatmulForm, m: number, k: number, n: number, accumulate: boolean, seed: number, shift = 0) {
  const rng = mulberry32(seed);
  const a = uniform(m * k, rng);
  const b = uniform(k * n, rng);
  const c0 = accumulate ? uniform(m * n, rng) : new Float32Array(m * n).fill(Number.NaN); // NaN: must be overwritten
  const pa = wasm.guarded(a.length, a, shift);
  const pb = wasm.guarded(b.length, b, shift);
  const out = wasm.guarded(m * n, c0, shift);
  kernels[form](out.ptr, pa.ptr, pb.ptr, m, k, n, accumulate, 0, 1);
  out.expectIntact();
  expectSameBits(pa.read(), a, `${form} overwrote A`);
  expectSameBits(pb.read(), b, `${form} overwrote B`);
  const expected = matmulRef(form, a, b, m, k, n);
  if (accumulate) for (let i = 0; i < expected.length; i++) expected[i] = expected[i]! + c0[i]!;
  return { actual: out.read(), expected };
}

describe.each(FORMS)('%s', (form) => {
  it.each(SIZES)('m = %i, every k and n, with and without accumulate', (m) => {
    let seed = m * 1000;
    for (const k of SIZES) {
      for (const n of SIZES) {
        for (const accumulate of [false, true]) {
          const { actual, expected } = runCase(form, m, k, n, accumulate, seed++);
          expectClose(actual, expected, { ...tolerance(k), label: `${form} ${m}×${k}×${n} accumulate=${accumulate}` });
        }
        wasm.releaseAll();
      }
    }
  });

  it('gives the same result on buffers off the 64-byte alignment', () => {
    for (const [m, k, n] of [[5, 7, 9], [8, 8, 8], [13, 17, 33]] as const) {
      for (const accumulate of [false, true]) {
        const aligned = runCase(form, m, k, n, accumulate, 77);
        const shifted = runCase(form, m, k, n, accumulate, 77, 1);
        expectSameBits(shifted.actual, aligned.actual, `${form} ${m}×${k}×${n} shifted`);
      }
    }
  });

  it('computes a hand-checked product exactly', () => {
    // A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]]: A·B = [[19, 22], [43, 50]], Aᵀ·B = [[26, 30], [38, 44]],
    // A·Bᵀ = [[17, 23], [39, 53]].
    const expected = { matmul: [19, 22, 43, 50], matmulTransA: [26, 30, 38, 44], matmulTransB: [17, 23, 39, 53] };
    const c = wasm.alloc(4);
    kernels[form](c, wasm.put([1, 2, 3, 4]), wasm.put([5, 6, 7, 8]), 2, 2, 2, false, 0, 1);
    expect(Array.from(wasm.read(c, 4))).toEqual(expected[form]);
  });

  it('with k = 0 writes zeros, or leaves C as it was when accumulating', () => {
    const c0 = uniform(15, mulberry32(3));
    const out = wasm.guarded(15, c0);
    kernels[form](out.ptr, wasm.alloc(1), wasm.alloc(1), 3, 0, 5, true, 0, 1);
    expectSameBits(out.read(), c0);
    kernels[form](out.ptr, wasm.alloc(1), wasm.alloc(1), 3, 0, 5, false, 0, 1);
    expect(Array.from(out.read())).toEqual(new Array(15).fill(0));
    out.expectIntact();
  });
});

describe('biasAdd', () => {
  it.each(SIZES)('adds b to every row, cols = %i', (cols) => {
    const rng = mulberry32(cols);
    for (const rows of [1, 3, 8]) {
      const y0 = uniform(rows * cols, rng);
      const b = uniform(cols, rng);
      const y = wasm.guarded(y0.length, y0);
      kernels.biasAdd(y.ptr, wasm.put(b), rows, cols);
      y.expectIntact();
      const expected = new Float32Array(y0.length);
      for (let i = 0; i < y0.length; i++) expected[i] = y0[i]! + b[i % cols]!; // one f32 addition: exact match
      expectSameBits(y.read(), expected, `biasAdd ${rows}×${cols}`);
    }
  });
});

describe('biasGrad', () => {
  it.each(SIZES)('sums dy over rows, cols = %i', (cols) => {
    const rng = mulberry32(100 + cols);
    for (const rows of [1, 3, 17, 128]) {
      const dy = uniform(rows * cols, rng);
      const db = wasm.guarded(cols, uniform(cols, rng)); // stale values must be overwritten, not added to
      kernels.biasGrad(db.ptr, wasm.put(dy), rows, cols);
      db.expectIntact();
      const expected = new Float64Array(cols);
      for (let i = 0; i < dy.length; i++) expected[i % cols] = expected[i % cols]! + dy[i]!;
      expectClose(db.read(), expected, { rtol: 1e-6, atol: 1e-7 * rows, label: `biasGrad ${rows}×${cols}` });
    }
  });
});

describe('gatherRows', () => {
  it.each(SIZES)('copies the indexed rows in order, repeats allowed, cols = %i', (cols) => {
    const rng = mulberry32(200 + cols);
    const srcRows = 10;
    const src = uniform(srcRows * cols, rng);
    const idx = [9, 0, 3, 3, 7, 0, 1];
    const out = wasm.guarded(idx.length * cols);
    kernels.gatherRows(out.ptr, wasm.put(src), wasm.putI32(idx), idx.length, cols, 0, 1);
    out.expectIntact();
    const expected = new Float32Array(idx.length * cols);
    idx.forEach((r, i) => expected.set(src.subarray(r * cols, (r + 1) * cols), i * cols));
    expectSameBits(out.read(), expected, `gatherRows cols=${cols}`);
  });
});

describe('fill', () => {
  it.each([0, ...SIZES])('sets every one of %i elements and nothing else', (n) => {
    for (const value of [0, -2.5, Math.fround(1e30)]) {
      const x = wasm.guarded(n, uniform(n, mulberry32(n)));
      kernels.fill(x.ptr, n, value);
      x.expectIntact();
      expect(Array.from(x.read())).toEqual(new Array(n).fill(value));
    }
  });
});

// ─── The packed GEMM: cache-block boundaries, batch-size independence, the fused Dense epilogue ───────────

describe('packed GEMM at every awkward size', () => {
  // 1, 3, 7 stay below a 4×8 microkernel; 31/65 cross the row block of 64; 257 crosses the K block of 256.
  const AWKWARD = [1, 3, 7, 31, 65, 257];
  it.each(FORMS)('%s on every m, k, n in {1, 3, 7, 31, 65, 257}', (form) => {
    let seed = 7;
    for (const m of AWKWARD) for (const k of AWKWARD) for (const n of AWKWARD) {
      const accumulate = (m + k + n) % 2 === 0;
      const { actual, expected } = runCase(form, m, k, n, accumulate, seed++);
      expectClose(actual, expected, { ...tolerance(k), label: `${form} ${m}×${k}×${n} accumulate=${accumulate}` });
    }
  }, 60_000);

  it.each(FORMS)('%s across every cache block at once (m 130, k 600, n 520)', (form) => {
    const { actual, expected } = runCase(form, 130, 600, 520, true, 99);
    expectClose(actual, expected, { ...tolerance(600), label: `${form} 130×600×520` });
  }, 30_000);
});

describe('results do not depend on how many rows come together', () => {
  // Row r of A·B must be the same bits whether it is computed alone (the small-row path), in a ragged tile,
  // or inside a full packed panel.
  it.each(FORMS.flatMap((f) => [[f, 37], [f, 10]] as const))('%s: each row of a 70-row product with %i columns equals the same row computed in batches of 1, 3 and 5', (form, n) => {
    // 10 columns take the transposed packed path (Cᵀ = Bᵀ·Aᵀ), 37 the direct one.
    const [m, k] = [70, 300];
    const rng = mulberry32(5);
    const a = uniform(m * k, rng);
    const b = uniform(k * n, rng);
    const whole = wasm.alloc(m * n);
    const pb = wasm.put(b);
    if (form === 'matmulTransA') return; // Aᵀ·B's rows come from A's columns: batching is over k there, not m
    kernels[form](whole, wasm.put(a), pb, m, k, n, false, 0, 1);
    const all = wasm.read(whole, m * n);
    for (const rows of [1, 3, 5]) {
      for (let r0 = 0; r0 + rows <= m; r0 += 17) {
        const part = wasm.alloc(rows * n);
        kernels[form](part, wasm.put(a.subarray(r0 * k, (r0 + rows) * k)), pb, rows, k, n, false, 0, 1);
        expectSameBits(wasm.read(part, rows * n), all.subarray(r0 * n, (r0 + rows) * n), `${form} rows ${r0}..${r0 + rows}`);
      }
    }
  });
});

describe('denseForward: x·W + b and the activation in one call', () => {
  // Ids as in assembly/activations.ts; the host table is checked against the same numbers in activations.test.ts.
  const ACTS: Array<[string, number, (y: number, x: number, rows: number, cols: number) => void]> = [
    ['linear', 0, (y, x, r, c) => kernels.linear(y, x, r * c)],
    ['relu', 1, (y, x, r, c) => kernels.relu(y, x, r * c)],
    ['sigmoid', 2, (y, x, r, c) => kernels.sigmoid(y, x, r * c)],
    ['tanh', 3, (y, x, r, c) => kernels.tanh(y, x, r * c)],
    ['softmax', 4, (y, x, r, c) => kernels.softmax(y, x, r, c)],
    ['leakyRelu', 5, (y, x, r, c) => kernels.leakyRelu(y, x, r * c, 0.2)],
    ['elu', 6, (y, x, r, c) => kernels.elu(y, x, r * c, 0.2)],
    ['selu', 7, (y, x, r, c) => kernels.selu(y, x, r * c)],
    ['gelu', 8, (y, x, r, c) => kernels.gelu(y, x, r * c)],
    ['swish', 9, (y, x, r, c) => kernels.swish(y, x, r * c)],
    ['softplus', 10, (y, x, r, c) => kernels.softplus(y, x, r * c)],
  ];

  it('the ids match the exported constants', () => {
    const names = ['LINEAR', 'RELU', 'SIGMOID', 'TANH', 'SOFTMAX', 'LEAKY_RELU', 'ELU', 'SELU', 'GELU', 'SWISH', 'SOFTPLUS'];
    const k = kernels as unknown as Record<string, { value: number }>;
    expect(names.map((n) => k[`ACTIVATION_${n}`]!.value)).toEqual(ACTS.map(([, id]) => id));
  });

  for (const [name, id, separate] of ACTS) {
    it.each([[1, 5, 3], [4, 33, 8], [7, 17, 9], [65, 100, 31]])(`${name}: rows %i, inDim %i, units %i equals matmul + biasAdd + ${name} to the bit`, (rows, inDim, units) => {
      const rng = mulberry32(rows * 100 + id);
      const x = wasm.put(uniform(rows * inDim, rng));
      const w = wasm.put(uniform(inDim * units, rng));
      const b = wasm.put(uniform(units, rng));
      const pre = wasm.guarded(rows * units);
      const out = wasm.guarded(rows * units);
      kernels.denseForward(out.ptr, pre.ptr, x, w, b, rows, inDim, units, id, 0.2, 0, 1);
      pre.expectIntact();
      out.expectIntact();
      // One K block (inDim ≤ 256): the bias lands after the whole sum in both ways, so the bits agree.
      const z = wasm.alloc(rows * units);
      const y = wasm.alloc(rows * units);
      kernels.matmul(z, x, w, rows, inDim, units, false, 0, 1);
      kernels.biasAdd(z, b, rows, units);
      separate(y, z, rows, units);
      expectSameBits(pre.read(), wasm.read(z, rows * units), `${name} pre-activation`);
      expectSameBits(out.read(), wasm.read(y, rows * units), `${name} output`);
    });
  }

  it('without a bias, and with inDim beyond one K block, stays within float error of the float64 reference', () => {
    const [rows, inDim, units] = [9, 700, 13];
    const rng = mulberry32(3);
    const xs = uniform(rows * inDim, rng);
    const ws = uniform(inDim * units, rng);
    const out = wasm.alloc(rows * units);
    kernels.denseForward(out, out, wasm.put(xs), wasm.put(ws), 0, rows, inDim, units, 0, 0, 0, 1);
    expectClose(wasm.read(out, rows * units), matmulRef('matmul', xs, ws, rows, inDim, units), tolerance(inDim));
  });
});
