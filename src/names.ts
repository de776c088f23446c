// The one normalising function between what users type and the keys of neurasm's tables: Keras's
// snake_case ('binary_crossentropy', 'glorot_uniform') and camelCase ('binaryCrossentropy') both resolve.
import { ValueError, describe } from './errors.js';

/** A camelCase name in Keras's snake_case, at the type level: `Snake<'binaryCrossentropy'>` is `'binary_crossentropy'`; digits stay (`'relu6'`). */
export type Snake<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Snake<T>}`
  : S;

/** The literal aliases of a table row (`aliases: ['mse', 'MSE'] as const`); a row whose aliases are plain `string[]` adds none. */
type AliasOf<R> = R extends { readonly aliases?: readonly (infer A extends string)[] } ? (string extends A ? never : A) : never;

/**
 * Every spelling `lookup` resolves in `table`, as a type: each key in camelCase and snake_case, its class name
 * (`Capitalize`), and each row's literal aliases. Typos ('relux') do not compile; plain JavaScript still gets lookup's error.
 */
export type Spelling<T> = { [K in keyof T & string]: K | Snake<K> | Capitalize<K> | AliasOf<T[K]> }[keyof T & string];

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
