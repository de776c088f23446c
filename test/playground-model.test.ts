// The playground's "Inside the model" section in Chromium: it shows the shipped digit model (the summary table
// with the totals model.json implies, the Graphviz diagram, the first layer's filters), a model saved to
// IndexedDB or downloaded comes back with bit-identical predictions after a reload, and hostile or wrong files
// give a readable error while the previous model keeps predicting. Every test ends with no console error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Dense, Flatten, Sequential } from '../src/index.js';
import { chromiumAvailable } from './chromium.js';
import { startPlayground, type Playground } from './playground.js';

const SHIPPED = 'playground/model';

interface ModelJson {
  modelTopology: { model_config?: { config: unknown }; config: unknown };
  weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[] }> }>;
}
interface Upload { name: string; mimeType: string; buffer: Buffer }

const shippedJson = (): ModelJson => JSON.parse(readFileSync(join(SHIPPED, 'model.json'), 'utf8')) as ModelJson;

/** The layers model.json describes (an InputLayer is not one of the model's layers). */
function layersOf(json: ModelJson): Array<{ class_name: string; config: Record<string, unknown> }> {
  const config = (json.modelTopology.model_config ?? json.modelTopology).config as { layers?: unknown } | unknown[];
  const layers = (Array.isArray(config) ? config : config.layers) as Array<{ class_name: string; config: Record<string, unknown> }>;
  return layers.filter((l) => l.class_name !== 'InputLayer');
}

/** The weights the manifest lists for the layers (not an optimizer's state), as a count of numbers. */
function weightCount(json: ModelJson): number {
  const names = new Set(layersOf(json).map((l) => l.config.name));
  return json.weightsManifest.flatMap((g) => g.weights)
    .filter((w) => names.has(w.name.split('/')[0]) && w.name.split('/').length === 2)
    .reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** The shipped model's files, its weights multiplied by `factor` (so it predicts differently). */
function shippedFiles(factor = 1): Upload[] {
  const json = shippedJson();
  const weights = [...new Set(json.weightsManifest.flatMap((g) => g.paths))].map((path) => {
    const bytes = readFileSync(join(SHIPPED, path));
    const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    for (let i = 0; i < floats.length; i++) floats[i]! *= factor;
    return { name: path, mimeType: 'application/octet-stream', buffer: Buffer.from(floats.buffer) };
  });
  return [{ name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) }, ...weights];
}

const jsonFile = (text: string, name = 'model.json'): Upload => ({ name, mimeType: 'application/json', buffer: Buffer.from(text) });

/** A fixed picture: a thick vertical stroke with a slant, like a hand-drawn "1". */
const STROKE = Array.from({ length: 784 }, (_, i) => {
  const y = Math.floor(i / 28), x = i % 28;
  return y >= 4 && y < 24 && Math.abs(x - (15 - (y - 4) / 5)) < 1.6 ? 1 : 0;
});

const predict = (page: Page): Promise<number[]> =>
  page.evaluate((pixels) => (window as unknown as { __playground: { predictDigit(p: number[]): number[] } }).__playground.predictDigit(pixels), STROKE);

const message = (page: Page) => page.locator('#model .message');
const source = (page: Page) => page.locator('#model .model-source');

/** Waits for the section's action to end: its message no longer says "…ing…". */
async function settled(page: Page): Promise<string> {
  await page.waitForFunction(() => {
    const text = document.querySelector('#model .message')?.textContent ?? '';
    return text !== '' && !text.endsWith('\u2026');
  }, undefined, { timeout: 20_000 });
  return (await message(page).textContent()) ?? '';
}

async function choose(page: Page, files: Upload[]): Promise<string> {
  await page.locator('#model input[type=file]').setInputFiles(files);
  return settled(page);
}

/** Drops files on the drop zone as a user's drag and drop does (a DataTransfer holding Files). */
async function drop(page: Page, files: Upload[]): Promise<string> {
  await page.evaluate((list) => {
    const transfer = new DataTransfer();
    for (const f of list) transfer.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.mimeType }));
    document.querySelector('#model .model-drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, files.map((f) => ({ name: f.name, mimeType: f.mimeType, bytes: [...f.buffer] })));
  return settled(page);
}

let playground: Playground;

