import type { Plugin } from 'esbuild';
/** Rewrites asc's raw bindings so that `instantiate` returns the adapted exports instead of a Promise of them. */
export declare function syncBindings(code: string): string;
/** esbuild plugin of the CommonJS build: the synchronous backend in place of backend.ts. */
export declare const syncWasm: Plugin;
