// Builds the package's JavaScript from src/ (the wasm itself comes from `asc`, into build/):
//   dist/index.js          ESM for Node and bundlers: finds build/neurasm.wasm through import.meta.url
//   dist/index.browser.js  ESM for browsers as one file: the wasm's bytes inlined
//   dist/vis.js            neurasm/vis for Node: Graphviz, Vega, resvg and the fonts come from node_modules
//   dist/vis.browser.js    neurasm/vis for browsers: no file writing, so no resvg and no fonts; the user's bundler
//                          brings Graphviz and Vega from node_modules (deduplicated with any copy the app has)
//   dist/*.d.ts            declarations (tsc)
//   build/examples/        the examples, importing 'neurasm' as a user would (not shipped)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { inlineWasm } from './inline-wasm.mjs';
import { browserFiles, coreAsPackage } from './vis-plugins.mjs';

rmSync('dist', { recursive: true, force: true });
// NOTE: always set a target: without one esbuild may emit syntax or APIs Node 20 lacks (its inlined-binary
// decoder among them).
const common = { bundle: true, format: 'esm', target: 'es2022', sourcemap: true, logLevel: 'warning' };

await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', platform: 'neutral' });
await build({ ...common, ...inlineWasm, entryPoints: ['src/index.ts'], outfile: 'dist/index.browser.js', platform: 'browser' });
// neurasm/vis imports the core as the package 'neurasm' (coreAsPackage), never a copy of it.
await build({ ...common, entryPoints: ['src/vis/index.ts'], outfile: 'dist/vis.js', platform: 'node', packages: 'external', plugins: [coreAsPackage] });
await build({ ...common, entryPoints: ['src/vis/index.ts'], outfile: 'dist/vis.browser.js', platform: 'browser', packages: 'external', plugins: [coreAsPackage, browserFiles] });
await build({ ...common, entryPoints: ['examples/xor.ts', 'examples/mnist-cnn.ts', 'examples/worker/main.ts', 'examples/worker/trainer.ts'], outdir: 'build/examples', outbase: 'examples', platform: 'node', external: ['neurasm'] });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
