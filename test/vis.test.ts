// neurasm/vis in Node: each picture's SVG parsed with a real XML parser and checked for what a reader sees
// (titles, axis titles, one mark per value in the right place, every annotation), PNGs decoded and checked
// for size and content, and every bad input refused with a clear error before anything is drawn or written.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { PNG } from 'pngjs';
import * as vega from 'vega';
import { Activation, Adam, Conv2D, Dense, Dropout, Flatten, MaxPooling2D, NeurasmError, Sequential, ShapeError, Tensor, ValueError, tensor, type History } from '../src/index.js';
import { filtersSpec, historySpec, modelDot, plotFilters, plotHistory, plotModel, plotPredictions, plotWeights, predictionsSpec, weightsSpec } from '../src/vis/index.js';
import { textWidth } from '../src/vis/render.js';

// writeFile as it is, until a test makes it fail as a full disk would.
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return { ...fs, writeFile: vi.fn(fs.writeFile) };
});

const out = mkdtempSync(join(tmpdir(), 'neurasm-vis-'));
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [0, 1, 1, 0];

let xor: Sequential;
let xorHistory: History;
let regression: Sequential;
let regressionHistory: History;

beforeAll(async () => {
  xor = new Sequential([new Dense(8, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 3 });
  xor.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  xorHistory = await xor.fit(X, y, { epochs: 30, verbose: 0 });
  const rx = Array.from({ length: 40 }, (_, i) => [i / 40, (i % 7) / 7]);
  regression = new Sequential([new Dense(6, { inputDim: 2, activation: 'tanh' }), new Dropout(0.1), new Dense(1)], { seed: 1 });
  regression.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
  regressionHistory = await regression.fit(rx, rx.map(([a, b]) => 2 * a! - b!), { epochs: 12, verbose: 0, validationSplit: 0.25 });
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

// ----- reading SVG -----

function parse(svg: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, message) => { if (level !== 'warning') errors.push(message); } }).parseFromString(svg, 'image/svg+xml');
  expect(errors).toEqual([]);
  expect(doc.documentElement!.tagName).toBe('svg');
  return doc;
}

function all(root: Document | Element, tag: string): Element[] {
  return Array.from(root.getElementsByTagName(tag));
}

const hasClass = (e: Element, c: string) => (e.getAttribute('class') ?? '').split(' ').includes(c);
const text = (e: Element) => e.textContent ?? '';
/** d3-format writes negatives with U+2212. */
const plain = (s: string) => s.replace(/\u2212/g, '-');

/** The texts of a Vega chart, in document order. */
function texts(doc: Document): string[] {
  return all(doc, 'text').map(text);
}

/** Marks of a Vega chart: the graphics-symbol elements under a mark container of this kind. */
function marks(doc: Document, kind: 'symbol' | 'rect' | 'text' | 'line'): Element[] {
  return all(doc, 'g').filter((g) => hasClass(g, `mark-${kind}`) && hasClass(g, 'role-mark'))
    .flatMap((g) => Array.from(g.childNodes as unknown as Element[]).filter((c) => c.getAttribute?.('role') === 'graphics-symbol'));
}

/** Translation of an element's transform="translate(x,y)". */
function translation(e: Element): [number, number] {
  const m = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(e.getAttribute('transform') ?? '');
  expect(m, e.getAttribute('transform') ?? '').not.toBeNull();
  return [Number(m![1]), Number(m![2])];
}

/** The vertices of a polyline path "M x,y L x,y …". */
function vertices(d: string): Array<[number, number]> {
  expect(d).toMatch(/^M[-\d.e,L]+$/);
  return d.slice(1).split('L').map((p) => p.split(',').map(Number) as [number, number]);
}

/** Checks that `ys` are an affine image of `values` (the chart draws each value where the scale puts it). */
function expectAffine(ys: number[], values: number[]): void {
  const i = values.indexOf(Math.min(...values));
  const j = values.indexOf(Math.max(...values));
  const slope = (ys[j]! - ys[i]!) / (values[j]! - values[i]!);
  expect(slope).toBeLessThan(0); // larger values higher up
  values.forEach((v, k) => expect(ys[k]!).toBeCloseTo(ys[i]! + slope * (v - values[i]!), 2));
}

function svgSize(doc: Document): [number, number] {
  const px = (s: string) => (s.endsWith('pt') ? (parseFloat(s) * 96) / 72 : parseFloat(s));
  return [px(doc.documentElement!.getAttribute('width')!), px(doc.documentElement!.getAttribute('height')!)];
}

// ----- reading PNG -----

function readPng(file: string): PNG {
  return PNG.sync.read(readFileSync(file));
}

/** Distinct colours, and the fraction of pixels that are not white. */
function colourStats(png: PNG): { colours: number; inked: number } {
  const colours = new Set<number>();
  let inked = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const rgb = (png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!;
    colours.add(rgb);
    if (rgb !== 0xffffff) inked++;
  }
  return { colours: colours.size, inked: inked / (png.width * png.height) };
}

// ----- the pictures -----

