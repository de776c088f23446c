// Starts the libraries neurasm is raced against, the same way in every bench: TensorFlow.js with its wasm
// (XNNPACK SIMD, one thread under Node) and cpu backends side by side in this process, jax-js on wasm, and
// onnxruntime-web (wasm, one thread) for inference.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { defaultDevice, init } from '@jax-js/jax';
import * as ort from 'onnxruntime-web';

export { tf, ort };

export type TfBackend = 'wasm' | 'cpu';

/** Column names of the peers, used by every bench's table and JSON. */
export const TF_WASM = 'tfjs-wasm';
export const TF_CPU = 'tfjs-cpu';
export const JAX = 'jax-js';
export const ORT = 'onnxruntime-web';

let tfStarted = false;

/** Registers both TensorFlow.js backends and leaves `wasm` active. */
export async function startTf(): Promise<void> {
  if (tfStarted) return;
  // NOTE: under Node the wasm backend cannot locate its .wasm files by itself; they sit in its dist folder.
  setWasmPaths(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
  tf.enableProdMode(); // only silences the "install tfjs-node" banner and other warnings; no math changes
  for (const backend of ['cpu', 'wasm'] as const) {
    if (!(await tf.setBackend(backend))) throw new Error(`bench: TensorFlow.js backend '${backend}' failed to start`);
  }
  tfStarted = true;
}

/**
 * Makes `backend` the active one; for a contender's untimed `before`. Tensors and models live on the backend
 * that was active when they were made, so each TensorFlow.js contender builds its own under its backend.
 */
export async function useTf(backend: TfBackend): Promise<void> {
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
}

/** Creates a TensorFlow.js object (tensor, model) on `backend`. */
export async function onTf<T>(backend: TfBackend, make: () => T): Promise<T> {
  await useTf(backend);
  return make();
}

let jaxStarted = false;

/** Starts jax-js on its wasm device (a bare `init()` probes WebGPU and fails on Node 20). */
export async function startJax(): Promise<void> {
  if (jaxStarted) return;
  const devices = await init('wasm');
  if (!devices.includes('wasm')) throw new Error(`bench: jax-js wasm device unavailable (got ${devices.join(', ')})`);
  defaultDevice('wasm');
  jaxStarted = true;
}

/**
 * An onnxruntime-web session (wasm, one thread, all graph optimisations) for an ONNX model's bytes.
 * NOTE: in Node, creating a session defines `globalThis.Worker`, after which jax-js believes it runs in a browser
 * and fails in this process; the global is removed again if it was not there before.
 */
export async function ortSession(model: Uint8Array): Promise<ort.InferenceSession> {
  ort.env.wasm.numThreads = 1;
  const hadWorker = 'Worker' in globalThis;
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  if (!hadWorker) delete (globalThis as { Worker?: unknown }).Worker;
  return session;
}

/** Runs a session of one float input 'x' and one output 'y'; resolves to the output's values. */
export async function ortRun(session: ort.InferenceSession, x: ort.Tensor): Promise<Float32Array> {
  const { y } = await session.run({ x });
  const values = y!.data as Float32Array;
  y!.dispose();
  return values;
}
