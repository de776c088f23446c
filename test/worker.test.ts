// The shipped worker helper (src/worker.ts) through the built package: serveWorker in a worker_threads worker
// and a Chromium module Worker, connectWorker outside. One XOR training source runs in every host, and the
// worker's progress and predictions equal the main thread's to the bit; errors, deaths and terminate reject.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium, resultsOf, serve } from './chromium.js';

type Neurasm = typeof import('../src/index.js');
type Job = { task: 'xor'; epochs: number } | { task: 'mismatch' } | { task: 'exit' } | { task: 'hang' };
type Progress = { epoch: number; loss: number };

const distFile = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const browserFile = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'neurasm-worker-'));

// The one training every host runs: the seed's XOR, seeded, one progress value per epoch.
const XOR = `
export async function trainXor({ Sequential, Dense }, epochs, progress) {
  const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
  const model = new Sequential([new Dense(8, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 42 });
  model.compile({ optimizer: 'adam', loss: 'binary_crossentropy' });
  await model.fit(x, [0, 1, 1, 0], { epochs, verbose: 0, callbacks: [{ onEpochEnd: (epoch, logs) => progress({ epoch, loss: logs.loss }) }] });
  const predictions = Array.from(model.predict(x).data);
  model.dispose();
  return predictions;
}
export function mismatch({ Sequential, Dense }) {
  const model = new Sequential([new Dense(1, { inputDim: 2 })], { seed: 1 });
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  return model.fit([[0, 0], [0, 1], [1, 0]], [0, 1]);
}`;

const WORKER = (neurasm: string) => `
import * as neurasm from '${neurasm}';
import { trainXor, mismatch } from './xor.mjs';
await neurasm.serveWorker(async (job, progress) => {
  if (job.task === 'xor') return trainXor(neurasm, job.epochs, progress);
  if (job.task === 'mismatch') return mismatch(neurasm);
  if (job.task === 'exit') { progress({ epoch: -1, loss: 0 }); setTimeout(() => process.exit(3), 50); }
  return new Promise(() => {}); // 'hang', and 'exit' until it exits
});
if (!globalThis.postMessage) (await import('node:worker_threads')).parentPort.postMessage({ mine: 'listening' }); // a user's own message`;

let dist: Neurasm;
let mainProgress: Progress[];
let mainPredictions: number[];
let mainError: Error;

const nodeWorker = (file = 'worker.mjs') => new Worker(join(out, file));
const connect = (worker: Worker = nodeWorker()) => dist.connectWorker<Job, number[], Progress>(worker);
const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a rejection'); }, (e: Error) => e);

