// The public entry of neurasm: importing it loads and instantiates the wasm core (top-level await), after
// which everything is synchronous except `fit`.
export { Sequential } from './sequential.js';
export type { SequentialOptions, CompileOptions, FitOptions, EvaluateOptions, PredictOptions, SummaryOptions } from './sequential.js';
export {
  Layer, Dense, Activation, Dropout, Flatten, Reshape, Conv1D, Conv2D,
  MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,
  GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
  BatchNormalization, ZeroPadding2D, UpSampling2D, DepthwiseConv2D, SeparableConv2D,
} from './layers/index.js';
export type {
  LayerOptions, DenseOptions, DropoutOptions, ReshapeOptions, ConvOptions, Padding, PoolingOptions, GlobalPoolingOptions,
  BatchNormalizationOptions, UpSamplingOptions, ZeroPaddingOptions, DepthwiseConvOptions, SeparableConvOptions,
  Regularizer, RegularizerLike,
} from './layers/index.js';
export { Optimizer, SGD, Adam, AdamW, RMSprop } from './optimizers.js';
export type { OptimizerOptions, SGDOptions, AdamOptions, AdamWOptions, RMSpropOptions, OptimizerName } from './optimizers.js';
export { History, EarlyStopping, TerminateOnNaN } from './callbacks.js';
export type { Callback, Logs, EarlyStoppingOptions } from './callbacks.js';
export { Tensor, tensor } from './tensor.js';
export type { TensorLike } from './tensor.js';
export { trainTestSplit, oneHot } from './data.js';
export { loadModel } from './io.js';
export type { ModelSource, SaveTarget } from './io.js';
export { modelFromJSON } from './saving.js';
export type { ModelArtifacts, WeightSpec, TrainingConfig, SaveOptions, LoadOptions } from './saving.js';
export type { SplitOptions } from './data.js';
export { NeurasmError, ShapeError, ValueError, StateError, MemoryError, IOError, errorToData, errorFromData } from './errors.js';
export type { ErrorData } from './errors.js';
export type { ActivationName } from './activations.js';
export type { LossName } from './losses.js';
export type { MetricName } from './metrics.js';
export type { InitializerName } from './initializers.js';
