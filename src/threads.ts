// A pool of threads over the one shared memory. Each thread instantiates the same kernels on `memory` with its
// own packing scratch; a kernel call big enough to pay is cut into parts that every thread (the calling one too)
// claims one at a time from claim words in a control block in the memory, and the caller returns when all parts
// are done. Parts split the output (bands of tiles of C, rows of output pixels, runs of a flat vector), and each
// output is computed as the whole call computes it, so the bits are the same for any number of threads.
//
// Synchronisation is Atomics on the control block, no message per call. The caller writes a call's arguments,
// marks each part's chunks free in this call's generation (one claim word a part: the generation's tag and the
// free chunks' range), then publishes the generation. A thread takes a chunk by compareExchange on that word, which
// fails for a word of another generation, so a late thread, still holding the arguments of an earlier generation,
// can take nothing of a later call. Each thread takes its own part's chunks first, from the front (the caller part
// 0, thread i part i): consecutive calls that split the same data alike (a layer's gradient, then the optimizer
// step over it; a batch's gathered rows, then the first layer's product over them) leave each part's data in the
// cache of the core that used it last, where taking parts in any order would move it between cores at every call.
// A thread done with its part then takes what is left of the others from their backs, so a core that runs slower
// (a VM's, a laptop's efficiency core, one shared with another program) holds the call up by a chunk at most, not
// by the rest of its part. Parts are one chunk but for elementwise calls and the products whose chunks all use the
// panels of their operand B that a thread packs once (productChunks). The caller waits for the chunks others took with
// Atomics.wait, or, on a page's main thread (where Atomics.wait throws), by spinning on the count. A thread that
// never starts, or dies between calls, takes nothing, and the caller computes every chunk no one took; a chunk that
// throws in a thread is computed again by the caller (the kernels never throw on checked input; what this covers
// is a thread that fails before its kernel runs: a chunk that had added into its output, as denseForwardReduce's
// do, would add twice). A thread killed from outside in the middle of a chunk would leave the caller waiting: neurasm itself stops
// threads only between calls.
//
// Besides the split calls, one whole call at a time may run in the background (post, then join): a thread that has
// finished its parts of the current call takes it, while the caller goes on with work that does not touch its
// output (fit gathers the next batch this way while the current one trains). It has its own words and arguments
// in the control block, so the split calls in between are unaffected; the caller's join takes it back and runs it
// itself if no thread has started it, so a background call never waits for a thread that is not coming.
import { arena } from './arena.js';
import { kernels, memory, memoryShared, wasmModule, type Kernels } from './backend.js';
import { ValueError, describe } from './errors.js';

// ─── The control block (Int32 indices; the arguments as float64 from ARGS_BYTE) ───
const TICKET = 0; // the generation: bumped for every call (and by a stopping pool)
const DONE = 1; // parts finished (or given up) in this generation, by any thread
const READY = 2; // threads that have instantiated the kernels and wait for work
const FAILED = 3; // parts a thread could not finish in this generation
const KERNEL = 4; // index into NAMES, or −1: stop
const PARTS = 5;
const MODE = 6; // MODE_PARTS or MODE_ELEMENTS
const NARGS = 7;
const COUNT = 8; // MODE_ELEMENTS: elements in the whole call
const POINTERS = 9; // MODE_ELEMENTS: arguments 0 .. POINTERS − 1 are per-element pointers, argument POINTERS the count
const EPOCH = 10; // bumped when a pool stops: a thread of an older pool that sees it leaves
const BG_TICKET = 11; // the background call's generation (0: none posted yet)
const BG_CLAIM = 12; // BG_TICKET · 2 while it is free, · 2 + 1 once a thread (or the caller's join) has taken it
const BG_DONE = 13; // the generation of the last background call a thread finished
const BG_FAILED = 14; // 1 when the thread running it failed
const BG_KERNEL = 15; // index into NAMES
const STATUS = 16; // + part: bit c set when a thread's chunk c of the part failed
const CLAIM = 128; // + part: its chunks' claim word, chunkTag(generation) | front << 5 | back (see claimChunk)
const BG_NARGS = 80;
const BG_WHOLE = 81; // 1: the kernel takes no (part, parts); 0: it is called with (0, 1)
const CHUNKS = 82; // chunks per part in this generation
const TAKER = 192; // + part: the thread that took its first chunk (0: the caller, i: thread i)
const ARGS_BYTE = 1024;
const MAX_ARGS = 32;
/** The background call's arguments, then its result. */
const BG_ARGS_BYTE = ARGS_BYTE + MAX_ARGS * 8;
const BG_RESULT = MAX_ARGS; // f64 index from BG_ARGS_BYTE
const CONTROL_BYTES = BG_ARGS_BYTE + (MAX_ARGS + 1) * 8;

/** The kernel takes (…, part, parts) and computes its own share. */
const MODE_PARTS = 0;
/** The kernel is elementwise over a count: a part is the same call on a run of the elements. */
const MODE_ELEMENTS = 1;

/** Most threads a pool may have (a claim word and a status word per part). */
const MAX_THREADS = 64;

/** MR in assembly/gemm.ts: the rows of its microkernel's tile. */
const GEMM_TILE_ROWS = 4;

/** Kernels whose last two parameters are (part, parts), and the multiply-adds of a whole call from its arguments. */
const SPLIT_WORK = {
  // A·B and a Dense layer's product with fewer rows than gemm's tiles (MR = 4) run whole in part 0 (gemmRows): 0,
  // so that a one-row prediction does not wake a thread to do nothing.
  matmul: (a: number[]) => a[3]! < GEMM_TILE_ROWS ? 0 : a[3]! * a[4]! * a[5]!,
  matmulTransA: (a: number[]) => a[3]! * a[4]! * a[5]!,
  matmulTransB: (a: number[]) => a[3]! * a[4]! * a[5]!,
  denseForward: (a: number[]) => a[5]! < GEMM_TILE_ROWS ? 0 : a[5]! * a[6]! * a[7]!,
  denseForwardDepth: (a: number[]) => a[5]! < GEMM_TILE_ROWS ? 0 : a[5]! * a[6]! * a[7]!,
  // rows · units outputs, each read and written once per K block and activated: about 8 multiply-adds' time each
  denseForwardReduce: (a: number[]) => a[3]! * a[5]! * 8,
  // batch · outH · outW · outC · kH · kW · inC (the input gradient's count is of the same order)
  conv2dForward: (a: number[]) => a[5]! * a[18]! * a[19]! * a[9]! * a[10]! * a[11]! * a[8]!,
  conv2dInputGrad: (a: number[]) => a[3]! * a[16]! * a[17]! * a[7]! * a[8]! * a[9]! * a[6]!,
  conv2dFilterGrad: (a: number[]) => a[4]! * a[17]! * a[18]! * a[8]! * a[9]! * a[10]! * a[7]!,
  // batch · outH · outW · channels · poolH · poolW (reads and compares rather than multiply-adds)
  maxPool2d: (a: number[]) => a[3]! * a[13]! * a[14]! * a[6]! * a[7]! * a[8]!,
  maxPool2dGrad: (a: number[]) => a[3]! * a[13]! * a[14]! * a[6]! * a[7]! * a[8]!,
  avgPool2d: (a: number[]) => a[2]! * a[12]! * a[13]! * a[5]! * a[6]! * a[7]!,
  avgPool2dGrad: (a: number[]) => a[2]! * a[12]! * a[13]! * a[5]! * a[6]! * a[7]!,
  // rows · cols floats copied from random rows: about 8 multiply-adds' time each (a 256-sample MNIST batch: 0.76 ns a float)
  gatherRows: (a: number[]) => a[3]! * a[4]! * 8,
} as const;

