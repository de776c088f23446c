// A model's plan: its layers, the shape of a sample at every layer, where its weights, gradients, optimizer
// slots and per-batch buffers lie in the memory, and the forward and backward passes over them. It knows no
// loss, optimizer or loop: Sequential's fit/evaluate/predict drive it. Changing it (build, a new batch
// capacity) is a transaction: everything is checked and allocated before anything changes.
import { kernels as k } from './backend.js';
import { arena } from './arena.js';
import { Layer, binding, sameShape, sizeOf, unbound, type WeightSpec } from './layers/index.js';
import { MemoryError, ShapeError } from './errors.js';
import { MAX_PAGES, PAGE } from './backend.js';
import type { ParameterBlocks } from './optimizers.js';

/** Most values per sample at any layer: a buffer of more could never be allocated for a batch anyway. */
const MAX_SAMPLE = 2 ** 28;
/** What the wasm memory can grow to. */
const MAX_BYTES = MAX_PAGES * PAGE;

/**
 * Blocks a model holds in the arena, released by dispose() or, if the user never calls it, after the model
 * is garbage-collected. Must not reference the model itself.
 */
export class Blocks {
  readonly offsets = new Set<number>();
  alloc(bytes: number, where?: string): number {
    const o = arena.alloc(bytes, where);
    this.offsets.add(o);
    return o;
  }
  /** Blocks of the given byte sizes, all or none: on failure the ones already taken go back. */
  allocAll(sizes: readonly number[], where: string): number[] {
    const taken: number[] = [];
    try {
      for (const bytes of sizes) taken.push(this.alloc(bytes, where));
    } catch (e) {
      for (const o of taken) this.release(o);
      throw e;
    }
    return taken;
  }
  release(offset: number): void {
    if (this.offsets.delete(offset)) arena.release(offset);
  }
  releaseAll(): void {
    for (const o of this.offsets) arena.release(o);
    this.offsets.clear();
  }
}

/** The per-batch block: the gathered batch, its targets, per-row values, and every layer's buffers. */
interface Workspace {
  offset: number;
  bytes: number;
  capacity: number;
  input: number; // gathered batch of inputs [capacity, inputSize]
  target: number; // gathered batch of targets [capacity, outputSize]
  rowValues: number; // a per-row loss or metric [capacity × rowsPerSample], for evaluation's exact totals
  weights: number; // gathered batch of weights per loss row [capacity × rowsPerSample] (sampleWeight, classWeight)
}

// Streams of the model's generator: one per purpose, so adding a Dropout layer does not change initial weights.
export const INIT_STREAM = 1;
export const SHUFFLE_STREAM = 2;
export const DROPOUT_STREAM = 3;
const STATE_BYTES = 16;

/** The layout of a stack of layers in the memory, and the passes over it. */
export class Plan {
  readonly layers: Layer[] = [];
  readonly blocks = new Blocks();
  built = false;
  /** Shape of one input sample (empty before the first build). */
  inputShape: readonly number[] = [];
  /** Shape of one output sample. */
  outputShape: readonly number[] = [];
  /** All weights, and the trainable ones (laid out first, so the optimizer sees one contiguous vector). */
  weightCount = 0;
  trainableCount = 0;
  weightsBlock = 0;
  gradsBlock = 0;
  slotsBlock = 0;
  rngBlock = 0;
  /** Each trainable weight's range in the trainable vector (per-weight clipping). */
  ranges: Array<{ offset: number; length: number; name: string }> = [];
  workspace: Workspace | undefined;
  /** The optimizer's view of the blocks, made once per build so that a step allocates nothing. */
  parameterBlocks: ParameterBlocks | undefined;
  /** While fit runs, the workspace stays: other calls work through it in chunks of its capacity. */
  training = false;

  // Sizes derived from the shapes, kept as plain numbers so a training step computes and allocates nothing.
  /** Floats per input sample. */
  inputSize = 0;
  /** Floats per output sample. */
  outputSize = 0;
  /** Activity penalties of the last backward pass (each divided by its batch size). */
  activityPenalty = 0;
  /** Activity penalties summed over the inference passes of the current call, and their samples. */
  activitySum = 0;
  activityRows = 0;
  /** Width of the output's last axis: the columns a loss reduces over. */
  outputCols = 0;
  /** Loss rows per sample: one per position of the output's leading axes (1 for a flat output). */
  rowsPerSample = 1;
  /** The most bytes per sample any one layer's input, output and own buffers take. */
  layerBytes = 4;

  /** The offset of one of the generator's streams. */
  randomState(stream: number): number {
    return this.rngBlock + stream * STATE_BYTES;
  }

  /** The first layer with weights training updates (the layers' count if none): the backward pass stops there. */
  lowestLearning = 0;

