// The playground's digits section end to end in Chromium: digits drawn with simulated mouse strokes (and finger
// strokes at a phone's width) are read by the shipped model, Clear forgets them, "Train it here" retrains in a
// Worker and puts its model in use; and the MNIST-style preprocessing on its own, in Node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { mnistDigit } from '../playground/draw.js';
import { startPlayground, type Playground } from './playground.js';

type Point = [number, number];

/** A "1": one stroke from near the top to near the bottom, leaning a little; points as fractions of the pad. */
const ONE: Point[] = Array.from({ length: 12 }, (_, i) => [0.53 - 0.05 * (i / 11), 0.18 + 0.64 * (i / 11)]);
/** A "0": an upright ellipse of 40 points, closed. */
const ZERO: Point[] = Array.from({ length: 41 }, (_, i) => {
  const a = (2 * Math.PI * i) / 40;
  return [0.5 + 0.2 * Math.sin(a), 0.5 - 0.3 * Math.cos(a)];
});

async function pad(page: Page) {
  const canvas = page.getByLabel('Drawing area');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  if (!box) throw new Error('the drawing area is not visible');
  return box;
}

/** Draws one stroke with the mouse: press at the first point, move through the rest, release. */
async function drawWithMouse(page: Page, points: Point[]): Promise<void> {
  const box = await pad(page);
  const at = ([x, y]: Point) => [box.x + x * box.width, box.y + y * box.height] as const;
  await page.mouse.move(...at(points[0]!));
  await page.mouse.down();
  for (const point of points.slice(1)) await page.mouse.move(...at(point), { steps: 2 });
  await page.mouse.up();
}

/** Draws one stroke with a finger (touch events through the DevTools protocol, as a touch screen sends them). */
async function drawWithFinger(page: Page, points: Point[]): Promise<void> {
  const box = await pad(page);
  const cdp = await page.context().newCDPSession(page);
  const at = ([x, y]: Point) => ({ x: box.x + x * box.width, y: box.y + y * box.height });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(points[0]!)] });
  for (const point of points.slice(1)) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(point)] });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** The section's reading once the page has drawn two more frames (predictions wait for an animation frame). */
async function reading(page: Page): Promise<{ prediction?: string; confidence?: string; source?: string }> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  return page.evaluate(() => {
    const { prediction, confidence, source } = document.getElementById('digits')!.dataset;
    return { prediction, confidence, source };
  });
}

