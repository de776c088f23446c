// The "Inside the model" section: the digit model in use (`digits.current()`) as a layer table, a Graphviz diagram
// and its first layer's weights as pictures, redrawn whenever the model changes; saving it (IndexedDB, download)
// and loading one (IndexedDB, dropped or picked files). Loading only hands a model to `digits.replace`: the digits
// section decides whether it can read digits, and a failed load leaves the model in use as it was.
import { loadModel, tensor, type Layer, type Sequential } from 'neurasm';
import { el, messages, type DigitModelHost } from './shared.js';
import './model-view.css';

/** Where "Save in this browser" keeps the model (TensorFlow.js's IndexedDB store, so TensorFlow.js finds it too). */
export const STORE = 'indexeddb://neurasm-playground-digits';
/** Largest set of weights a loaded model may bring: the page holds it in memory (the shipped model is far smaller). */
const MAX_LOAD_BYTES = 32 * 2 ** 20;
/** Most filter pictures drawn; most rows or columns of a heatmap (larger kernels are sampled evenly). */
const MAX_FILTERS = 64;
const MAX_HEATMAP = 256;

/** The test hook: set on `window.__playground` for the end-to-end tests (and handy in the console). */
export interface ModelTestHook {
  /** The model in use's ten outputs for one digit: `pixels` are 784 values in [0, 1], row by row. */
  predictDigit(pixels: number[]): number[];
}

/** Builds the section for the digit model `digits` holds, and redraws it whenever that model changes. */
export async function mountModel(section: HTMLElement, digits: DigitModelHost): Promise<void> {
  const source = el('p', 'model-source');
  const table = el('div', 'model-table');
  const diagram = el('div', 'model-diagram');
  const weights = el('div', 'model-weights');
  const weightsCaption = el('p', 'model-explain');
  const files = el('div', 'model-files');
  section.append(
    el('p', 'lead', 'What the digit model is made of: its layers, how a picture flows through them, and what its first layer has learned. Save it, or load one of your own.'),
    source,
    el('div', 'model-grid',
      block('Layers', 'model-area-table', 'Each row is one layer: the shape of what it passes on for one picture, and how many numbers (weights) it learned.', table),
      block('Diagram', 'model-area-diagram', 'The same layers as boxes: a 28 × 28 picture goes in at the top, each box shows the shape it takes and gives, ten digit scores come out at the bottom.', diagram),
      block('First layer\u2019s weights', 'model-area-weights', '', weightsCaption, weights),
      block('Save and load', 'model-area-files', 'Keep the model in this browser or download its files (model.json and its weights); load it back, or load any TensorFlow.js Layers model that reads 28 × 28 digits.', files)),
  );
  const message = messages(section);

  // The diagram needs Graphviz (about 800 KB of JavaScript and wasm): it is fetched and drawn once the section
  // comes near the screen, so the page starts without it. `data-diagram` says where it is: waiting, drawing, drawn, failed.
  let drawn = 0; // NOTE: drawing is asynchronous; a newer model's drawing wins over an older one's.
  let near = false;
  const drawDiagram = async (model: Sequential) => {
    if (!near) return;
    const ticket = ++drawn;
    diagram.dataset.diagram = 'drawing';
    if (!diagram.querySelector('svg')) diagram.replaceChildren(el('p', 'model-empty', 'Drawing the diagram\u2026'));
    try {
      const { plotModel } = await visModule();
      if (ticket !== drawn) return; // NOTE: a replaced model is disposed: only the newest one may be read.
      const svg = await plotModelSvg(plotModel, model);
      if (ticket !== drawn) return;
      diagram.replaceChildren(svg);
      diagram.dataset.diagram = 'drawn';
    } catch (e) {
      if (ticket !== drawn) return;
      diagram.replaceChildren(el('p', 'model-empty', 'The diagram could not be drawn.'));
      diagram.dataset.diagram = 'failed';
      message.fail(e);
    }
  };
  diagram.dataset.diagram = 'waiting';
  diagram.append(el('p', 'model-empty', 'The diagram is drawn when you scroll here.'));
  const watch = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    watch.disconnect();
    near = true;
    void drawDiagram(digits.current());
  }, { rootMargin: '800px 0px' });
  watch.observe(diagram);
  const render = async (model: Sequential) => {
    source.replaceChildren('Model in use: ', el('strong', '', digits.source()), ` (${plural(model.layers.length, 'layer')}, ${plural(model.countParams(), 'weight')})`);
    section.dataset.layers = String(model.layers.length);
    try { table.replaceChildren(summaryTable(model)); } catch (e) { message.fail(e); }
    try { drawWeights(model, weights, weightsCaption); } catch (e) { message.fail(e); }
    await drawDiagram(model);
  };
  digits.onChange((model) => { void render(model); });

  // Every load ends here: the digits section accepts the model or throws (then the new model is released).
  const adopt = (model: Sequential, from: string) => {
    try {
      digits.replace(model, from);
    } catch (e) {
      model.dispose();
      throw e;
    }
  };
  mountFiles(files, section, {
    busy: (what) => message.show(what),
    done: (what) => message.show(what),
    fail: (e) => message.fail(e),
    async save() {
      await digits.current().save(STORE);
      return 'Saved in this browser. \u201cLoad from this browser\u201d brings it back, even after you reload the page.';
    },
    async download() {
      await digits.current().save('downloads://digits');
      return 'Downloading digits.json and digits.weights.bin: drop both files here to load them again.';
    },
    async loadStored() {
      const failed = 'The model saved in this browser was not loaded';
      const stored = await loadModel(STORE, { maxBytes: MAX_LOAD_BYTES }).catch((e: unknown) => {
        // NOTE: loadModel says "no model '…' in IndexedDB" when nothing was saved: say what to do instead.
        if (e instanceof Error && / no model '.*' in IndexedDB$/.test(e.message)) throw new Error('Nothing is saved in this browser yet: press \u201cSave in this browser\u201d first.');
        throw plainError(failed, e);
      });
      await explained(failed, async () => adopt(stored, 'loaded from this browser'));
      return 'Loaded the model saved in this browser: the digit reader above now uses it.';
    },
    async loadFiles(list) {
      const json = list.find((f) => f.name.endsWith('.json'));
      await explained(json ? `${json.name} was not loaded` : 'These files were not loaded', async () => adopt(await loadModel(list, { maxBytes: MAX_LOAD_BYTES }), `loaded from ${json?.name ?? 'your files'}`));
      return `Loaded ${json?.name ?? 'the model'}: the digit reader above now uses it.`;
    },
  });

  const hook: ModelTestHook = {
    predictDigit(pixels) {
      const model = digits.current();
      const shape = model.layers[0]!.inputShape.slice(1) as number[];
      return Array.from(model.predict(tensor(new Float32Array(pixels), [1, ...shape])).data);
    },
  };
  const w = window as unknown as { __playground?: Record<string, unknown> };
  w.__playground = { ...w.__playground, ...hook };

  await render(digits.current());
}

