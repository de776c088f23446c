// npm run size: what embedding neurasm costs a browser app, and where those bytes go. Reported, not asserted.
//   1. A small app that trains and predicts (static imports, so the bundler drops what it does not reach),
//      minified and gzipped: as one file (dist/index.js, the wasm inlined), and as JS + the .wasm asset.
//   2. The same app's JavaScript by part of src/ (esbuild's metafile), and the wasm's code by assembly/ file
//      (a build with function names, its code section read here).
//   3. An app that imports everything, the browser builds as a page without a bundler loads them, and what
//      neurasm/vis adds.
//   4. The time from import to the first prediction in fresh Node processes and Chromium pages.
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
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const minified = { bundle: true, minify: true, format: 'esm', target: 'es2022', platform: 'browser', logLevel: 'error' };

// A small app: a model built, compiled, trained and used, as the README's first program does.
const APP = (from) => `
import { Sequential, Dense } from ${JSON.stringify(from)};
const model = new Sequential([new Dense(8, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 1 });
model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
await model.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], { epochs: 10, verbose: 0 });
globalThis.__out = model.predict([[0, 1]]).toArray();
`;
// Every export reached: the most any app can cost.
const EVERYTHING = (from) => `import * as neurasm from ${JSON.stringify(from)};\nglobalThis.__all = neurasm;\n`;

async function bundle(name, source, options = {}) {
  writeFileSync(join(dir, `${name}.js`), source);
  const result = await build({ ...minified, ...options, entryPoints: [join(dir, `${name}.js`)], outfile: join(dir, `${name}.min.js`) });
  return { bytes: readFileSync(join(dir, `${name}.min.js`)), metafile: result.metafile };
}

// What each part of src/ adds to the app's minified JavaScript.
const AREAS = [
  ['the model (sequential, plan, data)', /^src\/(sequential|plan|data|standalone)\.ts$/],
  ['layers', /^src\/layers\//],
  ['losses', /^src\/losses\.ts$/],
  ['metrics', /^src\/metrics(\.ts|\/)/],
  ['optimizers and schedules', /^src\/(optimizers|schedules)\.ts$/],
  ['initializers and constraints', /^src\/(initializers|constraints)\.ts$/],
  ['callbacks and the progress bar', /^src\/callbacks(\.ts|\/)/],
  ['saving and loading (io, saving)', /^src\/(io|saving)\.ts$/],
  ['tensors, memory, errors, arguments, names', /^src\/(tensor|arena|errors|arguments|names|activations|version)\.ts$/],
  ['the wasm loader', /^(src\/(backend|wasm-bytes)\.ts|build\/neurasm\.sync\.js)$/],
  ['threads (the pool, the shared memory)', /^src\/(threads|shared-memory)\.ts$/],
];
function byArea(metafile) {
  const [output] = Object.values(metafile.outputs);
  const sums = new Map(AREAS.map(([name]) => [name, 0]));
  let other = 0;
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const rel = path.startsWith(root) ? path.slice(root.length) : path;
    const area = AREAS.find(([, pattern]) => pattern.test(rel));
    if (area) sums.set(area[0], sums.get(area[0]) + bytesInOutput);
    else other += bytesInOutput;
  }
  return { sums, other };
}

// The wasm's function bodies by source file: a build of the same module with a name section, read here.
function wasmByFile() {
  const named = join(dir, 'named.wasm');
  execFileSync(process.execPath, [join(root, 'node_modules/assemblyscript/bin/asc.js'), 'assembly/index.ts', '--config', 'asconfig.json',
    '--target', 'release', '--debug', '--outFile', named], { cwd: root, stdio: ['ignore', 'ignore', 'ignore'] });
  const b = readFileSync(named);
  let at = 8;
  const leb = () => { let v = 0; let shift = 0; let byte; do { byte = b[at++]; v |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80); return v >>> 0; };
  let imported = 0;
  const bodies = [];
  const names = new Map();
  while (at < b.length) {
    const id = b[at++];
    const size = leb();
    const end = at + size;
    if (id === 2) { // imports: function imports take the first indices
      for (let n = leb(); n > 0; n--) { at += leb(); at += leb(); const kind = b[at++]; if (kind === 0) { leb(); imported++; } else if (kind === 1) { at++; const f = b[at++]; leb(); if (f & 1) leb(); } else if (kind === 2) { const f = b[at++]; leb(); if (f & 1) leb(); } else { at += 2; } }
    } else if (id === 10) {
      for (let n = leb(); n > 0; n--) { const s = leb(); bodies.push(s); at += s; }
    } else if (id === 0) {
      const nameLength = leb();
      if (b.subarray(at, at + nameLength).toString() === 'name') {
        at += nameLength;
        while (at < end) {
          const sub = b[at++]; const subSize = leb(); const subEnd = at + subSize;
          if (sub === 1) for (let n = leb(); n > 0; n--) { const index = leb(); const len = leb(); names.set(index, b.subarray(at, at + len).toString()); at += len; }
          at = subEnd;
        }
      }
    }
    at = end;
  }
  const files = new Map();
  bodies.forEach((size, i) => {
    const name = names.get(imported + i) ?? '';
    const file = name.startsWith('assembly/') ? name.split('/')[1] + '.ts' : name.startsWith('~lib/') ? 'AssemblyScript\'s std library' : 'exports and glue';
    files.set(file, (files.get(file) ?? 0) + size);
  });
  return [...files].sort((x, y) => y[1] - x[1]);
}

