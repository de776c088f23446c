// LOSSES: the one table from loss name to its kernels. `grad` writes d(loss)/d(prediction) and returns the
// batch's mean loss (training); `rows` writes each row's loss (evaluation sums those). A loss with `logits` has
// a fused form that a matching output activation (sigmoid or softmax) uses instead: gradient straight to the
// pre-activation, no overflow.
import { kernels as k } from './backend.js';
import { lookup } from './names.js';
import type { ActivationName } from './activations.js';

/** Kernels of one loss over `rows × cols` predictions at byte offsets. */
export interface LossKernels {
  grad(dPred: number, pred: number, target: number, rows: number, cols: number): number;
  /** Each row's loss into `out` (`rows` floats): what evaluation sums, so batching cannot change the total. */
  rows(out: number, pred: number, target: number, rows: number, cols: number): void;
  /** The fused form taking pre-activations, used when the output layer's activation is `activation`. */
  logits?: {
    activation: ActivationName;
    grad(dz: number, z: number, target: number, rows: number, cols: number): number;
    rows(out: number, z: number, target: number, rows: number, cols: number): void;
  };
  /** Targets are class indices, one per row, rather than one value per output. */
  sparse?: boolean;
  aliases?: readonly string[];
}

/** Keras's default delta for the Huber loss. */
const HUBER_DELTA = 1.0;

/** Every loss by name. */
export const LOSSES = {
  meanSquaredError: { grad: k.meanSquaredErrorGrad, rows: k.meanSquaredErrorRows, aliases: ['mse', 'MSE'] },
  meanAbsoluteError: { grad: k.meanAbsoluteErrorGrad, rows: k.meanAbsoluteErrorRows, aliases: ['mae', 'MAE'] },
  huber: {
    grad: (d, p, t, r, c) => k.huberGrad(d, p, t, r, c, HUBER_DELTA),
    rows: (o, p, t, r, c) => k.huberRows(o, p, t, r, c, HUBER_DELTA),
    aliases: ['huber_loss'],
  },
  binaryCrossentropy: {
    grad: k.binaryCrossentropyGrad, rows: k.binaryCrossentropyRows,
    logits: { activation: 'sigmoid', grad: k.binaryCrossentropyLogitsGrad, rows: k.binaryCrossentropyLogitsRows },
    aliases: ['bce'],
  },
  categoricalCrossentropy: {
    grad: k.categoricalCrossentropyGrad, rows: k.categoricalCrossentropyRows,
    logits: { activation: 'softmax', grad: k.categoricalCrossentropyLogitsGrad, rows: k.categoricalCrossentropyLogitsRows },
    aliases: ['cce'],
  },
  sparseCategoricalCrossentropy: {
    grad: k.sparseCategoricalCrossentropyGrad, rows: k.sparseCategoricalCrossentropyRows,
    logits: { activation: 'softmax', grad: k.sparseCategoricalCrossentropyLogitsGrad, rows: k.sparseCategoricalCrossentropyLogitsRows },
    sparse: true,
  },
} satisfies Record<string, LossKernels>;

/** A loss's name: `'binaryCrossentropy'`, `'meanSquaredError'`, … (or Keras's `'binary_crossentropy'`, `'mse'`). */
export type LossName = keyof typeof LOSSES;

/** Resolves a user's loss name to its table key. */
export function lossKey(name: unknown, where: string): LossName {
  return lookup<LossKernels>(LOSSES, name, 'loss', where).key as LossName;
}