/** Runs a load; its error, if any, becomes plain sentences (see plainError). */
async function explained(failed: string, load: () => Promise<void>): Promise<void> {
  try {
    await load();
  } catch (e) {
    throw plainError(failed, e);
  }
}

/** "model.json was not loaded: <why, without the API's "loadModel(): ">. The model in use has not changed." */
function plainError(failed: string, e: unknown): Error {
  const why = (e instanceof Error ? e.message : String(e)).replace(/^\w+\(\): /, '').replace(/\.$/, '');
  return new Error(`${failed}: ${why}. The model in use has not changed.`, { cause: e });
}

/** A titled block of the section's grid with its one-line explanation. */
function block(title: string, area: string, explain: string, ...content: HTMLElement[]): HTMLElement {
  return el('div', `model-block ${area}`, el('h3', '', title), ...(explain ? [el('p', 'model-explain', explain)] : []), ...content);
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** A shape without its batch axis in plain notation: `[null, 24, 24, 8]` → `24 × 24 × 8`. */
function shapeText(shape: ReadonlyArray<number | null>): string {
  return shape.slice(1).map((d) => d ?? 'any').join(' \u00d7 ');
}

/** What `model.summary()` prints, as a table: one row per layer, the totals below. */
function summaryTable(model: Sequential): HTMLTableElement {
  const rows = model.layers.map((layer: Layer) => el('tr', '',
    el('td', '', el('span', 'model-layer-name', layer.name), el('span', 'model-layer-class', layer.className)),
    el('td', 'model-shape', shapeText(layer.outputShape)),
    el('td', 'model-number', layer.countParams().toLocaleString('en-US'))));
  const total = model.countParams();
  const trainable = model.countTrainableParams();
  const table = el('table', '',
    el('caption', 'model-explain', `What model.summary() prints: ${plural(model.layers.length, 'layer')}.`),
    el('thead', '', el('tr', '', el('th', '', 'Layer (kind)'), el('th', '', 'Output shape'), el('th', 'model-number', 'Weights'))),
    el('tbody', '', ...rows),
    el('tfoot', '',
      el('tr', '', el('th', '', 'Total'), el('td', 'model-shape', `${(total * 4 / 1024).toFixed(1)} KiB as float32`), el('td', 'model-number', total.toLocaleString('en-US'))),
      el('tr', '', el('th', '', 'Changed by training'), el('td'), el('td', 'model-number', trainable.toLocaleString('en-US')))));
  table.dataset.totalParams = String(total);
  return table;
}

// ───── the diagram ─────

type Vis = typeof import('neurasm/vis');
let vis: Promise<Vis> | undefined;

/** neurasm/vis, fetched on first use (its own chunk, with Graphviz's wasm); a failed fetch is tried again next time. */
function visModule(): Promise<Vis> {
  vis ??= import('neurasm/vis').catch((e: unknown) => { vis = undefined; throw e; });
  return vis;
}

/** plotModel's SVG as an element that scales to its box. */
async function plotModelSvg(plotModel: Vis['plotModel'], model: Sequential): Promise<SVGSVGElement> {
  const text = await plotModel(model, { showShapes: true, showLayerNames: true, showLayerActivations: true });
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const svg = doc.documentElement;
  if (!(svg instanceof SVGSVGElement)) throw new Error('plotModel did not return an SVG picture');
  // Graphviz escapes the layer names it prints; nothing in the picture should run or load anyway.
  svg.querySelectorAll('script, foreignObject').forEach((bad) => bad.remove());
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Diagram of the model: ${model.layers.map((l) => l.className).join(', then ')}`);
  return document.importNode(svg, true);
}

// ───── the first layer's weights ─────

/** Blue for negative, white for zero, red for positive: `t` in [-1, 1]. */
function diverging(t: number): [number, number, number] {
  const c = Math.max(-1, Math.min(1, t));
  const [r, g, b] = c < 0 ? [47, 111, 222] : [192, 57, 43];
  const a = Math.abs(c);
  return [255 + (r - 255) * a, 255 + (g - 255) * a, 255 + (b - 255) * a];
}

/** A canvas of `width` × `height` pixels coloured by `value(x, y) / scale`. */
function paint(width: number, height: number, scale: number, value: (x: number, y: number) => number): HTMLCanvasElement {
  const canvas = el('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return canvas;
  const image = context.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = diverging(scale > 0 ? value(x, y) / scale : 0);
      image.data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/** The colour key: −scale blue, 0 white, +scale red. */
function colourKey(scale: number): HTMLElement {
  const bar = paint(64, 1, 1, (x) => (x / 63) * 2 - 1);
  bar.className = 'model-key-bar';
  const digitsAfter = scale >= 1 ? 2 : 3;
  return el('div', 'model-key', el('span', '', (-scale).toFixed(digitsAfter)), bar, el('span', '', `+${scale.toFixed(digitsAfter)}`),
    el('span', 'model-key-words', 'blue: negative, white: zero, red: positive'));
}

/** Draws the first layer that has weights: a Conv2D as one picture per filter, anything else as a heatmap. */
function drawWeights(model: Sequential, box: HTMLElement, caption: HTMLElement): void {
  const index = model.layers.findIndex((l) => l.countParams() > 0);
  if (index < 0) {
    caption.textContent = 'This model has no weights to show.';
    box.replaceChildren();
    return;
  }
  const layer = model.layers[index]!;
  const kernel = layer.getWeights()[0]!;
  const where = index === 0 ? `The first layer, ${layer.name} (${layer.className})` : `${layer.name} (${layer.className}), the first layer with weights`;
  if (layer.className === 'Conv2D' && kernel.shape.length === 4) {
    const [kh, kw, inC, outC] = kernel.shape as [number, number, number, number];
    caption.textContent = `${where}: each small picture is one ${kh} × ${kw} filter it slides over the digit; a filter lights up where the picture looks like its red parts${inC > 1 ? ` (the mean over its ${inC} input channels)` : ''}.`;
    box.replaceChildren(filterPictures(kernel.data, kh, kw, inC, outC));
  } else {
    const cols = kernel.shape[kernel.shape.length - 1] ?? 1;
    const rows = kernel.data.length / cols;
    caption.textContent = `${where}: its weights as a heatmap, one row per input (${rows.toLocaleString('en-US')}) and one column per unit (${cols.toLocaleString('en-US')}).`;
    box.replaceChildren(heatmap(kernel.data, rows, cols));
  }
  box.dataset.layer = layer.name;
}

function filterPictures(data: Float32Array, kh: number, kw: number, inC: number, outC: number): HTMLElement {
  const shown = Math.min(outC, MAX_FILTERS);
  // kernel [kh, kw, inC, outC], row-major: tap (y, x) of channel c of filter f.
  const tap = (f: number, y: number, x: number) => {
    let sum = 0;
    for (let c = 0; c < inC; c++) sum += data[((y * kw + x) * inC + c) * outC + f]!;
    return sum / inC;
  };
  let scale = 0;
  for (let f = 0; f < shown; f++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) scale = Math.max(scale, Math.abs(tap(f, y, x)));
  const grid = el('div', 'model-filters');
  for (let f = 0; f < shown; f++) {
    const canvas = paint(kw, kh, scale, (x, y) => tap(f, y, x));
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `filter ${f + 1}`);
    grid.append(el('figure', 'model-filter', canvas, el('figcaption', '', `filter ${f + 1}`)));
  }
  const note = shown < outC ? [el('p', 'model-explain', `The first ${shown} of ${outC} filters.`)] : [];
  return el('div', '', grid, ...note, colourKey(scale));
}

function heatmap(data: Float32Array, rows: number, cols: number): HTMLElement {
  const height = Math.min(rows, MAX_HEATMAP);
  const width = Math.min(cols, MAX_HEATMAP);
  const at = (x: number, y: number) => data[Math.floor((y * rows) / height) * cols + Math.floor((x * cols) / width)]!;
  let scale = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) scale = Math.max(scale, Math.abs(at(x, y)));
  const canvas = paint(width, height, scale, at);
  canvas.className = 'model-heatmap';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `heatmap of ${rows} × ${cols} weights`);
  const note = height < rows || width < cols ? [el('p', 'model-explain', `Every ${Math.ceil(rows / height)}th row and ${Math.ceil(cols / width)}th column shown.`)] : [];
  return el('div', '', canvas, ...note, colourKey(scale));
}

// ───── saving and loading ─────

interface FileActions {
  busy(what: string): void;
  done(what: string): void;
  fail(error: unknown): void;
  save(): Promise<string>;
  download(): Promise<string>;
  loadStored(): Promise<string>;
  loadFiles(files: File[]): Promise<string>;
}

/**
 * The buttons, the drop zone and the file picker; one action at a time, each ending in a message. Files dropped
 * anywhere on `section` load too (rather than the browser leaving the page to show them).
 */
function mountFiles(box: HTMLElement, section: HTMLElement, actions: FileActions): void {
  const button = (label: string, className = '') => el('button', className, label);
  const save = button('Save in this browser', 'primary');
  const download = button('Download model files');
  const loadStored = button('Load from this browser');
  const input = el('input');
  input.type = 'file';
  input.multiple = true;
  input.accept = '.json,.bin,application/json,application/octet-stream';
  input.className = 'model-file-input';
  const pick = el('label', 'model-pick', 'choose files', input);
  const zone = el('div', 'model-drop', el('strong', '', 'Drop model.json and its weight files here'), el('span', '', ' or '), pick);
  zone.tabIndex = -1;
  box.append(el('div', 'buttons', save, download, loadStored), zone);

  const controls = [save, download, loadStored, input];
  const run = async (what: string, action: () => Promise<string>) => {
    if (save.disabled) return;
    for (const c of controls) c.disabled = true;
    actions.busy(what);
    try {
      actions.done(await action());
    } catch (e) {
      actions.fail(e);
    } finally {
      for (const c of controls) c.disabled = false;
    }
  };
  save.addEventListener('click', () => { void run('Saving\u2026', actions.save); });
  download.addEventListener('click', () => { void run('Preparing the files\u2026', actions.download); });
  loadStored.addEventListener('click', () => { void run('Loading\u2026', actions.loadStored); });
  const loadFiles = (list: FileList | null | undefined) => {
    const chosen = Array.from(list ?? []);
    if (chosen.length === 0) return;
    void run(`Reading ${plural(chosen.length, 'file')}\u2026`, () => actions.loadFiles(chosen));
  };
  input.addEventListener('change', () => { loadFiles(input.files); input.value = ''; });
  section.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  section.addEventListener('dragleave', (e) => { if (e.target === section) zone.classList.remove('over'); });
  section.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    loadFiles(e.dataTransfer?.files);
  });
}
