// Metric kernels against plain JS: per-row values with the edge cases Keras defines (a prediction equal to the
// threshold is negative, argmax ties go to the first index, in_top_k counts ties in), and state updates that add
// row by row in f64 (the same bits as a JS loop in row order).
import { describe, expect, it } from 'vitest';
import { memory, kernels } from '../../src/backend.js';
import { labels, mulberry32, oneHot, uniform, useWasm } from '../helpers.js';

const wasm = useWasm();
const SIZES = [1, 3, 5, 17, 33];

function argmaxFirst(x: ArrayLike<number>, o: number, cols: number): number {
  let best = 0;
  for (let j = 1; j < cols; j++) if (x[o + j]! > x[o + best]!) best = j;
  return best;
}

/** A zeroed state block of `n` f64 slots. */
const state = (n: number) => wasm.alloc(2 * n);
const readState = (at: number, n: number) => Array.from(new Float64Array(memory.buffer, at, n));

describe('per-row kernels', () => {
  it.each(SIZES)('binaryAccuracyRows and accuracyRows: the share of matching values in each row, cols = %i', (cols) => {
    const rng = mulberry32(cols);
    const rows = 23;
    const p = Float32Array.from({ length: rows * cols }, () => Math.floor(rng() * 5) / 4); // exact 0.5s and equal values
    const t = Float32Array.from(p, () => (rng() < 0.5 ? 0 : 1));
    for (const threshold of [0.5, 0.2]) {
      const out = wasm.alloc(rows);
      kernels.binaryAccuracyRows(out, wasm.put(p), wasm.put(t), rows, cols, threshold);
      const expected = Array.from({ length: rows }, (_, r) => {
        let c = 0;
        for (let j = 0; j < cols; j++) if ((p[r * cols + j]! > Math.fround(threshold) ? 1 : 0) === t[r * cols + j]) c++;
        return Math.fround(c / cols);
      });
      expect(Array.from(wasm.read(out, rows))).toEqual(expected);
    }
    const out = wasm.alloc(rows);
    kernels.accuracyRows(out, wasm.put(p), wasm.put(t), rows, cols);
    expect(Array.from(wasm.read(out, rows))).toEqual(Array.from({ length: rows }, (_, r) => {
      let c = 0;
      for (let j = 0; j < cols; j++) if (p[r * cols + j] === t[r * cols + j]) c++;
      return Math.fround(c / cols);
    }));
  });

  it('binaryAccuracyRows treats p equal to the threshold as the negative class', () => {
    const p = [0.5, 0.5, 0.50000006, 0.49999997, 0, 1];
    const out = wasm.alloc(6);
    kernels.binaryAccuracyRows(out, wasm.put(p), wasm.put([0, 0, 1, 0, 0, 1]), 6, 1, 0.5);
    expect(Array.from(wasm.read(out, 6))).toEqual([1, 1, 1, 1, 1, 1]);
    kernels.binaryAccuracyRows(out, wasm.put(p), wasm.put([1, 1, 1, 1, 1, 1]), 6, 1, 0.5);
    expect(Array.from(wasm.read(out, 6))).toEqual([0, 0, 1, 0, 0, 1]);
  });

  it.each(SIZES)('categorical and sparse categorical accuracy rows: argmax with ties to the first index, cols = %i', (cols) => {
    const rng = mulberry32(100 + cols);
    const rows = 40;
    const p = Float32Array.from({ length: rows * cols }, () => Math.floor(rng() * 3)); // many ties
    const cls = labels(rows, cols, rng);
    const t = oneHot(cls, cols);
    const expected = Array.from(cls, (c, r) => (argmaxFirst(p, r * cols, cols) === c ? 1 : 0));
    const out = wasm.alloc(rows);
    kernels.categoricalAccuracyRows(out, wasm.put(p), wasm.put(t), rows, cols);
    expect(Array.from(wasm.read(out, rows))).toEqual(expected);
    kernels.sparseCategoricalAccuracyRows(out, wasm.put(p), wasm.put(cls), rows, cols);
    expect(Array.from(wasm.read(out, rows))).toEqual(expected);
  });

  it('top-k rows: a label out of range or with a non-finite score is out; NaN scores are never counted as greater', () => {
    const p = [0.3, 0.3, 0.3, 0.1, NaN, 0.2, 0.5, 0.9, Infinity, 0.4, 0.4, 0.4];
    const out = wasm.alloc(3);
    // Rows [0.3, 0.3, 0.3, 0.1], [NaN, 0.2, 0.5, 0.9], [∞, 0.4, 0.4, 0.4].
    kernels.sparseTopKCategoricalAccuracyRows(out, wasm.put(p), wasm.put([2, 0, 1]), 3, 4, 1);
    expect(Array.from(wasm.read(out, 3))).toEqual([1, 0, 1]); // ties with the first are in; a NaN target is out; ∞ is not greater
    kernels.sparseTopKCategoricalAccuracyRows(out, wasm.put(p), wasm.put([3, 2, 0]), 3, 4, 2);
    expect(Array.from(wasm.read(out, 3))).toEqual([0, 1, 0]); // three greater than 0.1; one greater than 0.5; an ∞ target is out
    kernels.sparseTopKCategoricalAccuracyRows(out, wasm.put(p), wasm.put([4, -1, 2.7]), 3, 4, 4);
    expect(Array.from(wasm.read(out, 3))).toEqual([0, 0, 1]); // out of range twice; 2.7 truncates to 2
  });
});

