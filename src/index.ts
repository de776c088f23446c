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
export { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl } from './optimizers.js';
export type {
  OptimizerOptions, SGDOptions, AdamOptions, AdamWOptions, RMSpropOptions, AdagradOptions, AdadeltaOptions, AdamaxOptions, NadamOptions,
  LionOptions, FtrlOptions, OptimizerName, OptimizerSpelling, ConfigValue,
} from './optimizers.js';
export {
  LearningRateSchedule, ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay, CosineDecay, CosineDecayRestarts,
  scheduleFromConfig,
} from './schedules.js';
export type {
  DecayOptions, PiecewiseConstantDecayOptions, PolynomialDecayOptions, CosineDecayOptions, CosineDecayRestartsOptions, ScheduleConfig,
} from './schedules.js';
export {
  History, ProgbarLogger, EarlyStopping, TerminateOnNaN, ReduceLROnPlateau, LearningRateScheduler, ModelCheckpoint, CSVLogger,
  LambdaCallback, BackupAndRestore,
} from './callbacks.js';
export type {
  Callback, Logs, TrainingModel, TrainingParams, EarlyStoppingOptions, ProgbarLoggerOptions, ReduceLROnPlateauOptions,
  ModelCheckpointOptions, CSVLoggerOptions, LambdaCallbackOptions, BackupAndRestoreOptions,
} from './callbacks.js';
export { GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization } from './layers/index.js';
export type { NoiseOptions, AlphaDropoutOptions, ActivityRegularizationOptions, WeightOptions } from './layers/index.js';
export { Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm, maxNorm, nonNeg, unitNorm, minMaxNorm } from './constraints.js';
export type { Axis, ConstraintLike, ConstraintName, MaxNormOptions, UnitNormOptions, MinMaxNormOptions } from './constraints.js';
export { Tensor, tensor } from './tensor.js';
export type { TensorLike, NestedArray, Rank, TensorArrays } from './tensor.js';
export { trainTestSplit, oneHot } from './data.js';
export { parseCsv, type CsvOptions, type CsvData, type CsvColumn } from './data.js';
export { loadModel } from './io.js';
export type { ModelSource, SaveTarget } from './io.js';
export { modelFromJSON } from './saving.js';
export type { ModelArtifacts, WeightSpec, TrainingConfig, SaveOptions, LoadOptions } from './saving.js';
export type { SplitOptions } from './data.js';
export { NeurasmError, ShapeError, ValueError, StateError, MemoryError, IOError, errorToData, errorFromData } from './errors.js';
export type { ErrorData } from './errors.js';
export { serveWorker, connectWorker, type WorkerEndpoint, type WorkerLike, type JobHandler, type RunOptions, type WorkerClient, type AbortSignalLike } from './worker.js';
export { setThreads, getThreads } from './threads.js';
export type { ActivationName, ActivationSpelling } from './activations.js';
export { activations } from './activations.js';
export type { ReluOptions, LeakyReluOptions, AlphaOptions, GeluOptions, AxisOptions } from './activations.js';
export { ReLU, LeakyReLU, ELU, Softmax, PReLU } from './layers/index.js';
export type { ReLUOptions, LeakyReLUOptions, ELUOptions, SoftmaxOptions, PReLUOptions } from './layers/index.js';
export type { LossName, LossSpelling } from './losses.js';
export {
  losses, Loss, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh,
  BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge,
  CosineSimilarity, KLDivergence, Poisson, BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
} from './losses.js';
export type {
  Reduction, LossOptions, CrossentropyOptions, FocalOptions, BinaryFocalOptions, SparseCrossentropyOptions,
} from './losses.js';
export type { MetricName, MetricSpelling } from './metrics.js';
export {
  metrics, Metric, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy, Precision, Recall, AUC, F1Score, FBetaScore, R2Score, RootMeanSquaredError,
} from './metrics.js';
export type {
  MetricOptions, BinaryAccuracyOptions, TopKOptions, PrecisionOptions, AUCOptions, FBetaScoreOptions, R2ScoreOptions,
} from './metrics.js';
export type { InitializerName, InitializerSpelling, InitializerLike, InitializerConfig, SeedOptions, ConstantOptions, GainOptions, NormalOptions, UniformOptions, VarianceScalingOptions, FanMode, Distribution } from './initializers.js';
export {
  initializers, Initializer, Constant, Zeros, Ones, Identity, Orthogonal, RandomNormal, TruncatedNormal, RandomUniform, VarianceScaling,
  GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal,
} from './initializers.js';
