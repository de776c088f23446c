// The same library, to the bit, in Node and in a real browser, on the main thread and in workers: three
// seeded trainings hash to the same SHA-256 everywhere, and an error thrown in a worker arrives as the same
// error class with the same message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { digitsFrom, fingerprint, type Digits } from './fixtures/fingerprint.js';
import { badCall, type Reply, type Task } from './fixtures/worker-tasks.js';
import { chromiumAvailable, launchChromium, resultsOf, serve } from './chromium.js';
import { errorFromData, errorToData, ShapeError } from '../src/index.js';

const require = createRequire(import.meta.url);
const digitFiles = Array.from({ length: 10 }, (_, d) => require.resolve(`mnist/src/digits/${d}.json`));
const out = mkdtempSync(join(tmpdir(), 'neurasm-browser-'));

async function bundle(entry: string, outfile: string, platform: 'browser' | 'node'): Promise<void> {
  await build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', target: 'es2022', platform, logLevel: 'error' });
}

function inNodeWorker(message: Task): Promise<Reply> {
  const worker = new Worker(join(out, 'worker.node.mjs'));
  return new Promise((resolve, reject) => {
    worker.on('message', (reply: Reply | { ready: true }) => {
      if ('ready' in reply) { worker.postMessage(message); return; }
      void worker.terminate();
      resolve(reply);
    });
    worker.once('error', reject);
  });
}

let digits: Digits;
let node: Record<string, string>;
let browser: Browser | undefined;

beforeAll(async () => {
  await Promise.all([
    bundle('test/fixtures/page.ts', join(out, 'page.js'), 'browser'),
    bundle('test/fixtures/worker.browser.ts', join(out, 'worker.js'), 'browser'),
    bundle('test/fixtures/worker.node.ts', join(out, 'worker.node.mjs'), 'node'),
  ]);
  digits = digitsFrom(digitFiles.map((f) => JSON.parse(readFileSync(f, 'utf8')) as { data: number[] }));
  node = await fingerprint(digits);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('Node', () => {
  it('trains to the same bits twice in one process', async () => {
    expect(await fingerprint(digits)).toEqual(node);
    expect(Object.values(node).every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
  }, 60_000);

  it('a worker_threads worker gives the same hashes', async () => {
    expect(await inNodeWorker({ task: 'fingerprint', digits })).toEqual({ hashes: node });
  }, 60_000);

  it("a worker's error arrives as the same error class and message", async () => {
    let direct: unknown;
    try { badCall(); } catch (e) { direct = e; }
    const reply = await inNodeWorker({ task: 'bad-input' });
    expect('error' in reply).toBe(true);
    const rebuilt = errorFromData((reply as { error: { name: string; message: string } }).error);
    expect(direct).toBeInstanceOf(ShapeError);
    expect(rebuilt).toBeInstanceOf(ShapeError);
    expect(rebuilt.message).toBe((direct as Error).message);
  }, 60_000);
});

describe.runIf(chromiumAvailable())('headless Chromium', () => {
  it('the main thread and a Worker give the same hashes as Node, and the same error', async () => {
    browser = await launchChromium();
    const routes: Record<string, string | { body: string }> = {
      '/': { body: '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>' },
      '/page.js': join(out, 'page.js'),
      '/worker.js': join(out, 'worker.js'),
    };
    digitFiles.forEach((f, d) => { routes[`/digits/${d}.json`] = f; });
    const { url, server } = await serve(routes);
    try {
      const r = await resultsOf(browser, url) as { main: unknown; worker: unknown; mainError: unknown; workerError: unknown };
      expect(r.main).toEqual(node);
      expect(r.worker).toEqual({ hashes: node });
      let direct: unknown;
      try { badCall(); } catch (e) { direct = errorToData(e); }
      expect(r.mainError).toEqual(direct);
      expect(r.workerError).toEqual({ error: direct });
    } finally {
      server.close();
    }
  }, 120_000);
});
