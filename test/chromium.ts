// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core, and a static
// server on 127.0.0.1. Without Chromium the tests skip with a notice on a developer machine and fail in CI.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** True when the browser tests can run; in CI a missing Chromium is an error, elsewhere a one-line notice. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`browser tests: ${CHROMIUM} is missing (.ci/run installs it with apt-get)`);
  console.warn(`browser tests skipped: no ${CHROMIUM}; install it with: apt-get update && apt-get install -y chromium`);
  return false;
}

/** Flags that keep Chromium quiet on a machine without a network. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/**
 * Serves `routes` (path → file on disk, or content) on 127.0.0.1, with `headers` on every response (COOP/COEP for
 * a cross-origin-isolated page, say); resolves to the base URL and the server.
 */
export async function serve(routes: Record<string, string | { body: string }>, headers: Record<string, string> = {}): Promise<{ url: string; server: Server }> {
  const types: Record<string, string> = { js: 'text/javascript', mjs: 'text/javascript', json: 'application/json', html: 'text/html', wasm: 'application/wasm' };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const route = routes[path];
    if (route === undefined) { res.writeHead(404).end(); return; }
    const body = typeof route === 'string' ? readFileSync(route) : route.body;
    const ext = (typeof route === 'string' ? route : path).split('.').pop() ?? 'html';
    res.writeHead(200, { ...headers, 'content-type': types[ext] ?? 'text/html' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Opens `url`, waits for the page to set window.__results (or __failure), and returns the results. */
export async function resultsOf(browser: Browser, url: string, timeoutMs = 30_000): Promise<unknown> {
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) logs.push(`HTTP ${r.status()} ${r.url()}`); });
  try {
    await page.goto(url);
    await page.waitForFunction(() => {
      const w = window as unknown as { __results?: unknown; __failure?: string };
      return w.__results !== undefined || w.__failure !== undefined;
    }, undefined, { timeout: timeoutMs }).catch((e: Error) => {
      throw new Error(`${e.message}\npage console:\n${logs.join('\n')}`);
    });
    const failure = await page.evaluate(() => (window as unknown as { __failure?: string }).__failure);
    if (failure) throw new Error(`page failed: ${failure}\n${logs.join('\n')}`);
    return await page.evaluate(() => (window as unknown as { __results: unknown }).__results);
  } finally {
    await page.close();
  }
}
