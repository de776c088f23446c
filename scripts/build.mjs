// Builds the package's JavaScript from src/ (the wasm itself comes from `asc`, into build/, with the modules
// scripts/wasm-modules.mjs makes from it). The core carries the wasm's bytes inlined and instantiates them
// synchronously (src/backend.ts): no top-level await, so any bundle format and require() load it.
//   dist/index.js          ESM for Node, browsers and bundlers (platform neutral: nothing in it is Node's alone)
//   dist/index.browser.min.js  the same, minified, for a page without a bundler (import map, CDN)
//   dist/index.cjs         CommonJS for Node's require(); its declarations are dist/cjs/ (a CommonJS copy of dist/*.d.ts)
//   dist/index.url.js      neurasm/url: ESM that fetches build/neurasm.wasm as an asset (src/backend.url.ts, top-level await)
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

// asc's declarations of the kernels, which dist/*.d.ts name for internal types, as dist/wasm-bindings.d.ts: the
// WebAssembly classes looked up where the consumer's types declare them, so a project whose `lib` lacks them (Node
// without @types/node or DOM) type-checks neurasm with skipLibCheck off (test/readme.test.ts).
const WASM_HOST = "/** A WebAssembly class's instance type where the project's types declare WebAssembly, else `never`. */\n"
  + 'type WasmHost<K extends string> = typeof globalThis extends { WebAssembly: { [P in K]: { prototype: infer T } } } ? T : never;\n';
writeFileSync('dist/wasm-bindings.d.ts', WASM_HOST + readFileSync('build/neurasm.sync.d.ts', 'utf8').replace(/\bWebAssembly\.(\w+)/g, "WasmHost<'$1'>"));
const declarations = readdirSync('dist', { recursive: true }).map(String).filter((f) => f.endsWith('.d.ts') && !f.startsWith('vis') && !f.startsWith('cjs'));
for (const file of declarations) {
  const bindings = relative(dirname(join('dist', file)), 'dist/wasm-bindings.js').replaceAll('\\', '/');
  const text = readFileSync(join('dist', file), 'utf8');
  writeFileSync(join('dist', file), text.replace(/(["'])(?:\.\.\/)+build\/neurasm(?:\.sync)?\.js\1/g, `$1${bindings.startsWith('.') ? bindings : `./${bindings}`}$1`));
}

// The declarations again for CommonJS consumers (TypeScript's node16/nodenext): the same .d.ts files under dist/cjs/,
// whose package.json says "commonjs" (dist/ is ESM: type "module").
rmSync('dist/cjs', { recursive: true, force: true });
for (const file of declarations) {
  mkdirSync(dirname(join('dist/cjs', file)), { recursive: true });
  cpSync(join('dist', file), join('dist/cjs', file));
}
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
