// The packed package from CommonJS: `npm pack`, installed from the tarball into an empty package without "type"
// (so .js is CommonJS), then `require('neurasm')` trains the seed's XOR model and must print the same bits as the
// ESM build does for the same program from the same install; and a strict TypeScript CommonJS project (node16 and
// nodenext) type-checks against the package's declarations, compiles `import` to `require`, and runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncBindings, syncDeclarations } from '../scripts/wasm-modules.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const app = mkdtempSync(join(tmpdir(), 'neurasm-cjs-consumer-'));
const tsc = join(root, 'node_modules/typescript/bin/tsc');

// The seed's XOR model with a fixed seed, written once and loaded by either module system.
const MODEL = `
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const model = new Sequential([new Dense(8, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 5 });
model.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy'] });
`;
const REQUIRE = `const { Sequential, Dense } = require('neurasm');\n${MODEL}
model.fit(X, [0, 1, 1, 0], { epochs: 50, verbose: 0 }).then(() => console.log(JSON.stringify(Array.from(model.predict(X).data))));
`;
const IMPORT = `import { Sequential, Dense } from 'neurasm';\n${MODEL}
await model.fit(X, [0, 1, 1, 0], { epochs: 50, verbose: 0 });
console.log(JSON.stringify(Array.from(model.predict(X).data)));
`;
// TypeScript: the same program, typed; compiled as CommonJS (.ts) and as ESM (.mts) in one project.
const TYPED = `import { Sequential, Dense, Tensor, ValueError, type FitOptions } from 'neurasm';
const X: number[][] = [[0, 0], [0, 1], [1, 0], [1, 1]];
const model: Sequential = new Sequential([new Dense(8, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 5 });
model.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy'] });
const options: FitOptions = { epochs: 50, verbose: 0 };
`;
const TS_CJS = `${TYPED}
model.fit(X, [0, 1, 1, 0], options).then(() => {
  const out: Tensor = model.predict(X);
  const refused = (() => { try { new Dense(-1); return false; } catch (e) { return e instanceof ValueError; } })();
  console.log(JSON.stringify({ predictions: Array.from(out.data), refused }));
});
`;
const TS_ESM = `${TYPED}
await model.fit(X, [0, 1, 1, 0], options);
console.log(JSON.stringify(Array.from(model.predict(X).data)));
`;

const run = (file: string, cwd = app) => execFileSync(process.execPath, [file], { cwd, encoding: 'utf8' });

beforeAll(() => {
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'cjs-consumer', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(app, tarball)], { cwd: app });
  writeFileSync(join(app, 'require.js'), REQUIRE);
  writeFileSync(join(app, 'import.mjs'), IMPORT);
  writeFileSync(join(app, 'vis.js'), "try { require('neurasm/vis'); console.log('loaded'); } catch (e) { console.log(e.message); }\n");
  mkdirSync(join(app, 'src'));
  writeFileSync(join(app, 'src/main.ts'), TS_CJS);
  writeFileSync(join(app, 'src/esm.mts'), TS_ESM);
  // skipLibCheck as `tsc --init` sets it: the user's code is checked against our declarations either way.
  const compilerOptions = {
    target: 'es2022', strict: true, skipLibCheck: true, outDir: 'out', rootDir: 'src',
    typeRoots: [join(root, 'node_modules/@types')], types: ['node'],
  };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'nodenext', moduleResolution: 'nodenext' }, include: ['src'] }));
  writeFileSync(join(app, 'tsconfig.node16.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'node16', moduleResolution: 'node16', noEmit: true }, include: ['src'] }));
}, 120_000);

afterAll(() => rmSync(app, { recursive: true, force: true }));

let fromImport: number[];

