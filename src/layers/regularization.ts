// ActivityRegularization: passes its input through and adds l1·Σ|x| + l2·Σx² (over the batch size, as
// Keras 3) to the loss; the model's plan computes the penalty and its gradient, as for any activityRegularizer.
import { kernels as k } from '../backend.js';
import { lockSettings, number, readOptions } from '../arguments.js';
import { LAYER_KEYS, type LayerOptions } from './layer.js';
import { ElementwiseLayer } from './advanced-activations.js';
import type { ConfigReader } from './config.js';

/** Options of `ActivityRegularization`. */
export interface ActivityRegularizationOptions extends LayerOptions {
  /** L1 factor (default 0). */
  l1?: number;
  /** L2 factor (default 0). */
  l2?: number;
}

/** Identity that adds a penalty on its input to the loss (Keras's ActivityRegularization). */
export class ActivityRegularization extends ElementwiseLayer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'ActivityRegularization';
  /** L1 factor. */
  readonly l1: number;
  /** L2 factor. */
  readonly l2: number;

  constructor(options?: ActivityRegularizationOptions | null) {
    const where = 'ActivityRegularization()';
    const o = readOptions(options, [...LAYER_KEYS, 'l1', 'l2'], where);
    const l1 = number(o.l1 ?? 0, 'l1', where, { min: 0 });
    const l2 = number(o.l2 ?? 0, 'l2', where, { min: 0 });
    const { l1: _l1, l2: _l2, ...common } = o;
    super('activity_regularization', { ...common, activityRegularizer: { l1, l2 } } as LayerOptions, where);
    this.l1 = l1;
    this.l2 = l2;
    lockSettings<ActivityRegularization>(this, ['name', 'declaredInputShape', 'l1', 'l2']);
  }

  /** Rebuilds an ActivityRegularization layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): ActivityRegularization {
    return new ActivityRegularization({ ...common, l1: c.number('l1', 0), l2: c.number('l2', 0) });
  }

  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }

  protected compute(out: number, input: number, n: number): void {
    k.linear(out, input, n);
  }

  protected computeGrad(dInput: number, grad: number, _input: number, _out: number, n: number): void {
    k.linear(dInput, grad, n);
  }
}
