// ACTIVATIONS: the one table from activation name to its forward and gradient kernels. Adding a row here
// is all an activation needs: layers, tests and benches loop over this table.
import { kernels as k } from './backend.js';
import { lookup } from './names.js';

/**
 * Forward `y = f(x)` and gradient `dx = dy·f'(x)` over `rows × cols` floats at the given offsets, and the id
 * and parameter by which fused kernels (`denseForward`) apply the same activation.
 */
export interface ActivationKernels {
  forward(y: number, x: number, rows: number, cols: number): void;
  backward(dx: number, dy: number, x: number, y: number, rows: number, cols: number): void;
  id: number;
  alpha?: number;
  aliases?: readonly string[];
}

/** Keras's negative slope for the `leaky_relu` activation function. */
const LEAKY_SLOPE = 0.2;
/** Keras's alpha for `elu`. */
const ELU_ALPHA = 1.0;

/** Every activation by name. */
export const ACTIVATIONS = {
  linear: { id: k.ACTIVATION_LINEAR.value, forward: (y, x, r, c) => k.linear(y, x, r * c), backward: (dx, dy, x, y, r, c) => k.linearGrad(dx, dy, x, y, r * c) },
  relu: { id: k.ACTIVATION_RELU.value, forward: (y, x, r, c) => k.relu(y, x, r * c), backward: (dx, dy, x, y, r, c) => k.reluGrad(dx, dy, x, y, r * c) },
  sigmoid: { id: k.ACTIVATION_SIGMOID.value, forward: (y, x, r, c) => k.sigmoid(y, x, r * c), backward: (dx, dy, x, y, r, c) => k.sigmoidGrad(dx, dy, x, y, r * c) },
  tanh: { id: k.ACTIVATION_TANH.value, forward: (y, x, r, c) => k.tanh(y, x, r * c), backward: (dx, dy, x, y, r, c) => k.tanhGrad(dx, dy, x, y, r * c) },
  softmax: { id: k.ACTIVATION_SOFTMAX.value, forward: (y, x, r, c) => k.softmax(y, x, r, c), backward: (dx, dy, x, y, r, c) => k.softmaxGrad(dx, dy, x, y, r, c) },
  leakyRelu: {
    id: k.ACTIVATION_LEAKY_RELU.value, alpha: LEAKY_SLOPE,
    forward: (y, x, r, c) => k.leakyRelu(y, x, r * c, LEAKY_SLOPE),
    backward: (dx, dy, x, y, r, c) => k.leakyReluGrad(dx, dy, x, y, r * c, LEAKY_SLOPE),
  },
  elu: {
    id: k.ACTIVATION_ELU.value, alpha: ELU_ALPHA,
    forward: (y, x, r, c) => k.elu(y, x, r * c, ELU_ALPHA),
    backward: (dx, dy, x, y, r, c) => k.eluGrad(dx, dy, x, y, r * c, ELU_ALPHA),
  },
  selu: { id: k.ACTIVATION_SELU.value, forward: (y, x, r, c) => k.selu(y, x, r * c), backward: (dx, dy, x, y, r, c) => k.seluGrad(dx, dy, x, y, r * c) },
  gelu: { id: k.ACTIVATION_GELU.value, forward: (y, x, r, c) => k.gelu(y, x, r * c), backward: (dx, dy, x, y, r, c) => k.geluGrad(dx, dy, x, y, r * c) },
  swish: {
    id: k.ACTIVATION_SWISH.value,
    forward: (y, x, r, c) => k.swish(y, x, r * c), backward: (dx, dy, x, y, r, c) => k.swishGrad(dx, dy, x, y, r * c),
    aliases: ['silu'],
  },
  softplus: { id: k.ACTIVATION_SOFTPLUS.value, forward: (y, x, r, c) => k.softplus(y, x, r * c), backward: (dx, dy, x, y, r, c) => k.softplusGrad(dx, dy, x, y, r * c) },
} satisfies Record<string, ActivationKernels>;

/** An activation's name: `'relu'`, `'sigmoid'`, `'softmax'`, … (Keras's snake_case spellings are accepted too). */
export type ActivationName = keyof typeof ACTIVATIONS;

/** Resolves a user's activation name (camelCase, snake_case or alias) to its table key. */
export function activationKey(name: unknown, where: string): ActivationName {
  return lookup<ActivationKernels>(ACTIVATIONS, name, 'activation', where).key as ActivationName;
}