describe('plotModel', () => {
  it('draws one box per layer (and the input) with its name, class and shapes, and one arrow between each', async () => {
    const doc = parse(await plotModel(regression, { showShapes: true, showLayerNames: true }));
    const nodes = all(doc, 'g').filter((g) => hasClass(g, 'node'));
    const names = ['input_layer', ...regression.layers.map((l) => l.name)];
    expect(nodes.map((n) => text(all(n, 'title')[0]!))).toEqual(names);
    const label = (n: Element) => all(n, 'text').map(text).join('');
    const [input, ...layers] = nodes;
    expect(label(input!)).toBe('input_layer (InputLayer)Output shape: (None, 2)');
    layers.forEach((n, i) => {
      const l = regression.layers[i]!;
      expect(label(n)).toBe(`${l.name} (${l.className})Input shape: (None, ${l.inputDim})Output shape: (None, ${l.outputDim})`);
    });
    expect(label(layers[0]!)).toContain('Output shape: (None, 6)');
    const edges = all(doc, 'g').filter((g) => hasClass(g, 'edge')).map((g) => text(all(g, 'title')[0]!));
    expect(edges).toEqual(names.slice(1).map((n, i) => `${names[i]}->${n}`));
  });

  it('sizes every box for its text in the PNG font (no label runs over its box or into its neighbour)', async () => {
    const doc = parse(await plotModel(xor, { showShapes: true, showLayerNames: true, showLayerActivations: true }));
    for (const node of all(doc, 'g').filter((g) => hasClass(g, 'node'))) {
      const xs = all(node, 'polygon')[0]!.getAttribute('points')!.split(' ').map((p) => Number(p.split(',')[0]));
      const [left, right] = [Math.min(...xs), Math.max(...xs)];
      let previous = { y: NaN, end: -Infinity };
      for (const t of all(node, 'text')) {
        expect(t.getAttribute('font-family')).toBe('DejaVu Sans');
        const x = Number(t.getAttribute('x'));
        const w = textWidth({ fontSize: Number(t.getAttribute('font-size')), fontWeight: t.getAttribute('font-weight') ?? undefined }, text(t).replace(/ +$/, ''));
        const start = t.getAttribute('text-anchor') === 'middle' ? x - w / 2 : x;
        expect(start, text(t)).toBeGreaterThanOrEqual(left);
        expect(start + w, text(t)).toBeLessThanOrEqual(right);
        const y = Number(t.getAttribute('y'));
        if (y === previous.y) expect(start, text(t)).toBeGreaterThanOrEqual(previous.end - 0.5);
        previous = { y, end: start + w };
      }
    }
  });

  it("follows Keras's switches: classes only by default, activations on request, left to right", async () => {
    const plainDoc = parse(await plotModel(xor));
    const labels = all(plainDoc, 'text').map(text);
    expect(labels).toEqual(['InputLayer', 'Dense', 'Dense']);
    const withActivations = all(parse(await plotModel(xor, { showLayerActivations: true })), 'text').map(text).join('|');
    expect(withActivations).toContain('Activation: |relu');
    expect(withActivations).toContain('Activation: |sigmoid');
    expect(modelDot(xor, { rankdir: 'LR' })).toContain('rankdir=LR');
    // A model not built yet has no shapes to show: '?' as Keras writes.
    const unbuilt = all(parse(await plotModel(new Sequential([new Dense(3)]), { showShapes: true })), 'text').map(text).join('');
    expect(unbuilt).toBe('InputLayerOutput shape: ?DenseInput shape: ?Output shape: ?');
  });

  it('gives the same SVG text every time', async () => {
    const a = await plotModel(xor, { showShapes: true });
    expect(await plotModel(xor, { showShapes: true })).toBe(a);
  });
});

describe('plotHistory', () => {
  it('"Loss Over Epochs": one line through every epoch\'s loss, axes titled', async () => {
    const doc = parse(await plotHistory(xorHistory, { metrics: ['loss'] }));
    const t = texts(doc);
    expect(t).toContain('Loss Over Epochs');
    expect(t).toContain('Epoch');
    expect(t).toContain('Loss');
    const lines = marks(doc, 'line');
    expect(lines).toHaveLength(1);
    const points = vertices(lines[0]!.getAttribute('d')!);
    const loss = xorHistory.history.loss!;
    expect(points).toHaveLength(loss.length);
    // Epochs evenly spaced left to right, each loss at its height.
    points.forEach(([x], i) => expect(x).toBeCloseTo((points.at(-1)![0] * i) / (loss.length - 1), 2));
    expectAffine(points.map(([, py]) => py), loss);
  });

  it('draws a validation twin dashed in the same colour, and several metrics with a legend', async () => {
    const doc = parse(await plotHistory(regressionHistory, { metrics: ['loss', 'mae'] }));
    const lines = marks(doc, 'line');
    const series = lines.map((l) => /series: (\w+)/.exec(l.getAttribute('aria-label')!)![1]);
    expect(series).toEqual(['loss', 'val_loss', 'mae', 'val_mae']);
    const dashed = lines.map((l) => l.getAttribute('stroke-dasharray') !== '1,0');
    expect(dashed).toEqual([false, true, false, true]);
    expect(lines[0]!.getAttribute('stroke')).toBe(lines[1]!.getAttribute('stroke'));
    expect(lines[0]!.getAttribute('stroke')).not.toBe(lines[2]!.getAttribute('stroke'));
    lines.forEach((l, i) => expect(vertices(l.getAttribute('d')!)).toHaveLength(regressionHistory.history[series[i]!]!.length));
    const t = texts(doc);
    expect(t).toContain('Loss and MAE Over Epochs');
    expect(t).toEqual(expect.arrayContaining(['loss', 'val_loss', 'mae', 'val_mae', 'Value']));
  });

  it('takes the .history record as well, and its spec is plain Vega-Lite data', () => {
    const spec = historySpec(xorHistory.history, { metrics: ['accuracy'] }) as { title: string; data: { values: unknown[] } };
    expect(spec.title).toBe('Accuracy Over Epochs');
    expect(spec.data.values).toHaveLength(xorHistory.history.accuracy!.length);
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });
});

