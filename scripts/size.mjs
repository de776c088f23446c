// npm run size: what embedding neurasm costs. Prints the gzipped size of a minified browser app that uses the
// core (wasm inlined), what neurasm/vis adds to it, and the time from import to the first prediction in fresh Node processes and, if
// Debian's Chromium is installed, in fresh Chromium pages. Reported, not asserted.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'neurasm-size-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

// A minimal app: import, build a model, predict once, report the time since the import started.
const APP = (from) => `
const t0 = performance.now();
const { Sequential, Dense } = await import(${JSON.stringify(from)});
const model = new Sequential([new Dense(16, { inputDim: 4, activation: 'relu' }), new Dense(3, { activation: 'softmax' })], { seed: 1 });
model.predict([[1, 2, 3, 4]]);
globalThis.__ms = performance.now() - t0;
if (typeof process !== 'undefined') console.log(globalThis.__ms);
`;

try {
  writeFileSync(join(dir, 'app.js'), APP(join(root, 'dist/index.browser.js')));
  await build({ entryPoints: [join(dir, 'app.js')], outfile: join(dir, 'app.min.js'), bundle: true, minify: true, format: 'esm', target: 'es2022', platform: 'browser', logLevel: 'error' });
  const bundle = readFileSync(join(dir, 'app.min.js'));
  const wasm = readFileSync(join(root, 'build/neurasm.wasm'));
  console.log(`core browser bundle (minified, wasm inlined): ${kib(bundle.length)}, gzipped ${kib(gzipSync(bundle, { level: 9 }).length)}`);
  console.log(`  of which the wasm: ${kib(wasm.length)}, gzipped ${kib(gzipSync(wasm, { level: 9 }).length)}`);

  // The same app drawing a picture: neurasm/vis with Graphviz, Vega and Vega-Lite from node_modules.
  writeFileSync(join(dir, 'vis-app.js'), `${APP(join(root, 'dist/index.browser.js'))}
const { plotModel, plotHistory } = await import(${JSON.stringify(join(root, 'dist/vis.browser.js'))});
globalThis.__svg = [await plotModel(model), await plotHistory({ loss: [1, 0.5] })];
`);
  await build({ entryPoints: [join(dir, 'vis-app.js')], outfile: join(dir, 'vis-app.min.js'), bundle: true, minify: true, format: 'esm', target: 'es2022', platform: 'browser', logLevel: 'error', alias: { neurasm: join(root, 'dist/index.browser.js') } });
  const visBundle = readFileSync(join(dir, 'vis-app.min.js'));
  const gz = (b) => gzipSync(b, { level: 9 }).length;
  console.log(`with neurasm/vis (minified, Graphviz's wasm inlined by its package): ${kib(visBundle.length)}, gzipped ${kib(gz(visBundle))}`);
  console.log(`  of which neurasm/vis and what it brings: ${kib(visBundle.length - bundle.length)}, gzipped ${kib(gz(visBundle) - gz(bundle))}`);

  writeFileSync(join(dir, 'node-app.mjs'), APP(join(root, 'dist/index.js')));
  const nodeMs = Array.from({ length: 7 }, () => Number(execFileSync(process.execPath, [join(dir, 'node-app.mjs')], { encoding: 'utf8' })));
  console.log(`import to first prediction, Node ${process.version}: median ${median(nodeMs).toFixed(1)} ms over ${nodeMs.length} fresh processes`);

  if (existsSync('/usr/bin/chromium')) {
    const { chromium } = await import('playwright-core');
    const server = createServer((req, res) => {
      if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/app.js"></script>');
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const times = [];
    for (let i = 0; i < 7; i++) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      await page.waitForFunction(() => globalThis.__ms !== undefined);
      times.push(await page.evaluate(() => globalThis.__ms));
      await page.close();
    }
    await browser.close();
    server.close();
    console.log(`import to first prediction, Chromium ${browser.version()}: median ${median(times).toFixed(1)} ms over ${times.length} fresh pages`);
  } else {
    console.log('Chromium: not installed (apt-get install chromium), browser timing skipped');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
