// Saving and loading in headless Chromium: IndexedDB and localStorage round trips (same predictions, and
// training resumes to the same bits), loadModel from an http URL the test serves and from File objects made
// on the page, and a hostile manifest refused without a request. test/fixtures/storage-page.ts is the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium, resultsOf, serve } from './chromium.js';
import { Dense, Dropout, Sequential, tensor } from '../src/index.js';
import { labels, mulberry32, oneHot, randn } from './helpers.js';

const out = mkdtempSync(join(tmpdir(), 'neurasm-saving-browser-'));
const ROWS = 32;
const PREDICT_ROWS = 16;
const FEATURES = 5;
const CLASSES = 3;
const rng = mulberry32(77);
const x = randn(ROWS * FEATURES, rng);
const y = oneHot(labels(ROWS, CLASSES, rng), CLASSES);
const xp = randn(PREDICT_ROWS * FEATURES, rng, 2);

interface Results {
  original: { predictions: number[]; weights: number[]; iterations: number };
  storage: Record<'indexeddb' | 'localstorage', { predictions: number[]; weights: number[]; iterations: number | undefined; metrics: string[] }>;
  resumed: Record<'original' | 'indexeddb' | 'localstorage', number[]>;
  served: Record<'relative' | 'absolute' | 'fromFiles' | 'fromFileList', number[]>;
  errors: Record<'traversal' | 'missingIndexedDB' | 'missingLocalStorage' | 'directoryInBrowser', { name: string; message: string } | 'resolved'>;
}

let browser: Browser | undefined;
let results: Results;
let nodePredictions: number[];
const requested: string[] = [];

beforeAll(async () => {
  if (!chromiumAvailable()) return;
  await build({ entryPoints: ['test/fixtures/storage-page.ts'], outfile: join(out, 'page.js'), bundle: true, format: 'esm', target: 'es2022', platform: 'browser', logLevel: 'error' });

  // The model the page loads over http and as Files: trained and saved here, in Node.
  const model = new Sequential([new Dense(6, { inputDim: FEATURES, activation: 'tanh' }), new Dropout(0.2), new Dense(CLASSES, { activation: 'softmax' })], { seed: 71 });
  model.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy' });
  await model.fit(tensor(x, [ROWS, FEATURES]), tensor(y, [ROWS, CLASSES]), { epochs: 3, batchSize: 8, verbose: 0 });
  const served = join(out, 'served');
  await model.save(served);
  nodePredictions = Array.from(model.predict(tensor(xp, [PREDICT_ROWS, FEATURES])).data);
  model.dispose();
  // A model.json whose manifest points outside its folder, at a file the server would hand out.
  const evil = JSON.parse(readFileSync(join(served, 'model.json'), 'utf8')) as { weightsManifest: Array<{ paths: string[] }> };
  evil.weightsManifest[0]!.paths = ['../secret.bin'];
  mkdirSync(join(out, 'evil'));
  writeFileSync(join(out, 'evil', 'model.json'), JSON.stringify(evil));

  browser = await launchChromium();
  const { url, server } = await serve({
    '/': { body: '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>' },
    '/page.js': join(out, 'page.js'),
    '/inputs.json': { body: JSON.stringify({ x: Array.from(x), y: Array.from(y), xp: Array.from(xp), rows: ROWS, predictRows: PREDICT_ROWS, features: FEATURES, classes: CLASSES }) },
    '/models/served/model.json': join(served, 'model.json'),
    '/models/served/weights.bin': join(served, 'weights.bin'),
    '/models/evil/model.json': join(out, 'evil', 'model.json'),
    '/models/secret.bin': join(served, 'weights.bin'),
  });
  server.on('request', (req) => { requested.push(new URL(req.url ?? '/', url).pathname); });
  try {
    results = await resultsOf(browser, url) as Results;
  } finally {
    server.close();
  }
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
});

describe.runIf(chromiumAvailable())('saving and loading in headless Chromium', () => {
  it.each(['indexeddb', 'localstorage'] as const)('%s://: saved and loaded back with the same predictions, weights and optimizer state', (where) => {
    const loaded = results.storage[where];
    expect(loaded.predictions).toEqual(results.original.predictions);
    expect(loaded.weights).toEqual(results.original.weights);
    expect(loaded.iterations).toBe(results.original.iterations);
    expect(loaded.metrics).toEqual(['loss', 'accuracy']);
  });

  it.each(['indexeddb', 'localstorage'] as const)('%s://: training resumes to the same bits as the original continuing', (where) => {
    expect(results.resumed[where]).toEqual(results.resumed.original);
    expect(results.resumed.original).not.toEqual(results.original.weights);
  });

  it.each(['relative', 'absolute', 'fromFiles', 'fromFileList'] as const)('a model saved in Node loads on the page (%s) and predicts the same bits as in Node', (how) => {
    expect(results.served[how]).toEqual(nodePredictions);
  });

  it("a manifest path '../secret.bin' is refused, and the file is never requested", () => {
    expect(results.errors.traversal).toEqual({ name: 'ValueError', message: expect.stringMatching(/weight file "\.\.\/secret\.bin" is not a plain file name beside model\.json/) });
    expect(requested).toContain('/models/evil/model.json');
    expect(requested).not.toContain('/models/secret.bin');
  });

  it('missing stored models and Node-only targets give clear errors', () => {
    expect(results.errors.missingIndexedDB).toEqual({ name: 'ValueError', message: expect.stringMatching(/no model 'no-such-model' in IndexedDB/) });
    expect(results.errors.missingLocalStorage).toEqual({ name: 'ValueError', message: expect.stringMatching(/no model 'no-such-model' in localStorage/) });
    expect(results.errors.directoryInBrowser).toEqual({ name: 'ValueError', message: expect.stringMatching(/saving to a directory needs Node/) });
  });
});

describe.runIf(chromiumAvailable())('browser storage shared with TensorFlow.js', () => {
  it("each library loads what the other saved to indexeddb:// and localstorage://, predicting within 1e-6", async () => {
    await build({ entryPoints: ['test/fixtures/tfjs-storage-page.ts'], outfile: join(out, 'tfjs-page.js'), bundle: true, format: 'esm', target: 'es2022', platform: 'browser', logLevel: 'error' });
    const { url, server } = await serve({
      '/': { body: '<!doctype html><meta charset="utf-8"><script type="module" src="/tfjs-page.js"></script>' },
      '/tfjs-page.js': join(out, 'tfjs-page.js'),
    });
    const own = browser ?? await launchChromium();
    try {
      const r = await resultsOf(own, url) as Record<string, number[]>;
      const close = (a: number[], b: number[]) => {
        expect(a).toHaveLength(b.length);
        a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-6));
      };
      expect(r.tfjs).toHaveLength(6);
      close(r.neurasmFromTfjsIndexedDB!, r.tfjs!);
      close(r.neurasmFromTfjsLocalStorage!, r.tfjs!);
      close(r.tfjsFromNeurasmIndexedDB!, r.neurasm!);
      close(r.tfjsFromNeurasmLocalStorage!, r.neurasm!);
    } finally {
      if (own !== browser) await own.close();
      server.close();
    }
  }, 120_000);
});
