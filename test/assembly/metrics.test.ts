// Metric kernels (counts over a batch) against plain JS counts, with the edge cases Keras defines: a prediction
// equal to the threshold is negative, and argmax ties go to the first index.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { labels, mulberry32, oneHot, uniform, useWasm } from '../helpers.js';

const wasm = useWasm();
const SIZES = [1, 3, 5, 17, 33, 127];

function argmaxFirst(x: ArrayLike<number>, o: number, cols: number): number {
  let best = 0;
  for (let j = 1; j < cols; j++) if (x[o + j]! > x[o + best]!) best = j;
  return best;
}

describe('binaryAccuracyCount', () => {
  it.each(SIZES)('counts (p > threshold) == t, n = %i', (n) => {
    const rng = mulberry32(n);
    for (const threshold of [0.5, 0.2]) {
      const p = uniform(n, rng, 0, 1);
      const t = Float32Array.from(p, () => (rng() < 0.5 ? 0 : 1));
      let expected = 0;
      for (let i = 0; i < n; i++) if ((p[i]! > Math.fround(threshold) ? 1 : 0) === t[i]) expected++;
      expect(kernels.binaryAccuracyCount(wasm.put(p), wasm.put(t), n, threshold)).toBe(expected);
    }
  });

  it('treats p equal to the threshold as the negative class', () => {
    const p = [0.5, 0.5, 0.50000006, 0.49999997, 0, 1];
    const t = [0, 0, 1, 0, 0, 1];
    // 0.5 → 0 twice (right), just above → 1 (right), just below → 0 (right), 0 → 0, 1 → 1
    expect(kernels.binaryAccuracyCount(wasm.put(p), wasm.put(t), p.length, 0.5)).toBe(6);
    expect(kernels.binaryAccuracyCount(wasm.put(p), wasm.put([1, 1, 1, 1, 1, 1]), p.length, 0.5)).toBe(2);
  });
});

describe('categoricalAccuracyCount', () => {
  it.each(SIZES)('counts rows where argmax p = argmax t, cols = %i', (cols) => {
    const rng = mulberry32(100 + cols);
    const rows = 40;
    const p = uniform(rows * cols, rng, 0, 1);
    const t = oneHot(labels(rows, cols, rng), cols);
    // Force some hits: copy the target class into p's argmax on every third row.
    for (let r = 0; r < rows; r += 3) p[r * cols + argmaxFirst(t, r * cols, cols)] = 2;
    let expected = 0;
    for (let r = 0; r < rows; r++) if (argmaxFirst(p, r * cols, cols) === argmaxFirst(t, r * cols, cols)) expected++;
    expect(expected).toBeGreaterThanOrEqual(Math.ceil(rows / 3));
    expect(kernels.categoricalAccuracyCount(wasm.put(p), wasm.put(t), rows, cols)).toBe(expected);
  });

  it('breaks ties in p and in t toward the first index', () => {
    const cols = 4;
    const p = [
      0.3, 0.3, 0.2, 0.2, // argmax 0 (tie with 1)
      0.1, 0.4, 0.1, 0.4, // argmax 1 (tie with 3)
      0.25, 0.25, 0.25, 0.25, // argmax 0 (all tied)
      0.1, 0.4, 0.1, 0.4, // argmax 1
    ];
    const t = [
      1, 0, 0, 0, // hit
      0, 0, 0, 1, // miss: the tie does not go to 3
      0.5, 0.5, 0, 0, // soft target tied: argmax 0, hit
      0, 1, 0, 1, // t tied: argmax 1, hit
    ];
    expect(kernels.categoricalAccuracyCount(wasm.put(p), wasm.put(t), 4, cols)).toBe(3);
  });
});

describe('sparseCategoricalAccuracyCount', () => {
  it.each(SIZES)('counts rows where argmax p = t, cols = %i', (cols) => {
    const rng = mulberry32(200 + cols);
    const rows = 40;
    const p = uniform(rows * cols, rng, 0, 1);
    const t = labels(rows, cols, rng);
    for (let r = 0; r < rows; r += 3) p[r * cols + t[r]!] = 2;
    let expected = 0;
    for (let r = 0; r < rows; r++) if (argmaxFirst(p, r * cols, cols) === t[r]) expected++;
    expect(expected).toBeGreaterThanOrEqual(Math.ceil(rows / 3));
    expect(kernels.sparseCategoricalAccuracyCount(wasm.put(p), wasm.put(t), rows, cols)).toBe(expected);
  });

  it('breaks ties toward the first index', () => {
    const p = [0.4, 0.4, 0.2, 0.1, 0.45, 0.45];
    expect(kernels.sparseCategoricalAccuracyCount(wasm.put(p), wasm.put([1, 1]), 2, 3)).toBe(1); // row 0 misses
    expect(kernels.sparseCategoricalAccuracyCount(wasm.put(p), wasm.put([0, 2]), 2, 3)).toBe(1); // row 1 misses
    expect(kernels.sparseCategoricalAccuracyCount(wasm.put(p), wasm.put([0, 1]), 2, 3)).toBe(2);
  });
});