describe('plotPredictions', () => {
  it('"Actual vs Predicted Outputs": a blue point per actual and a red point per prediction, at their values', async () => {
    const predicted = xor.predict(X);
    const doc = parse(await plotPredictions(y, predicted));
    const t = texts(doc);
    expect(t).toEqual(expect.arrayContaining(['Actual vs Predicted Outputs', 'Sample index', 'Output', 'Actual', 'Predicted']));
    const points = marks(doc, 'symbol');
    expect(points).toHaveLength(8);
    const blue = points.filter((p) => p.getAttribute('fill') === '#1f77b4');
    const red = points.filter((p) => p.getAttribute('fill') === '#d62728');
    expect(blue).toHaveLength(4);
    expect(red).toHaveLength(4);
    const values = [...y, ...Array.from(predicted.data)];
    expectAffine([...blue, ...red].map((p) => translation(p)[1]), values);
    // Sample i at the same x in both series, left to right.
    const xs = blue.map((p) => translation(p)[0]);
    expect(red.map((p) => translation(p)[0])).toEqual(xs);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    red.forEach((p, i) => expect(p.getAttribute('aria-label')).toContain(`Sample index: ${i}`));
  });

  it("kind 'scatter': predicted against actual, one point per sample and the line y = x corner to corner", async () => {
    const actual = [0.5, 1.5, -1, 3, 2.25];
    const predicted = [0.7, 1.2, -0.8, 2.6, 2.3];
    const doc = parse(await plotPredictions(actual, predicted, { kind: 'scatter', width: 300, height: 300 }));
    expect(texts(doc)).toEqual(expect.arrayContaining(['Predicted vs Actual', 'Actual', 'Predicted']));
    const points = marks(doc, 'symbol');
    expect(points).toHaveLength(5);
    const [line] = marks(doc, 'line');
    expect(vertices(line!.getAttribute('d')!)).toEqual([[0, 300], [300, 0]]);
    // On y = x a point's distance from the left equals its distance from the bottom.
    points.forEach((p, i) => {
      const [px, py] = translation(p);
      expect(px).toBeCloseTo(((actual[i]! + 1.2) / 4.4) * 300, 0);
      expect(300 - py).toBeCloseTo(((predicted[i]! + 1.2) / 4.4) * 300, 0);
    });
  });

  it('accepts columns, rows of one value, typed arrays and Tensors alike', () => {
    const a = predictionsSpec([[1], [2]], new Float32Array([1, 2])) as { data: { values: Array<{ value: number }> } };
    expect(a.data.values.map((v) => v.value)).toEqual([1, 2, 1, 2]);
    const b = predictionsSpec(xor.predict(X), xor.predict(X).data) as { data: { values: unknown[] } };
    expect(b.data.values).toHaveLength(8);
  });
});

describe('plotWeights', () => {
  it('"Weights of Hidden Layer": one cell per weight, rows = inputs, columns = units, each annotated with its value', async () => {
    const [kernel] = xor.layers[0]!.getWeights();
    const [inputs, units] = kernel!.shape as [number, number];
    const doc = parse(await plotWeights(xor.layers[0]!, { annotate: true, title: 'Weights of Hidden Layer' }));
    const t = texts(doc);
    expect(t).toEqual(expect.arrayContaining(['Weights of Hidden Layer', 'Unit', 'Input feature', 'Weight']));
    const cells = marks(doc, 'rect');
    const notes = marks(doc, 'text');
    expect(cells).toHaveLength(inputs * units);
    expect(notes).toHaveLength(inputs * units);
    const cell = 40;
    for (const note of notes) {
      const [x, yy] = translation(note);
      const [row, col] = [Math.floor(yy / cell), Math.floor(x / cell)];
      expect(plain(text(note))).toBe(kernel!.get(row, col).toFixed(2));
    }
    // Each axis labels its rows and columns 0…n-1.
    for (let i = 0; i < units; i++) expect(t).toContain(String(i));
    // The diverging scale: the largest weight darkest red, the smallest darkest blue (its magnitude is the largest).
    const values = Array.from(kernel!.data);
    const big = Math.max(...values.map(Math.abs));
    const k = values.findIndex((v) => Math.abs(v) === big);
    expect(cells[k]!.getAttribute('fill')).toBe(values[k]! > 0 ? 'rgb(180, 4, 38)' : 'rgb(59, 76, 192)');
  });

  it('centres the colours on 0 and writes light text on dark cells', async () => {
    const doc = parse(await plotWeights([[2, -1, 0], [1, -2, 0.5]], { digits: 1 }));
    const fills = marks(doc, 'rect').map((r) => r.getAttribute('fill'));
    expect(fills).toEqual(['rgb(180, 4, 38)', 'rgb(141, 176, 254)', 'rgb(221, 221, 221)', 'rgb(244, 154, 123)', 'rgb(59, 76, 192)', 'rgb(233, 188, 172)']);
    const notes = marks(doc, 'text');
    expect(notes.map((n) => plain(text(n)))).toEqual(['2.0', '-1.0', '0.0', '1.0', '-2.0', '0.5']);
    expect(notes.map((n) => n.getAttribute('fill'))).toEqual(['white', 'black', 'black', 'black', 'white', 'black']);
    expect(texts(doc)).toContain('Weights');
  });

  it('without annotations draws the cells only; a flat array (a bias) is one row', async () => {
    const doc = parse(await plotWeights(xor.layers[0]!, { annotate: false }));
    expect(marks(doc, 'text')).toHaveLength(0);
    expect(marks(doc, 'rect')).toHaveLength(16);
    const spec = weightsSpec(xor.layers[0]!.getWeights()[1]!) as { data: { values: Array<{ feature: number }> } };
    expect(spec.data.values).toHaveLength(8);
    expect(new Set(spec.data.values.map((v) => v.feature))).toEqual(new Set([0]));
  });
});

describe('the same bytes every time', () => {
  it('renders alike whatever was drawn before, and leaves Vega\'s own text measuring as it found it', async () => {
    const before = (vega as unknown as { textMetrics: { width: unknown } }).textMetrics.width;
    const first = await plotWeights(xor.layers[0]!);
    await plotHistory(regressionHistory);
    await plotWeights(regression.layers[0]!);
    expect(await plotWeights(xor.layers[0]!)).toBe(first);
    const [a, b] = await Promise.all([plotHistory(xorHistory), plotHistory(xorHistory)]);
    expect(a).toBe(b);
    expect((vega as unknown as { textMetrics: { width: unknown } }).textMetrics.width).toBe(before);
  });
});

