// Checks expf4 (assembly/math.ts), the four-lane exp of softmax and the fused cross-entropies, against the scalar
// expf it must equal bit for bit, on all 2^32 f32 inputs (NaNs included). Run it after changing either:
//   npm run check:exp
// It compiles a small entry that imports both, with the project's AssemblyScript; the check took 24 and 44 s in two
// runs on a 2-core VM.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'neurasm-exp-'));
const entry = join(root, 'assembly', `.exp-exhaustive-${process.pid}.ts`); // beside math.ts, for its relative imports
writeFileSync(entry, `import { expf, expf4 } from './math';
let firstBad: u32 = 0;
/** Inputs [lo, lo + count) (count a multiple of 4) whose four-lane exp differs from expf's; firstBad, the first. */
export function check(lo: u32, count: u32): u32 {
  let bad: u32 = 0;
  for (let i: u32 = 0; i < count; i += 4) {
    const b = lo + i;
    const e = expf4(i32x4(b, b + 1, b + 2, b + 3));
    bad += differs(<u32>i32x4.extract_lane(e, 0), b, bad) + differs(<u32>i32x4.extract_lane(e, 1), b + 1, bad)
      + differs(<u32>i32x4.extract_lane(e, 2), b + 2, bad) + differs(<u32>i32x4.extract_lane(e, 3), b + 3, bad);
  }
  return bad;
}
function differs(got: u32, x: u32, bad: u32): u32 {
  if (got == reinterpret<u32>(expf(reinterpret<f32>(x)))) return 0;
  if (bad == 0) firstBad = x;
  return 1;
}
export function first(): u32 { return firstBad; }
`);
try {
  execFileSync(process.execPath, [join(root, 'node_modules/assemblyscript/bin/asc.js'), entry, '--runtime', 'stub', '--enable', 'simd',
    '-O3', '--noAssert', '--importMemory', '--maximumMemory', '16', '-o', join(dir, 'check.wasm')], { cwd: dir, stdio: 'inherit' });
} finally {
  rmSync(entry, { force: true });
}
const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 });
const { instance } = await WebAssembly.instantiate(readFileSync(join(dir, 'check.wasm')), { env: { memory, abort() { throw new Error('abort'); } } });
rmSync(dir, { recursive: true, force: true });
const started = performance.now();
const CHUNK = 2 ** 26;
let bad = 0;
for (let lo = 0; lo < 2 ** 32; lo += CHUNK) bad += instance.exports.check(lo >>> 0, CHUNK);
const seconds = ((performance.now() - started) / 1000).toFixed(0);
if (bad > 0) {
  const x = new Float32Array(new Uint32Array([instance.exports.first() >>> 0]).buffer)[0];
  console.error(`expf4 differs from expf on ${bad} of 2^32 inputs, first at ${x} (${seconds} s)`);
  process.exit(1);
}
console.log(`expf4 equals expf on all 2^32 inputs (${seconds} s)`);
