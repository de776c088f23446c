// Builds the package's JavaScript from src/ (the wasm itself comes from `asc`, into build/):
//   dist/index.js          ESM for Node and bundlers: finds build/neurasm.wasm through import.meta.url
//   dist/index.browser.js  ESM for browsers as one file: the wasm's bytes inlined
//   dist/index.cjs         CommonJS for Node's require(): the wasm compiled synchronously from build/neurasm.wasm
//                          (sync-wasm.mjs); its declarations are dist/cjs/ (a CommonJS copy of dist/*.d.ts)
//   dist/vis.js            neurasm/vis for Node: Graphviz, Vega, resvg and the fonts come from node_modules
//   dist/vis.cjs           require('neurasm/vis'): a clear error, neurasm/vis is ESM only
//   dist/vis.browser.js    neurasm/vis for browsers: no file writing, so no resvg and no fonts; the user's bundler
//                          brings Graphviz and Vega from node_modules (deduplicated with any copy the app has)
//   dist/*.d.ts            declarations (tsc)
//   build/examples/        the examples, importing 'neurasm' as a user would (not shipped)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BUNDLES } from './bundles.mjs';

rmSync('dist', { recursive: true, force: true });
for (const bundle of BUNDLES) if (!bundle.demoOnly) await build(bundle.options);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

// neurasm/vis is ESM only (it needs the ESM core's classes): require('neurasm/vis') says so.
writeFileSync('dist/vis.cjs', "throw new Error(\"neurasm/vis is ESM only: use it from an ES module (import { plotModel } from 'neurasm/vis') together with import { Sequential } from 'neurasm'; models made with require('neurasm') cannot be plotted\");\n");

// The declarations again for CommonJS consumers (TypeScript's node16/nodenext): the same .d.ts files under dist/cjs/,
// whose package.json says "commonjs", with asc's bindings copied in beside them (build/ is ESM: type "module").
rmSync('dist/cjs', { recursive: true, force: true });
for (const file of readdirSync('dist', { recursive: true }).map(String).filter((f) => f.endsWith('.d.ts') && !f.startsWith('vis'))) {
  const to = join('dist/cjs', file);
  const bindings = relative(dirname(to), 'dist/cjs/wasm-bindings.js').replaceAll('\\', '/');
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, readFileSync(join('dist', file), 'utf8').replace(/(["'])(?:\.\.\/)+build\/neurasm\.js\1/g, `$1${bindings.startsWith('.') ? bindings : `./${bindings}`}$1`));
}
cpSync('build/neurasm.d.ts', 'dist/cjs/wasm-bindings.d.ts');
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
