// Where saved models live: a directory (Node: model.json + weights.bin), a URL (fetch), browser storage
// (IndexedDB, localStorage), downloads and user-picked Files, or memory. Only the bytes a model.json names
// are read, from beside it; sizes are checked before anything is read or allocated.
import type { Sequential } from './sequential.js';
import { checkJson, checkWeightSpecs, fromArtifacts, toArtifacts, type LoadOptions, type ModelArtifacts, type SaveOptions, type WeightSpec } from './saving.js';
import { ValueError, describe } from './errors.js';

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
  return json as ModelJSON;
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
  return a;
}

// ───── Node: a directory ─────

type FS = typeof import('node:fs/promises');
type Path = typeof import('node:path');

async function node(): Promise<{ fs: FS; path: Path }> {
  // NOTE: non-literal specifiers, so browser bundlers leave these Node-only imports alone.
  const [fsName, pathName] = ['node:fs/promises', 'node:path'];
  return { fs: (await import(/* @vite-ignore */ fsName)) as FS, path: (await import(/* @vite-ignore */ pathName)) as Path };
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

function filePath(url: string): string {
  return url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
}

async function saveToDirectory(a: ModelArtifacts, dir: string): Promise<void> {
  const { fs, path } = await node();
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'weights.bin'), new Uint8Array(bufferOf(a.weightData)));
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(toModelJSON(a, 'weights.bin')));
}

async function loadFromDirectory(target: string, options: LoadOptions, where: string): Promise<ModelArtifacts> {
  const { fs, path } = await node();
  const file = target.endsWith('.json') ? target : path.join(target, 'model.json');
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new ValueError(`${where}: no model.json at ${file}`);
  if (stat.size > MAX_JSON_BYTES) throw new ValueError(`${where}: ${file} is larger than ${MAX_JSON_BYTES} bytes`);
  const json = parseModelJSON(await fs.readFile(file, 'utf8'), where);
  const dir = path.dirname(file);
  return artifactsFrom(json, options, where, async (p, maxBytes) => {
    const shard = path.join(dir, p);
    const s = await fs.stat(shard).catch(() => undefined);
    if (!s?.isFile()) throw new ValueError(`${where}: weight file ${shard} is missing`);
    if (s.size > maxBytes) throw new ValueError(`${where}: weight file ${shard} holds more bytes (${s.size}) than the manifest leaves for it (${maxBytes})`);
    const bytes = await fs.readFile(shard);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  });
}

// ───── anywhere: a URL ─────