/** Each split kernel's own parameters, before (part, parts); checked against the kernels' declarations. */
const SPLIT_ARITY = {
  matmul: 7, matmulTransA: 7, matmulTransB: 7, denseForward: 10, denseForwardDepth: 8, denseForwardReduce: 9, conv2dForward: 22, conv2dInputGrad: 18, conv2dFilterGrad: 19,
  maxPool2d: 15, maxPool2dGrad: 15, avgPool2d: 14, avgPool2dGrad: 14, gatherRows: 5,
} as const satisfies { [K in keyof typeof SPLIT_WORK]: WholeArgs<Kernels[K]>['length'] };

/** Elementwise kernels: how many leading arguments are pointers to per-element data (the count comes next). */
const ELEMENT_KERNELS = {
  linear: 2, relu: 2, sigmoid: 2, tanh: 2, leakyRelu: 2, elu: 2, selu: 2, gelu: 2, swish: 2, softplus: 2, relu6: 2,
  hardSigmoid: 2, hardSwish: 2, softsign: 2, mish: 2, logSigmoid: 2, exponential: 2, celu: 2, geluApproximate: 2,
  linearGrad: 4, reluGrad: 4, sigmoidGrad: 4, tanhGrad: 4, leakyReluGrad: 4, eluGrad: 4, seluGrad: 4, geluGrad: 4,
  swishGrad: 4, softplusGrad: 4, relu6Grad: 4, hardSigmoidGrad: 4, hardSwishGrad: 4, softsignGrad: 4, mishGrad: 4,
  logSigmoidGrad: 4, exponentialGrad: 4, celuGrad: 4, geluApproximateGrad: 4,
  sgdStep: 2, sgdMomentumStep: 3, adamStep: 4, adamAmsgradStep: 5, rmspropStep: 4, rmspropCenteredStep: 5,
  adagradStep: 3, adadeltaStep: 4, adamaxStep: 4, nadamStep: 4, lionStep: 3, ftrlStep: 4,
} as const satisfies { [K in keyof Kernels]?: number };

/** Kernels that run only whole, in the background (post), with their parameter counts. */
const WHOLE_KERNELS = { firstNonFinite: 2 } as const satisfies { firstNonFinite: Parameters<Kernels['firstNonFinite']>['length'] };

/** A kernel that computes part `part` of `parts` of its call itself. @internal */
export type SplitKernel = keyof typeof SPLIT_WORK;
/** An elementwise kernel, split into runs of its elements. @internal */
export type ElementKernel = keyof typeof ELEMENT_KERNELS;

/** Names in the order the threads index them (KERNEL). */
const NAMES: readonly string[] = [...Object.keys(SPLIT_WORK), ...Object.keys(ELEMENT_KERNELS), ...Object.keys(WHOLE_KERNELS)];
const INDEX = new Map(NAMES.map((n, i) => [n, i]));

// Measured by bench/threads.bench.ts on a 2-core machine (two runs): a split matmul broke even at 32³ multiply-adds
// (0.97–1.00×) and gained 1.37–1.43× at 48³ and 1.59–1.62× at 64³ = 2^18; adamStep and relu broke even near 2^13–2^14
// elements and gained 1.41–1.69× at 2^15. A split costs about 1.3 µs of synchronisation, and inside training its
// operands are often in the other core's cache, so the thresholds sit where both runs gained about 1.4× or more.
/** Where a call starts to be split. @internal */
export const THRESHOLDS = { work: 1 << 18, elements: 1 << 15 } as const;
/** Multiply-adds below which a product or convolution stays on the calling thread. */
let MIN_WORK: number = THRESHOLDS.work;
/** Elements below which an elementwise kernel stays on the calling thread. */
let MIN_ELEMENTS: number = THRESHOLDS.elements;

/**
 * First element of part `part` of `parts` of `count` elements: runs of whole 16-element blocks, so every part but
 * the last starts and ends on a vector boundary and the whole call's scalar tail stays the last part's. The
 * threads' program uses this function's own text.
 */
function elementStart(count: number, part: number, parts: number): number {
  return Math.min(count, part * Math.ceil(count / parts / 16) * 16);
}

/**
 * Takes a chunk of a part in generation `tag` (chunkTag's): its owner takes the next one from the front, any other
 * thread the last one from the back, so a thread that is done early takes over the end of a slower one's part while
 * the owner keeps the front, whose data it used last. Returns the chunk's index, or −1 when none is left (or the
 * word is of another generation: a late thread takes nothing of a later call). The word is tag | front << 5 | back:
 * chunks [front, back) are free. The threads' program uses this function's own text. @internal
 */
export function claimChunk(words: Int32Array, at: number, tag: number, owner: boolean): number {
  for (;;) {
    const word = Atomics.load(words, at);
    const front = (word >> 5) & 31, back = word & 31;
    if ((word & ~0x3ff) !== tag || front >= back) return -1;
    if (Atomics.compareExchange(words, at, word, owner ? word + 32 : word - 1) === word) return owner ? front : back - 1;
  }
}

/**
 * The generation's tag in a claim word: its low 22 bits (of the 24 it counts in), above the two 5-bit chunk counters
 * (as an int32, so the tag may be negative). A late thread could take a chunk of a later call only if the calls
 * went 2^22 generations on in the microseconds between its reading the generation and its claim. @internal
 */
