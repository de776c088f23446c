// The package as a user gets it: `npm pack`, installed from the tarball into an empty folder, then used from a
// plain Node ESM script and from a browser app bundled with esbuild. Both print the same predictions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromiumAvailable, launchChromium, resultsOf, serve } from './chromium.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const app = mkdtempSync(join(tmpdir(), 'neurasm-consumer-'));

// The same program in both places: the seed's XOR model with a fixed seed; it reports its predictions.
const PROGRAM = `
import { Sequential, Dense } from 'neurasm';
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const model = new Sequential([new Dense(8, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 5 });
model.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy'] });
await model.fit(X, [0, 1, 1, 0], { epochs: 50, verbose: 0 });
export const predictions = Array.from(model.predict(X).data);
`;

beforeAll(() => {
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(app, tarball)], { cwd: app });
  writeFileSync(join(app, 'program.js'), PROGRAM);
  writeFileSync(join(app, 'node.js'), "import { predictions } from './program.js';\nconsole.log(JSON.stringify(predictions));\n");
  writeFileSync(join(app, 'browser.js'), "import { predictions } from './program.js';\nwindow.__results = predictions;\n");
}, 120_000);

afterAll(() => rmSync(app, { recursive: true, force: true }));

let fromNode: number[];

describe('the packed package, installed elsewhere', () => {
  it('ships what it needs and nothing of the sources', () => {
    const files = execFileSync('npm', ['ls', '--parseable', '--all'], { cwd: app, encoding: 'utf8' });
    expect(files).toContain('node_modules/neurasm');
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/neurasm/package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports['.'] as object)).toEqual(['types', 'node', 'browser', 'default']);
    for (const f of ['dist/index.js', 'dist/index.browser.js', 'dist/index.d.ts', 'build/neurasm.wasm']) {
      expect(() => readFileSync(join(app, 'node_modules/neurasm', f)), f).not.toThrow();
    }
  });

  it('trains from a plain Node ESM script', () => {
    fromNode = JSON.parse(execFileSync(process.execPath, ['node.js'], { cwd: app, encoding: 'utf8' })) as number[];
    expect(fromNode).toHaveLength(4);
    expect(fromNode.every((p) => p > 0 && p < 1)).toBe(true);
    expect(new Set(fromNode).size).toBe(4); // a trained model, not a constant
  }, 60_000);

  it.runIf(chromiumAvailable())('bundled with esbuild for a browser, predicts the same bits in Chromium', async () => {
    await build({ entryPoints: [join(app, 'browser.js')], outfile: join(app, 'out.js'), bundle: true, format: 'esm', target: 'es2022', platform: 'browser', absWorkingDir: app, logLevel: 'error' });
    const { url, server } = await serve({ '/': { body: '<!doctype html><script type="module" src="/out.js"></script>' }, '/out.js': join(app, 'out.js') });
    const browser = await launchChromium();
    try {
      expect(await resultsOf(browser, url)).toEqual(fromNode);
    } finally {
      await browser.close();
      server.close();
    }
  }, 60_000);
});
