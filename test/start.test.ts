// `npm start` (scripts/start.mjs) builds only what changed and prints nothing but its own line and the demo's.
// Runs on a copy of the repository's sources in a temporary directory (node_modules linked), so the repository's
// dist/ and build/ are never written. The copy's `build:wasm` is a stand-in for asc (asc takes ~6 s) that prints
// one line that must get through, and touches the wasm as asc would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
let copy = '';

const FAKE_ASC = `import { utimesSync } from 'node:fs';
console.error('asc: a line that must get through');
const now = new Date();
for (const f of ['build/neurasm.wasm', 'build/neurasm.js', 'build/neurasm.sync.js', 'build/neurasm.hex.js']) utimesSync(f, now, now);
process.exit(Number(process.env.FAKE_ASC_EXIT ?? 0));
`;

function start(args: string[] = [], env: Record<string, string> = {}) {
  return run(process.execPath, ['scripts/start.mjs', ...args], { cwd: copy, env: { ...process.env, ...env }, timeout: 60_000 });
}

function touch(path: string): void {
  const now = new Date();
  utimesSync(join(copy, path), now, now);
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'neurasm-start-'));
  // Sources first, then the wasm and its bindings, so the copied wasm is up to date and the JS is missing.
  for (const path of ['src', 'examples', 'assembly', 'asconfig.json', 'tsconfig.json', 'scripts/start.mjs', 'scripts/vis-plugins.mjs', 'scripts/bundles.mjs', 'scripts/wasm-modules.mjs']) {
    cpSync(join(root, path), join(copy, path), { recursive: true });
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  pkg.scripts['build:wasm'] = 'node scripts/fake-asc.mjs';
  writeFileSync(join(copy, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(join(copy, 'scripts/fake-asc.mjs'), FAKE_ASC);
  for (const file of ['neurasm.wasm', 'neurasm.js', 'neurasm.d.ts', 'neurasm.sync.js', 'neurasm.sync.d.ts', 'neurasm.hex.js', 'neurasm.hex.d.ts']) cpSync(join(root, 'build', file), join(copy, 'build', file));
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('npm start builds only what changed', () => {
  it('builds the missing bundles, then runs the demo with no output but its own', async () => {
    const { stdout, stderr } = await start(['--seed', '42']);
    expect(stdout).toMatch(/^start: rebuilt dist\/index\.js, dist\/vis\.js, build\/examples\/xor\.js \(\d+\.\d+ s\)$/m);
    expect(stdout).toMatch(/^Accuracy : 1\.00$/m);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('  out/hidden_layer_weights.png');
    expect(stderr).toBe('');
  }, 60_000);

  it('rebuilds nothing the second time, in at most a second', async () => {
    const { stdout, stderr } = await start(['--seed', '42']);
    const line = /^start: build up to date \((\d+\.\d+) s\)$/m.exec(stdout);
    expect(line, stdout.slice(0, 200)).not.toBeNull();
    expect(Number(line![1])).toBeLessThanOrEqual(1);
    expect(stdout).not.toMatch(/rebuilt/);
    expect(stdout).toMatch(/^Accuracy : 1\.00$/m);
    expect(stderr).toBe('');
    expect((await start(['--check'])).stdout).toBe('start: up to date\n');
  }, 60_000);

  it('a changed source file makes the JavaScript out of date, not the wasm', async () => {
    touch('src/losses.ts');
    expect((await start(['--check'])).stdout).toBe('start: out of date: dist/index.js, dist/vis.js, build/examples/xor.js\n');
    touch('examples/xor.ts');
    expect((await start(['--check'])).stdout).toBe('start: out of date: dist/index.js, dist/vis.js, build/examples/xor.js\n');
  });

  it('a changed kernel rebuilds the wasm and the JavaScript, asc\'s output passed through', async () => {
    touch('assembly/index.ts');
    expect((await start(['--check'])).stdout).toBe('start: out of date: build/neurasm.wasm, dist/index.js, dist/vis.js, build/examples/xor.js\n');
    const { stdout, stderr } = await start(['--build-only']);
    expect(stdout).toMatch(/^start: rebuilt build\/neurasm\.wasm, dist\/index\.js, dist\/vis\.js, build\/examples\/xor\.js \(\d+\.\d+ s\)\n$/);
    expect(stderr).toBe('asc: a line that must get through\n');
    expect((await start(['--check'])).stdout).toBe('start: up to date\n');
  }, 60_000);

  it('stops before the demo when the wasm build fails', async () => {
    touch('asconfig.json');
    const failed = await start([], { FAKE_ASC_EXIT: '1' }).then(() => undefined, (e: { code: number; stdout: string; stderr: string }) => e);
    expect(failed).toBeDefined();
    expect(failed!.code).not.toBe(0);
    expect(failed!.stderr).toContain('npm run build:wasm failed');
    expect(failed!.stdout).not.toMatch(/Accuracy/);
  }, 30_000);
});
