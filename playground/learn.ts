// The "Learn a 2-D dataset" section: the controls, the pictures, and the loop that drives the training Worker.
// The page never trains: it draws the points, asks learn.worker.ts for a few epochs at a time and draws each
// snapshot at the next animation frame (a burst of snapshots is drawn once), so the page stays smooth.
import { connectWorker, type WorkerClient } from 'neurasm';
import { lineChart, type LineChart } from './chart.js';
import { BOUNDARY_GRID, DATASETS, EXTENT, makeDataset, UNIT_GRID, type Dataset, type DatasetName } from './datasets.js';
import type { HiddenActivation, LearnJob, LearnSettings, OptimizerName, Snapshot } from './learn.worker.js';
import { el, messages } from './shared.js';
import './learn.css';

// While running, each job trains at most this many epochs or for this long, whichever comes first, and the next
// job goes no sooner than SNAPSHOT_INTERVAL ms after the last: small steps to watch, 10 to 25 pictures a second,
// and no more messages than the page can draw.
const EPOCHS_PER_SNAPSHOT = 8;
const MS_PER_SNAPSHOT = 50;
const SNAPSHOT_INTERVAL = 40;

const ACTIVATIONS: [HiddenActivation, string][] = [['tanh', 'tanh'], ['relu', 'ReLU'], ['sigmoid', 'sigmoid']];
const ACTIVATION_NAMES = Object.fromEntries(ACTIVATIONS) as Record<HiddenActivation, string>;
const OPTIMIZERS: [OptimizerName, string][] = [['adam', 'Adam'], ['sgd', 'SGD (plain gradient descent)'], ['rmsprop', 'RMSprop']];
const LEARNING_RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const BATCH_SIZES = [1, 4, 8, 16, 32, 64];
const L2_PENALTIES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1];
const MAX_LAYERS = 3;
const MAX_CHART_POINTS = 4000;

type Rgb = [number, number, number];

// ---------------------------------------------------------------------------------------------------- controls

function select<T extends string | number>(label: string, options: [T, string][], value: T): HTMLSelectElement {
  const element = el('select');
  element.setAttribute('aria-label', label);
  for (const [v, text] of options) {
    const option = el('option', '', text);
    option.value = String(v);
    option.selected = v === value;
    element.append(option);
  }
  return element;
}

function field(label: string, control: HTMLElement, output?: HTMLOutputElement): HTMLLabelElement {
  const caption = el('span', '', label);
  if (output) caption.append(': ', output);
  return el('label', 'field', caption, control);
}

function range(min: number, max: number, step: number, value: number): HTMLInputElement {
  const input = el('input');
  Object.assign(input, { type: 'range', min: String(min), max: String(max), step: String(step), value: String(value) });
  return input;
}

const percent = (v: number) => `${Math.round(v * 100)}%`;
const loss = (v: number) => (v > 0 && v < 1e-4 ? v.toExponential(1) : v.toFixed(4));

// ---------------------------------------------------------------------------------------------------- drawing

function cssColour(name: string, fallback: Rgb): Rgb {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const hex = /^#([0-9a-f]{6})$/i.exec(value)?.[1];
  if (!hex) return fallback;
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
}

/** The two classes' colours (base.css's --class0 and --class1, read when the section mounts). */
let colours: [Rgb, Rgb] = [[232, 116, 59], [47, 111, 222]];

/** A value in [-1, 1] as a colour: white at 0, towards class 0's colour below and class 1's above (`strength` at ±1). */
function diverging(pixels: Uint8ClampedArray, i: number, v: number, strength: number): void {
  const c = v < 0 ? colours[0] : colours[1];
  const t = Math.min(1, Math.abs(v)) * strength;
  pixels[4 * i] = 255 + (c[0] - 255) * t;
  pixels[4 * i + 1] = 255 + (c[1] - 255) * t;
  pixels[4 * i + 2] = 255 + (c[2] - 255) * t;
  pixels[4 * i + 3] = 255;
}

/** A canvas of `size`² pixels that CSS scales up, with the ImageData it is drawn from kept for reuse. */
function gridCanvas(size: number, strength: number): { canvas: HTMLCanvasElement; paint(values: Float32Array, map: (v: number) => number): void } {
  const canvas = el('canvas');
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(size, size);
  return {
    canvas,
    paint(values, map) {
      for (let i = 0; i < values.length; i++) diverging(image.data, i, map(values[i]!), strength);
      context.putImageData(image, 0, 0);
    },
  };
}