export function chunkTag(generation: number): number {
  return (generation & 0x3fffff) << 10;
}

/** Most chunks a part is cut into (a failed chunk is a bit of its part's status word; a claim word counts to 31). */
const MAX_CHUNKS = 16;
/** Least elements in a chunk of an elementwise call: about 12 µs of Adam's step on one core. */
const CHUNK_ELEMENTS = 16384;
/** Least multiply-adds in a chunk of a product: about 25 µs of one core. */
const CHUNK_WORK = 1 << 19;
/** Least 4-row tiles in a chunk of a product: gemm's MC, the rows it packs at once. */
const CHUNK_TILES = 16;
/** Chunking as set by threadsForTest (off: every part one chunk, as before chunks). */
let chunking = true;

/** The products whose split calls may be chunked: where their (m, k, n), as gemm takes them, start in the arguments. */
const CHUNKED_PRODUCTS: { readonly [K in SplitKernel]?: number } = {
  matmul: 3, matmulTransA: 3, matmulTransB: 3, denseForward: 5,
  denseForwardDepth: 5, // by K blocks, each thread's in bands of rows
};

/**
 * Chunks per part for the product whose (m, k, n) are args[at], args[at + 1], args[at + 2] on `parts` threads
 * (at < 0: not a product CHUNKED_PRODUCTS lists, 1): gemm splits it by bands of rows, and a thread
 * packs each panel of its operand B once for all the chunks it runs (setChunks in assembly/gemm.ts) when B's
 * panels fit its packing space side by side (one block of at most 512 columns, gemm's NC; depth × columns, rounded
 * to its blocks and 8-column panels, at most 2^17 floats, its PACK_B); otherwise a chunk would pack B again, and
 * the call is not chunked. Each chunk has at least CHUNK_WORK multiply-adds and CHUNK_TILES 4-row tiles.
 */
function productChunks(args: Args, at: number, parts: number): number {
  if (at < 0) return 1;
  let m = args[at] as number, n = args[at + 2] as number;
  const k = args[at + 1] as number;
  if (m === 0 || k === 0) return 1;
  if (n <= 12 && m > n) [m, n] = [n, m]; // gemm's few-columns form multiplies the transpose
  const blocks = Math.ceil(k / 256), depth = blocks * Math.ceil(k / blocks); // gemm's kBlocks and kStep
  if (n > 512 || depth * Math.ceil(n / 8) * 8 > 1 << 17 || n > m) return 1; // B does not fit, or split by columns
  return Math.max(1, Math.min(MAX_CHUNKS, Math.floor(m * k * n / parts / CHUNK_WORK), Math.floor(Math.ceil(m / 4) / parts / CHUNK_TILES)));
}

/**
 * Loads of a word a thread spins through before it sleeps on it (Atomics.wait), the caller as the pool's threads,
 * when each thread has a core of its own: about 1 ms here (5.7 ns a load). A training step leaves a thread idle for
 * 0.1–0.3 ms at a time (the output layer, the loss), and waking one that sleeps costs more than that on a VM, whose
 * idle virtual core halts: 20,000 loads (0.12 ms) had the other thread sleep once a step, and 60,000 to 400,000
 * trained 1.5–4 % faster at batch 256 on two threads. The cost: a thread spins this long after the last call of a
 * burst. Counted, not timed: a look at the clock allocates, and a training step must not.
 */
let SPINS = 200_000;
/**
 * The same with more threads than cores, where a spinning thread holds a core that a thread with work needs: 4
 * threads on this 2-core machine took 140–147 ms an epoch at batch 64 with 200,000 loads, 126–128 with 2,000.
 */
const SHARED_CORE_SPINS = 2_000;
/** What this pool's threads and its caller spin: SPINS, or SHARED_CORE_SPINS for more threads than cores. */
let spinLimit = SPINS;

// The thread's program: a classic script, run by Node as an eval worker and by browsers from a Blob URL. It is
// self-contained (its only outside pieces are the texts of elementStart, claimChunk and chunkTag) so that it needs no
// file beside the bundle.
const SOURCE = `"use strict";
const node = typeof process === "object" && typeof require === "function";
const port = node ? require("node:worker_threads").parentPort : self;
const elementStart = ${elementStart.toString()};
const claimChunk = ${claimChunk.toString()};
const chunkTag = ${chunkTag.toString()};
const start = (init) => {
  let fns, setChunks;
  try {
    const x = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports;
    x.useScratch(init.scratch);
    setChunks = x.setChunks;
    fns = init.names.map((n) => {
      if (typeof x[n] !== "function") throw new Error("the kernels have no " + n);
      return x[n];
    });
  } catch (e) {
    port.postMessage({ failed: String((e && e.message) || e) });
    return;
  }
  const i32 = new Int32Array(init.memory.buffer, init.control, ${ARGS_BYTE / 4});
  const f64 = new Float64Array(init.memory.buffer, init.control + ${ARGS_BYTE}, ${MAX_ARGS});
  const bgf64 = new Float64Array(init.memory.buffer, init.control + ${BG_ARGS_BYTE}, ${MAX_ARGS + 1});
  let last = Atomics.load(i32, ${TICKET});
  if (Atomics.load(i32, ${EPOCH}) !== init.epoch) return port.close?.();
  Atomics.add(i32, ${READY}, 1);
  port.postMessage({ ready: true });
  for (;;) {
    let gen = Atomics.load(i32, ${TICKET});
    for (let spin = 0; gen === last && spin < init.spins; spin++) gen = Atomics.load(i32, ${TICKET});
    if (gen === last) { Atomics.wait(i32, ${TICKET}, gen); continue; }
    last = gen;
    const kernel = i32[${KERNEL}];
    if (kernel < 0 || i32[${EPOCH}] !== init.epoch) break;
    const parts = i32[${PARTS}], chunks = i32[${CHUNKS}], mode = i32[${MODE}], nargs = i32[${NARGS}], count = i32[${COUNT}], pointers = i32[${POINTERS}];
    const pieces = parts * chunks, tag = chunkTag(gen);
    const args = Array.from(f64.subarray(0, nargs));
    const fn = fns[kernel];
    const own = init.index % parts;
    const chunked = mode === ${MODE_PARTS} && chunks > 1;
    if (chunked) setChunks(chunks);
    for (let n = 0; n < parts; n++) {
      const part = (own + n) % parts;
      for (let chunk = claimChunk(i32, ${CLAIM} + part, tag, n === 0); chunk >= 0; chunk = claimChunk(i32, ${CLAIM} + part, tag, n === 0)) {
        if (chunk === 0) i32[${TAKER} + part] = init.index;
        const piece = part * chunks + chunk;
        try {
          if (init.fault > 0) { init.fault--; throw new Error("a fault injected by threadsForTest"); }
          if (init.slow > 0) for (const until = performance.now() + init.slow / 1000; performance.now() < until;);
          if (mode === ${MODE_PARTS}) fn(...args, piece, pieces);
          else {
            const lo = elementStart(count, piece, pieces), hi = elementStart(count, piece + 1, pieces);
            if (lo < hi) {
              const a = args.slice();
              for (let i = 0; i < pointers; i++) if (a[i] !== 0) a[i] += lo * 4;
              a[pointers] = hi - lo;
              fn(...a);
            }
          }
        } catch (e) {
          Atomics.or(i32, ${STATUS} + part, 1 << chunk);
          Atomics.add(i32, ${FAILED}, 1);
        }
        if (Atomics.add(i32, ${DONE}, 1) + 1 === pieces) Atomics.notify(i32, ${DONE});
      }
    }
    if (chunked) setChunks(1);
    // Then the background call, if one is waiting: after this generation's parts, which the caller waits for.
    const bg = Atomics.load(i32, ${BG_TICKET});
    if (bg !== 0 && Atomics.compareExchange(i32, ${BG_CLAIM}, bg * 2, bg * 2 + 1) === bg * 2) {
      const a = Array.from(bgf64.subarray(0, i32[${BG_NARGS}]));
      if (i32[${BG_WHOLE}] === 0) a.push(0, 1);
      let failed = 0, result = 0;
      try {
        if (init.backgroundFault > 0) { init.backgroundFault--; throw new Error("a fault injected by threadsForTest"); }
        result = fns[i32[${BG_KERNEL}]](...a) ?? 0;
      } catch (e) {
        failed = 1;
      }
      bgf64[${BG_RESULT}] = result;
      i32[${BG_FAILED}] = failed;
      Atomics.store(i32, ${BG_DONE}, bg);
      Atomics.notify(i32, ${BG_DONE});
    }
  }
  if (node) port.close(); else self.close();
};
if (node) port.once("message", start);
else self.onmessage = (e) => { self.onmessage = null; start(e.data); };
`;

