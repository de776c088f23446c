// The main job: `npm start` runs the seed's XOR program end to end. Once through npm itself (which rebuilds),
// then the same built script for 20 seeds: each must exit 0 and print `Accuracy : 1.00`.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
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

  it('solves XOR for 20 different seeds', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { stdout } = await run(process.execPath, ['build/examples/xor.js', '--seed', String(seed)], { cwd: root });
      expect(stdout, `seed ${seed}`).toMatch(/^Accuracy : 1\.00$/m);
    }
  }, 120_000);
});
