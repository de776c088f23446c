// Predict latency of the trained-size MNIST model (784-128-10) for 1 row and 1,000 rows: neurasm's `predict`
// against TensorFlow.js wasm (its defaults, and `batchSize: 1000`) and cpu, all holding the same weights.
import { tensor } from '../src/index.js';
import { MILLISECONDS, Report } from './harness.js';
import { PIXELS, firstDigits, loadDigits } from './digits.js';
import { neurasmMlp, tfMlp } from './mlp.js';
import { TF_CPU, TF_WASM, onTf, startTf, tf, useTf, type TfBackend } from './peers.js';

const HIDDEN = [128];
const NEURASM = 'neurasm';
const TF_WASM_1000 = 'tfjs-wasm b1000';

await startTf();
const digits = loadDigits(1000);

const report = new Report('predict', {
  title: 'predict latency — the MNIST model 784-128(relu)-10(softmax), same weights in every library',
  unit: MILLISECONDS,
  contenders: [NEURASM, TF_WASM, TF_WASM_1000, TF_CPU],
  about: [
    'neurasm: model.predict(x) with its defaults (x a Tensor; the result is a Tensor copy in JS memory).',
    'TF.js: model.predict(x) on a tensor already on the backend, then dataSync() and dispose; defaults (internal',
    `batch 32), and '${TF_WASM_1000}' = predict(x, { batchSize: 1000 }).`,
  ],
});

const model = neurasmMlp(HIDDEN);
const weights = model.getWeights();
const wasmModel = await tfMlp('wasm', HIDDEN, weights);
const cpuModel = await tfMlp('cpu', HIDDEN, weights);

/** Largest |neurasm − TF.js| over the 1,000 rows' probabilities: the three must compute the same model. */
let agreement = 0;

const rows = [];
for (const n of [1, 1000]) {
  const d = firstDigits(digits, n);
  const x = tensor(d.x, [n, PIXELS]);
  const onBackend = (backend: TfBackend) => onTf(backend, () => tf.tensor2d(d.x, [n, PIXELS]));
  const [xWasm, xCpu] = [await onBackend('wasm'), await onBackend('cpu')];
  const tfPredict = (m: tf.Sequential, input: tf.Tensor2D, batchSize?: number) => () => {
    const y = m.predict(input, batchSize === undefined ? {} : { batchSize }) as tf.Tensor;
    const values = y.dataSync() as Float32Array;
    y.dispose();
    return values;
  };
  for (const [backend, m, input] of [['wasm', wasmModel, xWasm], ['cpu', cpuModel, xCpu]] as const) {
    await useTf(backend);
    const theirs = tfPredict(m, input)();
    const ours = model.predict(x).data;
    for (let i = 0; i < ours.length; i++) agreement = Math.max(agreement, Math.abs(ours[i]! - theirs[i]!));
  }
  rows.push(await report.row(`${n} row${n > 1 ? 's' : ''}`, n, [
    { name: NEURASM, run: () => model.predict(x) },
    { name: TF_WASM, before: () => useTf('wasm'), run: tfPredict(wasmModel, xWasm) },
    { name: TF_WASM_1000, before: () => useTf('wasm'), run: tfPredict(wasmModel, xWasm, 1000) },
    { name: TF_CPU, before: () => useTf('cpu'), run: tfPredict(cpuModel, xCpu) },
  ], { warmupMs: 400, minRuns: 11, minTimeMs: 2000, sampleMs: 25 }));
  xWasm.dispose();
  xCpu.dispose();
}
console.log(`\nlargest |neurasm − TF.js| over the predicted probabilities: ${agreement.toExponential(2)}`);

const [one, thousand] = rows;
report.target('1000 rows: × TF.js wasm with its defaults', thousand!.ratios[TF_WASM], 8);
report.target('1000 rows: × TF.js wasm with batchSize 1000', thousand!.ratios[TF_WASM_1000], 1.2);
report.target('1 row: × TF.js wasm', one!.ratios[TF_WASM], 4);
report.finish({ maxAbsDifference: agreement });
model.dispose();
