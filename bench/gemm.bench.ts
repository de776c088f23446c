// GEMM: the machine's SIMD limit (the peak loop), then neurasm's three matmul forms against TensorFlow.js
// (wasm, cpu) and jax-js on square sizes and on the MLP's shapes; every neurasm figure also as % of the peak.
// Each product is checked against TensorFlow.js wasm first: a fast wrong kernel must not pass unnoticed.
// neurasm's columns are the product as a layer calls it (src/threads.ts) on one thread and on every core.
import { jit, numpy as np } from '@jax-js/jax';
import { arena } from '../src/arena.js';
import { kernels } from '../src/backend.js';
import { matmul, matmulTransA, matmulTransB, parallel } from '../src/threads.js';
import { GFLOPS, Report, type Contender, type RowResult } from './harness.js';
import { JAX, TF_CPU, TF_WASM, onTf, startJax, startTf, tf, useTf, type TfBackend } from './peers.js';
import { NEURASM, NEURASM_THREADS, THREADS, allThreads, neurasmContenders, threadColumns, notSlowerTarget, threadTarget, useThreads } from './threads.js';

type Form = 'A·B' | 'Aᵀ·B' | 'A·Bᵀ';

await startTf();
await startJax();
await useThreads(THREADS); // the pool runs throughout; each neurasm contender sets how calls are split

let peak = 0; // GFLOP/s of the peak loop, measured first
const report = new Report('gemm', {
  title: `GEMM — C = A·B in the three forms backprop uses, f32, one thread and ${THREADS}`,
  unit: GFLOPS,
  contenders: [NEURASM, TF_WASM, TF_CPU, JAX],
  extras: [
    { label: '% peak', value: (r) => (peak > 0 && r.figures[NEURASM] ? (r.figures[NEURASM] / peak) * 100 : undefined), format: (v) => `${v.toFixed(0)}%` },
    ...threadColumns(GFLOPS),
  ],
  about: [
    'neurasm: the product as a layer calls it (src/threads.ts\'s matmul / matmulTransA / matmulTransB on arena buffers: the kernel',
    'called directly on one thread, split over the pool from 2^18 multiply-adds on more); TF.js: tf.matMul(a, b, transposeA, transposeB)',
    '(result disposed; both backends compute synchronously); jax-js: jit(np.matmul with .transpose()), then blockUntilReady.',
    'peak: the peakLoop kernel (a 4×8 microkernel\'s loads and mul+adds on 64 floats in L1), neurasm only, one thread.',
    `${NEURASM_THREADS}: the same call with ${THREADS} threads running (so a row below 2^18 multiply-adds times the same code in both`,
    'columns); its result must have the bits of the one-thread call.',
  ],
});

// ─── The peak loop: 64 flops per iteration over 64 floats that stay in L1 ───
const PEAK_ITERATIONS = 250_000;
const peakBuffer = arena.alloc(64 * 4);
kernels.fill(peakBuffer, 64, 1);
const peakRow = await report.row('peak loop (f32x4 mul+add)', 64 * PEAK_ITERATIONS,
  [{ name: NEURASM, run: () => kernels.peakLoop(peakBuffer, PEAK_ITERATIONS) }], { warmupMs: 500, minRuns: 15 });
peak = peakRow.figures[NEURASM]!;
arena.release(peakBuffer);

// ─── One GEMM row: the same random A and B in every library ───
const state = arena.alloc(16);
kernels.seedRandom(state, 42, 0);

function shapes(form: Form, m: number, k: number, n: number): { a: [number, number]; b: [number, number] } {
  if (form === 'Aᵀ·B') return { a: [k, m], b: [k, n] };
  if (form === 'A·Bᵀ') return { a: [m, k], b: [n, k] };
  return { a: [m, k], b: [k, n] };
}

const NEURASM_KERNEL = { 'A·B': kernels.matmul, 'Aᵀ·B': kernels.matmulTransA, 'A·Bᵀ': kernels.matmulTransB } as const;
const SPLIT_NAME = { 'A·B': 'matmul', 'Aᵀ·B': 'matmulTransA', 'A·Bᵀ': 'matmulTransB' } as const;
/** The products as Dense calls them: split when the call pays, else the kernel called directly. */
const LAYER_PRODUCT = { 'A·B': matmul, 'Aᵀ·B': matmulTransA, 'A·Bᵀ': matmulTransB } as const;
const TF_FLAGS = { 'A·B': [false, false], 'Aᵀ·B': [true, false], 'A·Bᵀ': [false, true] } as const;
const JAX_PRODUCT = {
  'A·B': jit((a: np.Array, b: np.Array) => np.matmul(a, b)),
  'Aᵀ·B': jit((a: np.Array, b: np.Array) => np.matmul(a.transpose(), b)),
  'A·Bᵀ': jit((a: np.Array, b: np.Array) => np.matmul(a, b.transpose())),
} as const;

