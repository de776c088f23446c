// A small ONNX writer for the benches: the protobuf wire format for the few message types a model needs, and
// the graph of a Sequential of Conv2D, MaxPooling2D, Flatten and Dense built from Keras-layout weights, so that
// onnxruntime-web computes the same model as neurasm. It knows nothing of neurasm; weights are plain arrays.

/** A layer as the benches describe a model (channels-last, Keras's meaning of every field). */
export type LayerSpec =
  | { kind: 'conv2d'; filters: number; kernelSize: number; strides?: number; padding: 'valid' | 'same'; activation: 'relu' | 'linear' }
  | { kind: 'maxPooling2d'; poolSize: number }
  | { kind: 'flatten' }
  | { kind: 'dense'; units: number; activation: 'relu' | 'softmax' | 'linear' };

/** A weight in Keras's order and layout: conv kernel [kh, kw, inC, outC], bias [outC]; dense kernel [in, units]. */
export interface Weight { data: Float32Array; shape: readonly number[] }

// ─── Protobuf wire format: varints, fixed32 and length-delimited fields ───

class Writer {
  private readonly bytes: number[] = [];

  private varint(v: number | bigint): void {
    // NOTE: negative int64 values are ten bytes of two's complement; BigInt keeps them exact.
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) { this.bytes.push(Number(x & 0x7fn) | 0x80); x >>= 7n; }
    this.bytes.push(Number(x));
  }

  private tag(field: number, wire: 0 | 2 | 5): void { this.varint((field << 3) | wire); }

  int(field: number, v: number): this { this.tag(field, 0); this.varint(v); return this; }
  /** Repeated int64, one field per value (proto2's unpacked form, which every parser reads). */
  ints(field: number, vs: readonly number[]): this { for (const v of vs) this.int(field, v); return this; }
  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.bytes.push(...b);
    return this;
  }
  bytesField(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]!);
    return this;
  }
  string(field: number, s: string): this { return this.bytesField(field, new TextEncoder().encode(s)); }
  message(field: number, m: Writer): this { return this.bytesField(field, m.finish()); }
  finish(): Uint8Array { return Uint8Array.from(this.bytes); }
}

const msg = () => new Writer();

// Field numbers and enums of onnx.proto (IR version 8).
const FLOAT = 1; // TensorProto.DataType
const ATTR = { FLOAT: 1, INT: 2, INTS: 7 } as const; // AttributeProto.AttributeType

type Attribute = number | readonly number[];

/** NodeProto: inputs 1, outputs 2, name 3, op_type 4, attributes 5 (AttributeProto: name 1, f 2, i 3, ints 8, type 20). */
function node(op: string, inputs: readonly string[], output: string, attributes: Record<string, Attribute> = {}): Writer {
  const n = msg();
  for (const i of inputs) n.string(1, i);
  n.string(2, output).string(3, output).string(4, op);
  for (const [name, v] of Object.entries(attributes)) {
    const a = msg().string(1, name);
    if (typeof v === 'number') {
      if (Number.isInteger(v)) a.int(3, v).int(20, ATTR.INT);
      else a.float(2, v).int(20, ATTR.FLOAT);
    } else a.ints(8, v).int(20, ATTR.INTS);
    n.message(5, a);
  }
  return n;
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian floats). */
function initializer(name: string, dims: readonly number[], data: Float32Array): Writer {
  const le = new Uint8Array(data.length * 4);
  const view = new DataView(le.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return msg().ints(1, dims).int(2, FLOAT).string(8, name).bytesField(9, le);
}

/** ValueInfoProto of a float tensor; a string dimension is symbolic (the batch). */
function valueInfo(name: string, shape: ReadonlyArray<number | string>): Writer {
  const dims = msg();
  for (const d of shape) dims.message(1, typeof d === 'number' ? msg().int(1, d) : msg().string(2, d));
  const tensorType = msg().int(1, FLOAT).message(2, dims);
  return msg().string(1, name).message(2, msg().message(1, tensorType));
}

// ─── The graph of a Sequential ───

/** Keras's 'same' padding along one axis: the smaller half before, the larger after. */
function samePads(size: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  return [total >> 1, total - (total >> 1)];
}

/** A conv kernel [kh, kw, inC, outC] (Keras) as [outC, inC, kh, kw] (ONNX's and jax-js's OIHW). */
export function convKernelOihw(w: Weight): { shape: number[]; data: Float32Array } {
  const [kh, kw, inC, outC] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < inC; i++) for (let o = 0; o < outC; o++) {
    out[((o * inC + i) * kh + y) * kw + x] = w.data[((y * kw + x) * inC + i) * outC + o]!;
  }
  return { shape: [outC, inC, kh, kw], data: out };
}