beforeAll(async () => {
  if (!existsSync(distFile)) throw new Error('test/worker.test.ts runs the built package: npm run build:js first');
  writeFileSync(join(out, 'xor.mjs'), XOR);
  writeFileSync(join(out, 'worker.mjs'), WORKER(pathToFileURL(distFile).href));
  writeFileSync(join(out, 'throws.mjs'), `import '${pathToFileURL(distFile).href}';\nthrow new Error('boom at top level');\n`);
  dist = await import(pathToFileURL(distFile).href) as Neurasm;
  const { trainXor, mismatch } = await import(pathToFileURL(join(out, 'xor.mjs')).href) as {
    trainXor: (n: Neurasm, epochs: number, progress: (p: Progress) => void) => Promise<number[]>; mismatch: (n: Neurasm) => Promise<unknown>;
  };
  mainProgress = [];
  mainPredictions = await trainXor(dist, 50, (p) => mainProgress.push(p));
  mainError = await failure(mismatch(dist));
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('Node worker_threads', () => {
  it('trains XOR with one progress per epoch, to the same bits as the main thread', async () => {
    const client = await connect();
    try {
      const progress: Progress[] = [];
      const predictions = await client.run({ task: 'xor', epochs: 50 }, { onProgress: (p) => progress.push(p) });
      expect(progress.map((p) => p.epoch)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(progress).toEqual(mainProgress);
      expect(predictions).toHaveLength(4);
      expect(predictions).toEqual(mainPredictions);
    } finally {
      await client.terminate();
    }
  }, 30_000);

  it("a job's ShapeError arrives as the dist's ShapeError, and the worker serves the next job", async () => {
    const client = await connect();
    try {
      expect(mainError).toBeInstanceOf(dist.ShapeError);
      const e = await failure(client.run({ task: 'mismatch' }));
      expect(e).toBeInstanceOf(dist.ShapeError);
      expect([e.name, e.message]).toEqual(['ShapeError', mainError.message]);
      expect(await client.run({ task: 'xor', epochs: 50 })).toEqual(mainPredictions);
    } finally {
      await client.terminate();
    }
  }, 30_000);

  it('a worker that exits mid-job rejects every pending run with a NeurasmError naming the exit', async () => {
    const client = await connect();
    const seen: Progress[] = [];
    const errors = await Promise.all([failure(client.run({ task: 'exit' }, { onProgress: (p) => seen.push(p) })), failure(client.run({ task: 'hang' }))]);
    expect(seen).toEqual([{ epoch: -1, loss: 0 }]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(dist.NeurasmError);
      expect(e.message).toBe('run(): the worker exited with code 3 before the job finished');
    }
    const after = await failure(client.run({ task: 'hang' }));
    expect([after.name, after.message]).toEqual(['StateError', 'run(): the worker is closed: the worker exited with code 3']);
  }, 30_000);

  it('a worker that throws at top level makes connectWorker reject', async () => {
    const e = await failure(connect(nodeWorker('throws.mjs')));
    expect(e).toBeInstanceOf(dist.NeurasmError);
    expect(e.message).toBe('connectWorker(): the worker failed (Error: boom at top level) before it was ready');
  }, 30_000);

  it("connects to a worker whose first 'ready' nobody heard, and ignores the user's own messages", async () => {
    const worker = nodeWorker();
    const heard: unknown[] = [];
    await new Promise<void>((resolve) => {
      const listener = (m: unknown) => { heard.push(m); if (heard.length === 2) { worker.off('message', listener); resolve(); } };
      worker.on('message', listener);
    });
    expect(heard).toEqual([{ neurasm: 'ready' }, { mine: 'listening' }]); // the one 'ready' is gone before connectWorker
    const client = await connect(worker);
    try {
      expect(await client.run({ task: 'xor', epochs: 50 })).toEqual(mainPredictions);
    } finally {
      await client.terminate();
    }
  }, 30_000);

  it('a signal stops waiting: abort rejects with its reason, a timeout with a TimeoutError, and the worker lives on', async () => {
    const client = await connect();
    try {
      const controller = new AbortController();
      const seen: Progress[] = [];
      const xor = client.run({ task: 'xor', epochs: 50 }, { onProgress: (p) => seen.push(p), signal: controller.signal });
      controller.abort(new Error('no longer needed'));
      const e = await failure(xor);
      expect([e.name, e.message]).toEqual(['Error', 'no longer needed']);
      const timedOut = await failure(client.run({ task: 'hang' }, { signal: AbortSignal.timeout(100) }));
      expect(timedOut.name).toBe('TimeoutError');
      // Already aborted: rejected at once, nothing posted.
      const early = await failure(client.run({ task: 'xor', epochs: 1 }, { signal: AbortSignal.abort() }));
      expect(early.name).toBe('AbortError');
      const bad = await failure(client.run({ task: 'xor', epochs: 1 }, { signal: { aborted: false } as unknown as AbortSignal }));
      expect([bad.name, bad.message]).toEqual(['ValueError', 'run(): signal must be an AbortSignal (e.g. new AbortController().signal or AbortSignal.timeout(ms)), got an object (Object)']);
      // Options are checked as everywhere else (found by a hostile-input audit: these threw TypeErrors or were ignored).
      const refused = async (options: unknown) => { const e = await failure(client.run({ task: 'xor', epochs: 1 }, options as never)); return [e.name, e.message]; };
      expect(await refused(5)).toEqual(['ValueError', 'run(): options must be an object, got 5']);
      expect(await refused({ singal: controller.signal })).toEqual(['ValueError', "run(): unknown option 'singal' (options: onProgress, transfer, signal)"]);
      expect(await refused({ onProgress: 5 })).toEqual(['ValueError', 'run(): onProgress must be a function (value) => void, got 5']);
      expect(await refused({ transfer: 'x' })).toEqual(['ValueError', "run(): transfer must be an array of transferable objects (ArrayBuffers, MessagePorts, …), got \"x\""]);
      expect(seen.length).toBeLessThan(50); // the aborted run's progress stopped reaching its callback
    } finally {
      await client.terminate();
    }
    // The XOR job that was given up on still ran to the end in the worker; a fresh worker still gives the same bits.
    const again = await connect();
    try {
      expect(await again.run({ task: 'xor', epochs: 50 }, { signal: new AbortController().signal })).toEqual(mainPredictions);
    } finally {
      await again.terminate();
    }
  }, 30_000);

  it('terminate() rejects pending runs, and later runs reject with a StateError', async () => {
    const client = await connect();
    const pending = failure(client.run({ task: 'hang' }));
    await client.terminate();
    const e = await pending;
    expect(e).toBeInstanceOf(dist.NeurasmError);
    expect(e.message).toBe('run(): the worker was terminated before the job finished');
    const after = await failure(client.run({ task: 'xor', epochs: 1 }));
    expect(after).toBeInstanceOf(dist.StateError);
  }, 30_000);

  it('a Node process that connects, runs a job and terminates exits on its own', async () => {
    const script = join(out, 'process.mjs');
    writeFileSync(script, `
      import { Worker } from 'node:worker_threads';
      import { connectWorker } from '${pathToFileURL(distFile).href}';
      const client = await connectWorker(new Worker(new URL('./worker.mjs', import.meta.url)));
      const predictions = await client.run({ task: 'xor', epochs: 50 });
      await client.terminate();
      console.log(JSON.stringify(predictions));`);
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    const code = await new Promise((resolve) => {
      const timer = setTimeout(() => { child.kill(); resolve('timed out'); }, 20_000);
      child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout) as number[]).toEqual(mainPredictions);
  }, 30_000);

  it('serves on an explicit port (a MessageChannel in this thread)', async () => {
    const { port1, port2 } = new MessageChannel();
    await dist.serveWorker<number, number, number>((n, progress) => { progress(n); return n * 2; }, port1);
    const client = await dist.connectWorker<number, number, number>(Object.assign(port2, { terminate: () => port2.close() }));
    const seen: number[] = [];
    expect(await Promise.all([client.run(3, { onProgress: (v) => seen.push(v) }), client.run(5), client.run(7, null)])).toEqual([6, 10, 14]); // null: no options, as everywhere
    expect(seen).toEqual([3]);
    await client.terminate();
    port1.close();
  });

  it('bad arguments are ValueErrors', async () => {
    const e = await failure(dist.connectWorker({} as never));
    expect([e.name, e.message]).toEqual(['ValueError', 'connectWorker(worker): expected a Worker or port (postMessage with on or addEventListener), got an object (Object)']);
    const f = await failure(dist.serveWorker(42 as never));
    expect([f.name, f.message]).toEqual(['ValueError', 'serveWorker(handler): expected a function (job, progress) => result, got 42']);
  });
});

describe.runIf(chromiumAvailable())('headless Chromium', () => {
  let browser: Browser | undefined;
  afterAll(async () => { await browser?.close(); });

  it('a module Worker gives the same progress and predictions as Node, the same ShapeError; a missing one rejects', async () => {
    browser = await launchChromium();
    const page = `
      import * as neurasm from '/neurasm.js';
      const main = async () => {
        const client = await neurasm.connectWorker(new Worker('/worker.js', { type: 'module' }));
        const progress = [];
        const predictions = await client.run({ task: 'xor', epochs: 50 }, { onProgress: (p) => progress.push(p) });
        const e = await client.run({ task: 'mismatch' }).catch((e) => e);
        await client.terminate();
        const missing = await neurasm.connectWorker(new Worker('/missing.js', { type: 'module' })).catch((e) => e);
        return { progress, predictions, error: [e instanceof neurasm.ShapeError, e.name, e.message], missing: [missing instanceof neurasm.NeurasmError, missing.message] };
      };
      main().then((r) => { window.__results = r; }, (e) => { window.__failure = e.name + ': ' + e.message; });`;
    const { url, server } = await serve({
      '/': { body: '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>' },
      '/page.js': { body: page },
      '/worker.js': { body: WORKER('/neurasm.js') },
      '/xor.mjs': { body: XOR },
      '/neurasm.js': browserFile,
    });
    try {
      const r = await resultsOf(browser, url) as { progress: Progress[]; predictions: number[]; error: unknown[]; missing: unknown[] };
      expect(r.progress).toEqual(mainProgress);
      expect(r.predictions).toEqual(mainPredictions);
      expect(r.error).toEqual([true, 'ShapeError', mainError.message]);
      expect(r.missing).toEqual([true, 'connectWorker(): the worker failed to load or threw outside a job (see its console) before it was ready']);
    } finally {
      server.close();
    }
  }, 60_000);
});
