// `npm start`: builds only what the XOR demo needs and only what changed, then runs the demo.
//   build/neurasm.wasm, build/neurasm.sync.js, build/neurasm.hex.js
//                         `npm run build:wasm` (asc, then scripts/wasm-modules.mjs), when a file in assembly/,
//                         asconfig.json or scripts/wasm-modules.mjs is newer than the oldest of them
//   dist/index.js, dist/vis.js, build/examples/xor.js
//                         esbuild, when a file in src/ or examples/, build/neurasm.sync.js or build/neurasm.hex.js (the
//                         bindings and bytes bundled into the core), package.json, tsconfig.json or this script is
//                         newer than the oldest of them
// Nothing else: no browser bundles, no CommonJS build, no declarations (`npm run build` makes all of dist/).
// Prints one line saying what it rebuilt, or "up to date". Arguments go to the demo (`npm start -- --seed 7`).
// `node scripts/start.mjs --check` prints what is out of date, builds nothing and runs nothing; `--build-only` builds
// and does not run the demo.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (path) => join(root, path);

const WASM = { outputs: ['build/neurasm.wasm', 'build/neurasm.sync.js', 'build/neurasm.hex.js'], inputs: ['assembly', 'asconfig.json', 'scripts/wasm-modules.mjs'] };
const JS = {
  outputs: ['dist/index.js', 'dist/vis.js', 'build/examples/xor.js'],
  inputs: ['src', 'examples', 'build/neurasm.sync.js', 'build/neurasm.hex.js', 'package.json', 'tsconfig.json', 'scripts/vis-plugins.mjs', 'scripts/bundles.mjs', 'scripts/start.mjs'],
};

/** Newest modification time (ms) among the files at `paths` (directories walked), or -Infinity if none exist. */
function newest(paths) {
  let t = -Infinity;
  for (const path of paths) {
    const full = at(path);
    if (!existsSync(full)) continue;
    const stat = statSync(full);
    if (!stat.isDirectory()) { t = Math.max(t, stat.mtimeMs); continue; }
    for (const entry of readdirSync(full, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) t = Math.max(t, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
    }
  }
  return t;
}

/** Whether any output of `step` is missing or older than its newest input. */
function stale(step) {
  const outputs = step.outputs.map(at);
  if (!outputs.every(existsSync)) return true;
  return Math.min(...outputs.map((f) => statSync(f).mtimeMs)) < newest(step.inputs);
}

/** Dates the outputs to when their build started, so an input edited during the build counts as newer next time. */
function dateOutputs(step, started) {
  const t = new Date(started);
  for (const f of step.outputs) utimesSync(at(f), t, t);
}

/** Runs `npm run build:wasm`, its output passed through (asc prints nothing on success); rejects if it fails. */
function buildWasm() {
  const npm = process.env.npm_execpath;
  const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []];
  const child = spawn(command, [...args, 'run', 'build:wasm', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => code === 0 ? resolve() : reject(new Error(`npm run build:wasm failed (exit code ${code})`)));
  });
}

/** The three bundles the demo runs on, with the options scripts/build.mjs builds them with (scripts/bundles.mjs). */
async function buildJs() {
  const [{ build }, { BUNDLES }] = await Promise.all([import('esbuild'), import('./bundles.mjs')]);
  await Promise.all(BUNDLES.filter((b) => b.forDemo).map((b) => build({ ...b.options, absWorkingDir: root })));
}

const seconds = (ms) => `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;

const started = performance.now();
const check = process.argv.includes('--check');
const rebuilt = [];
try {
  if (stale(WASM)) {
    rebuilt.push(WASM.outputs[0]); // named by the wasm; the modules made from it come with it
    if (!check) {
      const t = Date.now();
      await buildWasm();
      dateOutputs(WASM, t);
    }
  }
  // After the wasm step, which rewrites build/neurasm.sync.js and build/neurasm.hex.js, which the core bundles.
  if (check ? rebuilt.length > 0 || stale(JS) : stale(JS)) {
    rebuilt.push(...JS.outputs);
    if (!check) {
      const t = Date.now();
      await buildJs();
      dateOutputs(JS, t);
    }
  }
} catch (error) {
  // The build's own messages are already out (asc's, esbuild's); this says which step failed.
  console.error(`start: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
  process.exit(1);
}
const took = seconds(performance.now() - started);
if (check) {
  console.log(rebuilt.length === 0 ? 'start: up to date' : `start: out of date: ${rebuilt.join(', ')}`);
  process.exit(0);
}
console.log(rebuilt.length === 0 ? `start: build up to date (${took})` : `start: rebuilt ${rebuilt.join(', ')} (${took})`);
if (process.argv.includes('--build-only')) process.exit(0);

const demo = spawn(process.execPath, [at('build/examples/xor.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
demo.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
