// Metrics against TensorFlow.js where it has the same metric, against Keras 3's docstring numbers, and against a
// float64 re-implementation of Keras's algorithms (AUC's buckets and Riemann sums, top-k, F-scores, R²); weighted
// forms; streaming (any split of the rows into batches gives the same bits); the integrator's raw-state interface;
// names and configs; bad input.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { arena } from '../src/arena.js';
import { memory } from '../src/backend.js';
import { ShapeError, ValueError } from '../src/errors.js';
import {
  AUC, Accuracy, BinaryAccuracy, CategoricalAccuracy, CosineSimilarity, F1Score, FBetaScore, MeanAbsoluteError, MeanSquaredError, Metric,
  Precision, R2Score, Recall, RootMeanSquaredError, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy,
  metricFromConfig, metrics, resolveMetric,
} from '../src/metrics.js';
import { labels, mulberry32, oneHot, uniform, type Rng } from './helpers.js';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
});

const f32 = Math.fround;
const rows2d = (data: ArrayLike<number>, cols: number): number[][] =>
  Array.from({ length: data.length / cols }, (_, r) => Array.from(data).slice(r * cols, (r + 1) * cols));
const close = (a: number, b: number, tol = 1e-12) => expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('against TensorFlow.js', () => {
  const rng = mulberry32(11);
  const rows = 37, cols = 5;
  const p = uniform(rows * cols, rng, 0, 1);
  const tBin = Float32Array.from(p, () => (rng() < 0.5 ? 0 : 1));
  const cls = labels(rows, cols, rng);
  const tHot = oneHot(cls, cols);
  const tfs = (d: Float32Array, c: number) => tf.tensor2d(d, [d.length / c, c]);

  it('binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy per row, and their means', () => {
    expect(Array.from(metrics.binaryAccuracy(rows2d(tBin, cols), rows2d(p, cols)).data)).toEqual(Array.from(tf.metrics.binaryAccuracy(tfs(tBin, cols), tfs(p, cols)).dataSync()));
    expect(Array.from(metrics.categoricalAccuracy(rows2d(tHot, cols), rows2d(p, cols)).data)).toEqual(Array.from(tf.metrics.categoricalAccuracy(tfs(tHot, cols), tfs(p, cols)).dataSync()));
    expect(Array.from(metrics.sparseCategoricalAccuracy(cls, rows2d(p, cols)).data))
      .toEqual(Array.from(tf.metrics.sparseCategoricalAccuracy(tf.tensor1d(cls), tfs(p, cols)).dataSync()));
    const m = new CategoricalAccuracy();
    m.updateState(rows2d(tHot, cols), rows2d(p, cols));
    close(m.result() as number, tf.mean(tf.metrics.categoricalAccuracy(tfs(tHot, cols), tfs(p, cols))).dataSync()[0]!, 1e-7);
  });

  it('precision and recall of 0/1 predictions', () => {
    const hard = Float32Array.from(p, (v) => (v > 0.5 ? 1 : 0));
    const pr = new Precision();
    const rc = new Recall();
    pr.updateState(rows2d(tBin, cols), rows2d(hard, cols));
    rc.updateState(rows2d(tBin, cols), rows2d(hard, cols));
    close(pr.result() as number, tf.metrics.precision(tfs(tBin, cols), tfs(hard, cols)).dataSync()[0]!, 1e-7);
    close(rc.result() as number, tf.metrics.recall(tfs(tBin, cols), tfs(hard, cols)).dataSync()[0]!, 1e-7);
  });

  it('mse, mae per row; cosine similarity is minus TensorFlow.js cosineProximity; R² of one column', () => {
    const t = uniform(rows * cols, rng, 0, 1);
    expect(Array.from(metrics.meanSquaredError(rows2d(t, cols), rows2d(p, cols)).data))
      .toEqual(Array.from(tf.metrics.meanSquaredError(tfs(t, cols), tfs(p, cols)).dataSync()).map((v) => expect.closeTo(v, 6)));
    expect(Array.from(metrics.meanAbsoluteError(rows2d(t, cols), rows2d(p, cols)).data))
      .toEqual(Array.from(tf.metrics.meanAbsoluteError(tfs(t, cols), tfs(p, cols)).dataSync()).map((v) => expect.closeTo(v, 6)));
    expect(Array.from(metrics.cosineSimilarity(rows2d(t, cols), rows2d(p, cols)).data))
      .toEqual(Array.from(tf.metrics.cosineProximity(tfs(t, cols), tfs(p, cols)).dataSync()).map((v) => expect.closeTo(-v, 6)));
    const r2 = new R2Score();
    const t1 = t.subarray(0, rows);
    const p1 = p.subarray(0, rows);
    r2.updateState(t1, p1);
    close(r2.result() as number, tf.metrics.r2Score(tf.tensor2d(t1, [rows, 1]), tf.tensor2d(p1, [rows, 1])).dataSync()[0]!, 1e-5);
  });
});

