// Vitest setup (every test file, before it imports src): replaces each kernel on `kernels` by a wrapper that
// checks the call's operands (test/kernels.ts) lie in live arena blocks, then calls the kernel. A wrong offset
// then throws, naming the kernel, the argument and the blocks around it, instead of writing into a neighbour.
// Runs only under test: src/ and the built library never see it.
import { afterEach } from 'vitest';
import { arena } from '../src/arena.js';
import { kernels } from '../src/backend.js';
import { OPERANDS, type Operand } from './kernels.js';
import { getThreads, setThreads } from '../src/threads.js';

type Kernel = (...args: unknown[]) => unknown;
const rules = OPERANDS as unknown as Record<string, (...args: unknown[]) => Operand[]>;
const table = kernels as unknown as Record<string, unknown>;

/** Checker errors since the last test ended. A test that meant to cause them takes them; any left fail it. */
const stopped: Error[] = [];

/** The checker errors raised since the last call (or the start of the test), oldest first; clears the list. */
export function takeViolations(): Error[] {
  return stopped.splice(0);
}

/** The live blocks around `offset` (before it, holding or after it, the next), the free range holding it, the ends. */
function near(offset: number): string {
  const { base, top, free, blocks } = arena.layout();
  let i = blocks.findIndex((b) => b.offset + b.size > offset);
  if (i < 0) i = blocks.length;
  const range = (b: { offset: number; size: number }) => `[${b.offset}, ${b.offset + b.size})`;
  const parts = blocks.slice(Math.max(0, i - 1), i + 2).map((b) => `live ${range(b)}`);
  const hole = free.find((b) => b.offset <= offset && offset < b.offset + b.size);
  if (hole) parts.push(`free ${range(hole)}`);
  return `${parts.join(', ') || 'no live blocks'}; arena base ${base}, top ${top}`;
}

function violation(name: string, op: Operand, args: unknown[]): Error {
  const end = op.offset + op.bytes;
  const error = new Error(
    `kernel check: ${name}: argument ${op.arg}: ${op.bytes} bytes at offset ${op.offset} (to ${end}) are not inside ` +
    `one live arena block; near it: ${near(op.offset)}; call ${name}(${args.map(String).join(', ')})`);
  stopped.push(error);
  return error;
}

function checked(name: string, kernel: Kernel, rule: (...args: unknown[]) => Operand[]): Kernel {
  const wrapper = (...args: unknown[]): unknown => {
    const operands = rule(...args);
    for (let i = 0; i < operands.length; i++) {
      const op = operands[i]!;
      if (op.bytes !== 0 && !arena.holds(op.offset, op.bytes)) throw violation(name, op, args);
    }
    return kernel(...args);
  };
  Object.defineProperty(wrapper, 'name', { value: name });
  return wrapper;
}

// Every exported function (own adapters and the wasm exports behind them) needs a row, and every row a kernel:
// a new kernel cannot go unchecked, and a renamed one cannot leave a stale rule.
const names: string[] = [];
for (const name in table) if (typeof table[name] === 'function') names.push(name);
const missing = names.filter((n) => !Object.hasOwn(rules, n));
const stale = Object.keys(rules).filter((n) => typeof table[n] !== 'function');
if (missing.length > 0 || stale.length > 0) {
  throw new Error(`test/kernels.ts OPERANDS: ${missing.length > 0 ? `no rule for the kernels ${missing.join(', ')}` : ''}` +
    `${missing.length > 0 && stale.length > 0 ? '; ' : ''}${stale.length > 0 ? `rules for no kernel: ${stale.join(', ')}` : ''}`);
}

// NOTE: the wasm exports object (kernels' prototype) is frozen, so the wrappers are own properties defined over it.
for (const name of names) {
  const kernel = table[name] as Kernel;
  Object.defineProperty(kernels, name, { value: checked(name, kernel, rules[name]!), configurable: true, writable: true });
}

// A checker error that a test caught (an expect(...).toThrow() meant for another error) must not pass silently.
afterEach((context) => {
  const left = takeViolations();
  if (left.length === 0 || context.task.result?.state === 'fail') return;
  throw new Error(`${left.length} kernel call(s) were stopped by the checks in this test, and the test caught the error; ` +
    `the first: ${left[0]!.message}`);
});

// The pool of threads starts here, before any test, at the size neurasm picks by default (every core): every test
// then runs its large kernel calls split over the threads (the same bits as one thread, which the tests' recorded
// values check), and the pool's own blocks (scratch, control) are taken before a test compares arena.bytesInUse
// before and after. test/threads.test.ts changes the count and restores it.
await setThreads(getThreads());
