// npm run playground:shots: the README's screenshots of the playground, taken from the real page in Debian's
// Chromium: the 2-D section after training XOR for a few seconds, the digit section reading a drawn digit, and
// the model section. Writes docs/playground-learn.png, docs/playground-digits.png and docs/playground-model.png.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildSite, serveSite } from './playground.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'neurasm-shots-'));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

await buildSite(dir);
const { server, url } = await serveSite(dir, 0);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', undefined, { timeout: 30_000 });

  // Learn: XOR, trained until the loss is low, then paused so the picture holds still.
  const learn = page.locator('#learn');
  await learn.getByRole('button', { name: 'Start' }).click();
  await page.waitForFunction(() => Number(document.querySelector('#learn')?.getAttribute('data-train-loss')) < 0.05, undefined, { timeout: 30_000 });
  await learn.getByRole('button', { name: 'Pause' }).click();
  await page.waitForTimeout(300);
  await learn.screenshot({ path: join(root, 'docs/playground-learn.png') });

  // Digits: a 7, drawn with the mouse as a user would.
  const canvas = page.getByLabel('Drawing area');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
  const stroke = async (points) => {
    await page.mouse.move(...at(...points[0]));
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(...at(...p), { steps: 6 });
    await page.mouse.up();
  };
  await stroke([[0.28, 0.25], [0.72, 0.25], [0.5, 0.78]]);
  await stroke([[0.36, 0.5], [0.66, 0.5]]);
  await page.waitForTimeout(500);
  await page.locator('#digits').screenshot({ path: join(root, 'docs/playground-digits.png') });

  const model = page.locator('#model');
  await model.scrollIntoViewIfNeeded();
  await model.locator('svg').first().waitFor({ timeout: 30_000 });
  await model.screenshot({ path: join(root, 'docs/playground-model.png') });
  console.log('wrote docs/playground-learn.png, docs/playground-digits.png, docs/playground-model.png');
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
