// METRICS: the one table from metric name to a kernel giving the batch's sum (a count of hits, or a loss
// times rows), so the host keeps Keras's running mean over samples. 'accuracy' resolves by the shapes, as
// Keras 3 does: one output → binary, class-index targets → sparse, otherwise categorical.
import { kernels as k } from './backend.js';
import { lookup } from './names.js';

/** Sum of the metric over a batch of `rows` samples with `cols` outputs; target width is 1 when sparse. */
export type MetricSum = (pred: number, target: number, rows: number, cols: number) => number;

/** Each row's value of the metric into `out` (`rows` floats), for totals that do not depend on batching. */
export type MetricRows = (out: number, pred: number, target: number, rows: number, cols: number) => void;

interface MetricRow { sum?: MetricSum; rows?: MetricRows; aliases?: readonly string[] }

/** Every metric by name; `accuracy` has no kernel of its own (see `resolveMetric`). */
export const METRICS = {
  accuracy: { aliases: ['acc'] },
  binaryAccuracy: { sum: (p, t, r, c) => k.binaryAccuracyCount(p, t, r * c, 0.5) / c },
  categoricalAccuracy: { sum: (p, t, r, c) => k.categoricalAccuracyCount(p, t, r, c) },
  sparseCategoricalAccuracy: { sum: (p, t, r, c) => k.sparseCategoricalAccuracyCount(p, t, r, c) },
  meanSquaredError: { sum: (p, t, r, c) => k.meanSquaredError(p, t, r, c) * r, rows: k.meanSquaredErrorRows, aliases: ['mse', 'MSE'] },
  meanAbsoluteError: { sum: (p, t, r, c) => k.meanAbsoluteError(p, t, r, c) * r, rows: k.meanAbsoluteErrorRows, aliases: ['mae', 'MAE'] },
} satisfies Record<string, MetricRow>;

/** A metric's name: `'accuracy'`, `'mse'`, `'categoricalAccuracy'`, … */
export type MetricName = keyof typeof METRICS;

/**
 * A metric bound to a model: the name it is logged under, its batch sum (exact counts for accuracies), and,
 * for metrics whose sums are not whole numbers, its per-row form for evaluation.
 */
export interface BoundMetric { name: string; sum: MetricSum; rows?: MetricRows }

/**
 * Resolves a metric for a model with `outputs` outputs whose targets have `targetCols` columns. The
 * metric keeps the name the user gave, as Keras logs it ('accuracy', 'mse').
 */
export function resolveMetric(name: unknown, outputs: number, sparseTargets: boolean, where: string): BoundMetric {
  const { key, row } = lookup<MetricRow>(METRICS, name, 'metric', where);
  const logged = name as string;
  if (key !== 'accuracy') return { name: logged, sum: row.sum!, ...(row.rows ? { rows: row.rows } : {}) };
  const actual = outputs === 1 ? METRICS.binaryAccuracy : sparseTargets ? METRICS.sparseCategoricalAccuracy : METRICS.categoricalAccuracy;
  return { name: logged === 'acc' ? 'acc' : 'accuracy', sum: actual.sum };
}