/** A response's body, read chunk by chunk and abandoned as soon as it passes `maxBytes` (whatever it declares). */
async function readLimited(response: Response, maxBytes: number, what: string, where: string): Promise<ArrayBuffer> {
  const tooLarge = (n: number) => new ValueError(`${where}: ${what} is ${n} bytes or more, more than the ${maxBytes} expected`);
  if (!response.ok) {
    await response.body?.cancel();
    throw new ValueError(`${where}: ${what}: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(declared);
  }
  if (!response.body) return response.arrayBuffer();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(total);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out.buffer;
}

async function loadFromURL(url: string, options: LoadOptions, where: string): Promise<ModelArtifacts> {
  const base = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  const json = parseModelJSON(new TextDecoder().decode(await readLimited(await fetch(base), MAX_JSON_BYTES, 'model.json', where)), where);
  return artifactsFrom(json, options, where, async (p, maxBytes) => readLimited(await fetch(new URL(p, base)), maxBytes, p, where));
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
async function inDatabase<T>(mode: IDBTransactionMode, f: (models: IDBObjectStore, infos: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDatabase();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction([MODELS, INFOS], mode);
      const request = f(tx.objectStore(MODELS), tx.objectStore(INFOS));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
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
    throw new ValueError(`save(): localStorage refused model '${path}' (${(e as Error).message}); its quota is a few MB, IndexedDB holds more`);
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
  const metadata = (metadataText === null ? {} : parseJSON(metadataText, `${where}: model metadata`)) as { trainingConfig?: ModelArtifacts['trainingConfig'] };
  const base64 = localStorage.getItem(keys.weightData) ?? '';
  const maxBytes = options.maxBytes ?? 2 ** 30;
  if ((base64.length * 3) / 4 > maxBytes + 3) throw new ValueError(`${where}: the stored weights are larger than ${maxBytes} bytes (the maxBytes limit)`);
  return { modelTopology: modelTopology as ModelArtifacts['modelTopology'], weightSpecs: weightSpecs as ModelArtifacts['weightSpecs'], weightData: fromBase64(base64, where), trainingConfig: metadata.trainingConfig };
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
  if (typeof (globalThis as Record<string, unknown>)[api] === 'undefined') {
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

async function loadFromFiles(files: File[], options: LoadOptions, where: string): Promise<ModelArtifacts> {
  const jsonFile = files.find((f) => f.name.endsWith('.json'));
  if (!jsonFile) throw new ValueError(`${where}: none of the files is a model.json`);
  if (jsonFile.size > MAX_JSON_BYTES) throw new ValueError(`${where}: ${jsonFile.name} is larger than ${MAX_JSON_BYTES} bytes`);
  const json = parseModelJSON(await jsonFile.text(), where);
  return artifactsFrom(json, options, where, async (p, maxBytes) => {
    const f = files.find((x) => x.name === p);
    if (!f) throw new ValueError(`${where}: weight file '${p}' was not among the files given`);
    if (f.size > maxBytes) throw new ValueError(`${where}: weight file '${p}' holds more bytes (${f.size}) than the manifest leaves for it (${maxBytes})`);
    return f.arrayBuffer();
  });
}

// ───── the two entry points ─────

/** Where `model.save` can write: see `Sequential.save`. */
export type SaveTarget = string;

/** Saves a model; returns its artifacts whatever the target. */
export async function saveModel(model: Sequential, target: SaveTarget | undefined, options: SaveOptions = {}): Promise<ModelArtifacts> {
  const where = 'save()';
  if (target !== undefined && typeof target !== 'string') throw new ValueError(`${where}: target must be a string like 'file://dir', 'indexeddb://name', 'localstorage://name' or 'downloads://name', got ${describe(target)}`);
  const artifacts = toArtifacts(model, options);
  if (target === undefined) return artifacts;
  const [scheme, name] = target.includes('://') ? target.split('://', 2) as [string, string] : ['file', target];
  if (scheme !== 'file' && !name) throw new ValueError(`${where}: ${target} names no model`);
  switch (scheme) {
    case 'file':
      if (!isNode()) throw new ValueError(`${where}: saving to a directory needs Node; in a browser use indexeddb://, localstorage:// or downloads://`);
      await saveToDirectory(artifacts, filePath(target));
      break;
    case 'indexeddb': {
      needs('indexedDB', scheme, where);
      const weightData = bufferOf(artifacts.weightData);
      const modelArtifactsInfo = infoOf(artifacts, weightData);
      await inDatabase('readwrite', (models, infos) => {
        infos.put({ modelPath: name, modelArtifactsInfo });
        return models.put({ modelPath: name, modelArtifacts: { ...artifacts, weightData }, modelArtifactsInfo });
      });
      break;
    }
    case 'localstorage':
      needs('localStorage', scheme, where);
      saveToLocalStorage(artifacts, name);
      break;
    case 'downloads':
      needs('document', scheme, where);
      download(`${name}.json`, new Blob([JSON.stringify(toModelJSON(artifacts, `${name}.weights.bin`))], { type: 'application/json' }));
      download(`${name}.weights.bin`, new Blob([bufferOf(artifacts.weightData)], { type: 'application/octet-stream' }));
      break;
    default:
      throw new ValueError(`${where}: unknown target scheme '${scheme}://'; expected file://, indexeddb://, localstorage:// or downloads://`);
  }
  return artifacts;
}

/** Anything `loadModel` reads: see its TSDoc. */
export type ModelSource = string | ModelArtifacts | File[] | FileList;

/**
 * Loads a model saved by neurasm or TensorFlow.js, or converted from Keras by the TensorFlow.js converter:
 * from in-memory artifacts, a directory or model.json path (Node; `file://` optional), an `http(s)://` or
 * relative URL of a model.json (its weight files are fetched from beside it), `indexeddb://name`,
 * `localstorage://name`, or the Files a user picked (model.json and its weight files). Everything is
 * checked before the model is built: a bad or hostile file gives a ValueError/ShapeError and no model.
 */
export async function loadModel(source: ModelSource, options: LoadOptions = {}): Promise<Sequential> {
  const where = 'loadModel()';
  if (options.maxBytes !== undefined && !(Number.isSafeInteger(options.maxBytes) && options.maxBytes > 0)) {
    throw new ValueError(`${where}: maxBytes must be a positive integer, got ${describe(options.maxBytes)}`);
  }
  if (typeof source === 'object' && source !== null && 'modelTopology' in source) return fromArtifacts(source, options);
  const isFileList = typeof FileList !== 'undefined' && source instanceof FileList;
  if (Array.isArray(source) || isFileList) return fromArtifacts(await loadFromFiles(Array.from(source as ArrayLike<File>), options, where), options);
  if (typeof source !== 'string') throw new ValueError(`${where}: expected a path, URL, artifacts or Files, got ${describe(source)}`);
  const scheme = /^([a-z]+):\/\//.exec(source)?.[1];
  const name = source.slice((scheme?.length ?? 0) + 3);
  if (scheme === 'indexeddb') {
    needs('indexedDB', scheme, where);
    const stored = await inDatabase('readonly', (models) => models.get(name) as IDBRequest<{ modelArtifacts?: unknown } | undefined>);
    if (!stored?.modelArtifacts) throw new ValueError(`${where}: no model '${name}' in IndexedDB`);
    return fromArtifacts(stored.modelArtifacts, options);
  }
  if (scheme === 'localstorage') {
    needs('localStorage', scheme, where);
    return fromArtifacts(loadFromLocalStorage(name, options, where), options);
  }
  if (scheme === 'http' || scheme === 'https' || (!scheme && !isNode())) return fromArtifacts(await loadFromURL(source, options, where), options);
  if (scheme === 'file' || (!scheme && isNode())) return fromArtifacts(await loadFromDirectory(filePath(source), options, where), options);
  throw new ValueError(`${where}: unknown source scheme '${scheme}://'`);
}
