// Node's main thread handing XOR to a worker_threads worker (build/examples/worker/trainer.js) and printing
// its progress; then a bad job, whose ShapeError comes back as a ShapeError. In a browser the same trainer
// runs as `new Worker(new URL('./trainer.js', import.meta.url), { type: 'module' })`.
import { Worker } from 'node:worker_threads';
import { connectWorker } from 'neurasm';
import type { Job, Progress } from './trainer.js';

const trainer = await connectWorker<Job, number[], Progress>(new Worker(new URL('./trainer.js', import.meta.url)));
try {
  const predictions = await trainer.run({ x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 1, 1, 0], epochs: 100 }, {
    onProgress: ({ epoch, loss, accuracy }) => {
      if ((epoch + 1) % 25 === 0) console.log(`epoch ${epoch + 1}: loss ${loss.toFixed(4)}, accuracy ${accuracy.toFixed(2)}`);
    },
  });
  console.log(`predictions: ${predictions.map((p) => p.toFixed(3)).join(', ')}`);
  await trainer.run({ x: [[0, 0, 0]], y: [0, 1], epochs: 1 }).catch((e: Error) => { // 1 sample of x, 2 of y
    console.log(`the worker's error, rebuilt here: ${e.name}: ${e.message}`);
  });
} finally {
  await trainer.terminate();
}