describe("Keras 3's docstring examples", () => {
  const run = (m: Metric, yTrue: number[] | number[][], yPred: number[] | number[][], w?: number[]) => {
    m.resetState();
    m.updateState(yTrue, yPred, w);
    return m.result();
  };
  it('accuracies', () => {
    const a = new Accuracy();
    expect(run(a, [[1], [2], [3], [4]], [[0], [2], [3], [4]])).toBe(0.75);
    expect(run(a, [[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0])).toBe(0.5);
    const b = new BinaryAccuracy();
    expect(run(b, [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])).toBe(0.75);
    expect(run(b, [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1])).toBe(0.5);
    const yHot = [[0, 0, 1], [0, 1, 0]];
    const yP = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]];
    const c = new CategoricalAccuracy();
    expect(run(c, yHot, yP)).toBe(0.5);
    close(run(c, yHot, yP, [0.7, 0.3]) as number, f32(0.3) / (f32(0.7) + f32(0.3)));
    const s = new SparseCategoricalAccuracy();
    expect(run(s, [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])).toBe(0.5);
    close(run(s, [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [0.7, 0.3]) as number, 0.3, 1e-7);
    expect(run(new TopKCategoricalAccuracy({ k: 1 }), yHot, yP)).toBe(0.5);
    close(run(new TopKCategoricalAccuracy({ k: 1 }), yHot, yP, [0.7, 0.3]) as number, 0.3, 1e-7);
    expect(run(new SparseTopKCategoricalAccuracy({ k: 1 }), [2, 1], yP)).toBe(0.5);
    close(run(new SparseTopKCategoricalAccuracy({ k: 1 }), [2, 1], yP, [0.7, 0.3]) as number, 0.3, 1e-7);
  });

  it('Precision and Recall (top_k over one row: Keras\'s rank-1 example as a [1, 4] row)', () => {
    close(run(new Precision(), [0, 1, 1, 1], [1, 0, 1, 1]) as number, 2 / 3);
    expect(run(new Precision(), [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0])).toBe(1);
    expect(run(new Precision({ topK: 2 }), [[0, 0, 1, 1]], [[1, 1, 1, 1]])).toBe(0);
    expect(run(new Precision({ topK: 4 }), [[0, 0, 1, 1]], [[1, 1, 1, 1]])).toBe(0.5);
    close(run(new Recall(), [0, 1, 1, 1], [1, 0, 1, 1]) as number, 2 / 3);
    expect(run(new Recall(), [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0])).toBe(1);
  });

  it('AUC, F1Score, FBetaScore, R2Score', () => {
    expect(run(new AUC({ numThresholds: 3 }), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9])).toBe(0.75);
    expect(run(new AUC({ numThresholds: 3 }), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1])).toBe(1);
    const yt = [[1, 1, 1], [1, 0, 0], [1, 1, 0]];
    const yp = [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]];
    (run(new F1Score({ threshold: 0.5 }), yt, yp) as number[]).forEach((v, i) => close(v, [0.5, 0.8, 0.6666667][i]!, 1e-6));
    (run(new FBetaScore({ beta: 2, threshold: 0.5 }), yt, yp) as number[]).forEach((v, i) => close(v, [0.3846154, 0.90909094, 0.8333334][i]!, 1e-6));
    close(run(new R2Score(), [[1], [4], [3]], [[2], [4], [4]]) as number, 0.57142854, 1e-6);
  });

  it('regression metrics', () => {
    const yt = [[0, 1], [0, 0]];
    const yp = [[1, 1], [0, 0]];
    expect(run(new MeanSquaredError(), yt, yp)).toBe(0.25);
    expect(run(new MeanSquaredError(), yt, yp, [1, 0])).toBe(0.5);
    expect(run(new MeanAbsoluteError(), yt, yp)).toBe(0.25);
    expect(run(new RootMeanSquaredError(), yt, yp)).toBe(0.5);
    close(run(new RootMeanSquaredError(), yt, yp, [1, 0]) as number, Math.SQRT1_2);
    close(run(new CosineSimilarity(), [[0, 1], [1, 1]], [[1, 0], [1, 1]]) as number, 0.5, 1e-6);
    close(run(new CosineSimilarity(), [[0, 1], [1, 1]], [[1, 0], [1, 1]], [0.3, 0.7]) as number, 0.7, 1e-6);
  });
});

// ─── float64 re-implementations of Keras 3 ───

/** Keras's bucketed confusion counts at each of T evenly spaced thresholds (per label when multiLabel). */
function kerasBuckets(p: Float32Array, t: Float32Array, w: Float32Array | undefined, rows: number, cols: number, T: number, multiLabel: boolean, lowEpsilon = true) {
  const labelsN = multiLabel ? cols : 1;
  const tp = Array.from({ length: labelsN }, () => new Float64Array(T));
  const fp = Array.from({ length: labelsN }, () => new Float64Array(T));
  const pos = new Float64Array(labelsN), neg = new Float64Array(labelsN);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const l = multiLabel ? j : 0;
      const wr = w ? w[r]! : 1;
      const positive = t[r * cols + j] !== 0;
      if (positive) pos[l]! += wr; else neg[l]! += wr;
      let b = Math.ceil(f32(Math.min(Math.max(p[r * cols + j]!, 0), 1) * (T - 1))) - 1;
      if (lowEpsilon) b = Math.max(b, 0);
      for (let i = 0; i <= b; i++) (positive ? tp : fp)[l]![i]! += wr; // counted at every threshold below its bucket's top
    }
  }
  return { tp, fp, pos, neg };
}

