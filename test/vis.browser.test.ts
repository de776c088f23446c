// neurasm/vis in a real browser: the browser build (files.browser.ts in place of the Node file writer) draws the
// same pictures as Node to the byte, they show in the page (a screenshot with ink in many colours), and a
// toFile is refused with a ValueError that says what to do instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PNG } from 'pngjs';
import { browserFiles } from '../scripts/vis-plugins.mjs';
import { chromiumAvailable, launchChromium, serve } from './chromium.js';
import { pictures } from './fixtures/vis-pictures.js';

const out = mkdtempSync(join(tmpdir(), 'neurasm-vis-browser-'));
let node: Record<string, string>;

beforeAll(async () => {
  await build({
    entryPoints: ['test/fixtures/vis-page.ts'], outfile: join(out, 'page.js'), bundle: true, format: 'esm', target: 'es2022',
    platform: 'browser', logLevel: 'error', plugins: [browserFiles],
  });
  node = await pictures();
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.runIf(chromiumAvailable())('neurasm/vis in headless Chromium', () => {
  it("Node's pictures of a convolutional network show its shapes and its eight filters", () => {
    // Graphviz writes the diagram's text as SVG text elements; the filters as one cell per weight, 25 per filter.
    expect(node.cnn).toContain('(None, 24, 24, 8)');
    expect(node.cnn).toContain('(None, 12, 12, 8)');
    expect(node.filters).toContain('Filters');
  });

  it('draws the same SVG text as Node, shows it in the page, and refuses toFile', async () => {
    const { url, server } = await serve({
      '/': { body: '<!doctype html><meta charset="utf-8"><body style="margin:0;background:white"><script type="module" src="/page.js"></script></body>' },
      '/page.js': join(out, 'page.js'),
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const logs: string[] = [];
      page.on('console', (m) => logs.push(m.text()));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await page.goto(url);
      await page.waitForFunction(() => {
        const w = window as unknown as { __results?: unknown; __failure?: string };
        return w.__results !== undefined || w.__failure !== undefined;
      }, undefined, { timeout: 60_000 });
      const failure = await page.evaluate(() => (window as unknown as { __failure?: string }).__failure);
      expect(failure, logs.join('\n')).toBeUndefined();
      const r = await page.evaluate(() => (window as unknown as { __results: unknown }).__results) as {
        svgs: Record<string, string>; refusal: { name: string; message: string } | undefined;
      };

      expect(Object.keys(r.svgs)).toEqual(Object.keys(node));
      for (const name of Object.keys(node)) expect(r.svgs[name], name).toBe(node[name]);
      expect(r.refusal?.name).toBe('ValueError');
      expect(r.refusal?.message).toMatch(/^plotHistory\(\): toFile writes files under Node only; in a browser, put the returned SVG into the page/);

      // Each picture laid out by the browser at the size its SVG declares.
      const sizes = await page.evaluate(() => Array.from(document.querySelectorAll('figure > svg')).map((s) => {
        const box = s.getBoundingClientRect();
        return { id: s.parentElement!.id, width: box.width, height: box.height };
      }));
      expect(sizes.map((s) => s.id)).toEqual(Object.keys(node));
      for (const s of sizes) {
        expect(s.width, s.id).toBeGreaterThan(200);
        expect(s.height, s.id).toBeGreaterThan(150);
      }

      const shot = PNG.sync.read(await page.screenshot({ fullPage: true }));
      const colours = new Set<number>();
      let inked = 0;
      for (let i = 0; i < shot.data.length; i += 4) {
        const rgb = (shot.data[i]! << 16) | (shot.data[i + 1]! << 8) | shot.data[i + 2]!;
        colours.add(rgb);
        if (rgb !== 0xffffff) inked++;
      }
      expect(colours.size).toBeGreaterThan(50);
      expect(inked / (shot.width * shot.height)).toBeGreaterThan(0.02);
      // The predictions' blue and red, the second metric's orange, and the heatmap's darkest red or blue (its
      // largest weight in magnitude) are on screen as the SVG names them.
      for (const rgb of [0x1f77b4, 0xd62728, 0xff7f0e]) expect(colours.has(rgb), rgb.toString(16)).toBe(true);
      expect(colours.has(0xb40426) || colours.has(0x3b4cc0)).toBe(true);
    } finally {
      await browser.close();
      server.close();
    }
  }, 120_000);
});
