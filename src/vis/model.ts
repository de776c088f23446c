// plotModel: a Sequential model's layer graph as Keras's plot_model draws it (one box per layer: a dark header
// with name and class, then input and output shapes; arrows top to bottom), as DOT text laid out by Graphviz.
import { Sequential, ValueError, type Layer } from '../index.js';
import { FONT, graphSvg } from './render.js';
import { checkTarget, writePicture } from './files.js';
import { FILE_KEYS, boolean, describe, oneOf, readOptions } from './inputs.js';
import type { PictureOptions } from './charts.js';

/** Options of `plotModel` and `modelDot`, named as Keras's `plot_model` names them. */
export interface PlotModelOptions extends PictureOptions {
  /** Show each layer's input and output shapes; default false (as in Keras). */
  showShapes?: boolean;
  /** Show each layer's name beside its class; default false (as in Keras). */
  showLayerNames?: boolean;
  /** Show each layer's activation, where it has one; default false. */
  showLayerActivations?: boolean;
  /** 'TB' top to bottom (default) or 'LR' left to right. */
  rankdir?: 'TB' | 'LR';
}

/** One box of the graph: the input, then each layer. */
interface Box { id: string; name: string; className: string; input?: string; output: string; activation?: string }

const MODEL_KEYS = ['title', 'showShapes', 'showLayerNames', 'showLayerActivations', 'rankdir'] as const;

/** The DOT text `plotModel` lays out (for users who run Graphviz themselves); its options less `toFile` and `scale`. */
export function modelDot(model: Sequential, options?: Omit<PlotModelOptions, 'toFile' | 'scale'> | null): string {
  const where = 'modelDot()';
  return buildDot(model, readOptions(options, MODEL_KEYS, where), where);
}

function buildDot(model: unknown, options: PlotModelOptions, where: string): string {
  if (!(model instanceof Sequential)) throw new ValueError(`${where}: model must be a Sequential, got ${describe(model)}`);
  if (model.layers.length === 0) throw new ValueError(`${where}: model '${model.name}' has no layers to plot`);
  const rankdir = oneOf(options.rankdir ?? 'TB', ['TB', 'LR'], 'rankdir', where);
  for (const key of ['showShapes', 'showLayerNames', 'showLayerActivations'] as const) {
    if (options[key] !== undefined) boolean(options[key], key, where);
  }
  const boxes = boxesOf(model.layers);
  const title = options.title === undefined ? '' : `, label=${quote(options.title)}, labelloc=t, fontsize=16`;
  const lines = [
    `digraph ${quote(model.name)} {`,
    `  graph [rankdir=${rankdir}, nodesep=0.4, ranksep=0.45, pad=0.25, bgcolor=white, fontname=${quote(FONT)}${title}];`,
    `  node [shape=plain, fontname=${quote(FONT)}];`,
    '  edge [penwidth=1.5, arrowsize=0.8, color="#333333"];',
    ...boxes.map((b) => `  ${quote(b.id)} [label=<${table(b, options)}>];`),
    ...boxes.slice(1).map((b, i) => `  ${quote(boxes[i]!.id)} -> ${quote(b.id)};`),
    '}',
  ];
  return lines.join('\n');
}

function boxesOf(layers: readonly Layer[]): Box[] {
  const shape = (s: ReadonlyArray<number | null> | undefined) => (s && s.length > 0 ? `(${s.map((d) => d ?? 'None').join(', ')})` : '?');
  const first = layers[0]!;
  const input = first.inputShape.length > 0 ? first.inputShape : first.declaredInputShape && [null, ...first.declaredInputShape];
  // Keras draws the model's input as a layer of its own (InputLayer) before the first real layer.
  const names = new Set(layers.map((l) => l.name));
  let inputName = 'input_layer';
  for (let i = 1; names.has(inputName); i++) inputName = `input_layer_${i}`;
  const boxes: Box[] = [{ id: inputName, name: inputName, className: 'InputLayer', output: shape(input) }];
  for (const l of layers) {
    const activation = (l as { activation?: unknown }).activation;
    boxes.push({ id: l.name, name: l.name, className: l.className, input: shape(l.inputShape), output: shape(l.outputShape), ...(typeof activation === 'string' ? { activation } : {}) });
  }
  return boxes;
}

// Graphviz HTML-like labels: a dark header row, then rows below it, as in Keras 3's plot_model.
function table(b: Box, options: PlotModelOptions): string {
  const cols = options.showShapes ? 2 : 1;
  const header = options.showLayerNames ? `<b>${html(b.name)}</b> (${html(b.className)})` : `<b>${html(b.className)}</b>`;
  const rows = [`<tr><td colspan="${cols}" bgcolor="#263238"><font color="white" point-size="14">${header}</font></td></tr>`];
  if (options.showLayerActivations && b.activation !== undefined) {
    rows.push(`<tr><td colspan="${cols}"><font point-size="12">Activation: <b>${html(b.activation)}</b></font></td></tr>`);
  }
  if (options.showShapes) {
    const cell = (what: string, shape: string | undefined, span: number) =>
      `<td${span > 1 ? ` colspan="${span}"` : ''}><font point-size="12">${what} shape: <b>${html(shape ?? '?')}</b></font></td>`;
    rows.push(`<tr>${b.input === undefined ? cell('Output', b.output, 2) : cell('Input', b.input, 1) + cell('Output', b.output, 1)}</tr>`);
  }
  return `<table border="1" cellborder="1" cellspacing="0" cellpadding="8" color="#263238" bgcolor="white">${rows.join('')}</table>`;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The model's layer graph as Keras's `plot_model` draws it: `plotModel(model, { toFile: 'model_structure.png',
 * showShapes: true, showLayerNames: true })`. One box per layer (and one for the input) with its class, and
 * on request its name, activation, input and output shapes; arrows between, laid out by Graphviz.
 * Returns the SVG text (the same in Node and browsers); under Node `toFile` also writes a PNG or SVG.
 * In a browser: `element.innerHTML = await plotModel(model)`.
 * Errors (ValueError, before anything is drawn): not a Sequential, no layers, an unknown or out-of-range
 * option, a `toFile` that cannot be written.
 */
export async function plotModel(model: Sequential, options?: PlotModelOptions | null): Promise<string> {
  const where = 'plotModel()';
  const opts = readOptions<PlotModelOptions>(options, [...MODEL_KEYS, ...FILE_KEYS], where);
  const dot = buildDot(model, opts, where);
  const target = await checkTarget(opts.toFile, opts.scale ?? 2, where);
  const svg = await graphSvg(dot);
  if (target) await writePicture(svg, target, where);
  return svg;
}