const dnn = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Keras's AUC.result() in float64. */
function kerasAuc(c: ReturnType<typeof kerasBuckets>, T: number, curve: 'ROC' | 'PR', method: string): number {
  const areas = c.tp.map((tp, l) => {
    const fp = c.fp[l]!;
    const fn = tp.map((v) => c.pos[l]! - v);
    const tn = fp.map((v) => c.neg[l]! - v);
    let area = 0;
    for (let i = 0; i < T - 1; i++) {
      if (curve === 'PR' && method === 'interpolation') {
        const dtp = tp[i]! - tp[i + 1]!;
        const pA = tp[i]! + fp[i]!, pB = tp[i + 1]! + fp[i + 1]!;
        const slope = dnn(dtp, Math.max(pA - pB, 0));
        const intercept = tp[i + 1]! - slope * pB;
        const ratio = pA > 0 && pB > 0 ? dnn(pA, Math.max(pB, 0)) : 1;
        area += dnn(slope * (dtp + intercept * Math.log(ratio)), Math.max(tp[i + 1]! + fn[i + 1]!, 0));
        continue;
      }
      const recall = (k: number) => dnn(tp[k]!, tp[k]! + fn[k]!);
      const x = (k: number) => (curve === 'ROC' ? dnn(fp[k]!, fp[k]! + tn[k]!) : recall(k));
      const y = (k: number) => (curve === 'ROC' ? recall(k) : dnn(tp[k]!, tp[k]! + fp[k]!));
      const h = method === 'interpolation' ? (y(i) + y(i + 1)) / 2 : method === 'minoring' ? Math.min(y(i), y(i + 1)) : Math.max(y(i), y(i + 1));
      area += (x(i) - x(i + 1)) * h;
    }
    return area;
  });
  return areas.reduce((a, b) => a + b, 0) / areas.length;
}

/** TensorFlow's in_top_k. */
function inTopK(p: ArrayLike<number>, o: number, cols: number, label: number, k: number): boolean {
  if (label < 0 || label >= cols || !Number.isFinite(p[o + label]!)) return false;
  let greater = 0;
  for (let j = 0; j < cols; j++) if (Number.isFinite(p[o + j]!) && p[o + j]! > p[o + label]!) greater++;
  return greater < k;
}

/** Data with ties (scores on a grid of tenths), values exactly at thresholds, weights. */
function data(rng: Rng, rows: number, cols: number) {
  const p = Float32Array.from({ length: rows * cols }, () => Math.floor(rng() * 11) / 10);
  const t = Float32Array.from({ length: rows * cols }, () => (rng() < 0.4 ? 1 : 0));
  const w = Float32Array.from({ length: rows }, () => Math.floor(rng() * 4) / 2);
  return { p, t, w };
}