/** A started thread, Node's or a browser's, seen through what the pool needs. */
interface Thread {
  scratch: number;
  /** Set once it has been stopped and its scratch returned. */
  stopped: boolean;
  ready: Promise<void>;
  /** Stops the thread on purpose; settles once it has exited (Node), or at once (a browser gives no signal). */
  terminate(): Promise<void>;
  /** Stops it as a crash would (tests): the pool learns of it from the thread's exit. */
  kill(): void;
}

let wanted = 1; // threads asked for (the calling one included), before any fallback
let threads: Thread[] = [];
let control = 0; // byte offset of the control block, 0 until the first pool starts
let i32: Int32Array | undefined;
let f64: Float64Array | undefined;
let bgf64: Float64Array | undefined;
let generation = 0;
let starting: Promise<number> | undefined;
let canWait: boolean | undefined;
let warned = false;
let poolEpoch = 0; // bumped by stopAll: a background call a stopped thread had taken is run again by join
let failStart = false;
let faultParts = 0; // threadsForTest: parts each new thread fails (throws instead of computing) before working normally
let slowPieces = 0; // threadsForTest: microseconds each new thread spins before each chunk
let faultBackground = 0; // threadsForTest: the same for background calls

/** One warning per process, for the first failure; the library goes on with one thread. */
function warnOnce(message: string): void {
  if (warned) return;
  warned = true;
  console.warn(`neurasm: ${message}; continuing on one thread`);
}

/** The threads a machine offers: Node's availableParallelism, a cross-origin-isolated page's hardwareConcurrency. */
function defaultThreads(): number {
  if (!memoryShared) return 1;
  const scope = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown }; navigator?: { hardwareConcurrency?: number } };
  const os = scope.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const n = os?.availableParallelism?.() ?? scope.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(n) || 1));
}

/**
 * The control block's words, its views made again if the memory has grown (a grown shared memory has a new
 * buffer); `f64` and `bgf64` are then current too. (No object returned: a training step allocates nothing.)
 */
function views(): Int32Array {
  if (!i32 || i32.buffer !== memory.buffer) {
    i32 = new Int32Array(memory.buffer, control, ARGS_BYTE / 4);
    f64 = new Float64Array(memory.buffer, control + ARGS_BYTE, MAX_ARGS);
    bgf64 = new Float64Array(memory.buffer, control + BG_ARGS_BYTE, MAX_ARGS + 1);
  }
  return i32;
}

