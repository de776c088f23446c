// Memory while training: the MNIST model 784-128-10 and the TensorFlow.js tutorial CNN, each for 20 epochs on
// 8,000 digits, batch 64. The JS heap (after a full GC) must not grow from epoch to epoch, and the wasm memory
// must be what the model needs, computed here from the architecture (not read from neurasm's internals), within 10%.
import v8 from 'node:v8';
import { arena } from '../src/arena.js';
import { kernels } from '../src/backend.js';
import { checkTarget, collectGarbage, formatNumber, formatRatio, printHeading, printTable, printTargets, writeResults } from './harness.js';
import { CLASSES, PIXELS, loadDigits } from './digits.js';
import { neurasmData, neurasmMlp } from './mlp.js';
import { TUTORIAL_CNN, neurasmCnn } from './cnn.js';
import { tensor } from '../src/index.js';
import { useThreads } from './threads.js';

// One thread, as in every stored result: Node's default is every core (gemm, mnist, predict and cnn time both).
await useThreads(1);

const SAMPLES = 8000;
const BATCH = 64;
const EPOCHS = 20;
const WARMUP_EPOCHS = 5;
const F32 = 4;
// The memory holds the module's static data below heapBase, then the arena; it grows in 64 KiB pages.
const PAGE = 65536;

printHeading(`memory — Adam, ${EPOCHS} epochs on ${SAMPLES.toLocaleString('en-US')} digits, batch ${BATCH}: the MNIST MLP, then the tutorial CNN`, [
  `JS heap: process.memoryUsage().heapUsed after global.gc(), in an onEpochEnd callback of a ${EPOCHS}-epoch fit that follows a`,
  `${WARMUP_EPOCHS}-epoch warm-up fit of the same model. wasm: arena.bytesInUse (blocks`,
  'handed out) and arena.memoryBytes (the WebAssembly.Memory, which never shrinks), against the expected bytes below,',
  "computed from each model's architecture here, not read from neurasm's internals.",
]);

/** What a model needs, from its architecture: bytes by purpose. */
interface Expected { parameters: number; gradients: number; adamSlots: number; activations: number; randomState: number; fitDataset: number }

/** Per-batch floats of a stack of layers for one sample: what each layer keeps (output, gradient and its own). */
function expectedFor(params: number, perSample: number): Expected {
  return {
    parameters: params * F32,
    gradients: params * F32,
    adamSlots: 2 * params * F32,
    activations: BATCH * perSample * F32,
    randomState: 4 * 16, // PCG32 streams: initialisation, shuffling, dropout (and one unused), one block
    fitDataset: SAMPLES * (PIXELS + 1) * F32 + SAMPLES * 4, // x and labels copied in, plus the shuffle order (i32)
  };
}

// 784-128-10: per sample the gathered input, its label slot (the output's width), a loss row, and per Dense
// layer its output, gradient and pre-activation.
const MLP_PARAMS = PIXELS * 128 + 128 + 128 * CLASSES + CLASSES;
const MLP_PER_SAMPLE = PIXELS + CLASSES + 1 + 3 * 128 + 3 * CLASSES;
// The tutorial CNN: conv 5×5×1→8 (24×24×8: output, gradient, pre-activation), max-pool (12×12×8: output,
// gradient, argmax), conv 5×5×8→16 (8×8×16, three), max-pool (4×4×16, three), flatten (256: two), dense (10, three).
const CNN_PARAMS = (5 * 5 * 1 * 8 + 8) + (5 * 5 * 8 * 16 + 16) + (256 * CLASSES + CLASSES);
const CNN_PER_SAMPLE = PIXELS + CLASSES + 1 + 3 * 4608 + 3 * 1152 + 3 * 1024 + 3 * 256 + 2 * 256 + 3 * CLASSES;

const digits = loadDigits(SAMPLES);
const data = neurasmData(digits);
const images = tensor(data.x.data, [SAMPLES, 28, 28, 1]);
const results: Record<string, unknown> = {};
const targets: ReturnType<typeof checkTarget>[] = [];

