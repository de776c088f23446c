// Predict latency of the trained-size MNIST model (784-128-10) for 1 row and 1,000 rows: neurasm's `predict`
// against TensorFlow.js wasm (its defaults, and `batchSize: 1000`) and cpu, and onnxruntime-web (wasm, one
// thread) on the ONNX graph bench/onnx.ts writes, all holding the same weights; neurasm on one thread and every core.
import { tensor } from '../src/index.js';
import { MILLISECONDS, Report } from './harness.js';
import { PIXELS, firstDigits, loadDigits } from './digits.js';
import { neurasmMlp, tfMlp } from './mlp.js';
import { sequentialToOnnx } from './onnx.js';
import { ORT, TF_CPU, TF_WASM, onTf, ort, ortRun, ortSession, startTf, tf, useTf, type TfBackend } from './peers.js';
import { NEURASM, NEURASM_THREADS, THREADS, neurasmContenders, threadColumns, notSlowerTarget, useThreads } from './threads.js';

const HIDDEN = [128];
const TF_WASM_1000 = 'tfjs-wasm b1000';

await startTf();
await useThreads(THREADS); // the pool runs throughout; each neurasm contender sets how calls are split
const digits = loadDigits(1000);

const report = new Report('predict', {
  title: 'predict latency — the MNIST model 784-128(relu)-10(softmax), same weights in every library',
  unit: MILLISECONDS,
  contenders: [NEURASM, TF_WASM, TF_WASM_1000, TF_CPU, ORT],
  extras: threadColumns(MILLISECONDS),
  about: [
    'neurasm: model.predict(x) with its defaults (x a Tensor; the result is a Tensor copy in JS memory).',
    'TF.js: model.predict(x) on a tensor already on the backend, then dataSync() and dispose; defaults (internal',
    `batch 32), and '${TF_WASM_1000}' = predict(x, { batchSize: 1000 }). onnxruntime-web: session.run on an ort.Tensor (wasm,`,
    '1 thread, all graph optimisations), the graph written by bench/onnx.ts from neurasm\'s weights (Gemm, Relu, Gemm, Softmax).',
    `neurasm: one thread (every call on the calling thread); '${NEURASM_THREADS}': the same predict split as after setThreads(${THREADS}), in the same rounds.`,
  ],
});

const model = neurasmMlp(HIDDEN);
const weights = model.getWeights();
const wasmModel = await tfMlp('wasm', HIDDEN, weights);
const cpuModel = await tfMlp('cpu', HIDDEN, weights);
const session = await ortSession(sequentialToOnnx([PIXELS], [
  ...HIDDEN.map((units) => ({ kind: 'dense', units, activation: 'relu' }) as const),
  { kind: 'dense', units: 10, activation: 'softmax' },
], weights));

/** Largest |neurasm − TF.js| over the 1,000 rows' probabilities: the three must compute the same model. */
let agreement = 0;
/** The same for onnxruntime-web; above 1e-4 the bench stops (its graph is written here, so it could be wrong). */
let ortAgreement = 0;

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
  const xOrt = new ort.Tensor('float32', d.x, [n, PIXELS]);
  for (const [backend, m, input] of [['wasm', wasmModel, xWasm], ['cpu', cpuModel, xCpu]] as const) {
    await useTf(backend);
    const theirs = tfPredict(m, input)();
    const ours = model.predict(x).data;
    for (let i = 0; i < ours.length; i++) agreement = Math.max(agreement, Math.abs(ours[i]! - theirs[i]!));
  }
  const fromOnnx = await ortRun(session, xOrt);
  const ours = model.predict(x).data;
  for (let i = 0; i < ours.length; i++) ortAgreement = Math.max(ortAgreement, Math.abs(ours[i]! - fromOnnx[i]!));
  if (!(ortAgreement <= 1e-4)) throw new Error(`bench: onnxruntime-web's predictions differ from neurasm's by ${ortAgreement}: the ONNX graph is not the same model`);
  rows.push(await report.row(`${n} row${n > 1 ? 's' : ''}`, n, [
    ...neurasmContenders(() => model.predict(x)),
    { name: TF_WASM, before: () => useTf('wasm'), run: tfPredict(wasmModel, xWasm) },
    { name: TF_WASM_1000, before: () => useTf('wasm'), run: tfPredict(wasmModel, xWasm, 1000) },
    { name: TF_CPU, before: () => useTf('cpu'), run: tfPredict(cpuModel, xCpu) },
    { name: ORT, run: () => ortRun(session, xOrt) },
  ], { warmupMs: 400, minRuns: 11, minTimeMs: 2000, sampleMs: 25 }));
  xWasm.dispose();
  xCpu.dispose();
}
console.log(`\nlargest |neurasm − TF.js| over the predicted probabilities: ${agreement.toExponential(2)}; |neurasm − onnxruntime-web|: ${ortAgreement.toExponential(2)}`);

const [one, thousand] = rows;
report.target('1000 rows: × TF.js wasm with its defaults', thousand!.ratios[TF_WASM], 8);
report.target('1000 rows: × TF.js wasm with batchSize 1000', thousand!.ratios[TF_WASM_1000], 1.2);
report.target('1 row: × TF.js wasm', one!.ratios[TF_WASM], 4);
report.target('1000 rows: × onnxruntime-web (issue 10: as fast as the fastest peer)', thousand!.ratios[ORT], 1);
report.target('1 row: × onnxruntime-web (issue 10: as fast as the fastest peer)', one!.ratios[ORT], 1);
for (const r of rows) report.target(...notSlowerTarget(r));
report.finish({ maxAbsDifference: agreement, onnxMaxAbsDifference: ortAgreement, threads: THREADS });
await session.release();
model.dispose();
