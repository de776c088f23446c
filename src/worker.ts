// Training off the main thread: serveWorker runs jobs inside a Worker, connectWorker sends them from outside.
// Both sides work with browser (module) Workers and Node's worker_threads; they only pass messages, never memory.
import { describe, errorFromData, errorToData, NeurasmError, StateError, ValueError, type ErrorData } from './errors.js';

/** One end of a message channel: a browser `Worker`, its global scope, Node's `Worker` or `parentPort`, a `MessagePort`. */
export interface WorkerEndpoint {
  postMessage(message: unknown, transfer?: readonly object[]): void;
  /** Node's emitter style (worker_threads), used when present: listeners get the data itself. */
  on?(type: string, listener: (data: any) => void): unknown;
  /** The browser's style: listeners get an event (`event.data` for messages). */
  addEventListener?(type: string, listener: (event: any) => void): void;
}

/** A worker `connectWorker` drives: a browser `Worker` or a Node `worker_threads.Worker`. */
export interface WorkerLike extends WorkerEndpoint {
  terminate(): unknown;
}

/** What `serveWorker` runs for each job; `progress(value)` posts a value to the job's `onProgress`. */
export type JobHandler<Job, Result, Progress> = (job: Job, progress: (value: Progress) => void) => Result | Promise<Result>;

/** Options of `WorkerClient.run`. */
export interface RunOptions<Progress> {
  /** Called on this thread with each value the handler passes to `progress`. */
  onProgress?: (value: Progress) => void;
  /** Objects to transfer rather than copy with the job (ArrayBuffers, MessagePorts, …). */
  transfer?: readonly object[];
  /**
   * Stops waiting: once it is aborted, `run` rejects with its reason (as `fetch` does; `AbortSignal.timeout(ms)`
   * gives a timeout). The job itself is not interrupted: the worker finishes it (its result is dropped) before
   * the next; `terminate()` stops the work.
   */
  signal?: AbortSignalLike;
}

/** The part of an `AbortSignal` that `run` uses (any realm's, or a look-alike). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** The main thread's handle on a worker started with `serveWorker`. */
export interface WorkerClient<Job, Result, Progress> {
  /** Posts a job; resolves to the handler's result, rejects with its error rebuilt (a ShapeError stays a ShapeError). */
  run(job: Job, options?: RunOptions<Progress> | null): Promise<Result>;
  /** Ends the worker; runs still pending reject with a NeurasmError. */
  terminate(): Promise<void>;
}

// Every message carries a `neurasm` key, so a user's own messages on the same worker pass through untouched.
type ToWorker<Job> = { neurasm: 'hello' } | { neurasm: 'run'; id: number; job: Job };
type FromWorker = { neurasm: 'ready' } | { neurasm: 'progress'; id: number; value: unknown }
  | { neurasm: 'result'; id: number; value: unknown } | { neurasm: 'error'; id: number; error: ErrorData };

/** The error for something that is not a WorkerEndpoint, or undefined when it is one. */
function notAnEndpoint(where: string, value: unknown): ValueError | undefined {
  const v = value as Partial<WorkerEndpoint> | null | undefined;
  if (typeof v?.postMessage === 'function' && (typeof v.on === 'function' || typeof v.addEventListener === 'function')) return undefined;
  return new ValueError(`${where}: expected a Worker or port (postMessage with on or addEventListener), got ${describe(value)}`);
}

function listen(target: WorkerEndpoint, type: string, listener: (data: unknown) => void): void {
  if (typeof target.on === 'function') { target.on(type, listener); return; }
  target.addEventListener!(type, (e: { data?: unknown }) => listener(type === 'message' ? e.data : e));
  (target as { start?: () => void }).start?.(); // a MessagePort delivers nothing to addEventListener until started
}

function isSignal(v: unknown): v is AbortSignalLike {
  const s = v as Partial<AbortSignalLike> | null;
  return typeof s === 'object' && s !== null && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function';
}

const RUN_OPTIONS = ['onProgress', 'transfer', 'signal'];

