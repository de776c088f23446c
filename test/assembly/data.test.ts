// firstNonFinite: the check every input goes through once it is in the memory (gatherRows is tested with
// the other data movers in matmul.test.ts).
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { mulberry32, uniform, useWasm } from '../helpers.js';

const wasm = useWasm();
const SIZES = [1, 3, 4, 5, 17, 33, 127];

describe('firstNonFinite', () => {
  it.each(SIZES)('finds the first NaN, +Infinity or −Infinity at every position of %i values', (n) => {
    const data = uniform(n, mulberry32(n), -3.4e38, 3.4e38);
    const x = wasm.put(data);
    expect(kernels.firstNonFinite(x, n)).toBe(-1);
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (let at = 0; at < n; at++) {
        const copy = data.slice();
        copy[at] = bad;
        if (at + 2 < n) copy[at + 2] = NaN; // a later one must not win
        expect(kernels.firstNonFinite(wasm.put(copy), n), `${bad} at ${at} of ${n}`).toBe(at);
      }
    }
  });

  it('accepts the largest and smallest float32 values, zeros and subnormals', () => {
    const edge = Float32Array.from([3.4028234663852886e38, -3.4028234663852886e38, 0, -0, 1.4e-45, -1.4e-45, 1e-40]);
    expect(kernels.firstNonFinite(wasm.put(edge), edge.length)).toBe(-1);
  });

  it('looks at no more than n values', () => {
    const x = wasm.put([1, 2, 3, NaN]);
    expect(kernels.firstNonFinite(x, 3)).toBe(-1);
    expect(kernels.firstNonFinite(x, 0)).toBe(-1);
  });
});
