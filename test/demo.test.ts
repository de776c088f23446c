// The main job: `npm start` runs the seed's XOR program end to end. Once through npm itself (which rebuilds),
// then the same built script for 20 seeds: each must exit 0 and print `Accuracy : 1.00`. The demo ends with
// the seed's four pictures in out/.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

describe('npm start (the seed XOR demo)', () => {
  it('runs through npm and prints the Keras-style log, accuracy and predictions', async () => {
    const { stdout } = await run('npm', ['start', '--silent', '--', '--seed', '42'], { cwd: root, timeout: 120_000 });
    expect(stdout).toContain('Model: "sequential"');
    expect(stdout).toMatch(/^Epoch 100\/100$/m);
    expect(stdout).toMatch(/^1\/1 ━{20} \d+s \d+[mu]?s\/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$/m);
    expect(stdout).toMatch(/^Accuracy : 1\.00$/m);
    expect(stdout.match(/→ \d\.\d{4} \(expected [01]\)/g)).toHaveLength(4);
  }, 120_000);

  it('writes the four pictures to out/ and prints their paths last', async () => {
    const started = Date.now();
    const { stdout } = await run(process.execPath, ['build/examples/xor.js'], { cwd: root });
    const names = ['model_structure', 'actual_vs_predicted', 'loss_over_epochs', 'hidden_layer_weights'];
    expect(stdout.trimEnd().split('\n').slice(-5)).toEqual(['Pictures:', ...names.map((n) => `  out/${n}.png`)]);
    for (const n of names) {
      const file = join(root, 'out', `${n}.png`);
      expect(statSync(file).mtimeMs, n).toBeGreaterThanOrEqual(started - 1000);
      const png = PNG.sync.read(readFileSync(file));
      expect(png.width, n).toBeGreaterThan(500);
      expect(png.height, n).toBeGreaterThan(300);
    }
  }, 60_000);

  it('solves XOR for 20 different seeds', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { stdout } = await run(process.execPath, ['build/examples/xor.js', '--seed', String(seed)], { cwd: root });
      expect(stdout, `seed ${seed}`).toMatch(/^Accuracy : 1\.00$/m);
    }
  }, 120_000);
});