describe("against float64 re-implementations of Keras 3's algorithms", () => {
  it.each([
    ['ROC', 'interpolation'], ['ROC', 'minoring'], ['ROC', 'majoring'], ['PR', 'interpolation'], ['PR', 'minoring'], ['PR', 'majoring'],
  ] as const)('AUC curve %s, summation %s, flat and multi-label, weighted and not', (curve, method) => {
    const rng = mulberry32(5);
    const rows = 60, cols = 3;
    const { t, w } = data(rng, rows, cols);
    const p = uniform(rows * cols, rng, -0.1, 1.1); // outside [0, 1] too: Keras clips
    for (const T of [3, 7, 200]) {
      for (const multiLabel of [false, true]) {
        for (const weights of [undefined, w]) {
          const m = new AUC({ numThresholds: T, curve, summationMethod: method, multiLabel });
          m.updateState(rows2d(t, cols), rows2d(p, cols), weights);
          close(m.result() as number, kerasAuc(kerasBuckets(p, t, weights, rows, cols, T, multiLabel), T, curve, method));
        }
      }
    }
  });

  it('AUC from given evenly spaced thresholds equals AUC with that many', () => {
    const rng = mulberry32(6);
    const { p, t } = data(rng, 40, 1);
    const a = new AUC({ thresholds: [0.25, 0.5, 0.75] });
    const b = new AUC({ numThresholds: 5 });
    a.updateState(t, p);
    b.updateState(t, p);
    expect(a.result()).toBe(b.result());
    expect(a.getConfig()).toMatchObject({ num_thresholds: 5, thresholds: [0.25, 0.5, 0.75] });
  });

  it('Precision and Recall at several thresholds, with classId and topK (Keras keeps ties to the lower index)', () => {
    const rng = mulberry32(7);
    const rows = 50, cols = 4;
    const { p, t, w } = data(rng, rows, cols);
    for (const thresholds of [[0.5], [0.1, 0.35, 0.7], [0, 0.5, 1]]) {
      for (const classId of [undefined, 2]) {
        for (const topK of [undefined, 1, 2]) {
          const opts = { thresholds, ...(classId !== undefined ? { classId } : {}), ...(topK !== undefined ? { topK } : {}) };
          const pr = new Precision(opts), rc = new Recall(opts);
          pr.updateState(rows2d(t, cols), rows2d(p, cols), w);
          rc.updateState(rows2d(t, cols), rows2d(p, cols), w);
          const even = thresholds.length === 3 && thresholds[1] === 0.5;
          const expected = thresholds.map((thr) => {
            let tp = 0, fp = 0, fn = 0;
            for (let r = 0; r < rows; r++) {
              for (let j = classId ?? 0; j < (classId === undefined ? cols : classId + 1); j++) {
                let v = p[r * cols + j]!;
                if (topK !== undefined) {
                  let rank = 0;
                  for (let i = 0; i < cols; i++) if (p[r * cols + i]! > v || (p[r * cols + i] === v && i < j)) rank++;
                  if (rank >= topK) v = f32(-1e10);
                }
                // Evenly spaced thresholds take Keras's bucketed path: clip, then bucket ceil(p·(T − 1)) − 1 ≥ index.
                const predicted = even ? Math.ceil(f32(Math.min(Math.max(v, 0), 1) * 2)) - 1 >= thresholds.indexOf(thr) : v > f32(thr);
                const positive = t[r * cols + j] !== 0;
                if (positive && predicted) tp += w[r]!; else if (predicted) fp += w[r]!; else if (positive) fn += w[r]!;
              }
            }
            return [dnn(tp, tp + fp), dnn(tp, tp + fn)];
          });
          const got = [pr.result(), rc.result()].map((v) => (Array.isArray(v) ? v : [v]));
          expected.forEach(([ep, er], i) => { close(got[0]![i]!, ep!); close(got[1]![i]!, er!); });
        }
      }
    }
  });

  it("top-k accuracies follow TensorFlow's in_top_k: ties at the boundary are all in; a non-finite target score is out", () => {
    const rng = mulberry32(8);
    const rows = 80, cols = 6;
    const { p } = data(rng, rows, cols);
    p[3] = Infinity; p[10] = NaN; p[13] = -Infinity;
    const cls = labels(rows, cols, rng);
    cls[1] = 4; // row 1's target is the NaN
    for (const k of [1, 2, 3, 6]) {
      const expected = Array.from(cls, (c, r) => (inTopK(p, r * cols, cols, c, k) ? 1 : 0));
      // NaN and ±Infinity cannot come in through the public API: call the kernel path through a Metric's update.
      const m = new SparseTopKCategoricalAccuracy({ k });
      const out = perRowRaw(m, p, cls, rows, cols);
      expect(out, `k = ${k}`).toEqual(expected);
      const hot = new TopKCategoricalAccuracy({ k });
      expect(perRowRaw(hot, p, oneHot(cls, cols), rows, cols)).toEqual(expected);
    }
    const exp2 = Array.from(cls, (c, r) => (inTopK(p, r * cols, cols, c, 2) ? 1 : 0));
    const finite = p.map((v) => (Number.isFinite(v) ? v : 0));
    const exp2f = Array.from(cls, (c, r) => (inTopK(finite, r * cols, cols, c, 2) ? 1 : 0));
    expect(Array.from(metrics.sparseTopKCategoricalAccuracy(cls, rows2d(finite, cols), { k: 2 }).data)).toEqual(exp2f);
    expect(exp2).toContain(1);
  });

  it('F-scores: every average, threshold or row maximum (ties all count), weighted', () => {
    const rng = mulberry32(9);
    const rows = 45, cols = 4;
    const { p, t, w } = data(rng, rows, cols);
    for (const threshold of [undefined, 0.45]) {
      const tp = new Float64Array(cols), fp = new Float64Array(cols), fn = new Float64Array(cols), iw = new Float64Array(cols);
      for (let r = 0; r < rows; r++) {
        const max = Math.max(...p.subarray(r * cols, (r + 1) * cols));
        for (let j = 0; j < cols; j++) {
          const v = p[r * cols + j]!;
          const yp = (threshold === undefined ? v >= max && Math.abs(v) > f32(1e-9) : v > f32(threshold)) ? 1 : 0;
          const yt = t[r * cols + j]!;
          tp[j]! += w[r]! * yp * yt; fp[j]! += w[r]! * yp * (1 - yt); fn[j]! += w[r]! * (1 - yp) * yt; iw[j]! += w[r]! * yt;
        }
      }
      for (const beta of [1, 0.5, 2]) {
        const f = (a: number, b: number, c: number) => {
          const pr = a / (a + b + 1e-7), rc = a / (a + c + 1e-7);
          return ((pr * rc) / (beta * beta * pr + rc + 1e-7)) * (1 + beta * beta);
        };
        const per = Array.from(tp, (_, j) => f(tp[j]!, fp[j]!, fn[j]!));
        const sum = (x: ArrayLike<number>) => Array.from(x).reduce((a, b) => a + b, 0);
        const expected = {
          none: per, macro: sum(per) / cols, micro: f(sum(tp), sum(fp), sum(fn)),
          weighted: per.reduce((a, v, j) => a + v * (iw[j]! / (sum(iw) + 1e-7)), 0),
        };
        for (const average of [null, 'micro', 'macro', 'weighted'] as const) {
          const m = new FBetaScore({ beta, average, ...(threshold !== undefined ? { threshold } : {}) });
          m.updateState(rows2d(t, cols), rows2d(p, cols), w);
          const got = m.result();
          const want = expected[average ?? 'none'];
          if (Array.isArray(want)) (got as number[]).forEach((v, i) => close(v, want[i]!));
          else close(got as number, want);
        }
      }
    }
  });

  it('R2Score: uniform, variance-weighted and per-column aggregation; adjusted; weighted (rows of weight 0 are not samples)', () => {
    const rng = mulberry32(10);
    const rows = 30, cols = 3;
    const t = uniform(rows * cols, rng, -2, 2);
    const p = Float32Array.from(t, (v) => v + (rng() - 0.5));
    const w = Float32Array.from({ length: rows }, (_, r) => (r % 5 === 0 ? 0 : 1 + (r % 3)));
    const s = Array.from({ length: 4 }, () => new Float64Array(cols));
    let n = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        const yt = t[r * cols + j]!, d = yt - p[r * cols + j]!;
        s[0]![j]! += w[r]! * yt; s[1]![j]! += w[r]! * yt * yt; s[2]![j]! += w[r]! * d * d; s[3]![j]! += w[r]!;
      }
      if (w[r] !== 0) n++;
    }
    const total = Array.from(s[0]!, (sum, j) => s[1]![j]! - sum * (sum / s[3]![j]!));
    const raw = total.map((tot, j) => 1 - s[2]![j]! / tot);
    const uniformR2 = raw.reduce((a, b) => a + b, 0) / cols;
    const variance = raw.reduce((a, v, j) => a + total[j]! * v, 0) / total.reduce((a, b) => a + b, 0);
    const adjusted = 1 - ((1 - uniformR2) * (n - 1)) / (n - 2 - 1);
    const make = (o: ConstructorParameters<typeof R2Score>[0]) => { const m = new R2Score(o); m.updateState(rows2d(t, cols), rows2d(p, cols), w); return m.result(); };
    close(make({}) as number, uniformR2);
    close(make({ classAggregation: 'variance_weighted_average' }) as number, variance);
    (make({ classAggregation: null }) as number[]).forEach((v, j) => close(v, raw[j]!));
    close(make({ numRegressors: 2 }) as number, adjusted);
  });
});