describe.runIf(chromiumAvailable())('the playground: inside the model', () => {
  beforeAll(async () => { playground = await startPlayground(); }, 120_000);
  afterAll(async () => { await playground?.close(); });

  it('shows the summary table, the diagram and the first layer\u2019s filters of the shipped model', async () => {
    const json = shippedJson();
    const layers = layersOf(json);
    const { page, problems } = await playground.open();
    const table = page.locator('#model .model-table table');
    await expect(table.locator('tbody tr').count()).resolves.toBe(layers.length);
    await expect(table.getAttribute('data-total-params')).resolves.toBe(String(weightCount(json)));
    await expect(table.locator('tfoot').textContent()).resolves.toContain(weightCount(json).toLocaleString('en-US'));
    // The diagram is Graphviz's SVG in the page, naming the layers' classes, drawn once the section is near the screen.
    await page.locator('#model .model-diagram').scrollIntoViewIfNeeded();
    const svg = page.locator('#model .model-diagram[data-diagram=drawn] svg');
    await svg.waitFor({ timeout: 20_000 });
    await expect(svg.locator('text').allTextContents()).resolves.toEqual(expect.arrayContaining([expect.stringContaining('Conv2D')]));
    const box = await svg.boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    // One small picture per filter of the first Conv2D.
    const conv = layers.find((l) => l.class_name === 'Conv2D')!;
    await expect(page.locator('#model .model-filter canvas').count()).resolves.toBe(Math.min(conv.config.filters as number, 64));
    await expect(page.locator('#model .model-filter figcaption').first().textContent()).resolves.toBe('filter 1');
    await expect(source(page).textContent()).resolves.toContain('Model in use');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('fits a phone\u2019s width without scrolling sideways', async () => {
    const { page, problems } = await playground.open(390);
    await page.locator('#model .model-diagram').scrollIntoViewIfNeeded();
    await page.locator('#model .model-diagram[data-diagram=drawn] svg').waitFor({ timeout: 20_000 });
    const widths = await page.evaluate(() => {
      const section = document.getElementById('model')!;
      return { scroll: section.scrollWidth, client: section.clientWidth, right: section.getBoundingClientRect().right };
    });
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    expect(widths.right).toBeLessThanOrEqual(390);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('saves to IndexedDB and downloads; after a reload both load back with bit-identical predictions', async () => {
    const { page, problems } = await playground.open();
    const shipped = await predict(page);
    await page.getByRole('button', { name: 'Load from this browser' }).click();
    await expect(settled(page)).resolves.toMatch(/^Nothing is saved in this browser yet/);
    // A model unlike the shipped one, so that a restored prediction cannot be the shipped model's by chance.
    await expect(choose(page, shippedFiles(0.75))).resolves.toMatch(/^Loaded model\.json/);
    await expect(source(page).textContent()).resolves.toContain('loaded from model.json');
    const changed = await predict(page);
    expect(changed).not.toEqual(shipped);

    await page.getByRole('button', { name: 'Save in this browser' }).click();
    await expect(settled(page)).resolves.toMatch(/^Saved in this browser/);
    const downloads: Upload[] = [];
    page.on('download', (d) => {
      downloads.push({ name: d.suggestedFilename(), mimeType: '', buffer: Buffer.alloc(0) });
      void d.path().then((path) => { downloads.find((u) => u.name === d.suggestedFilename())!.buffer = readFileSync(path); });
    });
    await page.getByRole('button', { name: 'Download model files' }).click();
    await expect(settled(page)).resolves.toMatch(/^Downloading digits\.json/);
    await expect.poll(() => downloads.filter((d) => d.buffer.length > 0).map((d) => d.name).sort(), { timeout: 10_000 })
      .toEqual(['digits.json', 'digits.weights.bin']);

    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', undefined, { timeout: 30_000 });
    await expect(predict(page)).resolves.toEqual(shipped);
    await page.getByRole('button', { name: 'Load from this browser' }).click();
    await expect(settled(page)).resolves.toMatch(/^Loaded the model saved in this browser/);
    await expect(predict(page)).resolves.toEqual(changed);
    await expect(page.locator('#model .model-table tbody tr').count()).resolves.toBe(layersOf(shippedJson()).length);

    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', undefined, { timeout: 30_000 });
    await expect(drop(page, downloads)).resolves.toMatch(/^Loaded digits\.json/);
    await expect(predict(page)).resolves.toEqual(changed);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('refuses hostile and wrong files with a clear error, and the shipped model keeps predicting', async () => {
    const { page, problems } = await playground.open();
    await page.locator('#model .model-diagram').scrollIntoViewIfNeeded();
    const before = await predict(page);
    const sourceBefore = await source(page).textContent();
    const text = JSON.stringify(shippedJson());
    const weights = shippedFiles().slice(1);
    const firstPath = shippedJson().weightsManifest[0]!.paths[0]!;
    const small = new Sequential([new Dense(10, { inputShape: [3], activation: 'softmax' })]);
    const artifacts = await small.save();
    const notDigits: Upload[] = [
      jsonFile(JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] })),
      { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(artifacts.weightData as ArrayBuffer) },
    ];
    small.dispose();
    const huge = shippedJson();
    huge.weightsManifest[0]!.weights[0]!.shape = [100_000, 1_000];
    const cases: Array<[string, Upload[], RegExp, 'drop' | 'choose']> = [
      ['a topology that is a string', [jsonFile('{"modelTopology": "x", "weightsManifest": []}')], /^model\.json was not loaded: modelTopology: expected an object/, 'drop'],
      ['truncated JSON', [jsonFile(text.slice(0, text.length >> 1)), ...weights], /^model\.json was not loaded: model\.json is not JSON/, 'choose'],
      ['a weights manifest naming a file not given', [jsonFile(text)], new RegExp(`^model\\.json was not loaded: weight file '${firstPath.replace(/\./g, '\\.')}' was not among the files given`), 'drop'],
      ['weights larger than the page accepts', [jsonFile(JSON.stringify(huge)), ...weights], /^model\.json was not loaded: .*maxBytes limit/, 'choose'],
      ['weight files without a model.json', weights, /^These files were not loaded: none of the files is a model\.json/, 'drop'],
      ['a 10-unit Dense model on 3 inputs', notDigits, /^model\.json was not loaded: .*digit/i, 'choose'],
      ['a model.json that is only {"modelTopology": "x"}', [jsonFile('{"modelTopology": "x"}')], /^model\.json was not loaded: .*(modelTopology|weightsManifest)/, 'drop'],
    ];
    for (const [what, files, expected, how] of cases) {
      const shown = how === 'drop' ? await drop(page, files) : await choose(page, files);
      expect(shown, what).toMatch(expected);
      await expect(page.locator('#model').getByRole('alert').textContent(), what).resolves.toBe(shown);
      expect(shown, what).toMatch(/The model in use has not changed\.$/);
      await expect(predict(page), what).resolves.toEqual(before);
      await expect(source(page).textContent(), what).resolves.toBe(sourceBefore);
    }
    // Still working: a good file loads after the bad ones. A model without convolutions shows its first weights as a heatmap.
    const mlp = new Sequential([new Flatten({ inputShape: [28, 28, 1] }), new Dense(10, { activation: 'softmax' })]);
    const mlpArtifacts = await mlp.save();
    mlp.dispose();
    await expect(choose(page, [
      jsonFile(JSON.stringify({ modelTopology: mlpArtifacts.modelTopology, weightsManifest: [{ paths: ['mlp.bin'], weights: mlpArtifacts.weightSpecs }] }), 'mlp.json'),
      { name: 'mlp.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(mlpArtifacts.weightData as ArrayBuffer) },
    ])).resolves.toMatch(/^Loaded mlp\.json/);
    await expect(page.locator('#model .model-table tbody tr').count()).resolves.toBe(2);
    await expect(page.locator('#model canvas.model-heatmap').count()).resolves.toBe(1);
    await expect(page.locator('#model .model-area-weights').textContent()).resolves.toContain('784');
    await page.waitForFunction(() => {
      const diagram = document.querySelector('#model .model-diagram')!;
      return diagram.getAttribute('data-diagram') === 'drawn' && !diagram.textContent!.includes('Conv2D') && diagram.textContent!.includes('Dense');
    }, undefined, { timeout: 20_000 });
    await expect(choose(page, shippedFiles())).resolves.toMatch(/^Loaded model\.json/);
    await expect(page.locator('#model .model-filter canvas').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('#model').getByRole('alert').count()).resolves.toBe(0);
    await expect(predict(page)).resolves.toEqual(before);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);
});