  /** The model's own `trainable` (Keras's `model.trainable`): false freezes every layer, whatever its own flag. */
  trainable = true;

  /** Whether training updates `l`'s weights now: its model's flag and its own. */
  trains(l: Layer): boolean {
    return this.trainable && l.trainable;
  }

  /** Whether a layer with weights was frozen or unfrozen since they were laid out (`build` lays them out again). */
  trainableChanged(): boolean {
    return this.built && this.layers.some((l) => binding(l).specs.length > 0 && binding(l).frozen === this.trains(l));
  }

  /** Weights training would update now: the layout's count, or, after a change of `trainable`, the next layout's. */
  trainableNow(): number {
    let n = 0;
    for (const l of this.layers) {
      if (!this.trains(l)) continue;
      for (const s of binding(l).specs) if (s.trainable || s.frozen === true) n += sizeOf(s.shape);
    }
    return n;
  }

  /**
   * Each layer's input and output shapes and weights for a model input shape, with the checks a build makes;
   * changes nothing. Throws a ShapeError naming the first layer that cannot take its input.
   */
  shapes(inputShape: readonly number[], where: string, layers: readonly Layer[] = this.layers): Array<{ input: readonly number[]; output: readonly number[]; specs: WeightSpec[] }> {
    let shape = inputShape;
    return layers.map((l, i) => {
      if (i > 0 && l.declaredInputShape !== undefined && !sameShape(l.declaredInputShape, shape)) {
        throw new ShapeError(`${where}: layer '${l.name}' declares input shape [${l.declaredInputShape.join(', ')}], but the previous layer outputs [${shape.join(', ')}]`);
      }
      let specs: WeightSpec[];
      let output: readonly number[];
      try {
        specs = l.weightSpecs(shape);
        if (!this.trains(l)) specs = specs.map((s) => (s.trainable ? { ...s, trainable: false, frozen: true } : s));
        for (const s of specs) s.initializer.check(s.shape, `layer '${l.name}' ${s.name}`);
        for (const s of specs) l.constraints[s.name]?.check(s.shape, `layer '${l.name}' ${s.name}`);
        output = Object.freeze(l.computeOutputShape(shape));
      } catch (e) {
        // The layer names itself; the call that met it goes first, as in every other error.
        if (e instanceof ShapeError && !e.message.startsWith(`${where}:`)) e.message = `${where}: ${e.message}`;
        throw e;
      }
      if (sizeOf(output) > MAX_SAMPLE) throw new ShapeError(`${where}: layer '${l.name}' would output [${output.join(', ')}], more than ${MAX_SAMPLE} values per sample`);
      const input = shape;
      shape = output;
      return { input, output, specs };
    });
  }

  /**
   * Lays out all weights in one block (and, with `slotCount`, gradients and optimizer slots) and initialises them
   * from the seed, keeping the weights of layers already built. A transaction: shapes are checked and every
   * block allocated before anything changes, so a failure (a shape, out of memory) leaves the plan as it was.
   * Returns whether new gradient and slot blocks were taken (the optimizer must start over).
   */
  build(inputShape: readonly number[], seed: number, slotCount: number | undefined, where: string): void {
    const shapes = this.shapes(inputShape, where);
    let total = 0;
    let trainable = 0;
    for (const { specs } of shapes) {
      for (const s of specs) {
        total += sizeOf(s.shape);
        if (s.trainable) trainable += sizeOf(s.shape);
      }
    }
    // NOTE: a size past 2^53 is not even counted exactly, and the arena takes it for a bug; it refuses the rest.
    if (!Number.isSafeInteger(total * 4)) throw new MemoryError(`${where}: out of memory: the weights need ${total * 4} bytes, more than the ${MAX_BYTES} bytes the wasm memory can grow to`);
    const sizes = [total * 4];
    if (slotCount !== undefined) sizes.push(trainable * 4, slotCount * trainable * 4); // gradients, optimizer slots
    if (!this.rngBlock) sizes.push(4 * STATE_BYTES); // the generator's streams, on the first build
    const taken = this.blocks.allocAll(sizes, where);
    const [block, grads, slots] = taken;
    // Everything is checked and allocated: from here on nothing fails.
    if (!this.rngBlock) {
      this.rngBlock = taken[taken.length - 1]!;
      for (const stream of [INIT_STREAM, SHUFFLE_STREAM, DROPOUT_STREAM]) k.seedRandom(this.randomState(stream), seed, stream);
    }
    const initState = this.randomState(INIT_STREAM);
    const ranges: Array<{ offset: number; length: number; name: string }> = [];
    let trainableAt = 0;
    let fixedAt = trainable;
    this.layers.forEach((l, i) => {
      const b = binding(l);
      const old = b.weightOffsets;
      const { input, output, specs } = shapes[i]!;
      // Initialised in the layer's weight order, whatever the layout, so a seed gives the same weights.
      b.weightOffsets = specs.map((s, j) => {
        const n = sizeOf(s.shape);
        let at: number;
        if (s.trainable) {
          ranges.push({ offset: trainableAt, length: n, name: `${l.name}/${s.name}` });
          at = trainableAt;
          trainableAt += n;
        } else {
          at = fixedAt;
          fixedAt += n;
        }
        const offset = block! + at * 4;
        if (old.length === specs.length) k.linear(offset, old[j]!, n);
        else s.initializer.init(offset, s.shape, initState);
        return offset;
      });
      b.specs = specs;
      b.frozen = !this.trains(l);
      b.inputShape = input;
      b.outputShape = output;
      b.inputSize = sizeOf(input);
      b.outputSize = sizeOf(output);
    });
    if (this.weightsBlock) this.blocks.release(this.weightsBlock);
    this.weightsBlock = block!;
    const lowest = this.layers.findIndex((l) => binding(l).specs.some((s) => s.trainable));
    this.lowestLearning = lowest < 0 ? this.layers.length : lowest;
    this.weightCount = total;
    this.trainableCount = trainable;
    this.ranges = ranges;
    this.inputShape = Object.freeze([...inputShape]);
    this.outputShape = shapes[shapes.length - 1]!.output;
    this.inputSize = sizeOf(this.inputShape);
    this.outputSize = sizeOf(this.outputShape);
    this.outputCols = this.outputShape[this.outputShape.length - 1]!;
    this.rowsPerSample = this.outputSize / this.outputCols;
    this.layerBytes = 4;
    for (const l of this.layers) {
      const b = binding(l);
      let floats = b.inputSize + b.outputSize;
      for (const spec of l.bufferSpecs(b.inputShape)) floats += spec.perSample;
      this.layerBytes = Math.max(this.layerBytes, floats * 4);
    }
    this.built = true;
    if (slotCount !== undefined) this.setTrainingBlocks(grads!, slots!, slotCount);
    else this.dropWorkspace();
  }