/** Largest |neurasm − TF.js wasm| over C, relative to the largest |C|. */
function relativeError(ours: Float32Array, theirs: Float32Array): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < ours.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!));
    scale = Math.max(scale, Math.abs(theirs[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

const checks: Array<{ case: string; relativeError: number; threadsIdentical: boolean }> = [];

async function gemmRow(label: string, form: Form, m: number, k: number, n: number, options: { cpu?: boolean } = {}): Promise<RowResult> {
  const s = shapes(form, m, k, n);
  const [aLen, bLen] = [s.a[0] * s.a[1], s.b[0] * s.b[1]];
  const [a, b, c] = [arena.alloc(aLen * 4), arena.alloc(bLen * 4), arena.alloc(m * n * 4)];
  kernels.randomUniform(a, aLen, state, -1, 1);
  kernels.randomUniform(b, bLen, state, -1, 1);
  const [aData, bData] = [arena.read(a, aLen), arena.read(b, bLen)];
  const kernel = NEURASM_KERNEL[form];
  const layerProduct = LAYER_PRODUCT[form];
  const [transposeA, transposeB] = TF_FLAGS[form];

  const tfInputs = async (backend: TfBackend) => onTf(backend, () => [tf.tensor2d(aData, s.a), tf.tensor2d(bData, s.b)] as const);
  const wasmInputs = await tfInputs('wasm');
  const cpuInputs = await tfInputs('cpu');
  const tfContender = (name: string, backend: TfBackend, [ta, tb]: readonly [tf.Tensor2D, tf.Tensor2D]): Contender => ({
    name, before: () => useTf(backend), run: () => tf.matMul(ta, tb, transposeA, transposeB).dispose(), maxRunMs: 1000,
  });
  const [ja, jb] = [np.array(aData).reshape(s.a), np.array(bData).reshape(s.b)];
  const product = JAX_PRODUCT[form];

  // Correctness first, against TF.js wasm.
  kernel(c, a, b, m, k, n, false, 0, 1);
  await useTf('wasm');
  const reference = tf.tidy(() => tf.matMul(wasmInputs[0], wasmInputs[1], transposeA, transposeB).dataSync() as Float32Array);
  const single = arena.read(c, m * n);
  const error = relativeError(single, reference);
  allThreads();
  parallel(SPLIT_NAME[form], c, a, b, m, k, n, false);
  const threaded = arena.read(c, m * n);
  const threadsIdentical = threaded.every((v, i) => Object.is(v, single[i]));
  checks.push({ case: label, relativeError: error, threadsIdentical });

  const contenders: Contender[] = [
    // Both columns time the same call; only the thread count differs (an earlier version timed the kernel directly
    // on one thread, which left the threads column the layer's check whether to split, about 50 ns: 1 % of a
    // 64×128·128×10 product, and those rows read as slower on threads).
    ...neurasmContenders(() => layerProduct(c, a, b, m, k, n, false)),
    tfContender(TF_WASM, 'wasm', wasmInputs),
    ...(options.cpu === false ? [] : [tfContender(TF_CPU, 'cpu', cpuInputs)]),
    { name: JAX, run: async () => { const r = product(ja.ref, jb.ref); await r.blockUntilReady(); r.dispose(); } },
  ];
  const row = await report.row(label, 2 * m * k * n, contenders);
  if (error > 1e-4) console.log(`  WARNING: neurasm ${form} differs from TF.js wasm by ${error.toExponential(2)} (relative): its figure is not valid`);
  if (!threadsIdentical) console.log(`  WARNING: neurasm ${form} on ${THREADS} threads differs from one thread: the threads column is not valid`);

  for (const t of [...wasmInputs, ...cpuInputs]) t.dispose();
  ja.dispose();
  jb.dispose();
  for (const o of [c, b, a]) arena.release(o);
  return row;
}

// ─── Square sizes ───
const square: RowResult[] = [];
for (const size of [64, 128, 256, 512, 1024]) {
  // TF.js cpu needs ~3 s for one 1024³ product here: skip it without paying that once.
  square.push(await gemmRow(`square ${size} A·B`, 'A·B', size, size, size, { cpu: size <= 512 }));
}

// ─── The MLP's shapes (784-128-10, batch 64): forward, weight gradient, input gradient ───
const mlp: Array<[string, Form, number, number, number]> = [
  ['fwd 64×784·784×128', 'A·B', 64, 784, 128],
  ['dW (64×784)ᵀ·64×128', 'Aᵀ·B', 784, 64, 128],
  ['dX 64×128·(784×128)ᵀ', 'A·Bᵀ', 64, 128, 784],
  ['fwd 64×128·128×10', 'A·B', 64, 128, 10],
  ['dW (64×128)ᵀ·64×10', 'Aᵀ·B', 128, 64, 10],
  ['dX 64×10·(128×10)ᵀ', 'A·Bᵀ', 64, 10, 128],
];
const transposed: RowResult[] = [];
const mlpRows: RowResult[] = [];
for (const [label, form, m, k, n] of mlp) {
  const row = await gemmRow(label, form, m, k, n);
  mlpRows.push(row);
  if (form !== 'A·B') transposed.push(row);
}

for (const r of square.slice(2)) {
  report.target(`${r.case}: × TF.js wasm`, r.ratios[TF_WASM], 1.2);
  report.target(`${r.case}: fraction of the peak loop`, (r.figures[NEURASM] ?? 0) / peak, 0.85);
}
for (const r of transposed) report.target(`${r.case}: × TF.js wasm`, r.ratios[TF_WASM], 10);
report.target(...threadTarget(square.at(-1)!, 1.8));
for (const r of [...square, ...mlpRows]) report.target(...notSlowerTarget(r));
report.finish({ peakGflops: peak, checks, threads: THREADS });
