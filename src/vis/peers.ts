// The plotting libraries are optional peer dependencies: `npm install neurasm` brings the core alone, and
// neurasm/vis loads Vega, Vega-Lite and Graphviz (and under Node resvg and the fonts) at the first picture, so
// importing it always works and a missing library is named with the command that installs it.
// NOTE: the specifiers stay literal (import('vega') at each call site), so the user's bundler finds and ships them.
import { NeurasmError } from '../index.js';
import { PEERS } from './files.js';

/** The command that installs every library neurasm/vis draws with on this platform. */
export function installCommand(): string {
  return `npm install ${PEERS.join(' ')}`;
}

/** Runs `load` (an import or a file lookup in package `name`); a missing package becomes a NeurasmError naming the install. */
export async function peer<T>(name: string, load: () => Promise<T> | T): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (!isMissing(e, name)) throw e;
    throw new NeurasmError(`neurasm/vis needs its plotting libraries: ${installCommand()} (${name} is not installed)`, { cause: e });
  }
}

// Node's import() and require.resolve, Vite, and a browser without a bundler each say "not found" their own way.
function isMissing(e: unknown, name: string): boolean {
  // The name quoted or after a space ("Cannot find package 'vega'"), not inside a path: a library that is
  // installed but misses one of its own dependencies keeps its own error. (Package names hold no regex syntax.)
  const named = new RegExp(`['"\\s]${name}(['"/\\s]|$)`);
  if (!(e instanceof Error) || !named.test(e.message)) return false;
  const code = (e as { code?: unknown }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
    || /cannot find (module|package)|failed to resolve module specifier|failed to load url|does the file exist/i.test(e.message);
}
