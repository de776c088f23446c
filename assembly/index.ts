// The wasm's whole export list. Every kernel takes byte offsets into the host's memory and never allocates;
// heapBase (in matmul.ts, beside the scratch it accounts for) tells the host where its blocks may start.
export * from './matmul';
export * from './convolution';
export * from './pooling';
export * from './depthwise';
export * from './normalization';
export * from './resize';
export * from './data';
export * from './weights';
export * from './activations';
export * from './losses';
export * from './more-losses';
export * from './focal-losses';
export * from './metrics';
export * from './optimizers';
export * from './schedules';
export * from './random';
export * from './noise';
export * from './constraints';
export * from './orthogonal';
export * from './peak';

