// INITIALIZERS: the one table from initialiser name to how it fills a weight, with Keras's formulas and
// defaults. All draws come from the model's seeded generator in the wasm, so a seed fixes every bit.
import { kernels as k } from './backend.js';
import { lookup } from './names.js';

/** Fills `n` floats at `x` for a weight with the given fans, drawing from the generator state at `state`. */
export type Initializer = (x: number, n: number, fanIn: number, fanOut: number, state: number) => void;

// Keras's variance-scaling normals are truncated at 2σ; this undoes the truncation's shrinking of the std.
const TRUNCATED_STD = 0.8796256610342398;

const varianceScaling = (scale: number, mode: 'fanIn' | 'fanAvg', distribution: 'uniform' | 'normal'): Initializer =>
  (x, n, fanIn, fanOut, state) => {
    const fan = mode === 'fanIn' ? fanIn : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, fan);
    if (distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      k.randomUniform(x, n, state, -limit, limit);
    } else {
      k.truncatedNormal(x, n, state, 0, Math.sqrt(variance) / TRUNCATED_STD);
    }
  };

/** Every initialiser by name. */
export const INITIALIZERS = {
  glorotUniform: { init: varianceScaling(1, 'fanAvg', 'uniform') },
  glorotNormal: { init: varianceScaling(1, 'fanAvg', 'normal') },
  heUniform: { init: varianceScaling(2, 'fanIn', 'uniform') },
  heNormal: { init: varianceScaling(2, 'fanIn', 'normal') },
  lecunUniform: { init: varianceScaling(1, 'fanIn', 'uniform') },
  lecunNormal: { init: varianceScaling(1, 'fanIn', 'normal') },
  randomNormal: { init: ((x, n, _i, _o, state) => k.randomNormal(x, n, state, 0, 0.05)) as Initializer },
  randomUniform: { init: ((x, n, _i, _o, state) => k.randomUniform(x, n, state, -0.05, 0.05)) as Initializer },
  zeros: { init: ((x, n) => k.fill(x, n, 0)) as Initializer },
  ones: { init: ((x, n) => k.fill(x, n, 1)) as Initializer },
} satisfies Record<string, { init: Initializer; aliases?: readonly string[] }>;

/** An initialiser's name: `'glorotUniform'` (Dense's kernel default), `'zeros'`, `'heNormal'`, … */
export type InitializerName = keyof typeof INITIALIZERS;

/** Resolves a user's initialiser name to its table key. */
export function initializerKey(name: unknown, where: string): InitializerName {
  return lookup<{ init: Initializer }>(INITIALIZERS, name, 'initializer', where).key as InitializerName;
}