/**
 * The ONNX model (opset 13) of `layers` on inputs of `inputShape` (without the batch: [h, w, c] or [features]),
 * with `weights` in Keras's order. Its input is 'x' (NHWC, as neurasm's), its output 'y'. Convolutions run in
 * NCHW, as ONNX defines them; the graph transposes back to NHWC before Flatten so that the Dense kernels apply as
 * they are.
 */
export function sequentialToOnnx(inputShape: readonly number[], layers: readonly LayerSpec[], weights: readonly Weight[]): Uint8Array {
  const graph = msg().string(2, 'sequential');
  let current = 'x';
  let shape = [...inputShape];
  let nchw = false;
  let w = 0, k = 0;
  const add = (op: string, inputs: readonly string[], attributes?: Record<string, Attribute>) => {
    const out = `${op.toLowerCase()}_${k++}`;
    graph.message(1, node(op, [current, ...inputs], out, attributes));
    current = out;
  };
  const param = (name: string, dims: readonly number[], data: Float32Array) => { graph.message(5, initializer(name, dims, data)); return name; };
  const activation = (a: string) => { if (a === 'relu') add('Relu', []); else if (a === 'softmax') add('Softmax', [], { axis: -1 }); };

  for (const layer of layers) {
    if (layer.kind === 'conv2d' || layer.kind === 'maxPooling2d') {
      if (!nchw) { add('Transpose', [], { perm: [0, 3, 1, 2] }); nchw = true; }
      const [h, wd] = shape as [number, number, number];
      if (layer.kind === 'conv2d') {
        const s = layer.strides ?? 1;
        const kernel = convKernelOihw(weights[w++]!);
        const bias = weights[w++]!;
        const [top, bottom] = layer.padding === 'same' ? samePads(h, layer.kernelSize, s) : [0, 0];
        const [left, right] = layer.padding === 'same' ? samePads(wd, layer.kernelSize, s) : [0, 0];
        add('Conv', [param(`conv${w}_kernel`, kernel.shape, kernel.data), param(`conv${w}_bias`, [layer.filters], bias.data)], {
          kernel_shape: [layer.kernelSize, layer.kernelSize], strides: [s, s], pads: [top, left, bottom, right],
        });
        const out = (n: number, before: number, after: number) => Math.floor((n + before + after - layer.kernelSize) / s) + 1;
        shape = [out(h, top, bottom), out(wd, left, right), layer.filters];
        activation(layer.activation);
      } else {
        const p = layer.poolSize;
        add('MaxPool', [], { kernel_shape: [p, p], strides: [p, p] });
        shape = [Math.floor(h / p), Math.floor(wd / p), shape[2]!];
      }
    } else if (layer.kind === 'flatten') {
      if (nchw) { add('Transpose', [], { perm: [0, 2, 3, 1] }); nchw = false; }
      add('Flatten', [], { axis: 1 });
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else {
      const kernel = weights[w++]!;
      const bias = weights[w++]!;
      add('Gemm', [param(`dense${w}_kernel`, kernel.shape, kernel.data), param(`dense${w}_bias`, bias.shape, bias.data)]);
      shape = [layer.units];
      activation(layer.activation);
    }
  }
  if (w !== weights.length) throw new Error(`onnx: the layers use ${w} weights, ${weights.length} given`);
  graph.message(1, node('Identity', [current], 'y'));
  graph.message(11, valueInfo('x', ['batch', ...inputShape]));
  graph.message(12, valueInfo('y', ['batch', ...shape]));
  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (OperatorSetIdProto: domain 1, version 2).
  return msg().int(1, 8).string(2, 'neurasm bench').message(7, graph).message(8, msg().string(1, '').int(2, 13)).finish();
}
