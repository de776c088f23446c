// The playground's "Learn a 2-D dataset" section in Chromium: it loads cleanly at desktop and phone widths, Start
// on XOR brings the shown training loss below 0.1 within seconds and changes the decision-boundary picture,
// Pause/Step/Reset do exactly what they say, and the page keeps drawing frames while the Worker trains.
// Every test ends with no console error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable } from './chromium.js';
import { startPlayground, type Playground } from './playground.js';

let playground: Playground;

beforeAll(async () => {
  if (chromiumAvailable()) playground = await startPlayground();
}, 120_000);

afterAll(async () => { await playground?.close(); });

const learn = (page: Page) => page.locator('#learn');
const button = (page: Page, name: string) => learn(page).getByRole('button', { name, exact: true });
const attribute = async (page: Page, name: string) => Number(await learn(page).getAttribute(`data-${name}`));

/** Waits until the section has a model and no job in flight. */
async function idle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getElementById('learn')!.dataset.state === 'idle', undefined, { timeout: 20_000 });
}

/** A hash of the decision-boundary canvas's picture (its PNG: getImageData twice would warn in the console). */
function boundaryHash(page: Page): Promise<string> {
  return page.evaluate(() => {
    const canvas = document.getElementById('learn-boundary') as HTMLCanvasElement;
    const png = canvas.toDataURL('image/png');
    let h = 2166136261;
    for (let i = 0; i < png.length; i++) h = Math.imul(h ^ png.charCodeAt(i), 16777619) >>> 0;
    return `${canvas.width}x${canvas.height}:${png.length}:${h.toString(16)}`;
  });
}

/** Waits until the stats show `epoch` (drawn at the animation frame after its snapshot). */
async function shown(page: Page, epoch: number): Promise<void> {
  await page.waitForFunction((e) => document.querySelector('#learn .learn-stats dd')?.textContent === String(e), epoch, { timeout: 10_000 });
}

interface Frames { frames: number; longestFrameGap: number; longestTimerGap: number; epochs: number; snapshots: number }

/** Counts animation frames and snapshots over 2 s in the page, and the longest gaps between frames and between 16 ms timer ticks. */
function frames(page: Page): Promise<Frames> {
  return page.evaluate(() => new Promise<Frames>((resolve) => {
    const section = document.getElementById('learn')!;
    const firstEpoch = Number(section.dataset.epoch);
    let snapshots = 0;
    const observer = new MutationObserver(() => { snapshots++; });
    observer.observe(section, { attributes: true, attributeFilter: ['data-epoch'] });
    const began = performance.now();
    let frames = 0;
    let lastFrame = began;
    let longestFrameGap = 0;
    const frame = (now: number) => {
      frames++;
      longestFrameGap = Math.max(longestFrameGap, now - lastFrame);
      lastFrame = now;
      if (now - began < 2000) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    let lastTick = began;
    let longestTimerGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestTimerGap = Math.max(longestTimerGap, now - lastTick);
      lastTick = now;
      if (now - began < 2000) return;
      clearInterval(timer);
      observer.disconnect();
      resolve({ frames, longestFrameGap, longestTimerGap, epochs: Number(section.dataset.epoch) - firstEpoch, snapshots });
    }, 16);
  }));
}

