// npm run playground: builds the playground (playground/ → site/) on the package as users get it (dist/, built
// first by `npm run build`), then serves site/ on 127.0.0.1 with the headers that make a page cross-origin
// isolated (COOP/COEP: SharedArrayBuffer, hence threads, where the browser has them) and prints the URL.
// `--build-only` stops after building; `--port N` picks the port (default 8080, or any free one with 0).
// site/ is static: any host serves it (without the headers the page runs the same, on one thread).
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = join(root, 'playground');

/** Builds the site into `out` (default site/): the page, its workers and their shared chunks, CSS, the HTML, the shipped model. */
export async function buildSite(out = join(root, 'site')) {
  for (const file of ['dist/index.js', 'dist/vis.browser.js']) {
    if (!existsSync(join(root, file))) throw new Error(`the playground builds on the package: ${file} is missing (npm run build)`);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: ['main.ts', 'learn.worker.ts', 'digits.worker.ts'].map((f) => join(source, f)),
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    // The real package, as a browser app gets it through `exports`.
    alias: { 'neurasm/vis': join(root, 'dist/vis.browser.js'), neurasm: join(root, 'dist/index.js') },
  });
  cpSync(join(source, 'index.html'), join(out, 'index.html'));
  if (existsSync(join(source, 'model'))) cpSync(join(source, 'model'), join(out, 'model'), { recursive: true });
  return out;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.bin': 'application/octet-stream', '.map': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.svg': 'image/svg+xml' };

/** Serves `dir` with COOP/COEP on 127.0.0.1:`port`; resolves to the server and its URL. */
export async function serveSite(dir = join(root, 'site'), port = 8080) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(normalize(dir) + sep) || !existsSync(file)) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cache-control': 'no-store',
    }).end(readFileSync(file));
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const out = await buildSite();
  console.log(`built ${out}`);
  if (!args.includes('--build-only')) {
    const at = args.indexOf('--port');
    const { url } = await serveSite(out, at >= 0 ? Number(args[at + 1]) : 8080);
    console.log(`playground: ${url}  (Ctrl-C stops it)`);
  }
}
