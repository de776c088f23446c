// The browser build's stand-in for files.ts: a page has no folders to write into, so `toFile` is refused with
// a message saying what to do instead. Same signatures as files.ts.
import { ValueError } from '../index.js';
import type { Target } from './files.js';

export type { Target };

/** The libraries neurasm/vis draws with in a browser (optional peer dependencies of neurasm; no resvg, no fonts). */
export const PEERS = ['vega', 'vega-lite', '@hpcc-js/wasm-graphviz'];

/** Refuses `toFile`: in a browser the returned SVG text is the picture. */
export async function checkTarget(toFile: unknown, _scale: number, where: string): Promise<Target | undefined> {
  if (toFile === undefined) return undefined;
  throw new ValueError(`${where}: toFile writes files under Node only; in a browser, put the returned SVG into the page (element.innerHTML = svg)`);
}

/** Never reached in a browser (checkTarget refuses every file). */
export async function writePicture(_svg: string, _target: Target, _where: string): Promise<void> {
  throw new ValueError('writePicture(): files are written under Node only');
}