describe.runIf(chromiumAvailable())('the playground: learn a 2-D dataset', () => {
  it.each([1200, 390])('loads at %i px wide with its controls and pictures and no console error', async (width) => {
    const { page, problems } = await playground.open(width);
    await idle(page);
    expect(await attribute(page, 'epoch')).toBe(0);
    expect(await attribute(page, 'train-loss')).toBeGreaterThan(0.1);
    for (const name of ['Start', 'Step', 'Reset']) await expect(button(page, name).isEnabled()).resolves.toBe(true);
    for (const label of ['Dataset', 'Optimizer', 'Learning rate', 'Batch size', 'L2 regularization', 'Layer 1 units', 'Layer 1 activation']) {
      expect(await learn(page).getByLabel(label, { exact: true }).count(), label).toBe(1);
    }
    // The default network: one hidden layer of 8 units, each with its own little map.
    await shown(page, 0);
    expect(await learn(page).locator('.learn-unit canvas').count()).toBe(8);
    await expect(learn(page).getByText('layer 1, unit 3', { exact: true }).count()).resolves.toBe(1);
    const layout = await page.evaluate(() => {
      const box = (id: string) => document.getElementById(id)!.getBoundingClientRect();
      return { scroll: document.documentElement.scrollWidth, boundary: box('learn-boundary'), points: box('learn-points') };
    });
    if (width === 390) expect(layout.scroll).toBeLessThanOrEqual(390);
    expect(layout.boundary.width).toBeGreaterThan(250);
    expect(layout.boundary.height).toBeCloseTo(layout.boundary.width, 0);
    expect(layout.points).toEqual(layout.boundary);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('Start on XOR brings the training loss below 0.1 within seconds, and the boundary picture changes', async () => {
    const { page, problems } = await playground.open();
    await idle(page);
    await shown(page, 0);
    const before = await boundaryHash(page);
    const began = Date.now();
    await button(page, 'Start').click();
    await page.waitForFunction(() => Number(document.getElementById('learn')!.dataset.trainLoss) < 0.1, undefined, { timeout: 15_000, polling: 50 });
    const seconds = (Date.now() - began) / 1000;
    await button(page, 'Pause').click();
    await idle(page);
    const epoch = await attribute(page, 'epoch');
    await shown(page, epoch);
    const after = await boundaryHash(page);
    console.log(`XOR: training loss below 0.1 after ${seconds.toFixed(2)} s (paused at epoch ${epoch}, loss ${await attribute(page, 'train-loss')})`);
    expect(after).not.toBe(before);
    expect(await attribute(page, 'test-loss')).toBeLessThan(0.2);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('Pause stops the epoch counter, Step adds exactly one epoch, Reset goes back to 0', async () => {
    const { page, problems } = await playground.open();
    await idle(page);
    await button(page, 'Start').click();
    await page.waitForFunction(() => Number(document.getElementById('learn')!.dataset.epoch) >= 20, undefined, { timeout: 15_000 });
    await button(page, 'Pause').click();
    await idle(page);
    const paused = await attribute(page, 'epoch');
    await page.waitForTimeout(600);
    expect(await attribute(page, 'epoch')).toBe(paused);
    await expect(button(page, 'Start').isVisible()).resolves.toBe(true);

    await button(page, 'Step').click();
    await idle(page);
    expect(await attribute(page, 'epoch')).toBe(paused + 1);
    await button(page, 'Step').click();
    await idle(page);
    await page.waitForTimeout(300);
    expect(await attribute(page, 'epoch')).toBe(paused + 2);
    await shown(page, paused + 2);

    await button(page, 'Reset').click();
    await idle(page);
    expect(await attribute(page, 'epoch')).toBe(0);
    await shown(page, 0);
    // Reset while running stops, too.
    await button(page, 'Start').click();
    await page.waitForFunction(() => Number(document.getElementById('learn')!.dataset.epoch) >= 5, undefined, { timeout: 15_000 });
    await button(page, 'Reset').click();
    await idle(page);
    await page.waitForTimeout(300);
    expect(await attribute(page, 'epoch')).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps the main thread responsive while training: frames keep coming', async () => {
    const { page, problems } = await playground.open();
    await idle(page);
    // A network that takes real time per epoch, so the Worker is busy all along.
    await learn(page).getByLabel('Dataset', { exact: true }).selectOption('spirals');
    await learn(page).getByLabel('Number of hidden layers', { exact: true }).selectOption('3');
    for (const layer of [1, 2, 3]) await learn(page).getByLabel(`Layer ${layer} units`, { exact: true }).selectOption('16');
    await idle(page);
    const quiet = await frames(page);
    await button(page, 'Start').click();
    await page.waitForFunction(() => Number(document.getElementById('learn')!.dataset.epoch) >= 5, undefined, { timeout: 15_000 });
    const busy = await frames(page);
    const line = (m: Frames) => `${(m.frames / 2).toFixed(1)} frames/s (longest gap ${m.longestFrameGap.toFixed(0)} ms), `
      + `16 ms timer's longest gap ${m.longestTimerGap.toFixed(0)} ms, ${(m.snapshots / 2).toFixed(1)} snapshots/s, ${m.epochs} epochs`;
    console.log(`over 2 s idle: ${line(quiet)}\nover 2 s training: ${line(busy)}`);
    // NOTE: headless Chromium does not throttle requestAnimationFrame here, so frames per second is the measure;
    // the timer's longest gap is printed only: on a shared 2-core machine it reaches 200 ms with the page idle.
    expect(busy.frames / 2, line(busy)).toBeGreaterThanOrEqual(30);
    expect(busy.snapshots / 2, line(busy)).toBeGreaterThanOrEqual(10);
    await button(page, 'Pause').click();
    await idle(page);
    expect(problems).toEqual([]);
    await page.close();
  });
});