/** Starts one thread on the shared memory; `ready` settles when it has instantiated the kernels. */
async function spawn(index: number): Promise<Thread> {
  const scratch = arena.alloc(kernels.scratchBytes() + 64, 'starting threads');
  try {
    return await start(index, scratch);
  } catch (e) {
    // The Worker could not even be made (no Worker, a permission model, a CSP that throws): its scratch goes back.
    arena.release(scratch);
    throw new Error(`a thread could not start: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Starts thread `index` with its scratch block; rejects if the Worker cannot be made. */
async function start(index: number, scratch: number): Promise<Thread> {
  const init = { module: wasmModule, memory, control, scratch, index, names: failStart ? ['noSuchKernel'] : NAMES, spins: spinLimit, fault: faultParts, slow: slowPieces, backgroundFault: faultBackground, epoch: Atomics.load(views(), EPOCH) };
  const scope = globalThis as { process?: { versions?: { node?: string } }; Worker?: new (url: string) => BrowserWorker };
  let settle!: (error?: Error) => void;
  const ready = new Promise<void>((resolve, reject) => { settle = (e) => (e ? reject(e) : resolve()); });
  let stopped = false;
  const lost = (why: string) => {
    settle(new Error(why));
    if (!stopped) threadLost(why);
  };
  const onMessage = (m: { ready?: boolean; failed?: string }) => {
    if (m.ready) settle();
    else if (m.failed !== undefined) lost(`a thread could not instantiate the kernels: ${m.failed}`);
  };
  if (typeof scope.process?.versions?.node === 'string') {
    const specifier = 'node:worker_threads'; // not a literal: browser bundlers leave it alone
    const { Worker } = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
    // execArgv: [] so that a parent run with --input-type=module does not make the source an ES module (no require).
    const worker = new Worker(SOURCE, { eval: true, execArgv: [] });
    worker.on('message', onMessage);
    worker.on('error', (e: Error) => lost(`a thread failed: ${e.message}`));
    worker.on('exit', (code: number) => lost(`a thread exited (code ${code})`));
    // Referenced while it starts (an awaited setThreads keeps the process alive), then never: a waiting thread
    // must not keep a finished program running. (on('message') refs a worker again, so this comes after it.)
    void ready.then(() => worker.unref(), () => undefined);
    worker.postMessage(init);
    return { scratch, stopped: false, ready, terminate: () => { stopped = true; return worker.terminate().then(() => undefined, () => undefined); }, kill: () => void worker.terminate() };
  }
  if (typeof scope.Worker !== 'function') throw new Error('this environment has no Worker');
  const url = URL.createObjectURL(new Blob([SOURCE], { type: 'text/javascript' }));
  const worker = new scope.Worker(url);
  URL.revokeObjectURL(url);
  worker.onmessage = (e) => onMessage(e.data as { ready?: boolean; failed?: string });
  worker.onerror = (e) => { e.preventDefault?.(); lost(`a thread failed: ${e.message ?? 'could not start a Worker'}`); };
  worker.postMessage(init);
  return { scratch, stopped: false, ready, terminate: () => { stopped = true; worker.terminate(); return Promise.resolve(); }, kill: () => worker.terminate() };
}

interface BrowserWorker {
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message?: string; preventDefault?(): void }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}

/**
 * Stops every thread and returns their scratch; kernels then run on the calling thread. A new epoch and a new
 * generation with no parts go out first, so a thread that has not died yet can take no part of a later call.
 */
function stopAll(): Promise<void> {
  const old = threads;
  threads = [];
  poolEpoch++;
  if (control !== 0) {
    const words = views();
    Atomics.add(words, EPOCH, 1);
    Atomics.store(words, BG_CLAIM, -1); // a background call no thread has taken stays for join, not a later pool
    words[KERNEL] = -1;
    words[PARTS] = 0;
    Atomics.store(words, READY, 0);
    generation = (generation + 1) & 0xffffff;
    Atomics.store(words, TICKET, generation);
    Atomics.notify(words, TICKET);
  }
  return Promise.all(old.map(stop)).then(() => undefined);
}

/** Stops one thread and returns its scratch, once however often it is asked; settles when the thread has exited. */
function stop(t: Thread): Promise<void> {
  if (t.stopped) return Promise.resolve();
  t.stopped = true;
  arena.release(t.scratch);
  return t.terminate();
}

/** A thread failed or exited while in use: warn once and carry on with one thread. */
function threadLost(why: string): void {
  if (threads.length === 0) return;
  warnOnce(why);
  wanted = 1;
  void stopAll();
}

/** Brings the pool to `n` threads (the calling one included); resolves to the number running. */
function resize(n: number): Promise<number> {
  const run = async (): Promise<number> => {
    if (threads.length === n - 1) return n;
    await stopAll(); // a thread still shutting down would slow the next calls for a while
    if (n === 1) return 1;
    const started: Thread[] = [];
    try {
      // Inside the try: the pool may be starting in the background (startLazily), where a full memory must leave
      // one thread running with a warning, not reject a promise nobody holds.
      if (control === 0) {
        control = arena.alloc(CONTROL_BYTES, 'starting threads');
        new Uint8Array(memory.buffer, control, CONTROL_BYTES).fill(0);
      }
      const words = views();
      Atomics.store(words, READY, 0);
      spinLimit = n <= defaultThreads() ? SPINS : Math.min(SPINS, SHARED_CORE_SPINS);
      for (let i = 1; i < n; i++) started.push(await spawn(i));
      threads = started;
      await Promise.all(started.map((t) => t.ready));
      return n;
    } catch (e) {
      // A thread that failed may have stopped the pool already (threadLost); stop whatever is left of this start.
      if (threads === started) void stopAll();
      await Promise.all(started.map(stop));
      warnOnce(e instanceof Error ? e.message : String(e));
      wanted = 1;
      return 1;
    }
  };
  const previous = starting ?? Promise.resolve(0);
  const next = previous.then(run, run).finally(() => { if (starting === next) starting = undefined; });
  starting = next;
  return next;
}

/**
 * Sets how many threads run the kernels (the calling one included) and resolves to the number running once they
 * are ready. The results are the same bits for any number. Threads need a shared memory: Node always has one; a
 * browser page needs to be cross-origin isolated (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`), else this resolves to 1. A thread that cannot start leaves one
 * thread running, with one console warning. `setThreads(1)` stops the pool (a test's teardown, say).
 * @param n an integer from 1 to 64
 */
export async function setThreads(n: number): Promise<number> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new ValueError(`setThreads(): n must be an integer from 1 to ${MAX_THREADS}, got ${describe(n)}`);
  }
  if (n > 1 && !memoryShared) {
    warnOnce('threads need SharedArrayBuffer, which a browser gives only to cross-origin-isolated pages (COOP/COEP headers)');
    wanted = 1;
    return 1;
  }
  wanted = n;
  return resize(n);
}

/** How many threads run the kernels, the calling one included: what `setThreads` set, by default every core. */
export function getThreads(): number {
  return wanted;
}

wanted = defaultThreads();

/** Whether this thread may block in Atomics.wait (a page's main thread may not). */
function waitAllowed(words: Int32Array): boolean {
  if (canWait === undefined) {
    try {
      Atomics.wait(words, STATUS + 63, 1, 0); // not equal: returns at once, or throws where blocking is barred
      canWait = true;
    } catch {
      canWait = false;
    }
  }
  return canWait;
}


/** The first call big enough to split starts the pool in the background (this call and any until it is ready run whole). */
function startLazily(): void {
  if (starting === undefined && memoryShared) void resize(wanted);
}

const stats = { calls: 0, partsElsewhere: 0, ownParts: 0, chunksTaken: 0, background: 0, backgroundElsewhere: 0 };

/**
 * Calls split over the pool so far, the parts other threads computed (in parts: chunks ÷ chunks a part), the parts
 * whose first chunk their own thread computed (part 0 the caller, part i thread i), the chunks of other threads'
 * parts the caller took, background calls joined and those another thread ran (tests and benches); and the loads the
 * current pool's threads spin before they sleep. @internal
 */
export function threadStats(): { calls: number; partsElsewhere: number; ownParts: number; chunksTaken: number; background: number; backgroundElsewhere: number; spins: number } {
  return { ...stats, spins: spinLimit };
}

/**
 * Test hooks. @internal
 * - `thresholds`: the sizes from which calls are split (0: split everything the pool can).
 * - `failStart`: threads started from now on fail to instantiate the kernels.
 * - `kill`: terminates one running thread as a crash would, without telling the pool.
 * - `spins`: the loads that the threads of a pool started from now on, and its caller, spin before they sleep (at
 *   most SHARED_CORE_SPINS with more threads than cores).
 * - `faultParts`: threads started from now on throw in place of their first `faultParts` parts, as a kernel that
 *   failed in a thread would.
 * - `faultBackground`: the same for their first background calls.
 * - `chunking`: false: every part of a call is one chunk, as before chunks (benches compare the two).
 * - `slowPieces`: threads started from now on spin this many microseconds before each chunk they compute, as a
 *   slower core would, so that the caller takes chunks of their parts.
 */
export function threadsForTest(hook: {
  thresholds?: { work: number; elements: number }; failStart?: boolean; kill?: boolean; spins?: number; faultParts?: number; faultBackground?: number;
  chunking?: boolean; slowPieces?: number;
}): void {
  if (hook.thresholds) ({ work: MIN_WORK, elements: MIN_ELEMENTS } = hook.thresholds);
  if (hook.spins !== undefined) SPINS = hook.spins;
  if (hook.chunking !== undefined) chunking = hook.chunking;
  if (hook.slowPieces !== undefined) slowPieces = hook.slowPieces;
  if (hook.failStart !== undefined) failStart = hook.failStart;
  if (hook.faultParts !== undefined) faultParts = hook.faultParts;
  if (hook.faultBackground !== undefined) faultBackground = hook.faultBackground;
  if (hook.kill) threads[0]?.kill();
}

/**
 * Runs runPart for parts 0 .. parts − 1 of the call in `current` on the pool (this thread takes parts too) and returns
 * the number of parts once all are done; the first `nargs` of `args` are the whole call's arguments as the threads
 * pass them to kernel `index`. `shapeAt`: where a product's (m, k, n) start in `args`, for productChunks.
 */
function dispatch(index: number, mode: number, args: Args, nargs: number, count: number, pointers: number, shapeAt = -1): number {
  const words = views();
  const values = f64!;
  const parts = Math.min(threads.length + 1, 1 + Atomics.load(words, READY));
  if (parts === 1) {
    runPart(0, 1);
    return 1;
  }
  for (let i = 0; i < nargs; i++) values[i] = Number(args[i]); // booleans as 0 or 1, missing ones NaN (unused)
  // Each part is cut into chunks, so that a thread done early takes the end of a slower one's part (claimChunk):
  // elementwise calls, and the products whose chunks all use the panels of B a thread packs once (productChunks).
  const chunks = !chunking ? 1
    : mode === MODE_ELEMENTS ? Math.max(1, Math.min(MAX_CHUNKS, Math.floor(count / parts / CHUNK_ELEMENTS))) : productChunks(args, shapeAt, parts);
  const pieces = parts * chunks;
  const chunked = mode === MODE_PARTS && chunks > 1;
  words[KERNEL] = index; words[PARTS] = parts; words[CHUNKS] = chunks; words[MODE] = mode; words[NARGS] = nargs;
  words[COUNT] = count; words[POINTERS] = pointers;
  words.fill(0, STATUS, STATUS + parts);
  Atomics.store(words, DONE, 0);
  Atomics.store(words, FAILED, 0);
  generation = (generation + 1) & 0xffffff;
  const gen = generation, tag = chunkTag(gen);
  for (let part = 0; part < parts; part++) Atomics.store(words, CLAIM + part, tag | chunks);
  Atomics.store(words, TICKET, gen);
  Atomics.notify(words, TICKET);
  let error: unknown;
  let mine = 0;
  // Part 0 from the front, then what is left of the others from their backs.
  if (chunked) kernels.setChunks(chunks);
  for (let part = 0; part < parts; part++) {
    for (let chunk = claimChunk(words, CLAIM + part, tag, part === 0); chunk >= 0; chunk = claimChunk(words, CLAIM + part, tag, part === 0)) {
      if (chunk === 0) words[TAKER + part] = 0;
      if (part !== 0) stats.chunksTaken++;
      mine++;
      // After an error here, the remaining chunks are still taken (not computed), so no thread starts them.
      if (error === undefined) {
        try {
          runPart(part * chunks + chunk, pieces);
        } catch (e) {
          error = e;
        }
      }
      Atomics.add(words, DONE, 1);
    }
  }
  if (chunked) kernels.setChunks(1);
  // Wait for the chunks the other threads took (never for one no one took: this thread took those).
  const blocking = waitAllowed(words);
  let spins = 0;
  for (let done = Atomics.load(words, DONE); done < pieces; done = Atomics.load(words, DONE)) {
    if (blocking && ++spins > spinLimit) Atomics.wait(words, DONE, done);
  }
  stats.calls++;
  stats.partsElsewhere += (pieces - mine) / chunks;
  for (let part = 0; part < parts; part++) if (words[TAKER + part] === part) stats.ownParts++;
  if (error !== undefined) throw error;
  if (Atomics.load(words, FAILED) > 0) {
    // A thread's chunk failed (the kernels themselves never throw on checked input): do it here, then go on alone.
    if (chunked) kernels.setChunks(chunks); // a chunk of a K-split Dense forward pass is one only in a chunked call
    try {
      for (let part = 0; part < parts; part++) {
        for (let chunk = 0; chunk < chunks; chunk++) if ((words[STATUS + part]! >> chunk) & 1) runPart(part * chunks + chunk, pieces);
      }
    } finally {
      if (chunked) kernels.setChunks(1);
    }
    threadLost('a thread failed while computing');
  }
  return parts;
}

// NOTE: `parallel` and `elementwise` take their arguments as fixed parameters, not a rest array, and pass them on
// as they came (a call below the thresholds) or through arrays allocated once: a training step makes these calls a
// few times per layer and must not allocate on the JS heap (test/trust.test.ts measures it). The arrays hold
// tagged values (never unboxed doubles, which Reflect.apply would box again). Missing trailing arguments are
// undefined, which the kernels take as 0: (part, parts) = (0, 0) is the whole call.
type Args = unknown[];
/** Each split kernel's arguments, then (part, parts): the calling thread's parts go through it. */
const splitArgs = Object.fromEntries(Object.entries(SPLIT_ARITY).map(([name, arity]) => [name, new Array<unknown>(arity + 2).fill(undefined)])) as Record<SplitKernel, Args>;
/** An elementwise call's arguments, and a copy a part's run is written into. */
const elementArgs: Args = new Array<unknown>(12).fill(undefined);
const runArgs: Args = new Array<unknown>(12).fill(undefined);

/**
 * Calls the kernel with (…args, part, parts), split over the pool when the call is big enough to pay; the bits
 * are those of `kernels[name](...args, 0, 1)`. Returns the number of parts it ran in (1: whole, on this thread),
 * which a second call finishing the first's work needs (denseForwardReduce). @internal
 */
export function parallel<K extends SplitKernel>(name: K, ...args: WholeArgs<Kernels[K]>): number;
export function parallel(name: SplitKernel, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown,
  a6?: unknown, a7?: unknown, a8?: unknown, a9?: unknown, a10?: unknown, a11?: unknown, a12?: unknown, a13?: unknown, a14?: unknown,
  a15?: unknown, a16?: unknown, a17?: unknown, a18?: unknown, a19?: unknown, a20?: unknown, a21?: unknown): number {
  const kernel = kernels[name] as unknown as (...a: unknown[]) => void;
  const arity = SPLIT_ARITY[name];
  const args = splitArgs[name];
  args[0] = a0; args[1] = a1; args[2] = a2; args[3] = a3; args[4] = a4; args[5] = a5; args[6] = a6;
  if (arity > 7) { args[7] = a7; args[8] = a8; args[9] = a9; }
  if (arity > 10) {
    args[10] = a10; args[11] = a11; args[12] = a12; args[13] = a13;
    if (arity > 14) args[14] = a14;
    if (arity > 15) { args[15] = a15; args[16] = a16; args[17] = a17; }
    if (arity > 18) args[18] = a18;
    if (arity > 19) { args[19] = a19; args[20] = a20; args[21] = a21; }
  }
  if (wanted === 1 || !splits(SPLIT_WORK[name](args as number[]))) {
    kernel(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21);
    return 1;
  }
  current.kernel = kernel; current.mode = MODE_PARTS; current.args = args; current.arity = arity;
  return dispatch(INDEX.get(name)!, MODE_PARTS, args, arity, 0, 0, CHUNKED_PRODUCTS[name] ?? -1);
}

/**
 * Calls an elementwise kernel, split into runs of its elements over the pool when the call is big enough to pay;
 * the bits are those of the whole call. @internal
 */
export function elementwise<K extends ElementKernel>(name: K, ...args: Parameters<Kernels[K]>): void;
export function elementwise(name: ElementKernel, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown,
  a6?: unknown, a7?: unknown, a8?: unknown, a9?: unknown, a10?: unknown, a11?: unknown): void {
  const kernel = kernels[name] as unknown as (...a: unknown[]) => void;
  const pointers = ELEMENT_KERNELS[name];
  const count = (pointers === 2 ? a2 : pointers === 3 ? a3 : pointers === 4 ? a4 : a5) as number;
  if (!splitting(count)) {
    kernel(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
    return;
  }
  const args = elementArgs;
  args[0] = a0; args[1] = a1; args[2] = a2; args[3] = a3; args[4] = a4; args[5] = a5;
  args[6] = a6; args[7] = a7; args[8] = a8; args[9] = a9; args[10] = a10; args[11] = a11;
  current.kernel = kernel; current.mode = MODE_ELEMENTS; current.args = args; current.count = count; current.pointers = pointers;
  dispatch(INDEX.get(name)!, MODE_ELEMENTS, args, args.length, count, pointers);
}

/** The background call: what join needs to run it here, and whether one is outstanding. */
const background = {
  pending: false, ticket: 0, epoch: 0, result: 0, posted: false,
  kernel: (() => 0) as (...a: unknown[]) => unknown, args: new Array<unknown>(24).fill(undefined) as Args,
};

/**
 * Starts `kernels[name](...args)` (a split kernel: `(...args, 0, 1)`, the whole call) in the background on a
 * thread of the pool, to be collected by `join()`, which must come before anything reads its output or changes
 * its input, and before the next `post`. A thread takes it once it has done its parts of the current split call:
 * with `wake`, at once (the caller has no split call to make meanwhile); without, together with the caller's
 * next split call, so that the thread does its part of that call first. Without a running pool, it runs here and
 * now. @internal
 */
export function post<K extends SplitKernel | keyof typeof WHOLE_KERNELS>(name: K, wake: boolean,
  ...args: K extends SplitKernel ? WholeArgs<Kernels[K]> : Parameters<Kernels[K]>): void;
export function post(name: SplitKernel | keyof typeof WHOLE_KERNELS, wake: boolean, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown,
  a4?: unknown, a5?: unknown): void {
  if (background.posted) throw new Error('post(): the previous background call was not joined');
  // Fixed parameters, not a rest array: fit posts a call every step, and a step allocates nothing.
  const whole = name in WHOLE_KERNELS;
  const n = whole ? WHOLE_KERNELS[name as keyof typeof WHOLE_KERNELS] : SPLIT_ARITY[name as SplitKernel];
  if (n > 6) throw new Error(`post(): ${name} takes more arguments than post passes on`);
  const bg = background;
  const args = bg.args;
  args[0] = a0; args[1] = a1; args[2] = a2; args[3] = a3; args[4] = a4; args[5] = a5;
  for (let i = n; i < 8; i++) args[i] = undefined;
  if (!whole) { args[n] = 0; args[n + 1] = 1; }
  bg.kernel = kernels[name] as unknown as (...a: unknown[]) => unknown;
  const words = threads.length > 0 ? views() : undefined;
  if (words === undefined || Atomics.load(words, READY) === 0) {
    bg.result = runBackground();
    bg.posted = true;
    return;
  }
  const values = bgf64!;
  for (let i = 0; i < n; i++) values[i] = Number(args[i]);
  words[BG_KERNEL] = INDEX.get(name)!; words[BG_NARGS] = n; words[BG_WHOLE] = whole ? 1 : 0;
  bg.ticket = (bg.ticket % 0xffffff) + 1;
  Atomics.store(words, BG_CLAIM, bg.ticket * 2);
  Atomics.store(words, BG_TICKET, bg.ticket);
  bg.epoch = poolEpoch;
  bg.pending = bg.posted = true;
  if (wake) {
    // A generation with no parts: the threads wake, find nothing to split, and look at the background call. (The
    // kernel word may still hold a stopped pool's −1, which tells a thread to leave.)
    words[KERNEL] = 0;
    words[PARTS] = 0;
    generation = (generation + 1) & 0xffffff;
    Atomics.store(words, TICKET, generation);
    Atomics.notify(words, TICKET);
  }
}

/**
 * Waits for the background call `post` started and returns what its kernel returned (0 for none); if no thread
 * has taken it yet, runs it here. A call a thread failed, or one whose thread was stopped, runs here again (its
 * kernels only write their output, so that is safe). Returns at once when nothing is outstanding. @internal
 */
export function join(): number {
  const bg = background;
  if (!bg.posted) return 0;
  bg.posted = false;
  stats.background++;
  if (!bg.pending) return bg.result;
  bg.pending = false;
  const words = views();
  const values = bgf64!;
  const t = bg.ticket;
  if (Atomics.compareExchange(words, BG_CLAIM, t * 2, t * 2 + 1) === t * 2 || bg.epoch !== poolEpoch) return runBackground();
  const blocking = waitAllowed(words);
  let spins = 0;
  for (let done = Atomics.load(words, BG_DONE); done !== t; done = Atomics.load(words, BG_DONE)) {
    if (blocking && ++spins > spinLimit) Atomics.wait(words, BG_DONE, done);
  }
  if (words[BG_FAILED] === 1) {
    const result = runBackground();
    threadLost('a thread failed while computing');
    return result;
  }
  stats.backgroundElsewhere++;
  return values[BG_RESULT]!;
}

/** Runs the background call on this thread. */
function runBackground(): number {
  const r = callWith(background.kernel, background.args) as number | undefined;
  return r ?? 0;
}

/**
 * Whether `elementwise` would split a call over `count` elements (and, if the pool has not started, starts it).
 * Callers that compute f64 arguments call the kernel directly otherwise, since passing them through
 * `elementwise` would box them on the JS heap. @internal
 */
export function splitting(count: number): boolean {
  return pays(count, MIN_ELEMENTS);
}

/**
 * Whether a split kernel call of `work` multiply-adds would be split (and, if the pool has not started, starts
 * it): what `parallel` decides. @internal
 */
export function splits(work: number): boolean {
  return pays(work, MIN_WORK);
}

/**
 * Whether work over `floats` floats (a copy, a check) is worth posting to run in the background: threads are
 * wanted and it is at least 4,096 floats at the default thresholds (an eighth of a split call's least work, at 8 a float as SPLIT_WORK
 * counts a copy). A background call needs no wait when it is done in time, so it pays sooner than a split: at
 * MNIST batch 32 (25,088 floats a batch, a gather too small to split) fit's epoch went 1.56–1.61 × → 1.63–1.68 ×
 * faster than one thread's, in one process, alternating. @internal
 */
export function backgroundPays(floats: number): boolean {
  return wanted > 1 && floats * 8 * 8 >= MIN_WORK;
}

/** Whether a call of `size` (multiply-adds or elements) reaching `threshold` goes to the pool; the first such call starts it (and runs whole). */
function pays(size: number, threshold: number): boolean {
  if (wanted === 1 || size < threshold) return false;
  if (threads.length > 0) return true;
  startLazily();
  return false;
}

// The products and the Dense forward as layers call them: split over the pool when the call pays, else the kernel
// called right here. Each has its own call site for its kernel, which stays monomorphic; a call through parallel()
// stores its arguments and reaches the kernel through a call site every kernel shares: about 50 ns more a call
// (151 against 98–104 ns on a 4×4×4 product), 0.5–1% of the unsplit 128→10 products at batch 64.

/** C (m×n) = A (m×k) · B (k×n), added to C if `accumulate`; the bits of `kernels.matmul(…, 0, 1)`. @internal */
export function matmul(c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean): void {
  if (splits(m * k * n)) parallel('matmul', c, a, b, m, k, n, accumulate);
  else kernels.matmul(c, a, b, m, k, n, accumulate, 0, 1);
}

/** C (m×n) = Aᵀ · B with A stored k×m; the bits of `kernels.matmulTransA(…, 0, 1)`. @internal */
export function matmulTransA(c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean): void {
  if (splits(m * k * n)) parallel('matmulTransA', c, a, b, m, k, n, accumulate);
  else kernels.matmulTransA(c, a, b, m, k, n, accumulate, 0, 1);
}

/** C (m×n) = A · Bᵀ with B stored n×k; the bits of `kernels.matmulTransB(…, 0, 1)`. @internal */
export function matmulTransB(c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean): void {
  if (splits(m * k * n)) parallel('matmulTransB', c, a, b, m, k, n, accumulate);
  else kernels.matmulTransB(c, a, b, m, k, n, accumulate, 0, 1);
}

/** A Dense layer's product, bias and activation over `rows` vectors; the bits of `kernels.denseForward(…, 0, 1)`. @internal */
export function denseForward(out: number, pre: number, x: number, w: number, bias: number, rows: number, inDim: number, units: number,
  activation: number, alpha: number): void {
  if (splits(rows * inDim * units)) parallel('denseForward', out, pre, x, w, bias, rows, inDim, units, activation, alpha);
  else kernels.denseForward(out, pre, x, w, bias, rows, inDim, units, activation, alpha, 0, 1);
}

/** The call being split, for runPart (module state rather than a closure: no allocation per call). */
const current = { kernel: (() => undefined) as (...a: unknown[]) => void, mode: MODE_PARTS, args: runArgs, arity: 0, count: 0, pointers: 0 };

/** Computes part `part` of `parts` of the current call on this thread. */
function runPart(part: number, parts: number): void {
  const { kernel, args } = current;
  if (current.mode === MODE_PARTS) {
    args[current.arity] = part;
    args[current.arity + 1] = parts;
    callWith(kernel, args);
    return;
  }
  const { count, pointers } = current;
  const lo = elementStart(count, part, parts), hi = elementStart(count, part + 1, parts);
  if (lo >= hi) return;
  for (let i = 0; i < args.length; i++) runArgs[i] = args[i];
  for (let i = 0; i < pointers; i++) if (args[i] !== 0) runArgs[i] = (args[i] as number) + lo * 4;
  runArgs[pointers] = hi - lo;
  callWith(kernel, runArgs);
}

/** kernel(...a) without the copy Reflect.apply makes: reads past the array's end are undefined, which kernels ignore. */
function callWith(kernel: (...a: unknown[]) => unknown, a: Args): unknown {
  return kernel(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17],
    a[18], a[19], a[20], a[21], a[22], a[23]);
}

/** A split kernel's arguments without its trailing (part, parts). */
type WholeArgs<F> = F extends (...a: [...infer A, number, number]) => unknown ? A : never;
