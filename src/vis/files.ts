// Where pictures go under Node: `toFile` ending in .svg gets the SVG text, .png a raster drawn by resvg (wasm)
// with DejaVu Sans from npm and no system fonts, so every machine draws the same pixels. The one Node/browser
// branch of neurasm/vis: the browser build swaps this file for files.browser.ts.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, resolve } from 'node:path';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { ValueError } from '../index.js';
import { describe } from './inputs.js';
import { FONT } from './render.js';

/** Where a picture goes and in which format. */
export interface Target { path: string; format: 'png' | 'svg'; scale: number }

const require = createRequire(import.meta.url);
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/**
 * Checks `toFile` and `scale` before any drawing: a .png or .svg name in a folder that exists, a positive
 * scale. Returns undefined when there is no file to write.
 */
export async function checkTarget(toFile: unknown, scale: unknown, where: string): Promise<Target | undefined> {
  if (scale !== undefined && (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0)) {
    throw new ValueError(`${where}: scale must be a positive number, got ${describe(scale)}`);
  }
  if (toFile === undefined) return undefined;
  if (typeof toFile !== 'string' || toFile === '') throw new ValueError(`${where}: toFile must be a file name, got ${describe(toFile)}`);
  const ext = extname(toFile).toLowerCase();
  if (ext !== '.png' && ext !== '.svg') throw new ValueError(`${where}: toFile must end in .png or .svg, got ${JSON.stringify(toFile)}`);
  const folder = dirname(resolve(toFile));
  const found = await stat(folder).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw new ValueError(`${where}: cannot write ${JSON.stringify(toFile)}: folder ${JSON.stringify(folder)} does not exist (create it first)`);
  }
  return { path: toFile, format: ext === '.png' ? 'png' : 'svg', scale: (scale as number | undefined) ?? 2 };
}

/** Writes the picture: SVG text as is, or a PNG `scale` times the SVG's size in pixels. */
export async function writePicture(svg: string, target: Target): Promise<void> {
  await writeFile(target.path, target.format === 'svg' ? svg : await toPng(svg, target.scale));
}

let fonts: Promise<Uint8Array[]> | undefined;

/** Loads resvg's wasm and the two font files, once per process. */
function loadRasterizer(): Promise<Uint8Array[]> {
  fonts ??= (async () => {
    const wasm = await readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm'));
    await initWasm(wasm).catch((e: Error) => {
      // Someone else in this process (another library) initialised resvg already: that one serves us too.
      if (!/already initiali[sz]ed/i.test(e.message)) throw e;
    });
    return Promise.all(FONT_FILES.map((f) => readFile(require.resolve(`dejavu-fonts-ttf/ttf/${f}`))));
  })();
  return fonts;
}

async function toPng(svg: string, scale: number): Promise<Uint8Array> {
  const fontBuffers = await loadRasterizer();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { fontBuffers, loadSystemFonts: false, defaultFontFamily: FONT, sansSerifFamily: FONT },
  });
  try {
    const image = resvg.render();
    const png = image.asPng();
    image.free();
    return png;
  } finally {
    resvg.free();
  }
}