try {
  const wasm = readFileSync(join(root, 'build/neurasm.wasm'));
  const oneFile = await bundle('app', APP(join(root, 'dist/index.js')));
  const jsOnly = await bundle('app-js', APP(join(root, 'dist/index.url.js')), { external: ['node:*'] });
  console.log('A small app that trains and predicts (minified, gzipped at level 9):');
  console.log(`  one file, the wasm inlined (dist/index.js): ${kib(oneFile.bytes.length)}, gzipped ${kib(gz(oneFile.bytes))}`);
  console.log(`  with neurasm/url, its JavaScript (dist/index.url.js): ${kib(jsOnly.bytes.length)}, gzipped ${kib(gz(jsOnly.bytes))}; the .wasm asset: ${kib(wasm.length)}, gzipped ${kib(gz(wasm))}`);

  // The inlined bytes (build/neurasm.hex.js) are left out: they are the wasm, reported below.
  const fromSource = await bundle('app-src', APP(join(root, 'src/index.ts')), { external: ['node:*'], metafile: true,
    plugins: [{ name: 'no-bytes', setup: (b) => b.onLoad({ filter: /neurasm\.hex\.js$/ }, () => ({ contents: 'export default "";', loader: 'js' })) }] });
  const { sums, other } = byArea(fromSource.metafile);
  console.log('  its JavaScript by part (minified bytes):');
  for (const [name, bytes] of [...sums].sort((x, y) => y[1] - x[1])) if (bytes > 0) console.log(`    ${name.padEnd(44)} ${kib(bytes).padStart(9)}`);
  if (other > 0) console.log(`    ${'the app itself'.padEnd(44)} ${kib(other).padStart(9)}`);
  console.log('  the wasm\'s code by assembly/ file (function bodies, bytes):');
  for (const [file, bytes] of wasmByFile()) if (bytes >= 512) console.log(`    ${file.padEnd(44)} ${kib(bytes).padStart(9)}`);

  const all = await bundle('all', EVERYTHING(join(root, 'dist/index.js')));
  console.log(`An app that imports everything: ${kib(all.bytes.length)}, gzipped ${kib(gz(all.bytes))}`);
  // What a page without a bundler (an import map, a CDN) loads: the browser build as shipped, every export.
  for (const file of ['dist/index.browser.min.js', 'dist/index.js']) {
    const bytes = readFileSync(join(root, file));
    console.log(`  loaded as shipped, ${file}: ${kib(bytes.length)}, gzipped ${kib(gz(bytes))}`);
  }

  // The small app drawing pictures: neurasm/vis with Graphviz, Vega and Vega-Lite from node_modules.
  const vis = await bundle('vis-app', `${APP(join(root, 'dist/index.js'))}
import { plotModel, plotHistory } from ${JSON.stringify(join(root, 'dist/vis.browser.js'))};
globalThis.__svg = [await plotModel(model), await plotHistory({ loss: [1, 0.5] })];
`, { alias: { neurasm: join(root, 'dist/index.js') } });
  console.log(`With neurasm/vis (Graphviz's wasm inlined by its package): ${kib(vis.bytes.length)}, gzipped ${kib(gz(vis.bytes))}; neurasm/vis and what it brings: gzipped ${kib(gz(vis.bytes) - gz(oneFile.bytes))}`);

  // Start-up: a dynamic import, timed from before it to the first prediction.
  const TIMED = (from) => `
const t0 = performance.now();
const { Sequential, Dense } = await import(${JSON.stringify(from)});
const model = new Sequential([new Dense(16, { inputDim: 4, activation: 'relu' }), new Dense(3, { activation: 'softmax' })], { seed: 1 });
model.predict([[1, 2, 3, 4]]);
globalThis.__ms = performance.now() - t0;
if (typeof process !== 'undefined') console.log(globalThis.__ms);
`;
  writeFileSync(join(dir, 'node-app.mjs'), TIMED(join(root, 'dist/index.js')));
  const nodeMs = Array.from({ length: 7 }, () => Number(execFileSync(process.execPath, [join(dir, 'node-app.mjs')], { encoding: 'utf8' })));
  console.log(`Import to first prediction, Node ${process.version}: median ${median(nodeMs).toFixed(1)} ms over ${nodeMs.length} fresh processes`);

  if (existsSync('/usr/bin/chromium')) {
    const timed = await bundle('timed', TIMED(join(root, 'dist/index.js')));
    const { chromium } = await import('playwright-core');
    const server = createServer((req, res) => {
      if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(timed.bytes);
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
    const version = browser.version();
    await browser.close();
    server.close();
    console.log(`Import to first prediction, Chromium ${version}: median ${median(times).toFixed(1)} ms over ${times.length} fresh pages`);
  } else {
    console.log('Chromium: not installed (apt-get install chromium), browser timing skipped');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
