// Python's number formats, so file names, CSV cells and messages read as Keras writes them; and whether this is Node.
import { ValueError, describe } from '../errors.js';

// ───── Python's number formats (file names, CSV cells and messages read as Keras writes them) ─────

/** Python's `repr` of a float: shortest round-trip digits, exponent below 1e-4 and from 1e16, `.0` on whole numbers. */
export function pythonFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Object.is(v, -0)) return '-0.0';
  const [mantissa, exp] = v.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const plain = String(v);
  return plain.includes('.') ? plain : `${plain}.0`;
}

/** `v` with `digits` decimals, ties to even on the exact binary value, as Python's `.Nf` (toFixed breaks ties upward). */
export function fixed(v: number, digits: number): string {
  const out = v.toFixed(digits);
  const long = Math.abs(v).toFixed(Math.min(100, digits + 40));
  const cut = long.indexOf('.') + 1 + digits - (digits === 0 ? 1 : 0);
  const rest = long.slice(digits === 0 ? long.indexOf('.') + 1 : cut);
  if (!/^50*$/.test(rest)) return out;
  const last = Number(long[digits === 0 ? long.indexOf('.') - 1 : cut - 1]);
  if (last % 2 === 1) return out; // toFixed rounded away from an odd digit: to even
  return (v < 0 ? '-' : '') + long.slice(0, digits === 0 ? long.indexOf('.') : cut);
}

/** Python's `.Ne` (two exponent digits at least). */
function exponential(v: number, digits: number): string {
  const [mantissa, exp] = v.toExponential(digits).split('e') as [string, string];
  const e = Number(exp);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** A format spec Python's str.format takes for numbers: [sign][0][width][.precision][d|f|e]. */
const SPEC = /^([+\- ]?)(0?)(\d*)(?:\.(\d+))?([dfeE]?)$/;

/** One value formatted by a Python format spec (`02d`, `.4f`, `.2e`, or none). */
function formatNumber(v: number, spec: string, name: string, where: string): string {
  const m = SPEC.exec(spec)!;
  const [, sign, zero, width, precision, type] = m;
  let body: string;
  if (type === 'd') {
    if (!Number.isInteger(v)) throw new ValueError(`${where}: {${name}:${spec}} formats integers, but ${name} is ${pythonFloat(v)}`);
    body = String(Math.abs(v));
  } else if (type === 'f') body = fixed(Math.abs(v), precision === undefined ? 6 : Number(precision));
  else if (type === 'e' || type === 'E') body = exponential(Math.abs(v), precision === undefined ? 6 : Number(precision));
  else body = Number.isInteger(v) && (name === 'epoch' || name === 'batch') ? String(Math.abs(v)) : pythonFloat(Math.abs(v));
  if (type === 'E') body = body.toUpperCase();
  const signText = v < 0 || Object.is(v, -0) ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  const pad = Math.max(0, Number(width || 0) - signText.length - body.length);
  return zero ? signText + '0'.repeat(pad) + body : ' '.repeat(pad) + signText + body;
}

/** A checked template such as `ckpt/{epoch:02d}-{val_loss:.2f}`: literal text and named fields with their specs. */
export type Template = (string | { name: string; spec: string })[];

/** Parses a Python format string (`{{` and `}}` are braces); throws on a spec it cannot honour. */
export function parseTemplate(template: string, where: string): Template {
  const parts: Template = [];
  let literal = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if ((c === '{' || c === '}') && template[i + 1] === c) { literal += c; i++; continue; }
    if (c === '}') throw new ValueError(`${where}: a single '}' in ${describe(template)}; write '}}' for a brace`);
    if (c !== '{') { literal += c; continue; }
    const close = template.indexOf('}', i);
    if (close < 0) throw new ValueError(`${where}: an unclosed '{' in ${describe(template)}`);
    const field = template.slice(i + 1, close);
    const colon = field.indexOf(':');
    const name = colon < 0 ? field : field.slice(0, colon);
    const spec = colon < 0 ? '' : field.slice(colon + 1);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ValueError(`${where}: {${field}} in ${describe(template)} does not name a logged value (e.g. {epoch}, {val_loss:.2f})`);
    if (!SPEC.test(spec)) throw new ValueError(`${where}: the format '${spec}' of {${name}} is not supported (use a spec such as 02d, .4f or .2e)`);
    if (literal) parts.push(literal);
    literal = '';
    parts.push({ name, spec });
    i = close;
  }
  if (literal) parts.push(literal);
  return parts;
}

export function fillTemplate(parts: Template, values: Record<string, number>, where: string): string {
  return parts.map((p) => {
    if (typeof p === 'string') return p;
    const v = values[p.name];
    if (v === undefined) throw new ValueError(`${where}: the file path names {${p.name}}, which is not logged (available: ${Object.keys(values).join(', ')})`);
    return formatNumber(v, p.spec, p.name, where);
  }).join('');
}

export function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

