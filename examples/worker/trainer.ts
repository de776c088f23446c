// Training off the main thread with neurasm's worker helper. This file runs unchanged as a browser module Worker
// (`new Worker(url, { type: 'module' })`) or a Node worker_threads worker: serveWorker finds its port itself.
// Each job { x, y, epochs } reports { epoch, loss, accuracy } after every epoch and returns the predictions;
// a thrown error (a ShapeError for mismatched x and y) rejects the caller's run() with the same class.
import { Sequential, Dense, Adam, serveWorker } from 'neurasm';

export interface Job { x: number[][]; y: number[]; epochs: number }
export interface Progress { epoch: number; loss: number; accuracy: number }

// Not awaited: a worker bundled as a classic script (Vite's default worker format) cannot have top-level await.
void serveWorker<Job, number[], Progress>(async ({ x, y, epochs }, progress) => {
  const model = new Sequential([
    new Dense(32, { inputDim: x[0]?.length, activation: 'relu' }),
    new Dense(1, { activation: 'sigmoid' }),
  ], { seed: 1 });
  try {
    model.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, {
      epochs, verbose: 0,
      callbacks: [{ onEpochEnd: (epoch, logs) => progress({ epoch, loss: logs.loss!, accuracy: logs.accuracy! }) }],
    });
    return Array.from(model.predict(x).data);
  } finally {
    model.dispose();
  }
});
