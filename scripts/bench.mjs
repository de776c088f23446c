// Runs the benchmarks: `npm run bench` runs all of bench/*.bench.ts, `npm run bench -- gemm mnist` the ones
// named. Each bench is bundled with esbuild into .bench-out/ and run in its own `node --expose-gc`, one after
// another, so no bench's warm code, garbage or memory growth leaks into the next.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

// NOTE: .bench-out/ must sit exactly one level below the root: src/backend.ts finds the wasm at
// `new URL('../build/neurasm.wasm', import.meta.url)`, and the benches find node_modules/ and bench/results/ the same way.
const OUT = '.bench-out';
const available = readdirSync('bench').filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length)).sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const names = asked.length > 0 ? asked : available;

await build({
  entryPoints: names.map((name) => `bench/${name}.bench.ts`),
  outdir: OUT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  sourcemap: 'inline',
  logLevel: 'warning',
  external: ['@tensorflow/*', '@jax-js/jax', 'mnist', 'onnxruntime-web'],
});

const times = [];
let failed = 0;
for (const name of names) {
  const start = performance.now();
  const run = spawnSync(process.execPath, ['--expose-gc', '--enable-source-maps', `${OUT}/${name}.bench.js`], { stdio: 'inherit' });
  const seconds = (performance.now() - start) / 1000;
  const ok = run.status === 0;
  if (!ok) failed++;
  times.push(`${name} ${seconds.toFixed(0)} s${ok ? '' : ` (FAILED: ${run.signal ?? `exit ${run.status}`})`}`);
}
console.log(`\nbench runtimes: ${times.join(', ')}`);
process.exit(failed > 0 ? 1 : 0);
