// A convolution layer's filters as pictures: each filter (and, past the first layer, each of its input
// channels) drawn as a small image of its weights, in a grid, as a Vega-Lite spec rendered like the charts.
import type { TopLevelSpec } from 'vega-lite';
import { ValueError, type Layer, type Tensor } from '../index.js';
import { COOLWARM, CONFIG, MAX_CELLS, SCHEMA, count, draw, type PictureOptions, type VegaLiteSpec } from './charts.js';
import { FILE_KEYS, integer, number, oneOf, readOptions, toFilterBank, type FilterBank } from './inputs.js';

/** Options of `plotFilters` and `filtersSpec`. */
export interface FiltersOptions extends PictureOptions {
  /**
   * Side in pixels of one kernel weight, from 1 to 200. Default: a filter about 40 pixels a side (8 for a 5×5
   * kernel), less when many filters side by side would pass 4,096 pixels.
   */
  cellSize?: number;
  /**
   * Filters per row of the grid, from 1 to 1,024, for a kernel of one input channel; default 8, or about the
   * square root of the number of filters past 64, so that a large grid stays about square.
   */
  columns?: number;
  /** Draw only the first this many filters; default all. */
  filters?: number;
  /**
   * `'diverging'` (default): the heatmap's blue–white–red, centred on 0, so a weight's sign shows.
   * `'grayscale'`: the smallest weight black, the largest white, as filters are usually shown.
   */
  palette?: 'diverging' | 'grayscale';
}

const FILTERS_KEYS = ['title', 'cellSize', 'columns', 'filters', 'palette'] as const;

// Filter-grid limits, from measurements (time for the SVG, its size, then time with a PNG at scale 2):
// 16 filters × 8 channels of 5×5 0.6 s, 0.5 MB, ~3 s; 32 × 32 of 3×3 (1,024 images) 2.7 s, 1.8 MB, ~3 s;
// 1,024 one-channel 3×3 filters 1.5 s, 2.3 MB, ~3.5 s. Each image is a Vega group with its own header, so the
// number of images costs more than the number of weights.
/** Most images (filters × input channels) a grid draws. */
const MAX_IMAGES = 1024;
/** Default side of one filter in pixels. */
const FILTER_SIDE = 40;
/** Default cells shrink so that the grid stays within this many pixels across. */
const DEFAULT_SIDE = 4096;
/** Pixels between images. */
const SPACING = 6;

/** The Vega-Lite spec `plotFilters` draws; its options less `toFile` and `scale`. */
export function filtersSpec(filters: Layer | Tensor, options?: Omit<FiltersOptions, 'toFile' | 'scale'> | null): VegaLiteSpec {
  const where = 'filtersSpec()';
  return buildFiltersSpec(filters, readOptions(options, FILTERS_KEYS, where), where) as unknown as VegaLiteSpec;
}

function buildFiltersSpec(source: unknown, options: FiltersOptions, where: string): TopLevelSpec {
  const { bank, name } = toFilterBank(source, where);
  const { height, width, channels } = bank;
  const shown = options.filters === undefined ? bank.filters : integer(options.filters, 'filters', where, 1, bank.filters);
  const wrap = channels === 1;
  if (!wrap && options.columns !== undefined) {
    throw new ValueError(`${where}: columns wraps the filters of a kernel of one input channel; this one has ${channels}, drawn as one row per channel and one column per filter`);
  }
  const columns = options.columns === undefined ? Math.min(shown, Math.max(8, Math.ceil(Math.sqrt(shown)))) : integer(options.columns, 'columns', where, 1, 1024);
  checkSize(bank, shown, name, where);
  const palette = oneOf(options.palette ?? 'diverging', ['diverging', 'grayscale'], 'palette', where);
  const across = wrap ? Math.min(columns, shown) : shown;
  const side = Math.max(height, width);
  const cell = options.cellSize === undefined
    ? Math.max(1, Math.min(Math.floor(FILTER_SIDE / side), Math.floor(DEFAULT_SIDE / (across * side))))
    : number(options.cellSize, 'cellSize', where, 1, 200);
  const values = weightsOf(bank, shown);
  // The colour bar about as tall as the grid: a grid of one row gets a short bar rather than a tall empty margin.
  const gridRows = wrap ? Math.ceil(shown / columns) : channels;
  const gradientLength = Math.min(Math.max(gridRows * (height * cell + SPACING) - SPACING, 60), 300);
  const image = {
    width: { step: cell },
    height: { step: cell },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'column', type: 'ordinal', axis: null },
      y: { field: 'row', type: 'ordinal', axis: null },
      color: { field: 'weight', type: 'quantitative', title: 'Weight', scale: colourScale(bank, palette), legend: { gradientLength } },
    },
  };
  const header = { labelFontSize: 11, titleFontSize: 12, labelPadding: 4 };
  const facet = wrap
    ? { facet: { field: 'filter', type: 'ordinal', title: 'Filter', header }, columns }
    : { facet: { row: { field: 'channel', type: 'ordinal', title: 'Input channel', header }, column: { field: 'filter', type: 'ordinal', title: 'Filter', header } } };
  return {
    $schema: SCHEMA,
    title: options.title ?? (name === undefined ? 'Filters' : `Filters of ${name}`),
    data: { values },
    ...facet,
    spacing: SPACING,
    spec: image,
    config: { ...CONFIG, scale: { bandPaddingInner: 0 } },
  } as TopLevelSpec;
}

