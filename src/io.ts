// Where saved models live: a directory (Node: model.json + weights.bin), a URL (fetch), browser storage
// (IndexedDB, localStorage), downloads and user-picked Files, or memory. Only the bytes a model.json names
// are read, from beside it; sizes are checked before anything is read or allocated. A failure of the storage
// or the network is an IOError, a path or URL that cannot be right a ValueError; both name the call.
import type { Sequential } from './sequential.js';
import { LOAD_KEYS, checkJson, type HostInstance, checkWeightSpecs, fromArtifacts, readLoadOptions, readSaveOptions, toArtifacts, type LoadOptions, type ModelArtifacts, type SaveOptions, type WeightSpec } from './saving.js';
import { IOError, NeurasmError, ValueError, describe } from './errors.js';
import { callable } from './arguments.js';

/** model.json as TensorFlow.js writes it. */
interface ModelJSON {
  modelTopology: Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: ModelArtifacts['trainingConfig'];
  userDefinedMetadata?: Record<string, unknown>;
}

/** Largest model.json read (the topology; weights are limited by LoadOptions.maxBytes). */
const MAX_JSON_BYTES = 64 * 2 ** 20;
/** A weight file name: no folders, no '..', nothing that could leave the model's own folder or host. */
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

function toModelJSON(a: ModelArtifacts, weightsPath: string): ModelJSON {
  const json: ModelJSON = {
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [weightsPath], weights: a.weightSpecs }],
    format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null,
  };
  if (a.trainingConfig) json.trainingConfig = a.trainingConfig;
  if (a.userDefinedMetadata) json.userDefinedMetadata = a.userDefinedMetadata;
  return json;
}

function bufferOf(data: ArrayBuffer | ArrayBuffer[]): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of data) { out.set(new Uint8Array(b), at); at += b.byteLength; }
  return out.buffer;
}

