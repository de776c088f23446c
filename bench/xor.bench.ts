// The seed's XOR program, warm: Dense(4, relu, inputDim 2) → Dense(1, sigmoid), adam, binaryCrossentropy,
// accuracy, fit 100 epochs of the 4 samples, verbose 0 — neurasm against TensorFlow.js cpu and wasm.
import { Dense, Sequential } from '../src/index.js';
import { MILLISECONDS, Report } from './harness.js';
import { TF_CPU, TF_WASM, onTf, startTf, tf, useTf, type TfBackend } from './peers.js';
import { useThreads } from './threads.js';

// One thread, as in every stored result: Node's default is every core (gemm, mnist, predict and cnn time both).
await useThreads(1);

const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const Y = [0, 1, 1, 0];
const EPOCHS = 100;
const NEURASM = 'neurasm';

await startTf();

const report = new Report('xor', {
  title: `the seed's XOR program — fit ${EPOCHS} epochs on 4 samples (batch 32 → one step an epoch), warm`,
  unit: MILLISECONDS,
  contenders: [NEURASM, TF_CPU, TF_WASM],
  about: [
    'Each run is one model.fit(X, y, { epochs: 100, verbose: 0 }) on a model built and compiled once (it keeps training).',
    'neurasm takes the nested arrays as the seed writes them; TF.js takes tensors made once, as its users must.',
  ],
});

const model = new Sequential([new Dense(4, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 1 });
model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });

async function tfXor(backend: TfBackend): Promise<() => Promise<unknown>> {
  return onTf(backend, () => {
    const m = tf.sequential({
      layers: [tf.layers.dense({ units: 4, inputShape: [2], activation: 'relu' }), tf.layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const [x, y] = [tf.tensor2d(X), tf.tensor2d(Y, [4, 1])];
    return () => m.fit(x, y, { epochs: EPOCHS, verbose: 0 });
  });
}

const row = await report.row(`fit ${EPOCHS} epochs`, 1, [
  { name: NEURASM, run: () => model.fit(X, Y, { epochs: EPOCHS, verbose: 0 }) },
  { name: TF_CPU, before: () => useTf('cpu'), run: await tfXor('cpu') },
  { name: TF_WASM, before: () => useTf('wasm'), run: await tfXor('wasm') },
], { warmupMs: 500, minRuns: 15, minTimeMs: 4000, sampleMs: 0 });

report.target('× TF.js cpu', row.ratios[TF_CPU], 50);
report.finish();