describe('the packed package from CommonJS', () => {
  it('ships a CommonJS build, its declarations and the ESM build, and maps require to the CommonJS one', () => {
    const pkg = join(app, 'node_modules/neurasm');
    for (const f of ['dist/index.cjs', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'dist/vis.cjs', 'dist/index.js', 'build/neurasm.wasm']) {
      expect(() => readFileSync(join(pkg, f)), f).not.toThrow();
    }
    expect(execFileSync(process.execPath, ['-p', "require.resolve('neurasm')"], { cwd: app, encoding: 'utf8' }).trim()).toBe(join(pkg, 'dist/index.cjs'));
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('neurasm'))"], { cwd: app, encoding: 'utf8' }).trim()).toMatch(/\/dist\/index\.js$/);
    // No top-level await or import.meta in the CommonJS build: the wasm is read with readFileSync, beside the file.
    const cjs = readFileSync(join(pkg, 'dist/index.cjs'), 'utf8');
    expect(cjs).not.toMatch(/import\.meta|WebAssembly\.instantiate\(|WebAssembly\.compile\(/);
    expect(cjs).toContain('new WebAssembly.Instance(');
  });

  it('the ESM build trains the seed program', () => {
    fromImport = JSON.parse(run('import.mjs')) as number[];
    expect(fromImport).toHaveLength(4);
    expect(new Set(fromImport).size).toBe(4); // a trained model, not a constant
  }, 30_000);

  it("require('neurasm') trains it to the same bits as the ESM build", () => {
    const fromRequire = JSON.parse(run('require.js')) as number[];
    expect(fromRequire.every((p) => p > 0 && p < 1)).toBe(true);
    expect(fromRequire).toEqual(fromImport);
  }, 30_000);

  it("require('neurasm/vis') says that neurasm/vis is ESM only", () => {
    expect(run('vis.js')).toMatch(/^neurasm\/vis is ESM only: .*import/);
  });

  it('a strict TypeScript CommonJS project (nodenext) type-checks, compiles import to require, and runs', () => {
    const files = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFiles'], { cwd: app, encoding: 'utf8' });
    // The .ts file (CommonJS) gets the CommonJS declarations, the .mts file (ESM) the ESM ones.
    expect(files).toContain(join('node_modules/neurasm/dist/cjs/index.d.ts'));
    expect(files).toContain(join('node_modules/neurasm/dist/index.d.ts'));
    const js = readFileSync(join(app, 'out/main.js'), 'utf8');
    expect(js).toMatch(/require\("neurasm"\)/);
    expect(js).not.toMatch(/^import /m);
    const result = JSON.parse(run('out/main.js')) as { predictions: number[]; refused: boolean };
    expect(result).toEqual({ predictions: fromImport, refused: true });
    expect(JSON.parse(run('out/esm.mjs'))).toEqual(fromImport);
  }, 60_000);

  it('and type-checks with module node16 too', () => {
    expect(execFileSync(process.execPath, [tsc, '-p', 'tsconfig.node16.json'], { cwd: app, encoding: 'utf8' })).toBe('');
  }, 60_000);
});

describe('the synchronous bindings the core loads the kernels with (scripts/wasm-modules.mjs)', () => {
  const bindings = readFileSync(join(root, 'build/neurasm.js'), 'utf8');

  it("rewrites only asc's one await, keeping its adaptation of the exports", () => {
    const sync = syncBindings(bindings);
    const changed = sync.split('\n').filter((line, i) => line !== bindings.split('\n')[i]);
    expect(changed).toEqual(['export function instantiate(module, imports = {}) {', '  const { exports } = new WebAssembly.Instance(module, imports);']);
    expect(sync).toContain('>>> 0'); // u32 results, e.g. randomU32, still unsigned
  });

  it('refuses bindings it does not recognise, rather than emit a build that returns a Promise', () => {
    expect(() => syncBindings(bindings.replace('await WebAssembly.instantiate', 'await WebAssembly.instantiateStreaming'))).toThrow(/wasm-modules/);
    expect(() => syncBindings(`${bindings}\nexport async function other() { await 0; }`)).toThrow(/wasm-modules/);
  });

  it('and their declarations: instantiate returns the kernels, not a Promise of them', () => {
    const declarations = readFileSync(join(root, 'build/neurasm.d.ts'), 'utf8');
    expect(syncDeclarations(declarations)).toMatch(/\): typeof __AdaptedExports;/);
    expect(syncDeclarations(declarations)).not.toMatch(/Promise</);
    expect(readFileSync(join(root, 'build/neurasm.sync.d.ts'), 'utf8')).toBe(syncDeclarations(declarations));
    expect(() => syncDeclarations(declarations.replace('Promise<typeof __AdaptedExports>', 'PromiseLike<typeof __AdaptedExports>'))).toThrow(/wasm-modules/);
  });
});
