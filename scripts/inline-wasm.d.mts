import type { BuildOptions } from 'esbuild';
/** esbuild options that make a bundle carry the wasm's bytes: the plugin and the binary loader it needs. */
export declare const inlineWasm: Pick<BuildOptions, 'loader' | 'plugins'>;
