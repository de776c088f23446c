// esbuild plugins for the neurasm/vis bundles, shared by the build and the browser tests.
//   coreAsPackage: src/vis reaches the core only through '../index.js', which becomes an import of the package
//     'neurasm' itself, so vis uses the user's copy of the core (one ValueError class, one wasm instance).
//   browserFiles: swaps src/vis/files.ts (node:fs, resvg) for files.browser.ts.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const vis = resolve(src, 'vis');
const browserFilesPath = resolve(vis, 'files.browser.ts');

export const coreAsPackage = {
  name: 'core-as-package',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(vis)) return undefined;
      const target = resolve(dirname(args.importer), args.path);
      if (target.startsWith(vis)) return undefined;
      if (target === resolve(src, 'index.js')) return { path: 'neurasm', external: true };
      return { errors: [{ text: `${args.path}: src/vis may import the core only through '../index.js' (its public entry)` }] };
    });
  },
};

export const browserFiles = {
  name: 'vis-browser-files',
  setup(b) {
    b.onResolve({ filter: /\/files\.js$/ }, (args) => (args.importer.startsWith(vis) ? { path: browserFilesPath } : undefined));
  },
};