/** One datum per weight of the first `shown` filters, filter by filter, each channel's rows top to bottom. */
function weightsOf({ height, width, channels, filters, values }: FilterBank, shown: number): Array<Record<string, number>> {
  const out: Array<Record<string, number>> = [];
  for (let f = 0; f < shown; f++) {
    for (let c = 0; c < channels; c++) {
      for (let row = 0; row < height; row++) {
        for (let column = 0; column < width; column++) out.push({ filter: f, channel: c, row, column, weight: values[((row * width + column) * channels + c) * filters + f]! });
      }
    }
  }
  return out;
}

/** One colour scale for the whole kernel (not per filter), so that filters compare: equal colours, equal weights. */
function colourScale({ values }: FilterBank, palette: 'diverging' | 'grayscale'): Record<string, unknown> {
  // NOTE: a loop, not Math.max(...values): spreading ~100,000 arguments overflows the stack.
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (palette === 'grayscale') return { domain: lo < hi ? [lo, hi] : [lo - 1, hi + 1], range: ['black', 'white'], interpolate: 'rgb' };
  const m = Math.max(-lo, hi) || 1;
  return { domain: [-m, -m / 2, 0, m / 2, m], range: COOLWARM, interpolate: 'rgb' };
}

/** Refuses a grid of more images or weights than a picture holds, naming how many filters would fit. */
function checkSize({ height, width, channels }: FilterBank, shown: number, name: string | undefined, where: string): void {
  const images = shown * channels;
  const cells = images * height * width;
  if (images <= MAX_IMAGES && cells <= MAX_CELLS) return;
  const fits = Math.min(Math.floor(MAX_IMAGES / channels), Math.floor(MAX_CELLS / (channels * height * width)));
  const what = `${name === undefined ? 'the kernel' : `${name}'s kernel`} has ${shown} filters × ${channels} input channels = ${count(images)} images of ${height}×${width} (${count(cells)} weights)`;
  const limit = `a grid draws at most ${count(MAX_IMAGES)} images and ${count(MAX_CELLS)} weights`;
  throw new ValueError(`${where}: ${what}; ${limit}. ${fits >= 1 ? `Draw the first ones: { filters: ${fits} }` : 'Even one filter is too large to draw'}`);
}

/**
 * "Filters of conv2d": each filter of a convolution layer (a `Conv2D`, or its kernel Tensor
 * `[height, width, inChannels, filters]` from `getWeights()[0]`) as a small image of its weights, in a grid
 * titled with the layer's name: filters wrapped `columns` to a row for a first layer on one channel (grayscale
 * digits), else one row per input channel and one column per filter. One colour scale spans the whole kernel,
 * with a colour bar: blue–white–red centred on 0 by default, or black to white with `palette: 'grayscale'`.
 * Returns the SVG text (the same in Node and browsers); under Node `toFile` also writes a PNG or SVG.
 * At most 1,024 images and 16,384 weights are drawn: pass `filters: n` to draw the first n of a larger kernel.
 * Errors (before anything is drawn): a layer without weights or not built yet, too many filters, non-finite
 * weights, an unknown or out-of-range option, a `toFile` that cannot be written (ValueError); a kernel that is not
 * 4-D, such as a Dense layer's (ShapeError).
 */
export async function plotFilters(filters: Layer | Tensor, options?: FiltersOptions | null): Promise<string> {
  const where = 'plotFilters()';
  const opts = readOptions<FiltersOptions>(options, [...FILTERS_KEYS, ...FILE_KEYS], where);
  return draw(buildFiltersSpec(filters, opts, where), opts, where);
}