describe('state updates', () => {
  it.each(SIZES)('meanMetricUpdate adds w·v and w in row order in f64, n = %i', (n) => {
    const rng = mulberry32(300 + n);
    const v = uniform(n, rng, -3, 3);
    const w = uniform(n, rng, 0, 2);
    const s = state(2);
    kernels.meanMetricUpdate(s, wasm.put(v), wasm.put(w), n);
    kernels.meanMetricUpdate(s, wasm.put(v), 0, n);
    let total = 0, count = 0;
    for (let i = 0; i < n; i++) { total += w[i]! * v[i]!; count += w[i]!; }
    for (let i = 0; i < n; i++) { total += v[i]!; count += 1; }
    expect(readState(s, 2)).toEqual([total, count]);
  });

  it('confusionUpdate counts p > threshold against t ≠ 0, weighted; classId picks a column; topK keeps the k largest', () => {
    const p = [0.5, 0.7, 0.2, 0.9, 0.7, 0.1];
    const t = [1, 0, 2, 1, 0, 0];
    const w = [2, 0.5];
    const s = state(4);
    kernels.confusionUpdate(s, wasm.put(p), wasm.put(t), wasm.put(w), 2, 3, 0.5, -1, 0);
    // row 0 (w 2): 0.5 → neg with t 1: fn; 0.7 pos, t 0: fp; 0.2 neg, t 2: fn. row 1 (w 0.5): 0.9 tp; 0.7 fp; 0.1 tn.
    expect(readState(s, 4)).toEqual([0.5, 2.5, 0.5, 4]);
    const c = state(4);
    kernels.confusionUpdate(c, wasm.put(p), wasm.put(t), 0, 2, 3, 0.5, 1, 0);
    expect(readState(c, 4)).toEqual([0, 2, 0, 0]);
    const k = state(4);
    kernels.confusionUpdate(k, wasm.put([0.4, 0.4, 0.3]), wasm.put([0, 1, 1]), 0, 1, 3, -1e10, -1, 1); // tie: index 0 kept
    expect(readState(k, 4)).toEqual([0, 1, 0, 2]);
  });

  it('confusionBucketsUpdate puts p in bucket ceil(p·(T − 1)) − 1, clipped, raised to 0 with the epsilon ends', () => {
    const T = 3;
    const p = [0, 0.5, 0.50000006, 1, 1.5, -0.2];
    const t = [1, 1, 0, 1, 0, 0];
    for (const lowEpsilon of [true, false]) {
      const s = state(2 * T + 2);
      kernels.confusionBucketsUpdate(s, wasm.put(p), wasm.put(t), 0, 6, 1, T, -1, 0, false, lowEpsilon);
      // buckets: 0 → −1, 0.5 → 0, 0.50000006 → 1, 1 → 1, 1.5 → 1 (clipped), −0.2 → −1 (clipped to 0)
      const pos = lowEpsilon ? [2, 1, 0] : [1, 1, 0];
      const neg = lowEpsilon ? [1, 2, 0] : [0, 2, 0];
      expect(readState(s, 2 * T + 2)).toEqual([...pos, ...neg, 3, 3]);
    }
  });

  it('aucResult: ROC area of a perfect, a random and an inverted ranking', () => {
    const T = 5;
    const auc = (p: number[], t: number[]) => {
      const s = state(2 * T + 2);
      kernels.confusionBucketsUpdate(s, wasm.put(p), wasm.put(t), 0, p.length, 1, T, -1, 0, false, true);
      return kernels.aucResult(s, T, 1, 0, 0);
    };
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.8, 0.9, 0.1, 0.2], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.6, 0.6, 0.6, 0.6], [0, 1, 0, 1])).toBe(0.5);
  });

  it('r2Update and fScoreUpdate add their sums per column in f64', () => {
    const rng = mulberry32(9);
    const rows = 7, cols = 3;
    const p = uniform(rows * cols, rng, 0, 1);
    const t = Float32Array.from(p, () => (rng() < 0.5 ? 0 : 1));
    const w = uniform(rows, rng, 0, 2);
    w[2] = 0;
    const r2 = state(4 * cols + 1);
    kernels.r2Update(r2, wasm.put(p), wasm.put(t), wasm.put(w), rows, cols);
    const fs = state(4 * cols);
    kernels.fScoreUpdate(fs, wasm.put(p), wasm.put(t), wasm.put(w), rows, cols, 0.5);
    const e = new Float64Array(4 * cols + 1);
    const f = new Float64Array(4 * cols);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        const yt = t[r * cols + j]!, d = yt - p[r * cols + j]!, wr = w[r]!;
        e[j]! += wr * yt; e[cols + j]! += wr * yt * yt; e[2 * cols + j]! += wr * d * d; e[3 * cols + j]! += wr;
        const yp = p[r * cols + j]! > 0.5 ? 1 : 0;
        f[j]! += wr * (yp * yt); f[cols + j]! += wr * (yp * (1 - yt)); f[2 * cols + j]! += wr * ((1 - yp) * yt); f[3 * cols + j]! += wr * yt;
      }
      if (w[r] !== 0) e[4 * cols]! += 1;
    }
    expect(readState(r2, 4 * cols + 1)).toEqual(Array.from(e));
    expect(readState(fs, 4 * cols)).toEqual(Array.from(f));
  });
});
