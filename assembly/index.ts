// The wasm's whole export list. Every kernel takes byte offsets into the host's memory and never allocates.
export * from './matmul';
export * from './data';
export * from './activations';
export * from './losses';
export * from './metrics';
export * from './optimizers';
export * from './random';
export * from './peak';

/** First byte the host may hand out: everything below belongs to the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
