// The "Read a handwritten digit" section: a pad to draw on, the network's ten probabilities as you draw, the
// 28 × 28 input it sees, and "Train it here" (a fresh network trained in a Worker). Owns the page's digit model
// (DigitModelHost); the model section shows it and may replace it. Predicting happens here, on the main thread.
import { Conv2D, connectWorker, Dense, Flatten, loadModel, MaxPooling2D, modelFromJSON, NeurasmError, Sequential, tensor, type WorkerClient } from 'neurasm';
import { lineChart } from './chart.js';
import { drawDigit, drawingPad, PAD_SIZE } from './draw.js';
import { el, messages, type DigitModelHost } from './shared.js';
import type { TrainJob, TrainProgress, TrainResult } from './digits.worker.js';
import './digits.css';

const SHIPPED = 'shipped with the site';
const TRAINED = 'trained here';
/** The shipped digits kept out of "Train it here"'s training, to tell how well the retrained model reads. */
const HELD_OUT = 200;

/** What scripts/train-digits.mjs measured (model/accuracy.json). */
interface ShippedReport { testAccuracy: number; testDigits: number; trainDigits: number; digits: { file: string; count: number } }

/** Mounts the section; resolves once the shipped model is loaded (or, if it cannot be, with an error shown). */
export async function mountDigits(section: HTMLElement): Promise<DigitModelHost> {
  const pad = drawingPad();
  const preview = el('canvas', 'digits-preview');
  preview.width = preview.height = 28;
  preview.setAttribute('role', 'img');
  preview.setAttribute('aria-label', 'The drawing as the network sees it, 28 by 28 pixels');
  const clear = el('button', '', 'Clear');
  clear.type = 'button';

  const answer = el('p', 'digits-answer');
  answer.setAttribute('aria-live', 'polite');
  const bars = el('ol', 'digits-bars');
  bars.setAttribute('aria-label', 'How likely each digit is');
  const rows = Array.from({ length: 10 }, (_, d) => {
    const fill = el('span', 'digits-fill');
    const value = el('span', 'digits-value stat', '–');
    const row = el('li', '', el('span', 'digits-label', String(d)), el('span', 'digits-track', fill), value);
    bars.append(row);
    return { row, fill, value };
  });
  const sourceLine = el('p', 'digits-source');

  const epochs = el('input');
  Object.assign(epochs, { type: 'number', min: '1', max: '30', step: '1', value: '5', name: 'epochs' });
  const train = el('button', 'primary', 'Train it here');
  const cancel = el('button', '', 'Cancel');
  const restore = el('button', '', 'Use the shipped model');
  for (const b of [train, cancel, restore]) b.type = 'button';
  cancel.disabled = true;
  restore.disabled = true;
  const progress = el('progress', 'digits-progress');
  progress.max = 1;
  progress.value = 0;
  progress.setAttribute('aria-label', 'Training progress');
  const progressText = el('span', 'digits-progress-text stat', 'Not started');
  const chartBox = el('div', 'digits-chart');
  const chartEmpty = el('p', 'digits-chart-empty', 'The loss appears here while it trains.');
  const status = el('div', 'digits-status');

  section.append(
    el('p', 'lead', 'Draw a digit from 0 to 9. A small convolutional network, trained on handwritten digits and shipped with this page, reads it as you draw.'),
    el('div', 'columns digits-columns',
      el('div', 'digits-drawing',
        el('figure', 'figure', pad.canvas, el('figcaption', '', 'Draw here with the mouse or a finger.')),
        el('div', 'buttons', clear),
        el('figure', 'figure digits-seen', preview,
          el('figcaption', '', 'What the network sees: your drawing cropped, scaled to 20 pixels and centred in a 28 × 28 grid, the way the MNIST digits were made.'))),
      el('div', 'digits-reading',
        answer, bars, sourceLine,
        el('div', 'digits-train',
          el('h3', '', 'Train it here'),
          el('p', 'digits-note', 'Train a fresh network of the same shape in a background thread (a Web Worker), on digits shipped with the site. Keep drawing meanwhile: the current network keeps reading.'),
          el('label', 'field digits-epochs', el('span', '', 'Epochs (passes over the digits)'), epochs),
          el('div', 'buttons', train, cancel, restore),
          status,
          el('div', 'digits-progress-row', progress, progressText),
          el('figure', 'figure digits-chart-figure', chartBox, chartEmpty, el('figcaption', '', 'Loss while training here: lower is better. Dashed: on digits kept out of training.')))))
  );
  const say = messages(status);
  pad.canvas.style.width = pad.canvas.style.height = `${PAD_SIZE}px`;

  // The model: the shipped one, loaded relative to the page (so the site works from any folder of any host).
  const shippedUrl = new URL('model/model.json', document.baseURI).href;
  const report = await fetch(new URL('model/accuracy.json', document.baseURI)).then((r) => r.ok ? r.json() as Promise<ShippedReport> : undefined).catch(() => undefined);
  let model: Sequential;
  let source = SHIPPED;
  let note = report ? `it reads ${percent(report.testAccuracy)} of ${report.testDigits.toLocaleString('en')} test digits it never saw correctly` : '';
  try {
    model = await loadModel(shippedUrl);
  } catch (error) {
    // The page keeps working: an untrained network of the same shape, which "Train it here" can train.
    say.fail(new Error(`Could not load the shipped digit model (${shippedUrl}): ${error instanceof Error ? error.message : String(error)}. Press "Train it here" to train one.`));
    model = untrainedModel();
    source = 'not trained yet';
    note = 'its guesses are random';
  }
  // "Train it here" trains this shape, whatever model is in use by then.
  const topology = model.toJSON();
  const listeners: Array<(m: Sequential) => void> = [];

  const host: DigitModelHost = {
    current: () => model,
    source: () => source,
    replace(next, nextSource) {
      checkReadsDigits(next);
      if (next === model) { source = nextSource; return; }
      const previous = model;
      model = next;
      source = nextSource;
      note = '';
      previous.dispose();
      showSource();
      restore.disabled = source === SHIPPED;
      schedule();
      for (const listener of listeners) listener(model);
    },
    onChange(listener) { listeners.push(listener); },
  };

  function showSource(): void {
    section.dataset.source = source;
    sourceLine.textContent = `Reading with the model ${source}${note ? `: ${note}` : ''}.`;
  }

  // Predict at most once per animation frame, however many pointer events arrive.
  let frame = 0;
  function schedule(): void {
    if (frame === 0) frame = requestAnimationFrame(() => { frame = 0; read(); });
  }
  function read(): void {
    const digit = pad.toDigit();
    drawDigit(preview, digit);
    if (!digit) { showBlank(); return; }
    let probabilities: Float32Array;
    try {
      probabilities = predictDigit(model, digit);
    } catch (error) {
      say.fail(error);
      showBlank();
      return;
    }
    let top = 0;
    for (let d = 1; d < 10; d++) if (probabilities[d]! > probabilities[top]!) top = d;
    rows.forEach(({ row, fill, value }, d) => {
      const p = Math.min(1, Math.max(0, probabilities[d]!));
      fill.style.transform = `scaleX(${p})`;
      value.textContent = percent(p);
      row.classList.toggle('top', d === top);
    });
    const confidence = probabilities[top]!;
    answer.replaceChildren('It looks like a ', el('strong', '', String(top)), el('span', 'digits-sure stat', ` (${percent(confidence)})`));
    section.dataset.prediction = String(top);
    section.dataset.confidence = String(confidence);
  }
  function showBlank(): void {
    answer.replaceChildren('Draw a digit in the box.');
    for (const { row, fill, value } of rows) { fill.style.transform = 'scaleX(0)'; value.textContent = '–'; row.classList.remove('top'); }
    delete section.dataset.prediction;
    delete section.dataset.confidence;
  }

  pad.onChange(schedule);
  clear.addEventListener('click', () => pad.clear());

  // "Train it here": a Worker per run (Cancel terminates it), progress drawn at most once a frame.
  const chart = lineChart(chartBox, {
    xLabel: 'epoch',
    lines: [{ label: 'training loss', color: '#2f6fde' }, { label: 'held-out loss', color: '#e8743b', dash: [6, 4] }],
  });
  let trainer: WorkerClient<TrainJob, TrainResult, TrainProgress> | undefined;
  let cancelled = false;
  train.addEventListener('click', () => { void trainHere(); });
  cancel.addEventListener('click', () => { cancelled = true; void trainer?.terminate(); });
  restore.addEventListener('click', () => { void useShipped(); });

  async function trainHere(): Promise<void> {
    const count = Number(epochs.value);
    if (!Number.isInteger(count) || count < 1 || count > 30) {
      say.fail(new Error(`Epochs must be a whole number from 1 to 30 (got "${epochs.value}").`));
      return;
    }
    // Cancel waits for the worker to be connected: a module Worker terminated while loading tells nobody.
    train.disabled = epochs.disabled = restore.disabled = cancel.disabled = true;
    cancelled = false;
    section.dataset.training = 'running';
    say.show('Starting a Web Worker and loading the training digits…');
    const x: number[] = [], loss: (number | null)[] = [], heldOut: (number | null)[] = [];
    chart.update(x, [loss, heldOut]);
    chartEmpty.hidden = true;
    setProgress(0, 'Starting…');
    let latest: TrainProgress | undefined;
    let smoothed: number | undefined;
    let drawn = 0;
    const started = performance.now();
    try {
      const worker = new Worker(new URL('./digits.worker.js', import.meta.url), { type: 'module' });
      trainer = await connectWorker<TrainJob, TrainResult, TrainProgress>(worker);
      cancel.disabled = false;
      say.show('Training…');
      const result = await trainer.run({
        topology, digitsUrl: new URL('model/digits.bin', document.baseURI).href,
        epochs: count, batchSize: 32, heldOut: HELD_OUT, seed: 1,
      }, {
        onProgress: (p) => {
          if (p.kind === 'batch') {
            // One batch's loss is noisy: the line follows a moving average (TensorBoard's smoothing, 0.9).
            smoothed = smoothed === undefined ? p.loss : 0.9 * smoothed + 0.1 * p.loss;
            x.push(p.epoch + (p.batch + 1) / p.batches); loss.push(smoothed); heldOut.push(null);
          } else {
            heldOut[heldOut.length - 1] = p.heldOutLoss;
          }
          latest = p;
          if (drawn === 0) drawn = requestAnimationFrame(() => { drawn = 0; showProgress(); });
        },
      });
      cancelAnimationFrame(drawn);
      drawn = 0;
      showProgress();
      const trained = modelFromJSON(topology);
      trained.setWeights(result.weights.map((w) => tensor(w.data, w.shape)));
      host.replace(trained, TRAINED);
      note = `${result.trainDigits.toLocaleString('en')} digits in ${((performance.now() - started) / 1000).toFixed(1)} s; it reads ${percent(result.heldOutAccuracy)} of ${result.heldOutDigits} digits kept out of training correctly`;
      showSource();
      setProgress(1, `Done: ${count} of ${count} epochs`);
      section.dataset.training = 'done';
      say.show(`Trained here. The page now reads your drawing with this model; "Use the shipped model" switches back.`);
    } catch (error) {
      cancelAnimationFrame(drawn); // a progress frame still queued would overwrite what follows
      drawn = 0;
      section.dataset.training = cancelled ? 'cancelled' : 'failed';
      if (cancelled && error instanceof NeurasmError) {
        say.show(`Training cancelled. Still reading with the model ${source}.`);
        setProgress(0, 'Cancelled');
      } else {
        say.fail(error);
        setProgress(0, 'Failed');
      }
    } finally {
      await trainer?.terminate();
      trainer = undefined;
      train.disabled = epochs.disabled = false;
      cancel.disabled = true;
      restore.disabled = source === SHIPPED;
    }

    function showProgress(): void {
      chart.update(x, [loss, heldOut]);
      if (!latest) return;
      if (latest.kind === 'batch') {
        const done = (latest.epoch + (latest.batch + 1) / latest.batches) / count;
        setProgress(done, `Epoch ${latest.epoch + 1} of ${count}, batch ${latest.batch + 1} of ${latest.batches} · loss ${smoothed!.toFixed(3)}`);
      } else {
        setProgress((latest.epoch + 1) / count, `Epoch ${latest.epoch + 1} of ${count} done · held-out accuracy ${percent(latest.heldOutAccuracy)}`);
      }
    }
  }

  function setProgress(fraction: number, text: string): void {
    progress.value = fraction;
    section.dataset.trainProgress = fraction.toFixed(3);
    progressText.textContent = `${percent(fraction)} · ${text}`;
  }

  async function useShipped(): Promise<void> {
    restore.disabled = true;
    try {
      host.replace(await loadModel(shippedUrl), SHIPPED);
      note = report ? `it reads ${percent(report.testAccuracy)} of ${report.testDigits.toLocaleString('en')} test digits it never saw correctly` : '';
      showSource();
      say.show('Back to the model shipped with the site.');
    } catch (error) {
      say.fail(error);
      restore.disabled = source === SHIPPED;
    }
  }

  showSource();
  showBlank();
  drawDigit(preview, null);
  return host;
}

