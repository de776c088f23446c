// The package as a user gets it: `npm pack`, installed from the tarball into two empty folders. `app` installs
// neurasm alone (the core has no dependencies: one package), trains from a plain Node ESM script and from a
// browser app bundled with esbuild, with the same predictions in both, and a plot there says which command
// installs the plotting libraries. `visApp` installs them beside neurasm (they are optional peer dependencies,
// at the versions the repo tests with), and neurasm/vis draws the same SVG in Node and Chromium (and a PNG in Node).
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
const visApp = mkdtempSync(join(tmpdir(), 'neurasm-vis-consumer-'));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>; devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const PEERS = Object.keys(manifest.peerDependencies);
// What the error names under Node: every plotting library, in the order neurasm/vis lists them.
const INSTALL = 'npm install vega vega-lite @hpcc-js/wasm-graphviz @resvg/resvg-wasm dejavu-fonts-ttf';

// The same program in both places: the seed's XOR model with a fixed seed; it reports its predictions.
const PROGRAM = `
import { Sequential, Dense } from 'neurasm';
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const model = new Sequential([new Dense(8, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 5 });
model.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy'] });
await model.fit(X, [0, 1, 1, 0], { epochs: 50, verbose: 0 });
export const predictions = Array.from(model.predict(X).data);
`;

// neurasm/vis from the installed package: two pictures, and an error that is the core's own ValueError.
const VIS_PROGRAM = `
import { Sequential, Dense, ValueError } from 'neurasm';
import { plotModel, plotHistory } from 'neurasm/vis';
const model = new Sequential([new Dense(8, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 5 });
model.compile({ optimizer: 'adam', loss: 'binary_crossentropy' });
const history = await model.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], { epochs: 5, verbose: 0 });
const inNode = typeof process !== 'undefined';
export const svgs = [
  await plotModel(model, { showShapes: true, ...(inNode ? { toFile: 'model.png' } : {}) }),
  await plotHistory(history, inNode ? { toFile: 'loss.svg' } : {}),
];
export const sameErrorClass = await plotHistory({}).catch((e) => e instanceof ValueError);
`;

// neurasm/vis without its plotting libraries: the import works, each picture rejects with a NeurasmError.
const NO_PEERS_PROGRAM = `
import { Sequential, Dense, NeurasmError } from 'neurasm';
import { plotModel, plotHistory, historySpec } from 'neurasm/vis';
const model = new Sequential([new Dense(2, { inputDim: 2 })]);
model.compile({ optimizer: 'sgd', loss: 'mse' });
const history = await model.fit([[0, 1]], [[1, 0]], { epochs: 2, verbose: 0 });
const failure = (e) => ({ neurasmError: e instanceof NeurasmError, name: e.name, code: e.code, message: e.message });
console.log(JSON.stringify({
  spec: typeof historySpec(history),
  model: await plotModel(model).then(() => 'drawn', failure),
  history: await plotHistory(history).then(() => 'drawn', failure),
}));
`;

// The same program without top-level await, as a classic script or CommonJS module must be (and neurasm too).
const SCRIPT_PROGRAM = `
import { Sequential, Dense } from 'neurasm';
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const model = new Sequential([new Dense(8, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 5 });
model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
model.fit(X, [0, 1, 1, 0], { epochs: 50, verbose: 0 }).then(() => console.log(JSON.stringify(Array.from(model.predict(X).data))));
`;

// neurasm/url: the kernels fetched (read, under Node) from build/neurasm.wasm beside the package.
const URL_PROGRAM = PROGRAM.replace("from 'neurasm'", "from 'neurasm/url'") + 'console.log(JSON.stringify(predictions));\n';

beforeAll(() => {
  const tarball = join(app, execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!);
  const npmInstall = (cwd: string, specs: string[]) => {
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', ...specs], { cwd });
  };
  npmInstall(app, [tarball]);
  npmInstall(visApp, [tarball, ...PEERS.map((name) => `${name}@${manifest.devDependencies[name]}`)]);
  writeFileSync(join(app, 'program.js'), PROGRAM);
  writeFileSync(join(app, 'node.js'), "import { predictions } from './program.js';\nconsole.log(JSON.stringify(predictions));\n");
  writeFileSync(join(app, 'browser.js'), "import { predictions } from './program.js';\nwindow.__results = predictions;\n");
  writeFileSync(join(app, 'no-peers.js'), NO_PEERS_PROGRAM);
  writeFileSync(join(app, 'script.js'), SCRIPT_PROGRAM);
  writeFileSync(join(app, 'url.js'), URL_PROGRAM);
  writeFileSync(join(app, 'vis-browser.js'), "import { plotHistory } from 'neurasm/vis';\nwindow.__results = await plotHistory({ history: { loss: [1] } });\n");
  writeFileSync(join(visApp, 'vis.js'), VIS_PROGRAM);
  writeFileSync(join(visApp, 'vis-node.js'), "import { svgs, sameErrorClass } from './vis.js';\nconsole.log(JSON.stringify({ svgs, sameErrorClass }));\n");
  writeFileSync(join(visApp, 'vis-browser.js'), "import { svgs, sameErrorClass } from './vis.js';\nwindow.__results = { svgs, sameErrorClass };\n");
}, 300_000);