/** Parses model.json text with the same guards as every other input. */
function parseModelJSON(text: string, where: string): ModelJSON {
  if (text.length > MAX_JSON_BYTES) throw new ValueError(`${where}: model.json is larger than ${MAX_JSON_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ValueError(`${where}: model.json is not JSON: ${(e as Error).message}`);
  }
  checkJson(json, where);
  if (typeof json !== 'object' || json === null || !('modelTopology' in json)) throw new ValueError(`${where}: model.json has no modelTopology`);
  const manifest = (json as { weightsManifest?: unknown }).weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new ValueError(`${where}: weightsManifest must be a list of groups, got ${describe(manifest)}`);
  for (const group of manifest) {
    if (typeof group !== 'object' || group === null || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new ValueError(`${where}: a weightsManifest group must be { paths, weights }, got ${describe(group)}`);
    }
    for (const p of group.paths) {
      if (typeof p !== 'string' || !SAFE_PATH.test(p)) throw new ValueError(`${where}: weight file ${describe(p)} is not a plain file name beside model.json`);
    }
  }
  // NOTE: the manifest as checked: a model.json without one (a model with no weights) reads as an empty list.
  return { ...json, weightsManifest: manifest } as ModelJSON;
}

/**
 * Reads the weight files a checked model.json names, in order, through `read(path, maxBytes)`; the specs are
 * checked and the total is known (and limited) before the first byte is read.
 */
async function artifactsFrom(json: ModelJSON, options: LoadOptions, where: string,
  read: (path: string, maxBytes: number) => Promise<ArrayBuffer>): Promise<ModelArtifacts> {
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const { total } = checkWeightSpecs(specs, options, `${where}: weightsManifest`);
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const parts: ArrayBuffer[] = [];
  let got = 0;
  for (const p of paths) {
    const part = await read(p, total - got);
    got += part.byteLength;
    parts.push(part);
  }
  if (got !== total) throw new ValueError(`${where}: the weight files hold ${got} bytes, the manifest describes ${total}`);
  const a: ModelArtifacts = { modelTopology: json.modelTopology, weightSpecs: specs, weightData: bufferOf(parts), format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy };
  if (json.trainingConfig) a.trainingConfig = json.trainingConfig;
  if (json.userDefinedMetadata) a.userDefinedMetadata = json.userDefinedMetadata;
  return a;
}

// ───── Node: a directory ─────

type FS = typeof import('node:fs/promises');
type Path = typeof import('node:path');

async function node(): Promise<{ fs: FS; path: Path }> {
  // NOTE: non-literal specifiers, so browser bundlers leave these Node-only imports alone.
  const [fsName, pathName] = ['node:fs/promises', 'node:path'];
  return { fs: (await import(/* webpackIgnore: true */ /* @vite-ignore */ fsName)) as FS, path: (await import(/* webpackIgnore: true */ /* @vite-ignore */ pathName)) as Path };
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

/** Why a file system call failed, for the codes a user can act on; Node's own text for the rest. */
const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a file is in the way where a directory is needed',
  EISDIR: 'it is a directory, not a file',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EIO: 'an input/output error',
  EMFILE: 'too many open files',
};
/** Codes that say the path itself is wrong (a ValueError); any other failure is the storage's (an IOError). */
const PATH_CODES = new Set(['ENOENT', 'ENOTDIR', 'EEXIST', 'EISDIR', 'ENAMETOOLONG', 'ELOOP', 'EINVAL']);

/** A file system error as a neurasm error naming the call and what it was doing ("write /x/model.json"). */
function fsError(e: unknown, where: string, doing: string): Error {
  if (e instanceof NeurasmError) return e;
  const code = (e as { code?: unknown }).code;
  const reason = typeof code === 'string' ? `${FS_REASONS[code] ?? (e as Error).message} (${code})` : String((e as Error)?.message ?? e);
  const Class = typeof code === 'string' && PATH_CODES.has(code) ? ValueError : IOError;
  return new Class(`${where}: cannot ${doing}: ${reason}`, { cause: e });
}

/** Stats a path; undefined if nothing is there (or a part of the path is a file); any other failure thrown as fsError. */
async function statOf(fs: FS, file: string, where: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await fs.stat(file);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw fsError(e, where, `read ${file}`);
  }
}

/** Writes model.json and weights.bin into `dir` as whole files: checked first, written aside, then renamed in. */
async function saveToDirectory(a: ModelArtifacts, dir: string, where: string): Promise<void> {
  const { fs, path } = await node();
  const found = await statOf(fs, dir, where);
  if (found && !found.isDirectory()) throw new ValueError(`${where}: ${dir} is a file, not a directory; save writes a directory (model.json and weights.bin in it)`);
  const files = { weights: path.join(dir, 'weights.bin'), json: path.join(dir, 'model.json') };
  for (const file of Object.values(files)) {
    const s = found && await statOf(fs, file, where);
    if (s && !s.isFile()) throw new ValueError(`${where}: ${file} exists and is not a file; it cannot be replaced`);
  }
  let created: string | undefined;
  try {
    created = await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw fsError(e, where, `create the directory ${dir}`);
  }
  // NOTE: both files are written into a fresh folder beside them first, then renamed in (weights first), so
  // a failure (a full disk, a lost permission) leaves no half-written file and an older model whole.
  let aside: string | undefined;
  let doing = `write into ${dir}`;
  try {
    aside = await fs.mkdtemp(path.join(dir, '.neurasm-save-'));
    doing = `write ${files.weights}`;
    await fs.writeFile(path.join(aside, 'weights.bin'), new Uint8Array(bufferOf(a.weightData)));
    doing = `write ${files.json}`;
    await fs.writeFile(path.join(aside, 'model.json'), JSON.stringify(toModelJSON(a, 'weights.bin')));
    doing = `write ${files.weights}`;
    await fs.rename(path.join(aside, 'weights.bin'), files.weights);
    doing = `write ${files.json}`;
    await fs.rename(path.join(aside, 'model.json'), files.json);
  } catch (e) {
    if (created) await fs.rm(created, { recursive: true, force: true }).catch(() => {});
    throw fsError(e, where, doing);
  } finally {
    if (aside) await fs.rm(aside, { recursive: true, force: true }).catch(() => {});
  }
}

async function loadFromDirectory(target: string, options: LoadOptions, where: string): Promise<ModelArtifacts> {
  const { fs, path } = await node();
  const file = target.endsWith('.json') ? target : path.join(target, 'model.json');
  const stat = await statOf(fs, file, where);
  if (!stat?.isFile()) throw new ValueError(`${where}: no model.json at ${file}`);
  if (stat.size > MAX_JSON_BYTES) throw new ValueError(`${where}: ${file} is larger than ${MAX_JSON_BYTES} bytes`);
  const text = await fs.readFile(file, 'utf8').catch((e: unknown) => { throw fsError(e, where, `read ${file}`); });
  const json = parseModelJSON(text, where);
  const dir = path.dirname(file);
  return artifactsFrom(json, options, where, async (p, maxBytes) => {
    const shard = path.join(dir, p);
    const s = await statOf(fs, shard, where);
    if (!s?.isFile()) throw new ValueError(`${where}: weight file ${shard} is missing`);
    if (s.size > maxBytes) throw new ValueError(`${where}: weight file ${shard} holds more bytes (${s.size}) than the manifest leaves for it (${maxBytes})`);
    const bytes = await fs.readFile(shard).catch((e: unknown) => { throw fsError(e, where, `read ${shard}`); });
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  });
}

// ───── anywhere: a URL ─────

/** How loadModel fetches: the function, the init every request gets, and the signal that cancels it all. */
interface Fetcher {
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  init: RequestInit;
  signal: AbortSignal | undefined;
}

/** What fetch itself would take as a signal (it refuses anything without `aborted` and `addEventListener`). */
function isSignal(v: unknown): v is AbortSignal {
  return typeof v === 'object' && v !== null && typeof (v as AbortSignal).aborted === 'boolean' && typeof (v as AbortSignal).addEventListener === 'function';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The fetch options of checked LoadOptions: each of the kind TensorFlow.js's http handler takes. */
function fetcherOf(options: LoadOptions, where: string): Fetcher {
  const { signal, requestInit = {}, fetchFunc } = options;
  if (signal !== undefined && !isSignal(signal)) throw new ValueError(`${where}: signal must be an AbortSignal (e.g. new AbortController().signal or AbortSignal.timeout(ms)), got ${describe(signal)}`);
  if (!isPlainObject(requestInit)) throw new ValueError(`${where}: requestInit must be a plain object of fetch options ({ headers, credentials, … }), got ${describe(requestInit)}`);
  const initSignal = requestInit.signal ?? undefined;
  if (initSignal !== undefined && !isSignal(initSignal)) throw new ValueError(`${where}: requestInit.signal must be an AbortSignal, got ${describe(initSignal)}`);
  const f = fetchFunc === undefined ? (input: string, init?: RequestInit) => fetch(input, init) : callable<Fetcher['fetch']>(fetchFunc, 'fetchFunc', where);
  const effective = signal ?? initSignal;
  return { fetch: f, init: effective ? { ...requestInit, signal: effective } : { ...requestInit }, signal: effective };
}

/** Rejects with the signal's reason once it is aborted, as fetch does. */
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** A request's failure: the abort reason if it was cancelled, a neurasm error as it is, anything else an IOError. */
function fetchError(e: unknown, url: string, signal: AbortSignal | undefined, where: string): unknown {
  if (signal?.aborted) return abortReason(signal);
  if (e instanceof NeurasmError) return e;
  if ((e as { name?: unknown })?.name === 'AbortError') return e; // a fetchFunc's own cancellation
  const cause = (e as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const detail = cause?.message ? ` (${String(cause.message)})` : typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  return new IOError(`${where}: fetching ${url} failed: ${String((e as Error)?.message ?? e)}${detail}`, { cause: e });
}

/** What every response must offer (a fetchFunc might resolve to anything). */
function checkResponse(r: unknown, where: string): asserts r is Response {
  const ok = typeof r === 'object' && r !== null && typeof (r as Response).ok === 'boolean' && typeof (r as Response).status === 'number' && typeof (r as Response).arrayBuffer === 'function';
  if (!ok) throw new ValueError(`${where}: the fetch function must resolve to a Response, got ${describe(r)}`);
}

/** A response's body, read chunk by chunk and abandoned as soon as it passes `maxBytes` (whatever it declares). */
async function readLimited(response: Response, maxBytes: number, what: string, where: string): Promise<ArrayBuffer> {
  const tooLarge = (n: number) => new ValueError(`${where}: ${what} is ${n} bytes or more, more than the ${maxBytes} expected`);
  const body = response.body && typeof response.body.getReader === 'function' ? response.body : undefined;
  if (!response.ok) {
    await body?.cancel().catch(() => {});
    // 4xx: the URL is wrong; 5xx, a timeout or a rate limit: the server failed.
    const Class = response.status >= 500 || response.status === 408 || response.status === 429 ? IOError : ValueError;
    throw new Class(`${where}: ${what}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  const declared = Number(typeof response.headers?.get === 'function' ? response.headers.get('content-length') ?? NaN : NaN);
  if (declared > maxBytes) {
    await body?.cancel().catch(() => {});
    throw tooLarge(declared);
  }
  if (!body) {
    const all = await response.arrayBuffer();
    if (all.byteLength > maxBytes) throw tooLarge(all.byteLength);
    return all;
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(total);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out.buffer;
}

/** One request through the Fetcher, its body read with readLimited; every failure a clear error (fetchError). */
async function fetchLimited(url: URL, maxBytes: number, what: string, fetcher: Fetcher, where: string): Promise<ArrayBuffer> {
  try {
    const response: unknown = await fetcher.fetch(url.href, fetcher.init);
    checkResponse(response, where);
    return await readLimited(response, maxBytes, what, where);
  } catch (e) {
    throw fetchError(e, url.href, fetcher.signal, where);
  }
}

async function loadFromURL(url: string, options: LoadOptions, fetcher: Fetcher, where: string): Promise<ModelArtifacts> {
  let base: URL;
  try {
    base = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    throw new ValueError(`${where}: ${describe(url)} is not a valid URL`);
  }
  const json = parseModelJSON(new TextDecoder().decode(await fetchLimited(base, MAX_JSON_BYTES, 'model.json', fetcher, where)), where);
  return artifactsFrom(json, options, where, (p, maxBytes) => fetchLimited(new URL(p, base), maxBytes, p, fetcher, where));
}

// ───── browsers: storage, downloads, files ─────

// NOTE: TensorFlow.js's own stores, to the letter (tfjs-core io/indexed_db.ts and local_storage.ts), so a
// model either library saves to indexeddb:// or localstorage:// is found by the other.
const DB = 'tensorflowjs';
const MODELS = 'models_store';
const INFOS = 'model_info_store';
const LS_PREFIX = 'tensorflowjs_models';

/** What TensorFlow.js keeps beside a stored model (its sizes and date). */
function infoOf(a: ModelArtifacts, weights: ArrayBuffer) {
  const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;
  return { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: bytes(a.modelTopology), weightSpecsBytes: bytes(a.weightSpecs), weightDataBytes: weights.byteLength };
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(MODELS, { keyPath: 'modelPath' });
      request.result.createObjectStore(INFOS, { keyPath: 'modelPath' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Runs one transaction over both stores; resolves with what `f` asked for once it has committed. */
async function inDatabase<T>(mode: IDBTransactionMode, where: string, f: (models: IDBObjectStore, infos: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  let db: IDBDatabase | undefined;
  try {
    db = await openDatabase();
    const open = db;
    return await new Promise<T>((resolve, reject) => {
      const tx = open.transaction([MODELS, INFOS], mode);
      const request = f(tx.objectStore(MODELS), tx.objectStore(INFOS));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } catch (e) {
    // A quota, a private window, a blocked or corrupt database: the storage failed, not the call.
    throw new IOError(`${where}: IndexedDB failed: ${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  } finally {
    db?.close();
  }
}

function storageKeys(path: string) {
  const key = (suffix: string) => `${LS_PREFIX}/${path}/${suffix}`;
  return { info: key('info'), topology: key('model_topology'), weightSpecs: key('weight_specs'), weightData: key('weight_data'), metadata: key('model_metadata') };
}

function saveToLocalStorage(a: ModelArtifacts, path: string): void {
  const keys = storageKeys(path);
  const weights = bufferOf(a.weightData);
  try {
    localStorage.setItem(keys.info, JSON.stringify(infoOf(a, weights)));
    localStorage.setItem(keys.topology, JSON.stringify(a.modelTopology));
    localStorage.setItem(keys.weightSpecs, JSON.stringify(a.weightSpecs));
    localStorage.setItem(keys.weightData, toBase64(weights));
    localStorage.setItem(keys.metadata, JSON.stringify({ format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, userDefinedMetadata: a.userDefinedMetadata, trainingConfig: a.trainingConfig }));
  } catch (e) {
    for (const k of Object.values(keys)) localStorage.removeItem(k);
    throw new IOError(`save(): localStorage refused model '${path}' (${(e as Error).message}); its quota is a few MB, IndexedDB holds more`, { cause: e });
  }
}

function loadFromLocalStorage(path: string, options: LoadOptions, where: string): ModelArtifacts {
  const keys = storageKeys(path);
  const read = (k: string, what: string): unknown => {
    const text = localStorage.getItem(k);
    if (text === null) throw new ValueError(`${where}: no model '${path}' in localStorage (no ${what})`);
    return parseJSON(text, `${where}: ${what}`);
  };
  read(keys.info, 'info');
  const modelTopology = read(keys.topology, 'topology');
  const weightSpecs = read(keys.weightSpecs, 'weight specs');
  const metadataText = localStorage.getItem(keys.metadata);
  const metadata = (metadataText === null ? {} : parseJSON(metadataText, `${where}: model metadata`)) as { trainingConfig?: ModelArtifacts['trainingConfig']; userDefinedMetadata?: Record<string, unknown> };
  const base64 = localStorage.getItem(keys.weightData) ?? '';
  const maxBytes = options.maxBytes ?? 2 ** 30;
  if ((base64.length * 3) / 4 > maxBytes + 3) throw new ValueError(`${where}: the stored weights are larger than ${maxBytes} bytes (the maxBytes limit)`);
  return { modelTopology: modelTopology as ModelArtifacts['modelTopology'], weightSpecs: weightSpecs as ModelArtifacts['weightSpecs'], weightData: fromBase64(base64, where), trainingConfig: metadata.trainingConfig, userDefinedMetadata: metadata.userDefinedMetadata };
}

function parseJSON(text: string, where: string): unknown {
  if (text.length > MAX_JSON_BYTES) throw new ValueError(`${where}: larger than ${MAX_JSON_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ValueError(`${where}: not JSON: ${(e as Error).message}`);
  }
  checkJson(value, where);
  return value;
}

/** Browser storage and downloads exist only in browsers: elsewhere a clear error rather than a ReferenceError. */
function needs(api: 'indexedDB' | 'localStorage' | 'document', scheme: string, where: string): void {
  let found: unknown;
  try {
    found = (globalThis as Record<string, unknown>)[api];
  } catch (e) {
    // NOTE: a sandboxed frame or blocked cookies make merely reading `localStorage` throw a SecurityError.
    throw new IOError(`${where}: ${scheme}:// cannot be used here: ${api} refused access (${(e as Error)?.message ?? String(e)})`, { cause: e });
  }
  if (typeof found === 'undefined') {
    throw new ValueError(`${where}: ${scheme}:// needs a browser (${api} is not available here); in Node save to a directory`);
  }
}

function toBase64(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string, where: string): ArrayBuffer {
  let s: string;
  try {
    s = atob(text);
  } catch {
    throw new ValueError(`${where}: stored weights are not base64`);
  }
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes.buffer;
}

function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 0);
}

/** A FileList, or anything that lists Files as one does (an array, a FileList of another realm or a DOM shim). */
function isFileList(v: unknown): v is ArrayLike<unknown> {
  if (Array.isArray(v)) return true;
  if (typeof FileList !== 'undefined' && v instanceof FileList) return true;
  return typeof v === 'object' && v !== null && typeof (v as FileList).item === 'function' && Number.isSafeInteger((v as FileList).length);
}

/** The Files of a list, each checked to be one (a name, a size, and its bytes to read). */
function filesOf(list: ArrayLike<unknown>, where: string): File[] {
  if (list.length > 10_000) throw new ValueError(`${where}: ${list.length} files given; a model is a model.json and its weight files`);
  const files = Array.from(list);
  files.forEach((f, i) => {
    const ok = typeof f === 'object' && f !== null && typeof (f as File).name === 'string' && typeof (f as File).size === 'number'
      && typeof (f as File).text === 'function' && typeof (f as File).arrayBuffer === 'function';
    if (!ok) throw new ValueError(`${where}: file ${i} of the list is not a File (with a name), got ${describe(f)}`);
  });
  return files as File[];
}

async function loadFromFiles(files: File[], options: LoadOptions, where: string): Promise<ModelArtifacts> {
  const jsonFile = files.find((f) => f.name.endsWith('.json'));
  if (!jsonFile) throw new ValueError(`${where}: none of the files is a model.json`);
  if (jsonFile.size > MAX_JSON_BYTES) throw new ValueError(`${where}: ${jsonFile.name} is larger than ${MAX_JSON_BYTES} bytes`);
  const json = parseModelJSON(await readFile(jsonFile.text(), jsonFile.name, where), where);
  return artifactsFrom(json, options, where, async (p, maxBytes) => {
    const f = files.find((x) => x.name === p);
    if (!f) throw new ValueError(`${where}: weight file '${p}' was not among the files given`);
    if (f.size > maxBytes) throw new ValueError(`${where}: weight file '${p}' holds more bytes (${f.size}) than the manifest leaves for it (${maxBytes})`);
    return readFile(f.arrayBuffer(), p, where);
  });
}

/** A File's contents; a file the browser can no longer read (changed or removed since it was picked) is an IOError. */
async function readFile<T>(contents: Promise<T>, name: string, where: string): Promise<T> {
  try {
    return await contents;
  } catch (e) {
    throw new IOError(`${where}: cannot read the file '${name}': ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
}

// ───── the two entry points ─────

/**
 * Where `model.save` can write: a directory path, `file://` plus a path (Node), or `indexeddb://name`,
 * `localstorage://name`, `downloads://name` (browsers). As in TensorFlow.js, `file://` is only stripped: the
 * rest is a path taken literally (no `%` decoding), so `file://./dir` and `file://dir` are relative to the
 * working directory and `file:///abs/dir` is absolute.
 */
export type SaveTarget = string;

/** A target or source string split into its scheme (lower case; undefined without `scheme://`) and the rest. */
function parseLocation(location: string, where: string): { scheme: string | undefined; name: string } {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(location);
  const name = match ? location.slice(match[0].length) : location;
  if (name === '') throw new ValueError(`${where}: ${describe(location)} names no model`);
  if (location.includes('\0')) throw new ValueError(`${where}: ${describe(location)} contains a NUL character`);
  return { scheme: match?.[1]!.toLowerCase(), name };
}

/** Saves a model; returns its artifacts whatever the target. Everything is checked before anything is written. */
export async function saveModel(model: Sequential, target: SaveTarget | undefined, options?: SaveOptions | null): Promise<ModelArtifacts> {
  const where = 'save()';
  const checked = readSaveOptions(options, where);
  if (target !== undefined && typeof target !== 'string') throw new ValueError(`${where}: target must be a string like 'file://dir', 'indexeddb://name', 'localstorage://name' or 'downloads://name', got ${describe(target)}`);
  const { scheme = 'file', name } = target === undefined ? { name: '' } : parseLocation(target, where);
  if (target !== undefined) {
    if (!['file', 'indexeddb', 'localstorage', 'downloads'].includes(scheme)) {
      throw new ValueError(`${where}: unknown target scheme '${scheme}://'; expected file://, indexeddb://, localstorage:// or downloads://`);
    }
    if (scheme === 'file' && !isNode()) throw new ValueError(`${where}: saving to a directory needs Node; in a browser use indexeddb://, localstorage:// or downloads://`);
    if (scheme === 'indexeddb') needs('indexedDB', scheme, where);
    if (scheme === 'localstorage') needs('localStorage', scheme, where);
    if (scheme === 'downloads') needs('document', scheme, where);
  }
  const artifacts = toArtifacts(model, checked);
  if (target === undefined) return artifacts;
  switch (scheme) {
    case 'file':
      await saveToDirectory(artifacts, name, where);
      break;
    case 'indexeddb': {
      const weightData = bufferOf(artifacts.weightData);
      const modelArtifactsInfo = infoOf(artifacts, weightData);
      await inDatabase('readwrite', where, (models, infos) => {
        infos.put({ modelPath: name, modelArtifactsInfo });
        return models.put({ modelPath: name, modelArtifacts: { ...artifacts, weightData }, modelArtifactsInfo });
      });
      break;
    }
    case 'localstorage':
      saveToLocalStorage(artifacts, name);
      break;
    case 'downloads':
      download(`${name}.json`, new Blob([JSON.stringify(toModelJSON(artifacts, `${name}.weights.bin`))], { type: 'application/json' }));
      download(`${name}.weights.bin`, new Blob([bufferOf(artifacts.weightData)], { type: 'application/octet-stream' }));
      break;
  }
  return artifacts;
}

/** Anything `loadModel` reads: see its TSDoc. */
export type ModelSource = string | ModelArtifacts | HostInstance<'File'>[] | HostInstance<'FileList'>;

/**
 * Loads a model saved by neurasm or TensorFlow.js, or converted from Keras by the TensorFlow.js converter:
 * from in-memory artifacts, a directory or model.json path (Node; `file://` optional and, as in TensorFlow.js,
 * only stripped: `file://./dir` is relative, `file:///abs/dir` absolute), an `http(s)://` or relative URL of a
 * model.json (its weight files are fetched from beside it), `indexeddb://name`, `localstorage://name`, or the
 * Files a user picked (model.json and its weight files). Options: see LoadOptions (`maxBytes`, `seed`, and
 * TensorFlow.js's `signal`, `requestInit`, `fetchFunc` for URLs).
 *
 * Everything is checked before the model is built: a bad or hostile file gives a ValueError/ShapeError and no
 * model; a failing disk, database or network an IOError. An aborted `signal` rejects with its reason (a
 * DOMException named 'AbortError' unless another reason was given), as `fetch` does.
 */
export async function loadModel(source: ModelSource, options?: LoadOptions | null): Promise<Sequential> {
  const where = 'loadModel()';
  const checked = readLoadOptions(options, LOAD_KEYS, where);
  const fetcher = fetcherOf(checked, where);
  throwIfAborted(fetcher.signal);
  const artifacts = await artifactsOf(source, checked, fetcher, where);
  throwIfAborted(fetcher.signal);
  return fromArtifacts(artifacts, checked);
}

/** The artifacts of any source, read and checked as far as the source allows (fromArtifacts does the rest). */
async function artifactsOf(source: unknown, options: LoadOptions, fetcher: Fetcher, where: string): Promise<unknown> {
  if (typeof source === 'object' && source !== null && 'modelTopology' in source) return source;
  if (isFileList(source)) return loadFromFiles(filesOf(source, where), options, where);
  if (typeof source !== 'string') throw new ValueError(`${where}: expected a path, URL, artifacts or Files, got ${describe(source)}`);
  const { scheme, name } = parseLocation(source, where);
  if (scheme === 'indexeddb') {
    needs('indexedDB', scheme, where);
    const stored = await inDatabase('readonly', where, (models) => models.get(name) as IDBRequest<{ modelArtifacts?: unknown } | undefined>);
    if (!stored?.modelArtifacts) throw new ValueError(`${where}: no model '${name}' in IndexedDB`);
    return stored.modelArtifacts;
  }
  if (scheme === 'localstorage') {
    needs('localStorage', scheme, where);
    return loadFromLocalStorage(name, options, where);
  }
  if (scheme === 'http' || scheme === 'https' || (!scheme && !isNode())) return loadFromURL(source, options, fetcher, where);
  if (scheme === 'file' || (!scheme && isNode())) {
    if (!isNode()) throw new ValueError(`${where}: a file:// path needs Node; in a browser give a URL, indexeddb://, localstorage:// or Files`);
    return loadFromDirectory(name, options, where);
  }
  throw new ValueError(`${where}: unknown source scheme '${scheme}://'`);
}
