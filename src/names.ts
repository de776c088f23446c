// The one normalising function between what users type and the keys of neurasm's tables: Keras's
// snake_case ('binary_crossentropy', 'glorot_uniform') and camelCase ('binaryCrossentropy') both resolve.
import { ValueError, describe } from './errors.js';

/** 'binary_crossentropy' → 'binaryCrossentropy'; camelCase passes through. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A name with case and underscores dropped: 'glorot_uniform', 'glorotUniform' and 'GlorotUniform' agree. */
function folded(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/**
 * Row of `table` named `name` — its key in camelCase or snake_case, Keras's and TensorFlow.js's class name
 * ('GlorotUniform', 'BinaryCrossentropy', 'Adam'), or one of the row's `aliases` — or a ValueError.
 */
export function lookup<T extends object>(
  table: Record<string, T>, name: unknown, what: string, where: string,
): { key: string; row: T } {
  if (typeof name === 'string') {
    const key = camelCase(name);
    if (Object.hasOwn(table, key)) return { key, row: table[key]! };
    const wanted = folded(name);
    for (const [k, row] of Object.entries(table)) {
      const aliases = (row as { aliases?: readonly string[] }).aliases ?? [];
      if (aliases.includes(name)) return { key: k, row };
    }
    for (const [k, row] of Object.entries(table)) {
      const aliases = (row as { aliases?: readonly string[] }).aliases ?? [];
      if (folded(k) === wanted || aliases.some((a) => folded(a) === wanted)) return { key: k, row };
    }
  }
  throw new ValueError(`${where}: unknown ${what} ${describe(name)}; expected one of ${Object.keys(table).join(', ')}`);
}
