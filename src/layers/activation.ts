// Activation: an activation function as a layer of its own, on any rank (softmax over the last axis).
import { kernels as k } from '../backend.js';
import { ACTIVATIONS, activationKey, type ActivationName, type ActivationSpelling, type ActivationKernels } from '../activations.js';
import { lockSettings, readOptions } from '../arguments.js';
import { LAYER_KEYS, Layer, binding, type LayerOptions } from './layer.js';
import { activationConfig, type ConfigReader } from './config.js';

/** Applies an activation as a layer of its own: `new Activation('softmax')` (softmax over the last axis). */
export class Activation extends Layer {
  /** @internal One of neurasm's own layer classes (an own static: a subclass has none). */
  static readonly builtInLayer = true;
  readonly className = 'Activation';
  /** Activation name (table key). */
  readonly activation: ActivationName;
  private readonly act: ActivationKernels;

  constructor(activation: ActivationSpelling, options?: LayerOptions | null) {
    const o = readOptions(options, LAYER_KEYS, 'Activation()');
    super('activation', o, 'Activation()');
    this.activation = activationKey(activation, 'Activation()');
    this.act = ACTIVATIONS[this.activation];
    lockSettings<Activation>(this, ['name', 'declaredInputShape', 'activation']);
  }

  /** Rebuilds an Activation layer from its saved config. @internal */
  static fromConfig(c: ConfigReader, common: LayerOptions): Activation {
    return new Activation(activationKey(c.string('activation'), c.where), common);
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  getConfig(): Record<string, unknown> {
    return { activation: activationConfig(this.activation) };
  }

  /** @internal */
  forward(input: number, rows: number): void {
    const b = binding(this);
    b.input = input;
    const last = b.outputShape[b.outputShape.length - 1]!;
    this.act.forward(b.buffers.out, input, rows * (b.outputSize / last), last);
  }

  /** @internal */
  backward(dInput: number, rows: number, gradIsPre: boolean): void {
    const b = binding(this);
    if (dInput === 0) return;
    const { out, grad } = b.buffers;
    const last = b.outputShape[b.outputShape.length - 1]!;
    if (gradIsPre) k.linear(dInput, grad, rows * b.outputSize);
    else this.act.backward(dInput, grad, b.input, out, rows * (b.outputSize / last), last);
  }

  /** @internal */
  override outputActivation(): ActivationName {
    return this.activation;
  }

  /** @internal */
  override logits(): number {
    return binding(this).input;
  }
}
