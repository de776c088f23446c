// How training throughput scales with the model: hidden width 128, 512, 2048 (784-W-10) and depth 1, 2, 4
// hidden layers of 256, batch 64 — neurasm against TensorFlow.js wasm, and cpu where a run stays short.
import { SAMPLES_PER_S, Report, formatNumber, type Contender } from './harness.js';
import { firstDigits, loadDigits } from './digits.js';
import { neurasmData, neurasmEpoch, neurasmMlp, tfData, tfEpoch, tfMlp, trainFlopsPerSample } from './mlp.js';
import { TF_CPU, TF_WASM, startTf, useTf } from './peers.js';
import { useThreads } from './threads.js';

// One thread, as in every stored result: Node's default is every core (gemm, mnist, predict and cnn time both).
await useThreads(1);

const BATCH = 64;
const NEURASM = 'neurasm';
/** Each run trains on about this much arithmetic (so the wide model gets fewer samples), ≥ 6 batches. */
const FLOPS_PER_RUN = 1e9;
/** TF.js cpu trains at ~1 GFLOP/s here: it joins only the rows where a run stays near a second. */
const CPU_MAX_FLOPS_PER_SAMPLE = 1.3e6;

await startTf();
const digits = loadDigits(8000);

const report = new Report('scaling', {
  title: `scaling — training throughput against model size: 784-W(relu)-10(softmax) and 784-256×D-10, batch ${BATCH}, Adam`,
  unit: SAMPLES_PER_S,
  contenders: [NEURASM, TF_WASM, TF_CPU],
  extras: [
    { label: 'MFLOP/sample', value: (r) => flops.get(r.case), format: (v) => formatNumber(v / 1e6) },
    { label: 'neurasm GFLOP/s', value: (r) => ((r.figures[NEURASM] ?? NaN) * flops.get(r.case)!) / 1e9, format: (v) => v.toFixed(1) },
  ],
  about: [
    `Each run is one fit({ epochs: 1, batchSize: ${BATCH}, shuffle: true }) over the first N digits, N ≈ ${FLOPS_PER_RUN / 1e9} GFLOP of training`,
    `(≥ 384); TF.js cpu only where training costs ≤ ${CPU_MAX_FLOPS_PER_SAMPLE / 1e6} MFLOP per sample. Same starting weights everywhere.`,
  ],
});
const flops = new Map<string, number>();

const cases: Array<[string, number[]]> = [
  ['width 128', [128]],
  ['width 512', [512]],
  ['width 2048', [2048]],
  ['depth 1×256', [256]],
  ['depth 2×256', [256, 256]],
  ['depth 4×256', [256, 256, 256, 256]],
];

for (const [label, hidden] of cases) {
  const perSample = trainFlopsPerSample(hidden);
  const rows = Math.min(digits.rows, Math.max(6 * BATCH, Math.round(FLOPS_PER_RUN / perSample / BATCH) * BATCH));
  const caseLabel = `${label}, N ${rows}`;
  flops.set(caseLabel, perSample);
  const d = firstDigits(digits, rows);
  const model = neurasmMlp(hidden);
  const weights = model.getWeights();
  const nData = neurasmData(d);
  const peers: Array<{ contender: Contender; dispose: () => void }> = [];
  for (const [name, backend] of [[TF_WASM, 'wasm'], [TF_CPU, 'cpu']] as const) {
    if (backend === 'cpu' && perSample > CPU_MAX_FLOPS_PER_SAMPLE) continue;
    const [m, data] = [await tfMlp(backend, hidden, weights), await tfData(backend, d)];
    peers.push({
      contender: { name, before: () => useTf(backend), run: () => tfEpoch(m, data, BATCH), maxRuns: backend === 'cpu' ? 3 : undefined },
      dispose: () => { m.dispose(); data.x.dispose(); data.y.dispose(); },
    });
  }
  await report.row(caseLabel, rows, [
    { name: NEURASM, run: () => neurasmEpoch(model, nData.x, nData.labels, BATCH) },
    ...peers.map((p) => p.contender),
  ], { warmupMs: 300, minRuns: 5, maxRuns: 5, minTimeMs: 0, sampleMs: 0 });
  for (const p of peers) p.dispose();
  model.dispose();
}
report.finish({ batchSize: BATCH, flopsPerSample: Object.fromEntries(flops) });
