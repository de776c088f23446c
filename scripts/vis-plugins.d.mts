import type { Plugin } from 'esbuild';
/** Maps src/vis's imports of '../index.js' to the package 'neurasm' (external); refuses other core imports. */
export declare const coreAsPackage: Plugin;
/** Swaps src/vis/files.ts (Node's file writer) for files.browser.ts. */
export declare const browserFiles: Plugin;