describe('loss-named metrics: the weighted mean over rows of the loss per row (Keras 3 formulas in float64)', () => {
  const EPS = 1e-7;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const clip = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  type Ref = (t: number[], p: number[]) => number;
  const refs: [string, Ref, 'prob' | 'sign' | 'reg' | 'hot' | 'sparse'][] = [
    ['mape', (t, p) => 100 * mean(t.map((v, j) => Math.abs(v - p[j]!) / Math.max(Math.abs(v), EPS))), 'reg'],
    ['msle', (t, p) => mean(t.map((v, j) => (Math.log(Math.max(p[j]!, EPS) + 1) - Math.log(Math.max(v, EPS) + 1)) ** 2)), 'prob'],
    ['hinge', (t, p) => mean(t.map((v, j) => Math.max(1 - v * p[j]!, 0))), 'sign'],
    ['squared_hinge', (t, p) => mean(t.map((v, j) => Math.max(1 - v * p[j]!, 0) ** 2)), 'sign'],
    ['categorical_hinge', (t, p) => Math.max(Math.max(...t.map((v, j) => (1 - v) * p[j]!)) - t.reduce((a, v, j) => a + v * p[j]!, 0) + 1, 0), 'hot'],
    ['kld', (t, p) => t.reduce((a, v, j) => a + clip(v, EPS, 1) * Math.log(clip(v, EPS, 1) / clip(p[j]!, EPS, 1)), 0), 'prob'],
    ['poisson', (t, p) => mean(t.map((v, j) => p[j]! - v * Math.log(p[j]! + EPS))), 'prob'],
    ['logcosh', (t, p) => mean(t.map((v, j) => Math.log(Math.cosh(p[j]! - v)))), 'reg'],
    ['binary_crossentropy', (t, p) => mean(t.map((v, j) => { const q = clip(p[j]!, EPS, 1 - EPS); return -(v * Math.log(q) + (1 - v) * Math.log(1 - q)); })), 'prob'],
    ['categorical_crossentropy', (t, p) => { const s = p.reduce((a, b) => a + b, 0); return -t.reduce((a, v, j) => a + v * Math.log(clip(p[j]! / s, EPS, 1 - EPS)), 0); }, 'hot'],
    ['sparse_categorical_crossentropy', (t, p) => { const s = p.reduce((a, b) => a + b, 0); return -Math.log(clip(p[t[0]!]! / s, EPS, 1 - EPS)); }, 'sparse'],
  ];
  it.each(refs)('%s', (name, ref, kind) => {
    const rng = mulberry32(name.length * 7);
    const rows = 13, cols = 4;
    const p = uniform(rows * cols, rng, kind === 'reg' || kind === 'sign' ? -2 : 0.02, kind === 'reg' || kind === 'sign' ? 2 : 0.98);
    const cls = labels(rows, cols, rng);
    const t = kind === 'hot' ? oneHot(cls, cols) : kind === 'sparse' ? cls
      : kind === 'sign' ? Float32Array.from(p, () => (rng() < 0.5 ? -1 : 1)) : uniform(rows * cols, rng, kind === 'prob' ? 0 : -2, kind === 'prob' ? 1 : 2);
    const tc = t.length / rows;
    const w = uniform(rows, rng, 0, 2);
    const m = resolveMetric(name, cols, kind === 'sparse', 'compile()');
    expect(m.name).toBe(name);
    m.updateState(rows2d(t, tc), rows2d(p, cols), w);
    let total = 0, count = 0;
    for (let r = 0; r < rows; r++) {
      total += w[r]! * ref(Array.from(t.subarray(r * tc, (r + 1) * tc)), Array.from(p.subarray(r * cols, (r + 1) * cols)));
      count += w[r]!;
    }
    close(m.result() as number, total / count, 2e-5);
  });
});

