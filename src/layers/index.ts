// The layers: one file per kind, and the one table from Keras class name to the class that rebuilds it from a
// saved config (what loading reads). Adding a layer kind: its file, a row here, its kernels in assembly/.
import type { Layer, LayerOptions } from './layer.js';
import type { ConfigReader } from './config.js';
import { Dense } from './dense.js';
import { Activation } from './activation.js';
import { Dropout } from './dropout.js';
import { Flatten, Reshape } from './reshaping.js';
import { Conv1D, Conv2D } from './convolution.js';
import { BatchNormalization } from './normalization.js';
import { UpSampling2D, ZeroPadding2D } from './resizing.js';
import { DepthwiseConv2D, SeparableConv2D } from './depthwise.js';
import { AlphaDropout, GaussianDropout, GaussianNoise } from './noise.js';
import { ActivityRegularization } from './regularization.js';
import { ELU, LeakyReLU, PReLU, ReLU, Softmax } from './advanced-activations.js';
import { AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D } from './pooling.js';

export { Layer, checkWeights, sameShape, sizeOf, fans, formatShape } from './layer.js';
/** @internal A model's handles on its layers (never exported from the package). */
export { binding, ownerOf, setOwner, unbound } from './layer.js';
export type { LayerOptions, Regularizer, RegularizerLike, WeightSpec, BufferSpec, Binding } from './layer.js';
export { Dense, type DenseOptions } from './dense.js';
export { Activation } from './activation.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Flatten, Reshape, type ReshapeOptions } from './reshaping.js';
export { Conv1D, Conv2D, type ConvOptions, type Padding } from './convolution.js';
export {
  AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
  MaxPooling1D, MaxPooling2D, type GlobalPoolingOptions, type PoolingOptions,
} from './pooling.js';
export { BatchNormalization, type BatchNormalizationOptions } from './normalization.js';
export { UpSampling2D, ZeroPadding2D, type UpSamplingOptions, type ZeroPaddingOptions } from './resizing.js';
export { DepthwiseConv2D, SeparableConv2D, type DepthwiseConvOptions, type SeparableConvOptions } from './depthwise.js';
export { ConfigReader, isObject } from './config.js';
export { GaussianNoise, GaussianDropout, AlphaDropout, type NoiseOptions, type AlphaDropoutOptions } from './noise.js';
export { ActivityRegularization, type ActivityRegularizationOptions } from './regularization.js';
export type { WeightOptions } from './layer.js';
export { ReLU, LeakyReLU, ELU, Softmax, PReLU, type ReLUOptions, type LeakyReLUOptions, type ELUOptions, type SoftmaxOptions, type PReLUOptions } from './advanced-activations.js';

/** Every layer class by its Keras class name, with how it rebuilds itself from a saved config. */
export const LAYER_CLASSES: Record<string, { fromConfig(c: ConfigReader, common: LayerOptions): Layer }> = {
  Dense, Activation, Dropout, GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization, Flatten, Reshape, Conv1D, Conv2D,
  MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,
  GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
  BatchNormalization, ZeroPadding2D, UpSampling2D, DepthwiseConv2D, SeparableConv2D,
  ReLU, LeakyReLU, ELU, Softmax, PReLU,
};

/**
 * Whether `layer` is an instance of one of neurasm's own layer classes, not of a subclass: the layers compute through
 * internal methods a class of the user's cannot implement, so a model takes only these. @internal
 */
export function builtIn(layer: Layer): boolean {
  // Each class marks itself, rather than this function listing them all: an app that uses Dense alone would
  // otherwise bundle every layer (40 KB minified).
  const kind: unknown = (layer as { constructor?: unknown }).constructor;
  return typeof kind === 'function' && Object.hasOwn(kind, 'builtInLayer');
}