  /** Undoes the first build (for a `fit` that built the model and then failed before training). */
  unbuild(): void {
    this.dropWorkspace();
    for (const b of [this.weightsBlock, this.gradsBlock, this.slotsBlock, this.rngBlock]) if (b) this.blocks.release(b);
    this.weightsBlock = this.gradsBlock = this.slotsBlock = this.rngBlock = this.weightCount = this.trainableCount = 0; // reseeded by the next build
    this.inputShape = this.outputShape = [];
    this.inputSize = this.outputSize = this.outputCols = 0;
    this.rowsPerSample = 1;
    this.layerBytes = 4;
    this.ranges = [];
    this.built = false;
    this.parameterBlocks = undefined;
    for (const l of this.layers) Object.assign(binding(l), unbound());
  }

  /** Takes freshly allocated gradient and slot blocks for the current weights, zeroed, in place of the old ones. */
  setTrainingBlocks(grads: number, slots: number, slotCount: number): void {
    for (const b of [this.gradsBlock, this.slotsBlock]) if (b) this.blocks.release(b);
    const n = this.trainableCount;
    this.gradsBlock = grads;
    this.slotsBlock = slots;
    k.fill(grads, n, 0);
    k.fill(slots, slotCount * n, 0);
    let at = 0;
    for (const l of this.layers) {
      const b = binding(l);
      b.gradOffsets = b.specs.map((s) => {
        if (!s.trainable) return 0;
        const o = grads + at * 4;
        at += sizeOf(s.shape);
        return o;
      });
    }
    this.parameterBlocks = { weights: this.weightsBlock, grads: this.gradsBlock, slots: this.slotsBlock, size: n, ranges: this.ranges };
    this.dropWorkspace();
  }

  dropWorkspace(): void {
    if (this.workspace) this.blocks.release(this.workspace.offset);
    this.workspace = undefined;
  }

  /**
   * How many samples keep every layer's input, output and own buffers within `bytes` (at least 1, at most
   * `most`): a chunk size for inference whose buffers stay in cache from one layer to the next.
   */
  rowsWithin(bytes: number, most: number): number {
    return Math.max(1, Math.min(most, Math.floor(bytes / this.layerBytes)));
  }

  /** Bytes of the per-batch block for `capacity` samples: what `ensureWorkspace` allocates. */
  workspaceBytes(capacity: number): number {
    let floats = capacity * (this.inputSize + this.outputSize + 2 * this.rowsPerSample);
    for (const l of this.layers) {
      const b = binding(l);
      floats += 2 * capacity * b.outputSize;
      for (const s of l.bufferSpecs(b.inputShape)) floats += capacity * s.perSample + (s.fixed ?? 0);
    }
    return floats * 4;
  }