/** Runs a mean metric's update on raw values (NaN and ±Infinity allowed) and returns each row's value via 1-row batches. */
function perRowRaw(m: Metric, p: Float32Array, t: Float32Array, rows: number, cols: number): number[] {
  const tCols = t.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    const state = arena.alloc(8 * m.stateSize(cols));
    const pp = arena.alloc(4 * cols), tt = arena.alloc(4 * tCols);
    try {
      new Float64Array(memory.buffer, state, m.stateSize(cols)).fill(0);
      arena.write(pp, p.subarray(r * cols, (r + 1) * cols));
      arena.write(tt, t.subarray(r * tCols, (r + 1) * tCols));
      m.update(state, pp, tt, 0, 1, cols);
      return m.resultOf(state, cols);
    } finally {
      [state, pp, tt].forEach((b) => arena.release(b));
    }
  });
}

describe('streaming and the raw-state interface', () => {
  const rng = mulberry32(12);
  const rows = 29, cols = 4;
  const { p, t, w } = data(rng, rows, cols);
  const cls = labels(rows, cols, rng);
  const hot = oneHot(cls, cols);
  const reg = uniform(rows * cols, rng, -1, 1);
  const cases: [string, () => Metric, Float32Array][] = [
    ['Accuracy', () => new Accuracy(), t], ['BinaryAccuracy', () => new BinaryAccuracy({ threshold: 0.3 }), t],
    ['CategoricalAccuracy', () => new CategoricalAccuracy(), hot], ['SparseCategoricalAccuracy', () => new SparseCategoricalAccuracy(), cls],
    ['TopKCategoricalAccuracy', () => new TopKCategoricalAccuracy({ k: 2 }), hot],
    ['SparseTopKCategoricalAccuracy', () => new SparseTopKCategoricalAccuracy({ k: 2 }), cls],
    ['Precision', () => new Precision({ thresholds: 0.35 }), t], ['Recall', () => new Recall({ thresholds: [0, 0.5, 1] }), t],
    ['Precision topK classId', () => new Precision({ topK: 2, classId: 1 }), t],
    ['AUC', () => new AUC(), t], ['AUC PR multi-label', () => new AUC({ curve: 'PR', multiLabel: true, numThresholds: 11 }), t],
    ['F1Score macro', () => new F1Score({ average: 'macro' }), t], ['FBetaScore weighted', () => new FBetaScore({ average: 'weighted', beta: 0.5 }), t],
    ['R2Score', () => new R2Score(), reg], ['MeanSquaredError', () => new MeanSquaredError(), reg],
    ['RootMeanSquaredError', () => new RootMeanSquaredError(), reg], ['CosineSimilarity', () => new CosineSimilarity(), reg],
    ['KLDivergence', () => new metrics.KLDivergence(), t], ['SparseCategoricalCrossentropy', () => new metrics.SparseCategoricalCrossentropy(), cls],
  ];

  it.each(cases)('%s: batches of 1, 3 and 7 rows give the same bits as one update, weighted or not', (_, make, target) => {
    const tc = target.length / rows;
    for (const weights of [undefined, w]) {
      const whole = make();
      whole.updateState(rows2d(target, tc), rows2d(p, cols), weights);
      const expected = whole.result();
      for (const size of [1, 3, 7]) {
        const m = make();
        for (let r = 0; r < rows; r += size) {
          const end = Math.min(rows, r + size);
          m.updateState(rows2d(target.subarray(r * tc, end * tc), tc), rows2d(p.subarray(r * cols, end * cols), cols), weights?.subarray(r, end));
        }
        expect(m.result(), `batches of ${size}`).toEqual(expected);
      }
      // The integrator's interface: a zeroed state block, update per batch, resultOf (per-class results are not logged).
      const m = make();
      if (m.perClass) continue;
      const state = arena.alloc(8 * m.stateSize(cols));
      const blocks = [state];
      try {
        new Float64Array(memory.buffer, state, m.stateSize(cols)).fill(0);
        for (let r = 0; r < rows; r += 7) {
          const end = Math.min(rows, r + 7);
          const pp = arena.alloc(4 * (end - r) * cols), tt = arena.alloc(4 * (end - r) * tc), ww = arena.alloc(4 * (end - r));
          const scratch = arena.alloc(4 * (end - r)); // the caller's own per-row scratch
          blocks.push(pp, tt, ww, scratch);
          arena.write(pp, p.subarray(r * cols, end * cols));
          arena.write(tt, target.subarray(r * tc, end * tc));
          if (weights) arena.write(ww, weights.subarray(r, end));
          m.update(state, pp, tt, weights ? ww : 0, end - r, cols, scratch);
        }
        expect(m.resultOf(state, cols)).toEqual(expected);
      } finally {
        blocks.forEach((b) => arena.release(b));
      }
    }
  });

  it('resetState forgets; result before any update is 0 (an array of zeros per threshold)', () => {
    const m = new BinaryAccuracy();
    expect(m.result()).toBe(0);
    m.updateState([[1]], [[0.9]]);
    expect(m.result()).toBe(1);
    m.resetState();
    expect(m.result()).toBe(0);
    expect(new Precision({ thresholds: [0.2, 0.8] }).result()).toEqual([0, 0]);
  });
});