/** Each unit's output mapped to [-1, 1]: tanh as it is, sigmoid centred, ReLU scaled by its largest value. */
function unitScale(activation: HiddenActivation, values: Float32Array): (v: number) => number {
  if (activation === 'tanh') return (v) => v;
  if (activation === 'sigmoid') return (v) => 2 * v - 1;
  let top = 1e-6;
  for (const v of values) if (v > top) top = v;
  return (v) => v / top;
}

const EDGE = 'rgba(29, 35, 48, 0.6)';

function drawPoints(canvas: HTMLCanvasElement, data: Dataset): void {
  const ratio = window.devicePixelRatio || 1;
  const size = Math.max(1, Math.round(canvas.clientWidth * ratio));
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  const context = canvas.getContext('2d')!;
  context.clearRect(0, 0, size, size);
  const at = (v: number) => ((v + EXTENT) / (2 * EXTENT)) * size;
  const radius = 4 * ratio;
  const rgb = (c: Rgb) => `rgb(${c.join(',')})`;
  const dots = (points: Dataset['train'], filled: boolean) => {
    for (let i = 0; i < points.y.length; i++) {
      const colour = rgb(colours[points.y[i]! > 0.5 ? 1 : 0]);
      context.beginPath();
      context.arc(at(points.x[2 * i]!), size - at(points.x[2 * i + 1]!), radius, 0, 2 * Math.PI);
      if (filled) {
        context.fillStyle = colour;
        context.fill();
        context.lineWidth = 1 * ratio;
        context.strokeStyle = EDGE;
        context.stroke();
      } else {
        context.lineWidth = 3.6 * ratio;
        context.strokeStyle = EDGE;
        context.stroke();
        context.lineWidth = 2 * ratio;
        context.strokeStyle = colour;
        context.stroke();
      }
    }
  };
  dots(data.train, true);
  dots(data.test, false);
}

const LEGEND = `
  <span class="learn-key"><svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="4.5" fill="var(--muted)" stroke="var(--ink)"/></svg>training point</span>
  <span class="learn-key"><svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="4.5" fill="none" stroke="var(--muted)" stroke-width="2"/></svg>test point (ring)</span>
  <span class="learn-key"><span class="learn-swatch" style="background:var(--class0)"></span>class 0</span>
  <span class="learn-key"><span class="learn-swatch" style="background:var(--class1)"></span>class 1</span>
  <span>The background is the network's answer at each place: the stronger the colour, the surer it is; pale where it is unsure.</span>`;

// ---------------------------------------------------------------------------------------------------- the section