/** `run`'s options checked as every entry point checks its own: null or undefined is none, unknown keys are errors. */
function runOptions<Progress>(value: unknown): RunOptions<Progress> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValueError(`run(): options must be an object, got ${describe(value)}`);
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!RUN_OPTIONS.includes(key)) throw new ValueError(`run(): unknown option '${key}' (options: ${RUN_OPTIONS.join(', ')})`);
  }
  const { onProgress, transfer, signal } = o;
  if (onProgress !== undefined && onProgress !== null && typeof onProgress !== 'function') {
    throw new ValueError(`run(): onProgress must be a function (value) => void, got ${describe(onProgress)}`);
  }
  if (transfer !== undefined && transfer !== null && !(Array.isArray(transfer) && transfer.every((t) => typeof t === 'object' && t !== null))) {
    throw new ValueError(`run(): transfer must be an array of transferable objects (ArrayBuffers, MessagePorts, …), got ${describe(transfer)}`);
  }
  if (signal !== undefined && signal !== null && !isSignal(signal)) {
    throw new ValueError(`run(): signal must be an AbortSignal (e.g. new AbortController().signal or AbortSignal.timeout(ms)), got ${describe(signal)}`);
  }
  return {
    ...(typeof onProgress === 'function' ? { onProgress: onProgress as (value: Progress) => void } : {}),
    ...(Array.isArray(transfer) ? { transfer: transfer as object[] } : {}),
    ...(isSignal(signal) ? { signal } : {}),
  };
}

function abortReason(signal: AbortSignalLike): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function isOurs(data: unknown): data is { neurasm: string } {
  return typeof data === 'object' && data !== null && typeof (data as { neurasm?: unknown }).neurasm === 'string';
}

/** The port of the worker this code runs in: a browser dedicated Worker's scope, or Node's `parentPort`. */
async function ownPort(): Promise<WorkerEndpoint> {
  const scope = globalThis as { postMessage?: unknown; document?: unknown };
  if (typeof scope.postMessage === 'function' && scope.document === undefined) return globalThis as unknown as WorkerEndpoint;
  const name = 'node:worker_threads'; // non-literal: browser bundlers leave it alone
  const threads = await import(/* webpackIgnore: true */ /* @vite-ignore */ name).catch(() => undefined) as { parentPort?: WorkerEndpoint | null } | undefined;
  if (threads?.parentPort) return threads.parentPort;
  throw new StateError('serveWorker(): not inside a Worker (no worker global scope and no worker_threads parentPort); pass a port');
}

/**
 * Serves jobs inside a Worker: `handler(job, progress)` runs for each `client.run(job)`, one job at a time in
 * the order posted; its return value (or promise) is the result, and a thrown error reaches the caller through
 * `errorToData`. Finds its port itself (a browser dedicated Worker, or Node's `worker_threads` `parentPort`)
 * unless `port` is given, and resolves once it listens, after telling `connectWorker` it is ready.
 */
export async function serveWorker<Job = unknown, Result = unknown, Progress = unknown>(
  handler: JobHandler<Job, Result, Progress>, port?: WorkerEndpoint,
): Promise<void> {
  if (typeof handler !== 'function') {
    throw new ValueError(`serveWorker(handler): expected a function (job, progress) => result, got ${describe(handler)}`);
  }
  const bad = port === undefined ? undefined : notAnEndpoint('serveWorker(handler, port)', port);
  if (bad) throw bad;
  const io = port ?? await ownPort();
  const post = (message: FromWorker) => io.postMessage(message);
  let queue = Promise.resolve();
  const runOne = async (id: number, job: Job) => {
    try {
      const value = await handler(job, (v) => post({ neurasm: 'progress', id, value: v }));
      post({ neurasm: 'result', id, value }); // inside the try: an uncloneable result becomes the job's error
    } catch (e) {
      post({ neurasm: 'error', id, error: errorToData(e) });
    }
  };
  listen(io, 'message', (data) => {
    if (!isOurs(data)) return;
    const message = data as ToWorker<Job>;
    if (message.neurasm === 'hello') post({ neurasm: 'ready' });
    else if (message.neurasm === 'run') queue = queue.then(() => runOne(message.id, message.job));
  });
  post({ neurasm: 'ready' });
}

