// The 2-D datasets of the "Learn a 2-D dataset" section: points in roughly [-1, 1]² with a 0/1 label, drawn from
// a fixed seed so the same settings always give the same points (the tests rely on it). Page-side drawing data
// only: no model math happens here.
import { mulberry32 } from '../scripts/mulberry32.mjs';

/** Every dataset by key, with the name the page shows for it. */
export const DATASETS = {
  xor: 'XOR (four clusters)',
  circles: 'Circles (inner and outer ring)',
  spirals: 'Two spirals',
  blobs: 'Two Gaussian blobs',
} as const;

/** A dataset's key: 'xor', 'circles', 'spirals' or 'blobs'. */
export type DatasetName = keyof typeof DATASETS;

/** Points and labels: `x` is [samples × 2] row-major, `y` one 0/1 label per sample. */
export interface Points { x: Float32Array; y: Float32Array }

/** A dataset split into the points the network trains on and those it is tested on. */
export interface Dataset { train: Points; test: Points }

/** How to draw a dataset: noise and the share held out for testing. */
export interface DatasetOptions {
  /** How much the points scatter, 0 (clean) to 0.5 (heavily overlapping). */
  noise: number;
  /** The fraction of points held out for testing, 0.1 to 0.9. */
  testFraction: number;
  /** How many points in all (default 300). */
  samples?: number;
  /** The seed of every random draw (default 1). */
  seed?: number;
}

/** The largest |coordinate| the plots show: the data stays inside it but for the noisiest outliers. */
export const EXTENT = 1.3;

/** Standard normal draws by Box–Muller from a uniform generator. */
function normal(random: () => number): () => number {
  return () => {
    const u = 1 - random(); // (0, 1]: the log stays finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

type Maker = (i: number, samples: number, noise: number, random: () => number, gauss: () => number) => [number, number, number];

// Each maker draws the same number of random values whatever the noise, so moving the noise slider moves the
// same points further from their place instead of drawing new ones.
const MAKERS: Record<DatasetName, Maker> = {
  // The seed's XOR: the corners of the unit square (centred on 0), label = x XOR y.
  xor(i, _samples, noise, _random, gauss) {
    const cx = i % 2 === 0 ? -0.5 : 0.5;
    const cy = (i >> 1) % 2 === 0 ? -0.5 : 0.5;
    const spread = 0.08 + 0.5 * noise;
    return [cx + spread * gauss(), cy + spread * gauss(), (cx > 0) !== (cy > 0) ? 1 : 0];
  },
  circles(i, _samples, noise, random, gauss) {
    const label = i % 2;
    const r = label === 0 ? 0.45 * Math.sqrt(random()) : 0.7 + 0.25 * random();
    const angle = 2 * Math.PI * random();
    const jitter = 0.3 * noise;
    return [r * Math.cos(angle) + jitter * gauss(), r * Math.sin(angle) + jitter * gauss(), label];
  },
  spirals(i, _samples, noise, random, gauss) {
    const label = i % 2;
    const t = random();
    const r = 0.05 + 0.95 * t;
    const angle = 1.75 * 2 * Math.PI * t + label * Math.PI;
    const jitter = 0.25 * noise;
    return [r * Math.cos(angle) + jitter * gauss(), r * Math.sin(angle) + jitter * gauss(), label];
  },
  blobs(i, _samples, noise, _random, gauss) {
    const label = i % 2;
    const [cx, cy] = label === 0 ? [-0.45, -0.35] : [0.45, 0.35];
    const spread = 0.15 + 0.6 * noise;
    return [cx + spread * gauss(), cy + spread * gauss(), label];
  },
};

/** Draws `name` with `options` and splits it into train and test points (the split is seeded too). */
export function makeDataset(name: DatasetName, options: DatasetOptions): Dataset {
  const maker = MAKERS[name];
  if (!maker) throw new Error(`unknown dataset "${String(name)}": pick one of ${Object.keys(DATASETS).join(', ')}`);
  const { noise, testFraction } = options;
  const samples = options.samples ?? 300;
  const seed = options.seed ?? 1;
  if (!(noise >= 0 && noise <= 1)) throw new Error(`noise must be between 0 and 1, got ${noise}`);
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`the test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  if (!Number.isInteger(samples) || samples < 4) throw new Error(`samples must be a whole number of at least 4, got ${samples}`);
  const random = mulberry32(seed);
  const gauss = normal(random);
  const xs = new Float32Array(samples * 2);
  const ys = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const [a, b, label] = maker(i, samples, noise, random, gauss);
    xs[2 * i] = a;
    xs[2 * i + 1] = b;
    ys[i] = label;
  }
  // A seeded shuffle of the indices (its own stream: the split does not change when the noise does).
  const order = Array.from({ length: samples }, (_, i) => i);
  const shuffle = mulberry32(seed ^ 0x9e3779b9);
  for (let i = samples - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const testCount = Math.min(samples - 1, Math.max(1, Math.round(samples * testFraction)));
  const pick = (indices: number[]): Points => {
    const x = new Float32Array(indices.length * 2);
    const y = new Float32Array(indices.length);
    indices.forEach((from, to) => { x[2 * to] = xs[2 * from]!; x[2 * to + 1] = xs[2 * from + 1]!; y[to] = ys[from]!; });
    return { x, y };
  };
  return { test: pick(order.slice(0, testCount)), train: pick(order.slice(testCount)) };
}

/** The resolution of the decision-boundary picture and of each hidden unit's picture (cells per side). */
export const BOUNDARY_GRID = 48;
export const UNIT_GRID = 24;

/** The centres of a `size` × `size` grid of cells over [-EXTENT, EXTENT]², row by row from the top (y = +EXTENT). */
export function gridPoints(size: number): Float32Array {
  const points = new Float32Array(size * size * 2);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const i = row * size + col;
      points[2 * i] = -EXTENT + (2 * EXTENT * (col + 0.5)) / size;
      points[2 * i + 1] = EXTENT - (2 * EXTENT * (row + 0.5)) / size;
    }
  }
  return points;
}