/** Builds the section's controls and pictures and starts its training Worker. */
export function mountLearn(section: HTMLElement): void {
  colours = [cssColour('--class0', colours[0]), cssColour('--class1', colours[1])];
  section.dataset.state = 'loading';
  section.append(el('p', 'lead', 'A small network learns to tell orange points from blue ones. Pick a dataset and a network, press Start, and watch the picture: the background shows what the network answers at each place in the plane, and the points are the data it learns from (filled) or is tested on (rings).'));

  // Controls.
  const dataset = select<DatasetName>('Dataset', Object.entries(DATASETS) as [DatasetName, string][], 'xor');
  const noiseOut = el('output', '', '10%');
  const noise = range(0, 50, 5, 10);
  const testOut = el('output', '', '30%');
  const testFraction = range(10, 90, 10, 30);
  const layerCount = select('Number of hidden layers', [[1, '1'], [2, '2'], [3, '3']], 1);
  const unitOptions = Array.from({ length: 16 }, (_, i) => [i + 1, `${i + 1} unit${i === 0 ? '' : 's'}`] as [number, string]);
  const layerRows = Array.from({ length: MAX_LAYERS }, (_, i) => {
    const units = select(`Layer ${i + 1} units`, unitOptions, i === 0 ? 8 : 4);
    const activation = select<HiddenActivation>(`Layer ${i + 1} activation`, ACTIVATIONS, 'tanh');
    const row = el('div', 'learn-layer-row', el('span', '', `Layer ${i + 1}`), units, activation);
    row.hidden = i > 0;
    return { row, units, activation };
  });
  const optimizer = select<OptimizerName>('Optimizer', OPTIMIZERS, 'adam');
  const learningRate = select('Learning rate', LEARNING_RATES.map((v) => [v, String(v)]), 0.03);
  const batchSize = select('Batch size', BATCH_SIZES.map((v) => [v, String(v)]), 16);
  const l2 = select('L2 regularization', L2_PENALTIES.map((v) => [v, v === 0 ? 'none' : String(v)]), 0);
  const start = el('button', 'primary', 'Start');
  start.id = 'learn-start';
  const step = el('button', '', 'Step');
  step.id = 'learn-step';
  step.title = 'Train one epoch (one pass over the training points)';
  const reset = el('button', '', 'Reset');
  reset.id = 'learn-reset';
  reset.title = "Back to epoch 0 and the network's starting weights";
  for (const b of [start, step, reset]) { b.type = 'button'; b.disabled = true; }

  const layersBox = el('fieldset', 'learn-layers', el('legend', '', 'Hidden layers'),
    field('How many', layerCount), ...layerRows.map((r) => r.row));
  const controls = el('div', 'controls',
    field('Dataset', dataset),
    field('Noise', noise, noiseOut),
    field('Held out for testing', testFraction, testOut),
    layersBox,
    field('Optimizer', optimizer),
    field('Learning rate', learningRate),
    field('Batch size', batchSize),
    field('L2 regularization (weight penalty)', l2),
    el('div', 'buttons', start, step, reset));
  const message = messages(controls);

  // Pictures.
  const boundary = gridCanvas(BOUNDARY_GRID, 0.6); // pale enough for the points to stand out
  boundary.canvas.id = 'learn-boundary';
  boundary.canvas.setAttribute('role', 'img');
  boundary.canvas.setAttribute('aria-label', "Decision boundary: the network's answer over the plane");
  const pointsCanvas = el('canvas', 'learn-points');
  pointsCanvas.id = 'learn-points';
  pointsCanvas.setAttribute('aria-hidden', 'true');
  const legend = el('figcaption', 'learn-legend');
  legend.innerHTML = LEGEND;
  const stat = (label: string) => {
    const value = el('dd', 'stat', '–');
    return { value, nodes: [el('dt', '', label), value] };
  };
  const stats = { epoch: stat('Epoch'), trainLoss: stat('Training loss'), testLoss: stat('Test loss'),
    trainAccuracy: stat('Training accuracy'), testAccuracy: stat('Test accuracy') };
  const statList = el('dl', 'learn-stats', ...Object.values(stats).flatMap((s) => s.nodes));
  const lossBox = el('div', 'learn-chart');
  const accuracyBox = el('div', 'learn-chart');
  const unitsBox = el('div', 'learn-units');
  const pictures = el('div', 'learn-pictures',
    el('div', 'learn-top',
      el('figure', 'figure learn-boundary-figure', el('div', 'learn-plot', boundary.canvas, pointsCanvas), legend),
      statList),
    el('div', 'learn-charts',
      el('figure', 'figure', el('h3', '', 'Loss (lower is better)'), lossBox, el('figcaption', '', 'Solid: training points. Dashed: test points.')),
      el('figure', 'figure', el('h3', '', 'Accuracy'), accuracyBox, el('figcaption', '', 'The share of points on the right side of the boundary. Dashed: test points.'))),
    el('figure', 'figure learn-units-figure',
      el('h3', '', 'What each hidden unit sees'),
      el('p', 'learn-note', 'Each little map is one hidden unit\'s output over the same plane: the network\'s answer is built from these.'),
      unitsBox));
  section.append(el('div', 'columns', controls, pictures));

  // Made now, in the page, so their boxes are there before the first snapshot (no layout shift).
  const lossChart: LineChart = lineChart(lossBox, { xLabel: 'epoch', lines: [
    { label: 'training loss', color: '#2f6fde' }, { label: 'test loss', color: '#7b4fd6', dash: [6, 4] }] });
  const accuracyChart: LineChart = lineChart(accuracyBox, { xLabel: 'epoch', yRange: [0, 1], lines: [
    { label: 'training accuracy', color: '#2f6fde' }, { label: 'test accuracy', color: '#7b4fd6', dash: [6, 4] }] });
  const history = { epoch: [] as number[], trainLoss: [] as number[], testLoss: [] as number[], trainAccuracy: [] as number[], testAccuracy: [] as number[] };

  // State. `generation` counts setups: a snapshot from an older model (still in flight when the settings
  // changed) is dropped.
  let client: WorkerClient<LearnJob, Snapshot, never> | undefined;
  let data: Dataset | undefined;
  let generation = 0;
  let running = false;
  let looping = false;
  let inFlight = 0;
  let latest: Snapshot | undefined;
  let frame = 0;
  let unitMaps: { key: string; maps: ReturnType<typeof gridCanvas>[][] } = { key: '', maps: [] };

  const settings = (): LearnSettings => ({
    layers: layerRows.slice(0, Number(layerCount.value)).map((r) => ({ units: Number(r.units.value), activation: r.activation.value as HiddenActivation })),
    optimizer: optimizer.value as OptimizerName,
    learningRate: Number(learningRate.value),
    batchSize: Number(batchSize.value),
    l2: Number(l2.value),
  });

  const updateState = () => {
    section.dataset.state = !client ? 'loading' : running ? 'running' : looping || inFlight > 0 ? 'busy' : 'idle';
    start.textContent = running ? 'Pause' : 'Start';
    start.disabled = !client || !data;
    step.disabled = !client || !data || running;
    reset.disabled = !client || !data;
  };

  /** The little maps for `layers`, made anew only when the layers differ from those shown. */
  const unitGrid = (layers: LearnSettings['layers']) => {
    const key = layers.map((layer) => `${layer.units} ${layer.activation}`).join(',');
    if (key === unitMaps.key) return;
    unitMaps = { key, maps: layers.map((layer) => Array.from({ length: layer.units }, () => gridCanvas(UNIT_GRID, 0.9))) };
    unitsBox.replaceChildren(...unitMaps.maps.map((layer, l) => el('div', 'learn-units-layer',
      el('p', '', `Layer ${l + 1}: ${layer.length} ${ACTIVATION_NAMES[layers[l]!.activation]} unit${layer.length === 1 ? '' : 's'}`),
      el('div', 'learn-unit-grid', ...layer.map((m, u) => {
        m.canvas.setAttribute('role', 'img');
        m.canvas.setAttribute('aria-label', `Output of layer ${l + 1}, unit ${u + 1}`);
        return el('figure', 'learn-unit', m.canvas, el('figcaption', '', `layer ${l + 1}, `, el('span', '', `unit ${u + 1}`)));
      })))));
  };

  const draw = () => {
    frame = 0;
    const s = latest;
    if (!s) return;
    boundary.paint(s.boundary, (p) => 2 * p - 1);
    unitGrid(s.layers);
    const cells = UNIT_GRID * UNIT_GRID;
    let at = 0;
    s.layers.forEach((layer, l) => unitMaps.maps[l]!.forEach((map) => {
      const values = s.units.subarray(at, at += cells);
      map.paint(values, unitScale(layer.activation, values));
    }));
    stats.epoch.value.textContent = String(s.epoch);
    stats.trainLoss.value.textContent = loss(s.trainLoss);
    stats.testLoss.value.textContent = loss(s.testLoss);
    stats.trainAccuracy.value.textContent = percent(s.trainAccuracy);
    stats.testAccuracy.value.textContent = percent(s.testAccuracy);
    lossChart.update(history.epoch, [history.trainLoss, history.testLoss]);
    accuracyChart.update(history.epoch, [history.trainAccuracy, history.testAccuracy]);
  };

  const show = (s: Snapshot) => {
    if (s.generation !== generation) return;
    if (s.epoch === 0) for (const list of Object.values(history)) list.length = 0;
    const last = history.epoch.length - 1;
    if (last >= 0 && history.epoch[last] === s.epoch) for (const list of Object.values(history)) list.pop();
    history.epoch.push(s.epoch);
    history.trainLoss.push(s.trainLoss);
    history.testLoss.push(s.testLoss);
    history.trainAccuracy.push(s.trainAccuracy);
    history.testAccuracy.push(s.testAccuracy);
    // A long run keeps every other point of its history, so the charts cost the same to draw after an hour.
    if (history.epoch.length > MAX_CHART_POINTS) {
      for (const list of Object.values(history)) {
        const kept = list.filter((_, i) => i % 2 === 0 || i === list.length - 1);
        list.length = 0;
        list.push(...kept);
      }
    }
    section.dataset.epoch = String(s.epoch);
    section.dataset.trainLoss = String(s.trainLoss);
    section.dataset.testLoss = String(s.testLoss);
    section.dataset.trainAccuracy = String(s.trainAccuracy);
    section.dataset.testAccuracy = String(s.testAccuracy);
    latest = s;
    frame ||= requestAnimationFrame(draw);
    if (!Number.isFinite(s.trainLoss)) {
      running = false;
      message.fail(new Error('The loss is no longer a number: the weights blew up. Lower the learning rate and press Reset.'));
    }
  };

  /** Runs one job; shows its snapshot if it is still current. Errors go to the message line and stop training. */
  const call = async (job: LearnJob): Promise<void> => {
    if (!client) return;
    inFlight++;
    updateState();
    try {
      show(await client.run(job));
    } catch (error) {
      running = false;
      message.fail(error);
    } finally {
      inFlight--;
      updateState();
    }
  };

  const trainJob = (epochs: number, ms?: number): LearnJob => ({
    kind: 'train', generation, epochs, ...(ms === undefined ? {} : { ms }),
    learningRate: Number(learningRate.value), batchSize: Number(batchSize.value),
  });

  const loop = async () => {
    if (looping) return;
    looping = true;
    try {
      while (running) {
        const sent = performance.now();
        await call(trainJob(EPOCHS_PER_SNAPSHOT, MS_PER_SNAPSHOT));
        const wait = SNAPSHOT_INTERVAL - (performance.now() - sent);
        if (wait > 0 && running) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } finally {
      looping = false;
      updateState();
    }
  };

  /** A fresh model at epoch 0 on the current data; training goes on if it was running. */
  const rebuild = async () => {
    if (!data) return;
    generation++;
    message.clear();
    await call({ kind: 'setup', generation, settings: settings(), data });
    if (running) void loop();
  };

  const redraw = () => { if (data) drawPoints(pointsCanvas, data); };
  const newData = () => {
    noiseOut.textContent = `${noise.value}%`;
    testOut.textContent = `${testFraction.value}%`;
    try {
      data = makeDataset(dataset.value as DatasetName, { noise: Number(noise.value) / 100, testFraction: Number(testFraction.value) / 100 });
    } catch (error) {
      data = undefined;
      running = false;
      message.fail(error);
      updateState();
      return;
    }
    redraw();
    void rebuild();
  };

  dataset.addEventListener('change', newData);
  noise.addEventListener('input', () => { noiseOut.textContent = `${noise.value}%`; });
  testFraction.addEventListener('input', () => { testOut.textContent = `${testFraction.value}%`; });
  noise.addEventListener('change', newData);
  testFraction.addEventListener('change', newData);
  layerCount.addEventListener('change', () => {
    layerRows.forEach((r, i) => { r.row.hidden = i >= Number(layerCount.value); });
    void rebuild();
  });
  for (const control of [...layerRows.flatMap((r) => [r.units, r.activation]), optimizer, l2]) control.addEventListener('change', () => void rebuild());
  // The learning rate and batch size go with every training job: changing them does not start over.

  start.addEventListener('click', () => {
    running = !running;
    if (running) { message.clear(); void loop(); }
    updateState();
  });
  step.addEventListener('click', () => { if (!running) void call(trainJob(1)); });
  reset.addEventListener('click', () => { running = false; void rebuild(); });
  new ResizeObserver(redraw).observe(pointsCanvas);

  data = makeDataset('xor', { noise: 0.1, testFraction: 0.3 });
  redraw();
  unitGrid(settings().layers);
  updateState();
  const worker = new Worker(new URL('./learn.worker.js', import.meta.url), { type: 'module' });
  connectWorker<LearnJob, Snapshot, never>(worker).then(
    (connected) => { client = connected; updateState(); return rebuild(); },
    (error: unknown) => {
      section.dataset.state = 'failed';
      message.fail(new Error(`The training worker could not start, so this section cannot train: ${error instanceof Error ? error.message : String(error)}`));
    },
  );
}