describe('names, compile and configs', () => {
  it("'accuracy' picks binary, sparse or categorical by the shapes and keeps the name it was given", () => {
    expect(resolveMetric('accuracy', 1, false, 'compile()')).toMatchObject({ name: 'accuracy', className: 'BinaryAccuracy' });
    expect(resolveMetric('acc', 3, true, 'compile()')).toMatchObject({ name: 'acc', className: 'SparseCategoricalAccuracy' });
    expect(resolveMetric('accuracy', 3, false, 'compile()')).toMatchObject({ name: 'accuracy', className: 'CategoricalAccuracy' });
    for (const [name, cls] of [['mse', 'MeanSquaredError'], ['mae', 'MeanAbsoluteError'], ['auc', 'AUC'], ['AUC', 'AUC'], ['precision', 'Precision'],
      ['recall', 'Recall'], ['top_k_categorical_accuracy', 'TopKCategoricalAccuracy'], ['binary_accuracy', 'BinaryAccuracy'], ['rmse', 'RootMeanSquaredError'],
      ['r2_score', 'R2Score'], ['CategoricalAccuracy', 'CategoricalAccuracy']] as const) {
      expect(resolveMetric(name, 3, false, 'compile()'), name).toMatchObject({ name, className: cls });
    }
    const mine = new AUC({ name: 'roc' });
    expect(resolveMetric(mine, 1, false, 'compile()')).toBe(mine);
  });

  it('refuses per-class metrics, a sparse metric for one-hot targets, and a classId beyond the outputs', () => {
    expect(new F1Score().perClass).toBe(true);
    expect(() => resolveMetric(new F1Score(), 3, false, 'compile()')).toThrow(/compile\(\): metric 'f1_score' \(F1Score\) gives one value per class/);
    expect(() => resolveMetric(new Precision({ thresholds: [0.3, 0.6] }), 1, false, 'compile()')).toThrow(ValueError);
    expect(() => resolveMetric(new R2Score({ classAggregation: null }), 2, false, 'compile()')).toThrow(ValueError);
    expect(resolveMetric(new F1Score({ average: 'macro' }), 3, false, 'compile()').perClass).toBe(false);
    expect(() => resolveMetric('sparse_categorical_accuracy', 3, false, 'compile()')).toThrow(/needs class-index targets/);
    expect(() => resolveMetric('categorical_accuracy', 3, true, 'compile()')).toThrow(/one target per output/);
    expect(() => resolveMetric(new Recall({ classId: 3 }), 3, false, 'compile()')).toThrow(/classId 3 is outside the 3 columns/);
    expect(() => resolveMetric('nope', 1, false, 'compile()')).toThrow(/compile\(\): unknown metric "nope"/);
  });

  it('getConfig uses Keras\'s snake_case keys and metricFromConfig rebuilds an equal metric', () => {
    const made: Metric[] = [
      new BinaryAccuracy({ threshold: 0.3, name: 'ba' }), new TopKCategoricalAccuracy({ k: 3 }), new Precision({ thresholds: [0.2, 0.4], topK: 2, classId: 1 }),
      new AUC({ numThresholds: 50, curve: 'PR', summationMethod: 'majoring', multiLabel: true }), new F1Score({ average: 'micro', threshold: 0.4 }),
      new FBetaScore({ beta: 2 }), new R2Score({ classAggregation: null, numRegressors: 2 }), new MeanSquaredError(), new SparseCategoricalAccuracy(),
    ];
    for (const m of made) {
      const config = { class_name: m.className, config: m.getConfig() };
      const back = metricFromConfig(JSON.parse(JSON.stringify(config)) as typeof config, 'load');
      expect(back.className).toBe(m.className);
      expect(back.getConfig()).toEqual(m.getConfig());
    }
    expect(new Precision({ topK: 2, classId: 1 }).getConfig()).toEqual({ name: 'precision', dtype: 'float32', thresholds: null, top_k: 2, class_id: 1 });
    expect(new AUC().getConfig()).toMatchObject({ name: 'auc', num_thresholds: 200, curve: 'ROC', summation_method: 'interpolation', multi_label: false });
    expect(metricFromConfig('mse', 'load')).toMatchObject({ name: 'mse', className: 'MeanSquaredError' });
    // Keras's own saved configs: defaults it writes are accepted, other settings are refused by name.
    expect(metricFromConfig({ class_name: 'AUC', config: { name: 'auc', dtype: 'float32', num_thresholds: 200, curve: 'ROC', summation_method: 'interpolation',
      multi_label: false, num_labels: null, label_weights: null, from_logits: false } }, 'load').getConfig()).toEqual(new AUC().getConfig());
    expect(() => metricFromConfig({ class_name: 'AUC', config: { from_logits: true } }, 'load')).toThrow(/unknown option 'fromLogits'/);
    expect(() => metricFromConfig({ class_name: 'Nope' }, 'load')).toThrow(/load: unknown metric "Nope"/);
  });
});

