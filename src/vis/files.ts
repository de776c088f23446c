// Where pictures go under Node: `toFile` ending in .svg gets the SVG text, .png a raster drawn by resvg (wasm)
// with DejaVu Sans from npm and no system fonts, so every machine draws the same pixels. The one Node/browser
// branch of neurasm/vis: the browser build swaps this file for files.browser.ts. resvg and the fonts are optional
// peer dependencies, loaded at the first PNG (peers.ts).
import { constants } from 'node:fs';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { IOError, ValueError } from '../index.js';
import { describe } from './inputs.js';
import { peer } from './peers.js';
import { FONT } from './render.js';

/** Where a picture goes and in which format. */
export interface Target { path: string; format: 'png' | 'svg'; scale: number }

const require = createRequire(import.meta.url);
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/** The libraries neurasm/vis draws with under Node (optional peer dependencies of neurasm). */
export const PEERS = ['vega', 'vega-lite', '@hpcc-js/wasm-graphviz', '@resvg/resvg-wasm', 'dejavu-fonts-ttf'];

/**
 * Largest side of a PNG in pixels. resvg drew 16,384 × 16,384 (8 s, over 1 GB of wasm memory) but trapped at
 * 20,000 × 20,000 and at a zoom of 50 on a 600 × 400 chart, after which it is unusable in the process; 16,384
 * is also the largest canvas side (and 16,384² the largest area) browsers draw.
 */
const MAX_PNG_SIDE = 16_384;

/**
 * Checks `toFile` before any drawing: a .png or .svg name (not a folder) in a folder that exists and can be
 * written. `scale` has been checked with the other options. Returns undefined when there is no file to write.
 */
export async function checkTarget(toFile: unknown, scale: number, where: string): Promise<Target | undefined> {
  if (toFile === undefined) return undefined;
  if (typeof toFile !== 'string' || toFile === '') throw new ValueError(`${where}: toFile must be a file name, got ${describe(toFile)}`);
  const path = resolve(toFile);
  const [file, folder] = await Promise.all([stat(path), stat(dirname(path))].map((p) => p.catch(() => undefined)));
  if (file?.isDirectory()) throw new ValueError(`${where}: toFile ${JSON.stringify(toFile)} is a folder; give a file in it, e.g. ${JSON.stringify(join(toFile, 'picture.png'))}`);
  const ext = extname(toFile).toLowerCase();
  if (ext !== '.png' && ext !== '.svg') throw new ValueError(`${where}: toFile must end in .png or .svg, got ${JSON.stringify(toFile)}`);
  if (!folder?.isDirectory()) {
    const why = folder ? 'is a file, not a folder' : 'does not exist (create it first)';
    throw new ValueError(`${where}: cannot write ${JSON.stringify(toFile)}: folder ${JSON.stringify(dirname(path))} ${why}`);
  }
  if (file && !file.isFile()) throw new ValueError(`${where}: cannot write ${JSON.stringify(toFile)}: it exists and is not a regular file`);
  await access(file ? path : dirname(path), constants.W_OK).catch(() => {
    throw new ValueError(`${where}: cannot write ${JSON.stringify(toFile)}: no permission to write ${file ? 'the file' : 'into its folder'}`);
  });
  return { path, format: ext === '.png' ? 'png' : 'svg', scale };
}

/** Writes the picture: SVG text as is, or a PNG `scale` times the SVG's size in pixels. */
export async function writePicture(svg: string, target: Target, where: string): Promise<void> {
  const bytes = target.format === 'svg' ? svg : await toPng(svg, target.scale, where);
  await writeFile(target.path, bytes).catch((e: NodeJS.ErrnoException) => {
    // The target was checked, but the disk can fill up or the folder vanish in between.
    const message = `${where}: cannot write ${JSON.stringify(target.path)}: ${e.message}`;
    throw /^E(ACCES|PERM|ISDIR|NOENT|NOTDIR|ROFS|NAMETOOLONG)$/.test(e.code ?? '') ? new ValueError(message, { cause: e }) : new IOError(message, { cause: e });
  });
}

type Resvg = typeof import('@resvg/resvg-wasm');
let rasterizer: Promise<{ resvg: Resvg; fontBuffers: Uint8Array[] }> | undefined;

/** Loads resvg, its wasm and the two font files, once per process (a failed load is tried again next time). */
function loadRasterizer(): Promise<{ resvg: Resvg; fontBuffers: Uint8Array[] }> {
  rasterizer ??= (async () => {
    const resvg = await peer('@resvg/resvg-wasm', () => import('@resvg/resvg-wasm'));
    const fontFiles = await peer('dejavu-fonts-ttf', () => FONT_FILES.map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`)));
    const wasm = await readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm'));
    await resvg.initWasm(wasm).catch((e: Error) => {
      // Someone else in this process (another library) initialised resvg already: that one serves us too.
      if (!/already initiali[sz]ed/i.test(e.message)) throw e;
    });
    return { resvg, fontBuffers: await Promise.all(fontFiles.map((f) => readFile(f))) };
  })().catch((e: unknown) => {
    rasterizer = undefined;
    throw e;
  });
  return rasterizer;
}

async function toPng(svg: string, scale: number, where: string): Promise<Uint8Array> {
  const { resvg: { Resvg }, fontBuffers } = await loadRasterizer();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { fontBuffers, loadSystemFonts: false, defaultFontFamily: FONT, sansSerifFamily: FONT },
  });
  try {
    // resvg's width and height are the SVG's, before the zoom.
    const [width, height] = [Math.ceil(resvg.width * scale), Math.ceil(resvg.height * scale)];
    if (Math.max(width, height) > MAX_PNG_SIDE) {
      const fits = Math.floor((MAX_PNG_SIDE / Math.max(resvg.width, resvg.height)) * 100) / 100;
      throw new ValueError(`${where}: the PNG would be ${width} × ${height} pixels at scale ${scale}; at most ${MAX_PNG_SIDE} pixels a side are drawn. `
        + `${fits >= 0.1 ? `Use scale ≤ ${fits}, or` : 'Draw a smaller picture, or'} write an .svg (toFile ending in .svg)`);
    }
    const image = resvg.render();
    const png = image.asPng();
    image.free();
    return png;
  } finally {
    resvg.free();
  }
}
