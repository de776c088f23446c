// The esbuild bundles of the package, defined once: scripts/build.mjs builds all of them, scripts/start.mjs only
// those the demo runs on (`forDemo`), each with these same options.
import { fileURLToPath } from 'node:url';
import { browserFiles, coreAsPackage } from './vis-plugins.mjs';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const urlBackend = fileURLToPath(new URL('../src/backend.url.ts', import.meta.url));

/** neurasm/url's build: src/backend.url.ts (the .wasm fetched as an asset) in place of backend.ts (inlined). */
const wasmAsAsset = {
  name: 'wasm-as-asset',
  setup(b) {
    b.onResolve({ filter: /\/backend\.js$/ }, (args) => (args.importer.startsWith(src) && args.importer !== urlBackend ? { path: urlBackend } : undefined));
  },
};

// NOTE: always set a target: without one esbuild may emit syntax or APIs Node 20 lacks (its inlined-binary
// decoder among them).
const common = { bundle: true, format: 'esm', target: 'es2022', sourcemap: true, sourcesContent: false, logLevel: 'warning' };

/** Every bundle, by what it is; `forDemo` marks the three `npm start` needs. */
export const BUNDLES = [
  { forDemo: true, options: { ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', platform: 'neutral' } },
  // The same, minified, for pages that load it without a bundler (an import map, a CDN): no bundler minifies it there.
  { options: { ...common, minify: true, entryPoints: ['src/index.ts'], outfile: 'dist/index.browser.min.js', platform: 'browser' } },
  { options: { ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.cjs', format: 'cjs', platform: 'node' } },
  { options: { ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.url.js', platform: 'neutral', plugins: [wasmAsAsset] } },
  // neurasm/vis imports the core as the package 'neurasm' (coreAsPackage), never a copy of it.
  { forDemo: true, options: { ...common, entryPoints: ['src/vis/index.ts'], outfile: 'dist/vis.js', platform: 'node', packages: 'external', plugins: [coreAsPackage] } },
  { options: { ...common, entryPoints: ['src/vis/index.ts'], outfile: 'dist/vis.browser.js', platform: 'browser', packages: 'external', plugins: [coreAsPackage, browserFiles] } },
  { options: { ...common, entryPoints: ['examples/xor.ts', 'examples/mnist-cnn.ts', 'examples/worker/main.ts', 'examples/worker/trainer.ts'], outdir: 'build/examples', outbase: 'examples', platform: 'node', external: ['neurasm'] } },
  { forDemo: true, options: { ...common, entryPoints: ['examples/xor.ts'], outdir: 'build/examples', outbase: 'examples', platform: 'node', external: ['neurasm'] }, demoOnly: true },
];