/**
 * Connects to a Worker whose script calls `serveWorker`; resolves to a client once the worker is ready (it has
 * loaded its script, neurasm with it, and listens). Takes a browser `Worker` or a Node
 * `worker_threads.Worker`. Rejects, and rejects every pending `run`, with a NeurasmError if the worker fails
 * to load, throws outside a job, or exits.
 */
export function connectWorker<Job = unknown, Result = unknown, Progress = unknown>(
  worker: WorkerLike,
): Promise<WorkerClient<Job, Result, Progress>> {
  const bad = notAnEndpoint('connectWorker(worker)', worker);
  if (bad) return Promise.reject(bad);
  type Pending = { resolve(value: Result): void; reject(error: unknown): void; onProgress?: ((value: Progress) => void) | undefined };
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closed: string | undefined;
  let connected!: { resolve(): void; reject(error: Error): void };
  const readyPromise = new Promise<void>((resolve, reject) => { connected = { resolve, reject }; });

  const close = (reason: string) => {
    if (closed !== undefined) return;
    closed = reason;
    connected.reject(new NeurasmError(`connectWorker(): ${reason} before it was ready`)); // no-op once ready
    for (const job of pending.values()) job.reject(new NeurasmError(`run(): ${reason} before the job finished`));
    pending.clear();
  };
  const failed = (e: unknown) => {
    const { name, message } = e as { name?: unknown; message?: unknown };
    close(typeof message === 'string' && message !== ''
      ? `the worker failed (${e instanceof Error ? `${String(name)}: ` : ''}${message})`
      : 'the worker failed to load or threw outside a job (see its console)');
    void worker.terminate();
  };

  listen(worker, 'message', (data) => {
    if (!isOurs(data) || closed !== undefined) return;
    const message = data as FromWorker;
    if (message.neurasm === 'ready') { connected.resolve(); return; }
    const job = pending.get(message.id);
    if (job === undefined) return;
    if (message.neurasm === 'progress') {
      try { job.onProgress?.(message.value as Progress); } catch (e) { pending.delete(message.id); job.reject(e); }
      return;
    }
    pending.delete(message.id);
    if (message.neurasm === 'result') job.resolve(message.value as Result);
    else job.reject(errorFromData(message.error));
  });
  listen(worker, 'error', failed);
  if (typeof worker.on === 'function') listen(worker, 'exit', (code) => close(`the worker exited with code ${String(code)}`));
  // NOTE: a browser drops messages nobody listens for, so the first 'ready' may be gone (the worker was made
  // long before this call) or this 'hello' may arrive before the worker listens; either way one 'ready' gets through.
  worker.postMessage({ neurasm: 'hello' } satisfies ToWorker<Job>);

  const client: WorkerClient<Job, Result, Progress> = {
    run(job, given) {
      if (closed !== undefined) return Promise.reject(new StateError(`run(): the worker is closed: ${closed}`));
      let options: RunOptions<Progress>;
      try {
        options = runOptions<Progress>(given);
      } catch (e) {
        return Promise.reject(e);
      }
      const { signal } = options;
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      const id = nextId++;
      return new Promise<Result>((resolve, reject) => {
        const onAbort = () => {
          if (!pending.delete(id)) return;
          reject(abortReason(signal!));
        };
        const settle = <T>(then: (value: T) => void) => (value: T) => { signal?.removeEventListener('abort', onAbort); then(value); };
        signal?.addEventListener('abort', onAbort, { once: true });
        pending.set(id, { resolve: settle(resolve), reject: settle(reject), onProgress: options.onProgress });
        try {
          const message: ToWorker<Job> = { neurasm: 'run', id, job };
          if (options.transfer) worker.postMessage(message, options.transfer); else worker.postMessage(message);
        } catch (e) {
          const entry = pending.get(id);
          pending.delete(id);
          entry?.reject(e); // e.g. a DataCloneError: the job cannot be copied to the worker
        }
      });
    },
    async terminate() {
      close('the worker was terminated');
      await worker.terminate();
    },
  };
  return readyPromise.then(() => client);
}