/** The shipped model's shape (scripts/train-digits.mjs), untrained: only used when the shipped files cannot be loaded. */
function untrainedModel(): Sequential {
  return new Sequential([
    new Conv2D(16, 3, { inputShape: [28, 28, 1], activation: 'relu' }),
    new MaxPooling2D(2),
    new Conv2D(32, 3, { activation: 'relu' }),
    new MaxPooling2D(2),
    new Flatten(),
    new Dense(10, { activation: 'softmax' }),
  ], { name: 'digits', seed: 1 });
}

/** Throws a plain-words Error unless `model` takes one 28 × 28 digit ([28, 28, 1] or [784]) and gives 10 values. */
function checkReadsDigits(model: Sequential): void {
  const layers = model.layers;
  if (layers.length === 0) throw new Error('This model has no layers, so it cannot read a digit.');
  const input = layers[0]!.inputShape.slice(1);
  const output = layers[layers.length - 1]!.outputShape.slice(1);
  if (input.length === 0) throw new Error('This model does not say what input it takes (its first layer has no input shape), so it cannot read a digit.');
  if (!sameShape(input, [28, 28, 1]) && !sameShape(input, [784])) {
    throw new Error(`This model takes inputs of shape [${input.join(', ')}], but a drawn digit is 28 × 28 pixels: the model must take [28, 28, 1] or [784].`);
  }
  if (!sameShape(output, [10])) {
    throw new Error(`This model gives outputs of shape [${output.join(', ')}], but reading a digit needs 10 values, one for each digit 0–9.`);
  }
}

/** The model's ten outputs for one 28 × 28 digit, shaped as the model takes it. */
function predictDigit(model: Sequential, digit: Float32Array): Float32Array {
  const flat = model.layers[0]!.inputShape.length === 2;
  return model.predict(tensor(digit, flat ? [1, 784] : [1, 28, 28, 1])).data;
}

function sameShape(a: ReadonlyArray<number | null>, b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}