afterAll(() => {
  rmSync(app, { recursive: true, force: true });
  rmSync(visApp, { recursive: true, force: true });
});

let fromNode: number[];

describe('the packed package, installed elsewhere', () => {
  it('installs alone: one package, the plotting libraries optional peers at the versions the repo tests with', () => {
    // npm ls exits non-zero on anything missing or invalid; the first line is the consumer itself.
    const packages = execFileSync('npm', ['ls', '--parseable', '--all'], { cwd: app, encoding: 'utf8' }).trim().split('\n').slice(1);
    expect(packages).toEqual([join(app, 'node_modules', 'neurasm')]);
    expect(manifest.dependencies ?? {}).toEqual({});
    expect([...PEERS].sort()).toEqual(INSTALL.split(' ').slice(2).sort());
    for (const name of PEERS) {
      expect(manifest.peerDependenciesMeta[name], name).toEqual({ optional: true });
      expect(manifest.peerDependencies[name], name).toBe(`^${manifest.devDependencies[name]}`);
    }
    // With them installed: neurasm and the five, and npm ls finds every peer satisfied.
    const withPeers = execFileSync('npm', ['ls', '--parseable', '--depth=0'], { cwd: visApp, encoding: 'utf8' }).trim().split('\n').slice(1);
    expect(withPeers.map((p) => p.slice(join(visApp, 'node_modules').length + 1)).sort()).toEqual(['neurasm', ...PEERS].sort());
  });

  it('ships what it needs and nothing of the sources', () => {
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/neurasm/package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports['.'] as object)).toEqual(['types', 'node', 'default']);
    expect(Object.keys(pkg.exports['./vis'] as object)).toEqual(['types', 'node', 'browser', 'default']);
    for (const f of ['dist/index.js', 'dist/index.browser.min.js', 'dist/index.cjs', 'dist/index.url.js', 'dist/index.d.ts', 'build/neurasm.wasm', 'dist/vis.js', 'dist/vis.browser.js', 'dist/vis/index.d.ts']) {
      expect(() => readFileSync(join(app, 'node_modules/neurasm', f)), f).not.toThrow();
    }
    // The core entry stays small: plotting lives in neurasm/vis only. (Long runs of letters and digits, the inlined
    // wasm, are left out: when it was base64, any four letters turned up in it sooner or later, and a build spelt
    // 'vega' there.)
    for (const f of ['dist/index.js', 'dist/index.browser.min.js', 'dist/index.cjs']) {
      const code = readFileSync(join(app, 'node_modules/neurasm', f), 'utf8').replace(/[A-Za-z0-9+/=]{200,}/g, '');
      expect(code, f).not.toMatch(/vega|graphviz|resvg/i);
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

  it('has no top-level await: bundled as a classic script (iife, es2020) and as CommonJS, it predicts the same bits', async () => {
    const bundle = async (outfile: string, options: Parameters<typeof build>[0]) => {
      await build({ entryPoints: [join(app, 'script.js')], outfile: join(app, outfile), bundle: true, absWorkingDir: app, logLevel: 'error', ...options });
      return JSON.parse(execFileSync(process.execPath, [join(app, outfile)], { cwd: tmpdir(), encoding: 'utf8' })) as number[];
    };
    expect(await bundle('script.iife.js', { format: 'iife', target: 'es2020', platform: 'browser' })).toEqual(fromNode);
    expect(await bundle('script.cjs', { format: 'cjs', target: 'es2020', platform: 'node' })).toEqual(fromNode);
  }, 60_000);

  it('bundled for Node, runs from a folder with no neurasm.wasm beside it (the kernels are inside)', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'neurasm-bundle-elsewhere-'));
    try {
      await build({ entryPoints: [join(app, 'node.js')], outfile: join(elsewhere, 'app.mjs'), bundle: true, format: 'esm', target: 'es2022', platform: 'node', absWorkingDir: app, logLevel: 'error' });
      expect(JSON.parse(execFileSync(process.execPath, ['app.mjs'], { cwd: elsewhere, encoding: 'utf8' }))).toEqual(fromNode);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 60_000);

  it('neurasm/url reads the .wasm beside the package and predicts the same bits; without the file, an IOError names it', async () => {
    expect(JSON.parse(execFileSync(process.execPath, ['url.js'], { cwd: app, encoding: 'utf8' }))).toEqual(fromNode);
    const elsewhere = mkdtempSync(join(tmpdir(), 'neurasm-url-elsewhere-'));
    try {
      await build({ entryPoints: [join(app, 'url.js')], outfile: join(elsewhere, 'dist/app.mjs'), bundle: true, format: 'esm', target: 'es2022', platform: 'node', absWorkingDir: app, logLevel: 'error' });
      writeFileSync(join(elsewhere, 'main.mjs'), "import('./dist/app.mjs').catch((e) => console.log(JSON.stringify({ name: e.name, message: e.message })));\n");
      const failure = JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: elsewhere, encoding: 'utf8' })) as { name: string; message: string };
      expect(failure.name).toBe('IOError');
      expect(failure.message).toContain(`neurasm/url: could not read the kernels from file://${join(elsewhere, 'build/neurasm.wasm')}`);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 60_000);

  it('neurasm/vis without the plotting libraries imports, and each picture names the npm install to run', () => {
    type Failure = { neurasmError: boolean; name: string; code?: string; message: string };
    const r = JSON.parse(execFileSync(process.execPath, ['no-peers.js'], { cwd: app, encoding: 'utf8' })) as { spec: string; model: Failure; history: Failure };
    expect(r.spec).toBe('object'); // specs need no library
    for (const [failure, missing] of [[r.model, '@hpcc-js/wasm-graphviz'], [r.history, 'vega']] as const) {
      expect(failure).toEqual({ neurasmError: true, name: 'NeurasmError', message: `neurasm/vis needs its plotting libraries: ${INSTALL} (${missing} is not installed)` });
    }
  }, 60_000);

  it("neurasm/vis's declarations compile without the plotting libraries and without the DOM's types (skipLibCheck off)", () => {
    writeFileSync(join(app, 'vis-types.ts'), [
      "import { historySpec, plotHistory, type VegaLiteSpec } from 'neurasm/vis';",
      'const spec: VegaLiteSpec = historySpec({ loss: [1, 0.5] });',
      'export const drawn: Promise<string> = plotHistory({ loss: [1] });',
      'export const schema: string | undefined = spec.$schema;',
    ].join('\n'));
    writeFileSync(join(app, 'tsconfig.vis.json'), JSON.stringify({
      compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'], types: [], skipLibCheck: false, noEmit: true },
      files: ['vis-types.ts'],
    }));
    expect(execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.vis.json'], { cwd: app, encoding: 'utf8' })).toBe('');
  }, 60_000);

  it('neurasm/vis without the plotting libraries: a browser bundle fails to build, naming them', async () => {
    const bundling = build({ entryPoints: [join(app, 'vis-browser.js')], outfile: join(app, 'vis-out.js'), bundle: true, format: 'esm', target: 'es2022', platform: 'browser', absWorkingDir: app, logLevel: 'silent' });
    await expect(bundling).rejects.toThrow(/Could not resolve "vega"/);
  });

  let visFromNode: { svgs: string[]; sameErrorClass: boolean };

  it('neurasm/vis draws from a plain Node script: SVG text, a PNG, and the core\'s own error classes', () => {
    visFromNode = JSON.parse(execFileSync(process.execPath, ['vis-node.js'], { cwd: visApp, encoding: 'utf8' })) as typeof visFromNode;
    expect(visFromNode.sameErrorClass).toBe(true);
    expect(visFromNode.svgs[0]).toContain('Output shape: ');
    expect(readFileSync(join(visApp, 'loss.svg'), 'utf8')).toBe(visFromNode.svgs[1]);
    const png = readFileSync(join(visApp, 'model.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(5000);
  }, 60_000);

  it.runIf(chromiumAvailable())('neurasm/vis bundled with esbuild for a browser draws the same SVG text in Chromium', async () => {
    await build({ entryPoints: [join(visApp, 'vis-browser.js')], outfile: join(visApp, 'vis-out.js'), bundle: true, format: 'esm', target: 'es2022', platform: 'browser', absWorkingDir: visApp, logLevel: 'error' });
    const { url, server } = await serve({ '/': { body: '<!doctype html><script type="module" src="/vis-out.js"></script>' }, '/vis-out.js': join(visApp, 'vis-out.js') });
    const browser = await launchChromium();
    try {
      expect(await resultsOf(browser, url)).toEqual(visFromNode);
    } finally {
      await browser.close();
      server.close();
    }
  }, 60_000);
});
