// Node's main thread handing XOR to a worker_threads worker (build/examples/worker/trainer.js) and printing
// its progress; then a bad job, whose ShapeError comes back as a ShapeError. In a browser the same trainer
// runs as `new Worker(new URL('./trainer.js', import.meta.url), { type: 'module' })`.
import { Worker } from 'node:worker_threads';
import { errorFromData, type ErrorData } from 'neurasm';

type Reply = { ready: true } | { epoch: number; loss: number; accuracy: number } | { predictions: number[] } | { error: ErrorData };

function train(x: number[][], y: number[], epochs: number): Promise<number[]> {
  const worker = new Worker(new URL('./trainer.js', import.meta.url));
  return new Promise((resolve, reject) => {
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        worker.postMessage({ x, y, epochs });
        return;
      }
      if ('epoch' in reply) {
        if ((reply.epoch + 1) % 25 === 0) console.log(`epoch ${reply.epoch + 1}: loss ${reply.loss.toFixed(4)}, accuracy ${reply.accuracy.toFixed(2)}`);
        return;
      }
      void worker.terminate();
      if ('error' in reply) reject(errorFromData(reply.error));
      else resolve(reply.predictions);
    });
    worker.on('error', reject);
  });
}

const predictions = await train([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], 100);
console.log(`predictions: ${predictions.map((p) => p.toFixed(3)).join(', ')}`);
try {
  await train([[0, 0, 0]], [0, 1], 1); // 1 sample of x, 2 of y
} catch (e) {
  console.log(`the worker's error, rebuilt here: ${(e as Error).name}: ${(e as Error).message}`);
}
