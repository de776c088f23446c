// Training off the main thread. This file runs unchanged as a browser Worker
// (`new Worker(url, { type: 'module' })`) or a Node worker_threads worker: it posts { ready } once it listens,
// takes { x, y, epochs }, posts { epoch, loss, accuracy } after every epoch, then { predictions } — or
// { error }, which the main thread turns back into the same error class with errorFromData.
// NOTE: wait for { ready } before posting the job: importing neurasm awaits the wasm, and a browser may
// deliver a message that arrives meanwhile before any handler exists, losing it.
import { Sequential, Dense, Adam, errorToData } from 'neurasm';

interface Job { x: number[][]; y: number[]; epochs: number }
interface Port { post(message: unknown): void; onMessage(handler: (job: Job) => void): void }

// The one difference between the two kinds of worker: how messages come and go.
async function port(): Promise<Port> {
  const scope = globalThis as unknown as { postMessage?: (m: unknown) => void; onmessage?: unknown; document?: unknown };
  if (typeof scope.postMessage === 'function' && scope.document === undefined && 'onmessage' in scope) {
    return {
      post: (m) => scope.postMessage!(m),
      onMessage: (h) => { scope.onmessage = (e: MessageEvent<Job>) => h(e.data); },
    };
  }
  const name = 'node:worker_threads'; // non-literal: browser bundlers leave it alone
  const { parentPort } = (await import(/* @vite-ignore */ name)) as typeof import('node:worker_threads');
  return { post: (m) => parentPort!.postMessage(m), onMessage: (h) => parentPort!.on('message', h) };
}

const io = await port();
io.onMessage(async ({ x, y, epochs }) => {
  try {
    const model = new Sequential([
      new Dense(32, { inputDim: x[0]?.length, activation: 'relu' }),
      new Dense(1, { activation: 'sigmoid' }),
    ], { seed: 1 });
    model.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, {
      epochs, verbose: 0,
      callbacks: [{ onEpochEnd: (epoch, logs) => io.post({ epoch, loss: logs.loss, accuracy: logs.accuracy }) }],
    });
    io.post({ predictions: Array.from(model.predict(x).data) });
    model.dispose();
  } catch (e) {
    io.post({ error: errorToData(e) });
  }
});
io.post({ ready: true });