for (const { name, make, x, params, perSample } of [
  { name: 'mlp', make: () => neurasmMlp([128]), x: data.x, params: MLP_PARAMS, perSample: MLP_PER_SAMPLE },
  { name: 'cnn', make: () => neurasmCnn(TUTORIAL_CNN), x: images, params: CNN_PARAMS, perSample: CNN_PER_SAMPLE },
]) {
  const expected = expectedFor(params, perSample);
  const atRest = expected.parameters + expected.gradients + expected.adamSlots + expected.activations + expected.randomState;
  const whileTraining = atRest + expected.fitDataset;

  collectGarbage();
  const before = { heap: process.memoryUsage().heapUsed, wasmInUse: arena.bytesInUse, wasmMemory: arena.memoryBytes };
  const model = make();
  // Warm first ("once warm"): V8's optimised code and type feedback for fit land in the heap during the first
  // epochs (tens of KiB, then flat), which is not growth that continues.
  await model.fit(x, data.labels, { epochs: WARMUP_EPOCHS, batchSize: BATCH, shuffle: true, verbose: 0 });
  collectGarbage();
  const warm = process.memoryUsage().heapUsed;
  const heap: number[] = [];
  const code: number[] = [];
  const codeSpace = () => v8.getHeapSpaceStatistics().find((sp) => sp.space_name === 'code_space')?.space_used_size ?? 0;
  const wasmInUse: number[] = [];
  const wasmMemory: number[] = [];
  const started = performance.now();
  await model.fit(x, data.labels, {
    epochs: EPOCHS, batchSize: BATCH, shuffle: true, verbose: 0,
    callbacks: [{
      onEpochEnd: () => {
        collectGarbage();
        heap.push(process.memoryUsage().heapUsed);
        code.push(codeSpace());
        wasmInUse.push(arena.bytesInUse - before.wasmInUse);
        wasmMemory.push(arena.memoryBytes);
      },
    }],
  });
  const seconds = (performance.now() - started) / 1000;
  collectGarbage();
  const after = { heap: process.memoryUsage().heapUsed, wasmInUse: arena.bytesInUse - before.wasmInUse, wasmMemory: arena.memoryBytes };

  const first = heap[0]!;
  const last = heap[EPOCHS - 1]!;
  const growth = last - first;
  const codeGrowth = code[EPOCHS - 1]! - code[0]!;
  // V8 keeps optimising fit's code for many epochs: code and its metadata arrive in a few steps of tens of KiB.
  // A leak would instead add to every epoch, so the median of the epoch-to-epoch changes is the steady growth.
  const deltas = heap.slice(1).map((h, i) => h - heap[i]!).sort((a, b) => a - b);
  const steadyGrowth = deltas[deltas.length >> 1]!;
  const kb = (b: number) => `${formatNumber(b / 1024)} KiB`;
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  const peakInUse = Math.max(...wasmInUse);
  const peakMemory = Math.max(...wasmMemory);
  const expectedMemory = Math.ceil((kernels.heapBase() + before.wasmInUse + whileTraining) / PAGE) * PAGE;

  console.log(`\n${name}: ${params.toLocaleString('en-US')} params; trained ${EPOCHS} epochs in ${seconds.toFixed(1)} s (${formatNumber((EPOCHS * SAMPLES) / seconds)} samples/s, a GC after each epoch included)\n`);
  printTable([`${name}: JS heap (heapUsed after GC)`, 'bytes'], [
    ['before the model', mb(before.heap)],
    [`after a ${WARMUP_EPOCHS}-epoch warm-up fit`, mb(warm)],
    ['after epoch 1', mb(first)],
    [`after epoch ${EPOCHS}`, mb(last)],
    [`growth, epoch 1 → ${EPOCHS}`, kb(growth)],
    ['  of which V8 code space (JIT)', kb(codeGrowth)],
    ['growth per epoch, mean', kb(growth / (EPOCHS - 1))],
    ['growth per epoch, median (steady)', kb(steadyGrowth)],
    ['after fit returned', mb(after.heap)],
  ]);
  console.log('');
  printTable([`${name}: wasm memory`, 'measured', 'expected', 'measured/expected'], [
    ['in use while training (largest)', mb(peakInUse), mb(whileTraining), formatRatio(peakInUse / whileTraining)],
    ['in use after fit', mb(after.wasmInUse), mb(atRest), formatRatio(after.wasmInUse / atRest)],
    ['WebAssembly.Memory size', mb(peakMemory), mb(expectedMemory), formatRatio(peakMemory / expectedMemory)],
  ]);
  console.log(`\nexpected = ${params.toLocaleString('en-US')} params × 4 B × (weights + gradients + 2 Adam slots) = ${mb(4 * params * F32)}` +
    ` + batch-${BATCH} buffers ${kb(expected.activations)} (input, labels, loss rows; each layer's output, gradient and own)` +
    ` + fit's copies of the data ${mb(expected.fitDataset)} (x, labels, shuffle order) while training;` +
    ` the memory size adds the module's ${kb(kernels.heapBase())} of static data, in whole 64 KiB pages.`);

  targets.push(
    checkTarget(`${name}: JS heap steady growth per epoch (KiB; ${Math.ceil(SAMPLES / BATCH)} batches an epoch)`, steadyGrowth / 1024, 1, true),
    checkTarget(`${name}: wasm bytes in use while training: |measured/expected − 1|`, Math.abs(peakInUse / whileTraining - 1), 0.1, true),
    checkTarget(`${name}: wasm memory size: |measured/expected − 1|`, Math.abs(peakMemory / expectedMemory - 1), 0.1, true),
  );
  results[name] = {
    params, expected: { ...expected, atRest, whileTraining }, heapGrowth: growth, codeGrowth, steadyGrowth, before, warmHeap: warm, after,
    perEpoch: { heapUsed: heap, codeSpace: code, wasmBytesInUse: wasmInUse, wasmMemoryBytes: wasmMemory },
  };
  model.dispose();
}
console.log('');
printTargets(targets, 'issue 3; the CNN: issue 10');
const file = writeResults('memory', { samples: SAMPLES, batchSize: BATCH, epochs: EPOCHS, ...results, targets });
console.log(`\nwrote ${file}`);
