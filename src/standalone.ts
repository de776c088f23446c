// The standalone functions on tensors (`losses.*`, `metrics.*`, `activations.*`) run the kernels `fit` uses: the
// inputs are copied into scratch blocks of the one memory, the kernel runs, the outputs are copied back and
// every block is released, also when the kernel's caller throws. Nothing here is on a training step's path.
import { arena } from './arena.js';

/**
 * Copies `inputs` into fresh blocks, allocates `outputFloats[i]` floats for each output, calls `run` with the
 * byte offsets, and returns copies of the outputs. Blocks are released whatever happens.
 */
export function runOnCopies(
  inputs: readonly ArrayLike<number>[], outputFloats: readonly number[],
  run: (ins: number[], outs: number[]) => void, where: string,
): Float32Array[] {
  const held: number[] = [];
  try {
    const ins = inputs.map((data) => {
      const at = arena.alloc(data.length * 4, where);
      held.push(at);
      if (data.length > 0) arena.write(at, data);
      return at;
    });
    const outs = outputFloats.map((n) => {
      const at = arena.alloc(n * 4, where);
      held.push(at);
      return at;
    });
    run(ins, outs);
    return outs.map((at, i) => arena.read(at, outputFloats[i]!));
  } finally {
    for (const at of held) arena.release(at);
  }
}