  /**
   * Per-batch buffers for up to `capacity` samples: allocated when the capacity changes, reused otherwise. The
   * new buffers are allocated before the old ones go, so running out of memory leaves the old ones in place.
   * While `fit` runs (e.g. `predict` from a callback) the training buffers stay: the call works through them
   * in chunks of their capacity instead, which gives the same results. Returns the samples per chunk.
   */
  ensureWorkspace(capacity: number, where: string): number {
    this.activitySum = this.activityRows = 0; // a call's inference passes start here: see penalty()
    if (this.workspace?.capacity === capacity) return capacity;
    if (this.training && this.workspace) return Math.min(capacity, this.workspace.capacity);
    const bytes = this.workspaceBytes(capacity);
    if (bytes > MAX_BYTES) throw new MemoryError(`${where}: out of memory: ${capacity} samples need ${bytes} bytes of buffers, more than the ${MAX_BYTES} bytes the wasm memory can grow to; use a smaller batchSize`);
    const offset = this.blocks.alloc(bytes, where);
    this.dropWorkspace();
    let at = offset;
    const take = (floats: number) => { const o = at; at += floats * 4; return o; };
    this.workspace = {
      offset, bytes, capacity,
      input: take(capacity * this.inputSize), target: take(capacity * this.outputSize), rowValues: take(capacity * this.rowsPerSample),
      weights: take(capacity * this.rowsPerSample),
    };
    for (const l of this.layers) {
      const b = binding(l);
      const buffers = { out: take(capacity * b.outputSize), grad: take(capacity * b.outputSize) } as { out: number; grad: number; [name: string]: number };
      for (const s of l.bufferSpecs(b.inputShape)) buffers[s.name] = take(capacity * s.perSample + (s.fixed ?? 0));
      b.buffers = buffers;
    }
    return capacity;
  }

  /** The forward pass over `rows` samples at `input`; the last layer's `buffers.out` holds the outputs. */
  forward(input: number, rows: number, training: boolean): void {
    const dropout = this.randomState(DROPOUT_STREAM);
    let x = input;
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i]!;
      l.forward(x, rows, training, dropout);
      x = binding(l).buffers.out;
      const r = l.activityRegularizer;
      if (r && !training) this.activitySum += k.regularizerPenalty(x, rows * binding(l).outputSize, r.l1, r.l2);
    }
    if (!training) this.activityRows += rows;
  }

  /** The backward pass from the last layer's `buffers.grad` (d loss / d pre-activation when `gradIsPre`): fills the gradients. */
  backward(rows: number, gradIsPre: boolean): void {
    const n = this.layers.length;
    const lowest = this.lowestLearning;
    this.activityPenalty = 0;
    for (let i = n - 1; i >= 0; i--) {
      const l = this.layers[i]!;
      const r = l.activityRegularizer;
      const b = binding(l);
      // Keras 3 divides the output's penalty by the batch size; its gradient joins d loss / d output here.
      if (i < lowest) {
        // Below the lowest layer training updates (frozen ones, and what feeds them): no gradient is needed, only
        // the penalties' value (the same sum regularize returns).
        if (r) this.activityPenalty += k.regularizerPenalty(b.buffers.out, rows * b.outputSize, r.l1 / rows, r.l2 / rows);
        continue;
      }
      if (r) this.activityPenalty += k.regularize(b.buffers.grad, b.buffers.out, rows * b.outputSize, r.l1 / rows, r.l2 / rows);
      l.backward(i > lowest ? binding(this.layers[i - 1]!).buffers.grad : 0, rows, i === n - 1 && gradIsPre);
    }
  }

  /** Adds every weight penalty's gradient and returns the penalties' sum, with the last backward pass's activity penalties. */
  regularize(): number {
    let penalty = this.activityPenalty;
    for (let i = 0; i < this.layers.length; i++) penalty += this.layers[i]!.regularize();
    return penalty;
  }

  /**
   * The weight penalties' sum alone, plus the activity penalties per sample of the inference passes since the
   * call's `ensureWorkspace` (Keras 3: each batch's penalty over its size, weighted by it in the mean).
   */
  penalty(): number {
    let penalty = this.activityRows > 0 ? this.activitySum / this.activityRows : 0;
    for (const l of this.layers) penalty += l.penalty();
    return penalty;
  }

  /** Applies every trainable weight's constraint in place (after each optimizer step, as Keras's apply_gradients). */
  constrain(): void {
    for (const l of this.layers) {
      const b = binding(l);
      for (let i = 0; i < b.specs.length; i++) {
        const s = b.specs[i]!;
        if (s.trainable) l.constraints[s.name]?.apply(b.weightOffsets[i]!, s.shape);
      }
    }
  }

  /** The last layer. */
  get last(): Layer {
    return this.layers[this.layers.length - 1]!;
  }
}