describe('clean specs', () => {
  it('every chart compiles and renders without a warning from Vega-Lite or Vega', async () => {
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    try {
      await plotHistory(xorHistory);
      await plotHistory(regressionHistory, { metrics: ['loss', 'val_mae'] });
      await plotPredictions(y, xor.predict(X));
      await plotPredictions([1, 2, 3], [1.5, 2, 2.5], { kind: 'scatter' });
      await plotWeights(xor.layers[0]!);
      await plotWeights([[1, 2]], { annotate: false });
      expect([...warn.mock.calls, ...error.mock.calls]).toEqual([]);
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
  });
});

// ----- files -----

describe('toFile', () => {
  it('writes PNGs of the requested size with ink in several colours, and SVGs as returned', async () => {
    const pictures = {
      model: (f: string, scale: number) => plotModel(xor, { toFile: f, scale, showShapes: true, showLayerNames: true }),
      history: (f: string, scale: number) => plotHistory(xorHistory, { toFile: f, scale }),
      predictions: (f: string, scale: number) => plotPredictions(y, xor.predict(X), { toFile: f, scale }),
      weights: (f: string, scale: number) => plotWeights(xor.layers[0]!, { toFile: f, scale }),
    };
    for (const [name, draw] of Object.entries(pictures)) {
      for (const scale of [1, 2]) {
        const file = join(out, `${name}@${scale}.png`);
        const svg = await draw(file, scale);
        const png = readPng(file);
        const [w, h] = svgSize(parse(svg));
        expect(Math.abs(png.width - w * scale), `${name} width`).toBeLessThanOrEqual(1);
        expect(Math.abs(png.height - h * scale), `${name} height`).toBeLessThanOrEqual(1);
        const { colours, inked } = colourStats(png);
        expect(colours, name).toBeGreaterThan(20);
        expect(inked, name).toBeGreaterThan(0.02);
        expect(inked, name).toBeLessThan(0.9);
      }
      const file = join(out, `${name}.svg`);
      const svg = await draw(file, 2);
      expect(readFileSync(file, 'utf8')).toBe(svg);
    }
  });

  it('draws text in the packaged font: the title of a chart puts ink where its letters are', async () => {
    const file = join(out, 'title.png');
    await plotHistory(xorHistory, { toFile: file, scale: 1, title: 'WWWWWWWW' });
    const blank = join(out, 'blank-title.png');
    await plotHistory(xorHistory, { toFile: blank, scale: 1, title: ' ' });
    const a = readPng(file);
    const b = readPng(blank);
    // Rows 0–40 hold the title: with letters they carry far more dark pixels than without.
    const dark = (png: PNG) => { let n = 0; for (let i = 0; i < png.width * 40 * 4; i += 4) if (png.data[i]! < 100) n++; return n; };
    expect(dark(a)).toBeGreaterThan(dark(b) + 200);
  });
});

// ----- bad input -----

describe('bad input gets a clear error, before anything is drawn or written', () => {
  it('an empty history, or a metric it does not hold', async () => {
    await expect(plotHistory({ loss: [] })).rejects.toThrow(ValueError);
    await expect(plotHistory({})).rejects.toThrow(/history is empty/);
    await expect(plotHistory(xorHistory, { metrics: ['mae'] })).rejects.toThrow(/holds no 'mae'; it holds 'loss', 'accuracy'/);
    await expect(plotHistory(xorHistory, { metrics: [] })).rejects.toThrow(ValueError);
    await expect(plotHistory(xorHistory, { metrics: ['loss', 'loss'] })).rejects.toThrow(/lists 'loss' twice/);
    await expect(plotHistory(42 as unknown as History)).rejects.toThrow(/history must be what fit\(\) returns/);
    expect(() => historySpec({ loss: [1, 2], accuracy: [1] })).toThrow(/history.accuracy must be 2 numbers/);
  });

  it('a layer without weights', async () => {
    await expect(plotWeights(regression.layers[1]!)).rejects.toThrow(/layer 'dropout\w*' has no weights to plot: a Dropout layer has no weights/);
    const unbuilt = new Sequential([new Dense(3), new Activation('relu')]);
    await expect(plotWeights(unbuilt.layers[0]!)).rejects.toThrow(/not built yet/);
    await expect(plotWeights(unbuilt.layers[0]!)).rejects.toThrow(ValueError);
    await expect(plotWeights('kernel' as unknown as number[])).rejects.toThrow(/weights must be a Tensor/);
    await expect(plotWeights([[1, 2], [3]])).rejects.toThrow(ShapeError);
  });

  it('actual and predicted of different lengths, several outputs, or values that are not numbers', async () => {
    await expect(plotPredictions([0, 1, 1], [0, 1])).rejects.toThrow(ShapeError);
    await expect(plotPredictions([0, 1, 1], [0, 1])).rejects.toThrow(/actual has 3 samples but predicted has 2/);
    await expect(plotPredictions([[0, 1]], [[0, 1]])).rejects.toThrow(/2 values per sample; expected one/);
    await expect(plotPredictions([0, NaN], [0, 1])).rejects.toThrow(/actual has NaN at row 1/);
    await expect(plotPredictions([], [])).rejects.toThrow(/actual is empty/);
    await expect(plotPredictions([1], [1], { kind: 'bars' as 'index' })).rejects.toThrow(/kind must be 'index' or 'scatter'/);
  });

  it('a toFile whose folder does not exist, or that is neither .png nor .svg; a bad scale', async () => {
    const missing = join(out, 'no-such-folder', 'model.png');
    await expect(plotModel(xor, { toFile: missing })).rejects.toThrow(ValueError);
    await expect(plotModel(xor, { toFile: missing })).rejects.toThrow(/folder ".*no-such-folder" does not exist/);
    await expect(plotHistory(xorHistory, { toFile: missing })).rejects.toThrow(/does not exist/);
    expect(existsSync(join(out, 'no-such-folder'))).toBe(false);
    await expect(plotWeights(xor.layers[0]!, { toFile: join(out, 'w.jpg') })).rejects.toThrow(/must end in .png or .svg/);
    await expect(plotPredictions(y, y, { toFile: join(out, 'p.png'), scale: 0 })).rejects.toThrow(/scale must be a positive number/);
    expect(existsSync(join(out, 'p.png'))).toBe(false);
  });

  it('a model that is not a Sequential or has no layers', async () => {
    await expect(plotModel({} as Sequential)).rejects.toThrow(/model must be a Sequential/);
    await expect(plotModel(new Sequential())).rejects.toThrow(/has no layers to plot/);
    expect(() => modelDot(xor, { rankdir: 'BT' as 'TB' })).toThrow(/rankdir must be 'TB' or 'LR'/);
  });
});

// ----- hostile or careless input (each test failed on the code before it) -----

/** A rows × cols matrix of small integers from -3 to 3 (its largest magnitude is 3). */
function matrix(rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => ((i * cols + j) % 7) - 3));
}

