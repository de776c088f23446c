// The playground in Chromium for the end-to-end tests: the site built once per test file into a temp folder,
// served with COOP/COEP as `npm run playground` serves it, and a page that records every console error, page
// error and failed request (a test ends by asserting there were none).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { buildSite, serveSite } from '../scripts/playground.mjs';
import { launchChromium } from './chromium.js';

export interface Playground {
  browser: Browser;
  url: string;
  /** Opens the page at a desktop width (or `width`), waits until every section has mounted. */
  open(width?: number): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

/** Builds and serves the site and launches Chromium; call `close()` in afterAll. */
export async function startPlayground(): Promise<Playground> {
  const dir = mkdtempSync(join(tmpdir(), 'neurasm-site-'));
  await buildSite(dir);
  const { server, url }: { server: Server; url: string } = await serveSite(dir, 0);
  const browser = await launchChromium();
  return {
    browser,
    url,
    async open(width = 1200) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
      await page.goto(url);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', undefined, { timeout: 30_000 })
        .catch((e: Error) => { throw new Error(`${e.message}\n${problems.join('\n')}`); });
      return { page, problems };
    },
    async close() {
      await browser.close();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