describe('bad input', () => {
  it('options: k ≤ 0, thresholds outside [0, 1] or NaN, unknown options, bad choices', () => {
    expect(() => new TopKCategoricalAccuracy({ k: 0 })).toThrow(/TopKCategoricalAccuracy\(\): k must be an integer ≥ 1, got 0/);
    expect(() => new SparseTopKCategoricalAccuracy({ k: -2 })).toThrow(ValueError);
    expect(() => metrics.topKCategoricalAccuracy([[1, 0]], [[0.2, 0.8]], { k: 1.5 })).toThrow(/k must be an integer/);
    expect(() => new Precision({ thresholds: [0.5, 1.2] })).toThrow(/Precision\(\): thresholds\[1\] must be in \[0, 1\], got 1.2/);
    expect(() => new Recall({ thresholds: -0.1 })).toThrow(ValueError);
    expect(() => new Precision({ thresholds: [] })).toThrow(/must not be empty/);
    expect(() => new BinaryAccuracy({ threshold: NaN })).toThrow(/threshold must be a finite number, got NaN/);
    expect(() => new AUC({ numThresholds: 1 })).toThrow(/numThresholds must be an integer/);
    expect(() => new AUC({ curve: 'PRGAIN' as 'PR' })).toThrow(/curve must be/);
    expect(() => new AUC({ thresholds: [0.1, 0.7] })).toThrow(/evenly spaced/);
    expect(() => new F1Score({ threshold: 0 })).toThrow(ValueError);
    expect(() => new FBetaScore({ beta: 0 })).toThrow(ValueError);
    expect(() => new F1Score({ beta: 2 } as never)).toThrow(/unknown option 'beta'/);
    expect(() => new R2Score({ numRegressors: -1 })).toThrow(ValueError);
    expect(() => new MeanSquaredError({ treshold: 1 } as never)).toThrow(/unknown option 'treshold'/);
  });

  it('data: labels out of range or not integers, NaN, mismatched shapes, a changed width; nothing changes', () => {
    const s = new SparseCategoricalAccuracy();
    expect(() => s.updateState([0, 3], [[0.1, 0.9, 0], [0.5, 0.2, 0.3]])).toThrow(/yTrue\[1\] must be a class index in \[0, 3\), got 3/);
    expect(() => s.updateState([0, 1.5], [[0.1, 0.9, 0], [0.5, 0.2, 0.3]])).toThrow(ValueError);
    expect(() => metrics.sparseCategoricalAccuracy([-1], [[0.1, 0.9]])).toThrow(ValueError);
    expect(s.result()).toBe(0);
    const b = new BinaryAccuracy();
    expect(() => b.updateState([[1], [0]], [[NaN], [0.2]])).toThrow(/yPred has a value that is not a finite float32 \(NaN\) at row 0/);
    expect(() => b.updateState([[1], [0]], [[0.3], [0.2]], [1, NaN])).toThrow(/sampleWeight/);
    expect(() => b.updateState([[1], [0], [1]], [[0.3], [0.2]])).toThrow(ShapeError);
    expect(() => b.updateState([[1], [0]], [[0.3], [0.2]], [1])).toThrow(/one weight per row/);
    b.updateState([[1], [0]], [[0.7], [0.2]]);
    expect(() => b.updateState([[1, 0]], [[0.7, 0.1]])).toThrow(/state was built for 1/);
    expect(b.result()).toBe(1);
  });

  it('NaN predictions in the kernels count as misses (never positive), as the comparisons make them', () => {
    const p = Float32Array.from([NaN, 0.9]);
    expect(perRowRaw(new BinaryAccuracy(), p, Float32Array.from([1, 1]), 2, 1)).toEqual([0, 1]);
  });
});

describe("a metric's direction, which the callbacks' 'auto' mode follows", () => {
  it("rises for Keras 3's metrics whose _direction is 'up', falls for the others", () => {
    const rising = Object.entries(metrics).filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Metric)
      .map(([name, C]) => { try { return [name, (new (C as new () => Metric)()).rises] as const; } catch { return [name, undefined] as const; } })
      .filter(([, r]) => r === true).map(([name]) => name).sort();
    expect(rising).toEqual(['AUC', 'Accuracy', 'BinaryAccuracy', 'CategoricalAccuracy', 'CosineSimilarity', 'F1Score', 'FBetaScore',
      'Precision', 'R2Score', 'Recall', 'SparseCategoricalAccuracy', 'SparseTopKCategoricalAccuracy', 'TopKCategoricalAccuracy'].sort());
  });
});
