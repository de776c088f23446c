// From a description to SVG text: Vega-Lite specs through Vega, DOT through Graphviz (wasm). The same code
// in Node and browsers gives the same bytes, because text is sized from one table of the PNG font's widths
// rather than by each host's own measuring. Knows nothing of files (files.ts) or of models (model.ts, charts.ts).
// Vega, Vega-Lite and Graphviz are optional peer dependencies, imported at the first picture (peers.ts).
import type * as Vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import type { Graphviz } from '@hpcc-js/wasm-graphviz';
import { BOLD, CHARS, REGULAR } from './font-widths.js';
import { peer } from './peers.js';

/** The font every picture is drawn in: its widths are in font-widths.ts, its files come from npm. */
export const FONT = 'DejaVu Sans';

const CHAR_INDEX = new Map([...CHARS].map((c, i) => [c, i]));
// Characters outside the table (rare in labels) count as wide as 'n'.
const FALLBACK = CHAR_INDEX.get('n')!;

interface TextItem { fontSize?: number | string; fontWeight?: number | string; limit?: number }

/** Width in pixels of `text` as DejaVu Sans draws it at the item's size and weight (no kerning). */
export function textWidth(item: TextItem, text: unknown): number {
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11; // Vega's default size
  const s = text == null ? '' : String(text).trim();
  if (size <= 0 || s === '') return 0;
  const table = isBold(item.fontWeight) ? BOLD : REGULAR;
  let em = 0;
  for (const c of s) em += table[CHAR_INDEX.get(c) ?? FALLBACK]!;
  // NOTE: Vega truncates labels longer than `limit` by calling this width again on shorter strings, so this
  // must not truncate itself (that would recurse); capping the width keeps bounds right for truncated text.
  const width = em * size;
  return item.limit !== undefined && item.limit > 0 ? Math.min(width, item.limit) : width;
}

function isBold(weight: number | string | undefined): boolean {
  if (weight === undefined) return false;
  if (weight === 'bold' || weight === 'bolder') return true;
  return Number(weight) >= 600;
}

// Vega keeps its text measure in a module-wide object; ours is installed only while one of our charts renders,
// so other Vega charts on the same page keep measuring their own way.
// (Vega exports textMetrics but its typings leave it out.)
type WidthFunction = (item: TextItem, text: unknown) => number;
let renders = 0;
let theirs: WidthFunction;

function useFontTable(vega: typeof Vega, on: boolean): void {
  const textMetrics = (vega as unknown as { textMetrics: { width: WidthFunction } }).textMetrics;
  if (on && renders++ === 0) {
    theirs = textMetrics.width;
    textMetrics.width = textWidth;
  } else if (!on && --renders === 0) {
    textMetrics.width = theirs;
  }
}

/** Renders a Vega-Lite spec to SVG text; the same bytes in Node and browsers. @internal */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([peer('vega', () => import('vega')), peer('vega-lite', () => import('vega-lite'))]);
  useFontTable(vega, true);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', logLevel: vega.Error });
  try {
    await view.runAsync();
    // Gradient and clip ids count up across renders otherwise: the second picture would differ from the first.
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
    useFontTable(vega, false);
  }
}

let graphviz: ReturnType<typeof Graphviz.load> | undefined;

/** Lays out a DOT graph with Graphviz's `dot` and returns the SVG text. */
export async function graphSvg(dot: string): Promise<string> {
  // A failed load is forgotten, so the next call tries again.
  graphviz ??= peer('@hpcc-js/wasm-graphviz', () => import('@hpcc-js/wasm-graphviz')).then((g) => g.Graphviz.load())
    .catch((e: unknown) => { graphviz = undefined; throw e; });
  return (await graphviz).dot(dot, 'svg');
}
