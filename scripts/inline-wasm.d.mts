import type { BuildOptions } from 'esbuild';
/** The JavaScript module that exports `bytes` as one string of lower-case hex digits. */
export declare function hexModule(bytes: Uint8Array): string;
/** esbuild options that make a bundle carry the wasm's bytes: the plugin that swaps in the inlined bytes. */
export declare const inlineWasm: Pick<BuildOptions, 'plugins'>;