describe('the digits section', () => {
  let playground: Playground;
  beforeAll(async () => { playground = await startPlayground(); }, 120_000);
  afterAll(async () => { await playground?.close(); });

  it('reads a drawn 1 as 1 and a drawn 0 as 0 with the shipped model, and Clear forgets the drawing', async () => {
    const { page, problems } = await playground.open();
    expect(await reading(page)).toEqual({ prediction: undefined, confidence: undefined, source: 'shipped with the site' });
    await drawWithMouse(page, ONE);
    const one = await reading(page);
    expect(one.prediction).toBe('1');
    expect(Number(one.confidence)).toBeGreaterThan(0.5);
    await expect(page.locator('.digits-answer').textContent()).resolves.toMatch(/^It looks like a 1 \(\d+%\)$/);
    await expect(page.locator('.digits-bars li.top .digits-label').textContent()).resolves.toBe('1');

    await page.getByRole('button', { name: 'Clear' }).click();
    expect(await reading(page)).toEqual({ prediction: undefined, confidence: undefined, source: 'shipped with the site' });
    await expect(page.locator('.digits-answer').textContent()).resolves.toBe('Draw a digit in the box.');

    await drawWithMouse(page, ZERO);
    const zero = await reading(page);
    expect(zero.prediction).toBe('0');
    expect(Number(zero.confidence)).toBeGreaterThan(0.5);
    // The 28 × 28 preview holds the drawing: some pixels inked, most blank.
    const inked = await page.locator('canvas.digits-preview').evaluate((c: HTMLCanvasElement) => {
      const { data } = c.getContext('2d')!.getImageData(0, 0, 28, 28);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 128) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(30);
    expect(inked).toBeLessThan(400);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('fits a 390 px wide phone: the whole pad is on screen and a finger draws on it', async () => {
    const { page, problems } = await playground.open(390);
    const box = await pad(page);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.width).toBeGreaterThanOrEqual(270);
    const overflow = await page.evaluate(() => {
      const section = document.getElementById('digits')!;
      return section.scrollWidth - section.clientWidth;
    });
    expect(overflow).toBe(0);
    await drawWithFinger(page, ONE);
    expect((await reading(page)).prediction).toBe('1');
    await page.getByRole('button', { name: 'Clear' }).click();
    await drawWithFinger(page, ZERO);
    expect((await reading(page)).prediction).toBe('0');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('trains a new model in a Worker ("Train it here"), shows progress and the loss, and reads with it', async () => {
    const { page, problems } = await playground.open();
    await page.getByLabel('Epochs (passes over the digits)').fill('2');
    await page.getByRole('button', { name: 'Train it here' }).click();
    await page.waitForFunction(() => document.getElementById('digits')!.dataset.training !== 'running', undefined, { timeout: 90_000 });
    const state = await page.evaluate(() => {
      const section = document.getElementById('digits')!;
      return { training: section.dataset.training, progress: (section.querySelector('progress') as HTMLProgressElement).value };
    });
    expect(state).toEqual({ training: 'done', progress: 1 });
    await expect(page.locator('.digits-progress-text').textContent()).resolves.toMatch(/^100% · Done: 2 of 2 epochs$/);
    // The loss chart: uPlot's canvas, with the training line drawn (some pixels not blank).
    const painted = await page.locator('.digits-chart canvas').first().evaluate((c: HTMLCanvasElement) => {
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(100);
    await drawWithMouse(page, ONE);
    const one = await reading(page);
    expect(one.source).toBe('trained here');
    expect(one.prediction).toBe('1');
    await expect(page.locator('.digits-source').textContent()).resolves.toMatch(/^Reading with the model trained here: 1,800 digits in [\d.]+ s; it reads \d+% of 200 digits kept out of training correctly\.$/);

    await page.getByRole('button', { name: 'Use the shipped model' }).click();
    await page.waitForFunction(() => document.getElementById('digits')!.dataset.source === 'shipped with the site');
    expect((await reading(page)).prediction).toBe('1');
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('refuses a bad epoch count in words; Cancel stops a training run and the page keeps reading with the model it had', async () => {
    const { page, problems } = await playground.open();
    await page.getByLabel('Epochs (passes over the digits)').fill('0');
    await page.getByRole('button', { name: 'Train it here' }).click();
    await expect(page.locator('#digits [role="alert"]').textContent()).resolves.toBe('Epochs must be a whole number from 1 to 30 (got "0").');
    await page.getByLabel('Epochs (passes over the digits)').fill('20');
    await page.getByRole('button', { name: 'Train it here' }).click();
    await page.waitForFunction(() => Number(document.getElementById('digits')!.dataset.trainProgress) > 0, undefined, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForFunction(() => document.getElementById('digits')!.dataset.training === 'cancelled');
    await drawWithMouse(page, ONE);
    expect(await reading(page)).toMatchObject({ prediction: '1', source: 'shipped with the site' });
    expect(await page.getByRole('button', { name: 'Train it here' }).isEnabled()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});

describe('mnistDigit (the MNIST-style preprocessing)', () => {
  /** A blank picture with a filled rectangle of ink. */
  function rectangle(width: number, height: number, [x0, y0, x1, y1]: [number, number, number, number]): Float32Array {
    const ink = new Float32Array(width * height);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) ink[y * width + x] = 1;
    return ink;
  }
  /** The extent of pixels above 0.5 and the centre of mass of a 28 × 28 digit. */
  function measure(digit: Float32Array) {
    let left = 28, right = -1, top = 28, bottom = -1, mass = 0, sx = 0, sy = 0;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = digit[y * 28 + x]!;
        mass += v; sx += v * (x + 0.5); sy += v * (y + 0.5);
        if (v > 0.5) { left = Math.min(left, x); right = Math.max(right, x); top = Math.min(top, y); bottom = Math.max(bottom, y); }
      }
    }
    return { width: right - left + 1, height: bottom - top + 1, cx: sx / mass, cy: sy / mass, mass };
  }

  it('returns null for a blank drawing', () => {
    expect(mnistDigit(new Float32Array(100 * 100), 100, 100)).toBeNull();
  });

  it('scales the longer side to 20 pixels, keeps the aspect ratio and centres the centre of mass', () => {
    // 100 × 300 of ink off to one corner of a 560 × 560 pad: 20 px tall and about 6.7 px wide once scaled.
    const digit = mnistDigit(rectangle(560, 560, [400, 200, 500, 500]), 560, 560)!;
    const m = measure(digit);
    expect(m.height).toBe(20);
    expect(m.width).toBeGreaterThanOrEqual(6);
    expect(m.width).toBeLessThanOrEqual(8);
    expect(m.cx).toBeCloseTo(14, 5);
    expect(m.cy).toBeCloseTo(14, 5);
    expect(m.mass).toBeCloseTo((20 * 20) / 3, 3); // area kept: each output pixel is the mean of what it covers
    expect(Math.max(...digit)).toBeLessThanOrEqual(1);
  });

  it('gives the same digit for the same drawing at any size or place', () => {
    const small = mnistDigit(rectangle(200, 200, [10, 20, 50, 100]), 200, 200)!;
    const large = mnistDigit(rectangle(600, 600, [300, 100, 420, 340]), 600, 600)!;
    for (let i = 0; i < 784; i++) expect(large[i]).toBeCloseTo(small[i]!, 5);
  });
});
