// Builds the package's JavaScript: src/ → dist/index.js (one ESM file; the wasm stays in build/, found
// through import.meta.url), declarations → dist/*.d.ts, and the examples → dist/examples/.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
// NOTE: always set a target: without one esbuild may emit syntax or APIs Node 20 lacks.
const common = { bundle: true, format: 'esm', target: 'es2022', sourcemap: true, logLevel: 'warning' };
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', platform: 'neutral', external: ['node:*'] });
await build({ ...common, entryPoints: ['examples/xor.ts'], outdir: 'dist/examples', platform: 'node', external: ['neurasm'] });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