describe('large inputs', () => {
  it('plotWeights on a 784×160 kernel does not overflow the stack: a ValueError with the cell count, the limit and a slice to plot', async () => {
    const layer = new Sequential([new Dense(160, { inputDim: 784 })]).layers[0]!;
    const error = await plotWeights(layer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(/^plotWeights\(\): dense\w*'s kernel has 784 × 160 = 125,440 cells; a heatmap draws at most 16,384 .*plotWeights\(layer\.getWeights\(\)\[0\]\.toArray\(\)\.slice\(0, 102\)\)$/);
    await expect(plotWeights(matrix(784, 160))).rejects.toThrow(/the weights have 784 × 160 = 125,440 cells.*plotWeights\(weights\.slice\(0, 102\)\)/);
    await expect(plotWeights(new Float32Array(20_000))).rejects.toThrow(/1 × 20000 = 20,000 cells.*slice\(0, 16384\)/);
    // The slice the message suggests is drawn, coloured by its largest magnitude.
    const spec = weightsSpec(matrix(784, 160).slice(0, 102)) as { data: { values: unknown[] }; layer: Array<{ encoding: { color: { scale?: { domain: number[] } } } }> };
    expect(spec.data.values).toHaveLength(102 * 160);
    expect(spec.layer[0]!.encoding.color.scale!.domain).toEqual([-3, -1.5, 0, 1.5, 3]);
  });

  it('plotPredictions refuses a 70,000-point chart with a clear error (no stack overflow); 10,000 points span their range', () => {
    const actual = Array.from({ length: 70_000 }, (_, i) => (i % 1000) / 100 - 2); // -2 … 7.99
    const predicted = actual.map((a, i) => a + (i % 3) - 1); // -3 … 8.99
    expect(() => predictionsSpec(actual, predicted, { kind: 'scatter' })).toThrow(/70,000 samples are more than a chart draws \(at most 10,000.*slice\(0, 10000\)/);
    const spec = predictionsSpec(actual.slice(0, 10_000), predicted.slice(0, 10_000), { kind: 'scatter' }) as { layer: Array<{ data: { values: Array<{ x: number; y: number }> } }> };
    const [from, to] = spec.layer[0]!.data.values;
    const pad = (8.99 + 3) * 0.05;
    expect(from!.x).toBeCloseTo(-3 - pad, 9);
    expect(to!.x).toBeCloseTo(8.99 + pad, 9);
    expect(spec.layer[1]!.data.values).toHaveLength(10_000);
  });

  it('a 784×128 heatmap is refused at once rather than drawn as 41 MB of SVG; 128×128 draws, plain above 64×64', async () => {
    await expect(plotWeights(matrix(784, 128), { toFile: join(out, 'big.png') })).rejects.toThrow(/784 × 128 = 100,352 cells; a heatmap draws at most 16,384.*slice\(0, 128\)/);
    expect(existsSync(join(out, 'big.png'))).toBe(false);
    const doc = parse(await plotWeights(matrix(128, 128)));
    expect(marks(doc, 'rect')).toHaveLength(128 * 128);
    expect(marks(doc, 'text')).toHaveLength(0); // annotations are off by default above 64 rows or columns …
    expect(marks(parse(await plotWeights(matrix(64, 64))), 'text')).toHaveLength(64 * 64); // … and on up to 64×64
    await expect(plotWeights(matrix(65, 64), { annotate: true })).rejects.toThrow(/annotate writes at most 4,096 weights, and these are 65 × 64 = 4,160; pass annotate: false/);
    // A tall kernel gets flat cells, so that the picture stays within 4,096 pixels.
    const tall = weightsSpec(matrix(784, 10)) as { width: { step: number }; height: { step: number } };
    expect([tall.width.step, tall.height.step]).toEqual([24, 5]);
  });
});

describe('options are checked: type, range, finite; nothing is silently ignored', () => {
  const w = [[1, -1], [0.5, 2]];
  const h = { loss: [1, 0.5, 0.25] };

  it('numbers out of range, NaN, booleans that are not booleans, strings outside the allowed ones', async () => {
    const bad: Array<[() => Promise<unknown>, RegExp]> = [
      [() => plotWeights(w, { scale: 100 }), /^plotWeights\(\): scale must be a positive number from 0\.1 to 10, got 100$/],
      [() => plotHistory(h, { width: 1e7 }), /^plotHistory\(\): width must be a positive number from 10 to 4096, got 10000000$/],
      [() => plotHistory(h, { width: NaN }), /width must be .*, got NaN$/],
      [() => plotPredictions([1, 2], [1, 2], { height: -1 }), /^plotPredictions\(\): height must be/],
      [() => plotWeights(w, { cellSize: -5 }), /^plotWeights\(\): cellSize must be a positive number from 1 to 200, got -5$/],
      [() => plotWeights(w, { cellSize: Infinity }), /cellSize must be .*, got Infinity$/],
      [() => plotWeights(w, { digits: 2.5 }), /digits must be an integer from 0 to 8, got 2.5/],
      [() => plotWeights(w, { annotate: 'false' as unknown as boolean }), /^plotWeights\(\): annotate must be true or false, got "false"$/],
      [() => plotModel(xor, { showShapes: 1 as unknown as boolean }), /^plotModel\(\): showShapes must be true or false, got 1$/],
      [() => plotModel(xor, { rankdir: 'tb' as 'TB' }), /rankdir must be 'TB' or 'LR', got "tb"/],
      [() => plotPredictions([1], [1], { kind: 'Scatter' as 'scatter' }), /kind must be 'index' or 'scatter', got "Scatter"/],
      [() => plotHistory(h, { title: 5 as unknown as string }), /^plotHistory\(\): title must be a string, got 5$/],
      [() => plotHistory(h, { metrics: 'loss' as unknown as string[] }), /metrics must be a non-empty array/],
      [() => plotHistory(h, { toFile: 5 as unknown as string }), /^plotHistory\(\): toFile must be a file name, got 5$/],
    ];
    for (const [call, message] of bad) {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(ValueError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('a PNG larger than resvg can draw is refused before drawing, and PNGs draw after it', async () => {
    const file = join(out, 'huge.png');
    // 128 rows of 200 pixels: an SVG 25,600+ pixels tall, over 16,384 at any scale ≥ 1.
    await expect(plotWeights(matrix(128, 1), { cellSize: 200, scale: 1, toFile: file })).rejects.toThrow(
      /^plotWeights\(\): the PNG would be \d+ × \d+ pixels at scale 1; at most 16384 pixels a side are drawn\. Use scale ≤ 0\.\d+, or write an \.svg/);
    await expect(plotHistory(xorHistory, { scale: 10, width: 4096, toFile: file })).rejects.toThrow(/at most 16384 pixels a side/);
    expect(existsSync(file)).toBe(false);
    await plotWeights(matrix(2, 2), { toFile: file, scale: 1 });
    expect(readPng(file).width).toBeGreaterThan(50);
  });

  it('null options mean none in every function; an unknown key is refused with the nearest known one', async () => {
    const none = null as never;
    expect(parse(await plotModel(xor, none))).toBeDefined();
    expect(modelDot(xor, none)).toContain('digraph');
    expect(parse(await plotHistory(h, none))).toBeDefined();
    expect(historySpec(h, none)).toBeDefined();
    expect(parse(await plotPredictions([1, 2], [1, 2], none))).toBeDefined();
    expect(predictionsSpec([1, 2], [1, 2], none)).toBeDefined();
    expect(parse(await plotWeights(w, none))).toBeDefined();
    expect(weightsSpec(w, none)).toBeDefined();
    // An option set to null or undefined takes its default.
    expect(weightsSpec(w, { cellSize: null as never, annotate: undefined })).toEqual(weightsSpec(w));

    await expect(plotWeights(w, { cellsize: 10 } as never)).rejects.toThrow(/^plotWeights\(\): unknown option 'cellsize'; did you mean 'cellSize'\? \(options: title, annotate, digits, cellSize, toFile, scale\)$/);
    await expect(plotModel(xor, { show_shapes: true } as never)).rejects.toThrow(ValueError);
    await expect(plotHistory(h, { metric: ['loss'] } as never)).rejects.toThrow(/did you mean 'metrics'/);
    expect(() => predictionsSpec([1], [1], { kinds: 'index' } as never)).toThrow(/unknown option 'kinds'; did you mean 'kind'/);
    // A spec is data: where to write a picture and at what scale is for the plot functions.
    expect(() => historySpec(h, { toFile: join(out, 'h.png') } as never)).toThrow(/^historySpec\(\): unknown option 'toFile'/);
    expect(() => modelDot(xor, { scale: 2 } as never)).toThrow(/^modelDot\(\): unknown option 'scale'/);
    await expect(plotWeights(w, 'annotate' as never)).rejects.toThrow(/^plotWeights\(\): options must be an object, got "annotate"$/);
  });

  it("plotModel draws its title (every picture's title is drawn)", async () => {
    const doc = parse(await plotModel(xor, { title: 'XOR <model>' }));
    expect(all(doc, 'text').map(text)).toContain('XOR <model>');
  });

  it('a weight Tensor of rank 3 is a ShapeError', async () => {
    await expect(plotWeights(tensor(new Float32Array(8), [2, 2, 2]))).rejects.toThrow(ShapeError);
  });
});

describe('toFile is checked before drawing; a failed write is a neurasm error', () => {
  it('a folder, a folder named like a picture, a path under a file', async () => {
    await expect(plotHistory(xorHistory, { toFile: out })).rejects.toThrow(/^plotHistory\(\): toFile ".*" is a folder; give a file in it, e.g. ".*picture\.png"$/);
    mkdirSync(join(out, 'folder.png'), { recursive: true });
    await expect(plotWeights(xor.layers[0]!, { toFile: join(out, 'folder.png') })).rejects.toThrow(/is a folder/);
    writeFileSync(join(out, 'notes.txt'), 'a file');
    await expect(plotModel(xor, { toFile: join(out, 'notes.txt', 'model.png') })).rejects.toThrow(/folder ".*notes\.txt" is a file, not a folder/);
  });

  it('a write that fails anyway (a full disk, a folder removed meanwhile) is wrapped, not a raw fs error', async () => {
    const file = join(out, 'late.svg');
    vi.mocked(writeFile).mockRejectedValueOnce(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    const full = await plotHistory(xorHistory, { toFile: file }).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(NeurasmError);
    expect((full as Error).message).toMatch(/^plotHistory\(\): cannot write ".*late\.svg": ENOSPC: no space left on device/);
    vi.mocked(writeFile).mockRejectedValueOnce(Object.assign(new Error("ENOENT: no such file or directory, open 'late.svg'"), { code: 'ENOENT' }));
    await expect(plotHistory(xorHistory, { toFile: file })).rejects.toThrow(ValueError);
  });
});

describe('non-finite values in a history', () => {
  it('a diverged run: Infinity and NaN epochs are gaps, the finite points are drawn and scale the y axis', async () => {
    const loss = [1, 0.5, Infinity, NaN, 0.25, 0.2];
    const doc = parse(await plotHistory({ loss }));
    const [line] = marks(doc, 'line');
    // Two runs of points, "M…L…M…L…": epochs 1–2 and 5–6, each where its value puts it.
    const runs = line!.getAttribute('d')!.split('M').slice(1).map((run) => vertices(`M${run}`));
    expect(runs.map((r) => r.length)).toEqual([2, 2]);
    const points = runs.flat();
    const finite = [1, 0.5, 0.25, 0.2];
    expectAffine(points.map(([, py]) => py), finite);
    points.forEach(([x], i) => expect(x).toBeCloseTo((560 * [0, 1, 4, 5][i]!) / 5, 2));
    // The y axis spans the finite values, not Infinity.
    const labels = texts(doc).map(Number).filter((v) => !Number.isNaN(v) && v < 1.01 && v % 1 !== 0);
    expect(Math.min(...labels)).toBeCloseTo(0.2, 6);
    // The spec stays plain JSON data: the gaps are nulls.
    const spec = historySpec({ loss }) as { data: { values: Array<{ value: number | null }> } };
    expect(spec.data.values.map((v) => v.value)).toEqual([1, 0.5, null, null, 0.25, 0.2]);
  });

  it('a metric with no finite value at all is a ValueError naming it', async () => {
    await expect(plotHistory({ loss: [1, 0.5], val_loss: [NaN, NaN] }, { metrics: ['val_loss'] })).rejects.toThrow(
      /^plotHistory\(\): history.val_loss has no finite value to plot: every epoch is NaN or ±Infinity$/);
  });
});

// ----- convolution filters -----

describe('plotFilters', () => {
  // A small CNN, built (and its kernels initialised) by the first layer's inputShape: no training needed.
  const cnn = () => new Sequential([
    new Conv2D(8, 5, { inputShape: [12, 12, 1] }), new MaxPooling2D(2), new Conv2D(4, 3), new Flatten(), new Dense(2),
  ], { seed: 1 });
  /** A kernel [h, w, c, f] of small integers from -3 to 3. */
  const kernel = (h: number, w: number, c: number, f: number) => tensor(Float32Array.from({ length: h * w * c * f }, (_, i) => (i % 7) - 3), [h, w, c, f]);
  /** Weight [row, column, channel, filter] of a kernel. */
  const at = (k: Tensor, row: number, column: number, c: number, f: number) => k.data[((row * k.shape[1]! + column) * k.shape[2]! + c) * k.shape[3]! + f]!;

  /** Each image of a filter grid: where its group sits, and its cells (rect paths). */
  function images(doc: Document): Array<{ x: number; y: number; cells: Element[] }> {
    return all(doc, 'g').filter((g) => hasClass(g, 'mark-rect') && hasClass(g, 'role-mark')).map((g) => {
      const [x, y] = translation(g.parentNode!.parentNode as Element);
      return { x, y, cells: Array.from(g.childNodes as unknown as Element[]).filter((c) => c.getAttribute?.('role') === 'graphics-symbol') };
    });
  }
  /** A cell's column, row and weight from its aria-label, and its square from its path. */
  function cell(e: Element): { column: number; row: number; weight: number; square: number[] } {
    const m = /^column: (\d+); row: (\d+); Weight: (\S+)$/.exec(plain(e.getAttribute('aria-label')!))!;
    const d = /^M([\d.]+),([\d.]+)h([\d.]+)v([\d.]+)h-[\d.]+Z$/.exec(e.getAttribute('d')!)!;
    return { column: Number(m[1]), row: Number(m[2]), weight: Number(m[3]), square: d.slice(1).map(Number) };
  }
  /** Distinct values, ascending. */
  const distinct = (v: number[]) => [...new Set(v)].sort((a, b) => a - b);

  it('"Filters of conv2d": one image of 5×5 cells per filter, each cell its weight at its row and column, eight to a row', async () => {
    const layer = cnn().layers[0]!;
    const [k] = layer.getWeights();
    const doc = parse(await plotFilters(layer));
    expect(texts(doc)).toEqual(expect.arrayContaining([`Filters of ${layer.name}`, 'Filter', 'Weight', ...'01234567']));
    const grid = images(doc);
    expect(grid).toHaveLength(8);
    expect(distinct(grid.map((g) => g.y))).toHaveLength(1);
    expect(grid.map((g) => g.x)).toEqual(distinct(grid.map((g) => g.x)));
    grid.forEach(({ cells }, f) => {
      expect(cells).toHaveLength(25);
      for (const c of cells) {
        const { column, row, weight, square } = cell(c);
        expect(weight).toBeCloseTo(at(k!, row, column, 0, f), 9);
        // The default cell: 8 pixels, a 5×5 filter 40 pixels a side.
        expect(square).toEqual([column * 8, row * 8, 8, 8]);
      }
    });
    expect(marks(doc, 'rect')).toHaveLength(8 * 25);
  });

  it('one colour scale for the whole kernel: the largest magnitude darkest, 0 the middle grey; grayscale from black to white', async () => {
    const k = kernel(2, 2, 1, 3); // -3 … 3
    const fills = (svg: string) => images(parse(svg)).flatMap((g) => g.cells.map((c) => [cell(c).weight, c.getAttribute('fill')] as const));
    const colour = (pairs: ReadonlyArray<readonly [number, string | null]>, w: number) => pairs.find(([v]) => v === w)![1];
    const diverging = fills(await plotFilters(k));
    expect([colour(diverging, 3), colour(diverging, 0), colour(diverging, -3)]).toEqual(['rgb(180, 4, 38)', 'rgb(221, 221, 221)', 'rgb(59, 76, 192)']);
    const gray = fills(await plotFilters(k, { palette: 'grayscale' }));
    expect([colour(gray, 3), colour(gray, -3)]).toEqual(['rgb(255, 255, 255)', 'rgb(0, 0, 0)']);
    // Equal weights, equal colours, whichever filter holds them.
    for (const [w, fill] of gray) expect(fill).toBe(colour(gray, w));
  });

  it('a kernel of several input channels: one row per channel, one column per filter', async () => {
    const layer = cnn().layers[2]!;
    const [k] = layer.getWeights();
    expect(k!.shape).toEqual([3, 3, 8, 4]);
    const doc = parse(await plotFilters(layer, { cellSize: 5 }));
    expect(texts(doc)).toEqual(expect.arrayContaining(['Filter', 'Input channel']));
    const grid = images(doc);
    expect(grid).toHaveLength(32);
    const [xs, ys] = [distinct(grid.map((g) => g.x)), distinct(grid.map((g) => g.y))];
    expect([xs.length, ys.length]).toEqual([4, 8]);
    for (const { x, y, cells } of grid) {
      const [f, c] = [xs.indexOf(x), ys.indexOf(y)];
      expect(cells).toHaveLength(9);
      for (const e of cells) {
        const { column, row, weight, square } = cell(e);
        expect(weight).toBeCloseTo(at(k!, row, column, c, f), 9);
        expect(square).toEqual([column * 5, row * 5, 5, 5]);
      }
    }
  });

  it('columns wraps the filters; filters draws the first ones; a Tensor draws as its layer does', async () => {
    const layer = cnn().layers[0]!;
    const grid = images(parse(await plotFilters(layer, { columns: 3 })));
    expect(grid).toHaveLength(8);
    const ys = distinct(grid.map((g) => g.y));
    expect(ys).toHaveLength(3);
    expect(grid.map((g) => ys.indexOf(g.y))).toEqual([0, 0, 0, 1, 1, 1, 2, 2]);
    expect(images(parse(await plotFilters(layer, { filters: 3 })))).toHaveLength(3);
    // 100 filters wrap about square: 10 to a row.
    expect(distinct(images(parse(await plotFilters(kernel(3, 3, 1, 100)))).map((g) => g.x))).toHaveLength(10);
    const fromTensor = filtersSpec(layer.getWeights()[0]!, { title: `Filters of ${layer.name}` });
    expect(fromTensor).toEqual(filtersSpec(layer));
    expect(JSON.parse(JSON.stringify(fromTensor))).toEqual(fromTensor);
    expect((filtersSpec(kernel(3, 3, 1, 2)) as { title: string }).title).toBe('Filters');
  });

  it('gives the same SVG text every time, and renders without a warning from Vega-Lite or Vega', async () => {
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    try {
      const layer = cnn().layers[2]!;
      const first = await plotFilters(layer, { title: 'Second convolution' });
      await plotWeights(xor.layers[0]!);
      expect(await plotFilters(layer, { title: 'Second convolution' })).toBe(first);
      // The same seed, the same kernel, the same bytes (the title set: a new layer has a new name).
      expect(await plotFilters(cnn().layers[2]!, { title: 'Second convolution' })).toBe(first);
      await plotFilters(kernel(5, 5, 1, 8), { palette: 'grayscale', columns: 4 });
      expect([...warn.mock.calls, ...error.mock.calls]).toEqual([]);
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
  });

  it('writes a PNG of the SVG\'s size, and an SVG as returned', async () => {
    const layer = cnn().layers[0]!;
    const file = join(out, 'filters.png');
    const svg = await plotFilters(layer, { toFile: file, scale: 1 });
    const png = readPng(file);
    const [w, h] = svgSize(parse(svg));
    expect(Math.abs(png.width - w)).toBeLessThanOrEqual(1);
    expect(Math.abs(png.height - h)).toBeLessThanOrEqual(1);
    expect(colourStats(png).colours).toBeGreaterThan(20);
    await plotFilters(layer, { toFile: join(out, 'filters.svg') });
    expect(readFileSync(join(out, 'filters.svg'), 'utf8')).toBe(svg);
  });

  it('refuses, before drawing, a layer without a 4-D kernel or not built, too many filters, bad weights and bad options', async () => {
    const model = cnn();
    const bad: Array<[() => Promise<unknown>, typeof ValueError, RegExp]> = [
      [() => plotFilters(new Sequential([new Conv2D(4, 3)]).layers[0]!), ValueError, /^plotFilters\(\): layer 'conv2d\w*' has no filters to plot: it is not built yet \(give the first layer inputShape, or call fit first\)$/],
      [() => plotFilters(model.layers[1]!), ValueError, /layer 'max_pooling2d\w*' has no filters to plot: a MaxPooling2D layer has no weights$/],
      [() => plotFilters(model.layers[4]!), ShapeError, /layer 'dense\w*' \(Dense\) has a kernel of shape \[16, 2\]; plotFilters draws 2-D convolution kernels \[height, width, inChannels, filters\] \(Conv2D\); plotWeights draws a Dense's kernel$/],
      [() => plotFilters(tensor([[1, 2], [3, 4]])), ShapeError, /^plotFilters\(\): the kernel has shape \[2, 2\]; expected \[height, width, inChannels, filters\]/],
      [() => plotFilters([[1, 2]] as never), ValueError, /^plotFilters\(\): expected a Conv2D layer or its kernel Tensor .*, got an array of length 1$/],
      [() => plotFilters(kernel(3, 3, 64, 32)), ValueError, /^plotFilters\(\): the kernel has 32 filters × 64 input channels = 2,048 images of 3×3 \(18,432 weights\); a grid draws at most 1,024 images and 16,384 weights\. Draw the first ones: \{ filters: 16 \}$/],
      [() => plotFilters(kernel(3, 3, 2048, 1)), ValueError, /Even one filter is too large to draw$/],
      [() => plotFilters(new Tensor(new Float32Array([0, 1, NaN, 2]), [1, 2, 1, 2])), ValueError, /^plotFilters\(\): the kernel has NaN in filter 0, channel 0, row 0, column 1; expected finite numbers$/],
      [() => plotFilters(model.layers[2]!, { columns: 2 }), ValueError, /columns wraps the filters of a kernel of one input channel; this one has 8/],
      [() => plotFilters(model.layers[0]!, { filters: 9 }), ValueError, /^plotFilters\(\): filters must be an integer from 1 to 8, got 9$/],
      [() => plotFilters(model.layers[0]!, { columns: 0 }), ValueError, /columns must be an integer from 1 to 1024, got 0/],
      [() => plotFilters(model.layers[0]!, { cellSize: 0 }), ValueError, /cellSize must be a positive number from 1 to 200, got 0/],
      [() => plotFilters(model.layers[0]!, { palette: 'gray' as 'grayscale' }), ValueError, /palette must be 'diverging' or 'grayscale', got "gray"/],
      [() => plotFilters(model.layers[0]!, { colums: 4 } as never), ValueError, /^plotFilters\(\): unknown option 'colums'; did you mean 'columns'\? \(options: title, cellSize, columns, filters, palette, toFile, scale\)$/],
      [() => plotFilters(model.layers[0]!, { toFile: join(out, 'filters.jpg') }), ValueError, /must end in .png or .svg/],
    ];
    for (const [call, kind, message] of bad) {
      const e = await call().then(() => undefined, (err: unknown) => err);
      expect(e, String(message)).toBeInstanceOf(kind);
      expect((e as Error).message).toMatch(message);
    }
    // The slice the message suggests draws.
    expect(images(parse(await plotFilters(kernel(3, 3, 64, 32), { filters: 16 })))).toHaveLength(16 * 64);
    expect(() => filtersSpec(model.layers[0]!, { toFile: 'f.png' } as never)).toThrow(/^filtersSpec\(\): unknown option 'toFile'/);
  });
});
