// Retrains the digit model off the main thread ("Train it here"): a fresh network of the shipped model's shape,
// trained on the digits the site ships, reporting each batch; the weights go back to the page, which builds the
// same network and puts them in it. The page never waits on this training: drawing keeps being read meanwhile.
import { modelFromJSON, serveWorker, tensor } from 'neurasm';

/** One training run. `topology` is the shipped model's `toJSON()`; `digitsUrl` the absolute URL of digits.bin. */
export interface TrainJob {
  topology: Record<string, unknown>;
  digitsUrl: string;
  epochs: number;
  batchSize: number;
  /** How many of the shipped digits (the last ones) are kept out of training, to check the model on. */
  heldOut: number;
  seed: number;
}

/** Posted after every batch (`epoch` and `batch` count from 0; `loss` is that batch's), and at each epoch's end. */
export type TrainProgress =
  | { kind: 'batch'; epoch: number; batch: number; batches: number; loss: number }
  | { kind: 'epoch'; epoch: number; loss: number; heldOutLoss: number; heldOutAccuracy: number };

/** The trained weights in `getWeights()` order, and how the model did on the held-out digits. */
export interface TrainResult {
  weights: Array<{ shape: number[]; data: Float32Array }>;
  heldOutAccuracy: number;
  trainDigits: number;
  heldOutDigits: number;
}

/**
 * digits.bin as scripts/train-digits.mjs writes it: `count` labels (one byte each), then `count` images of
 * 28 × 28 bytes (0–255). Returns the images as [count, 28, 28, 1] values in [0, 1] and the labels.
 */
export function readDigits(bytes: Uint8Array): { pixels: Float32Array; labels: Int32Array; count: number } {
  const count = bytes.length / 785;
  if (!Number.isInteger(count) || count < 2) throw new Error(`digits.bin: expected labels and 28 × 28 images (785 bytes a digit), got ${bytes.length} bytes`);
  const labels = Int32Array.from(bytes.subarray(0, count));
  if (labels.some((d) => d > 9)) throw new Error('digits.bin: a label is not a digit 0–9');
  const pixels = new Float32Array(count * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = bytes[count + i]! / 255;
  return { pixels, labels, count };
}

await serveWorker<TrainJob, TrainResult, TrainProgress>(async (job, progress) => {
  const response = await fetch(job.digitsUrl);
  if (!response.ok) throw new Error(`could not load the training digits (${job.digitsUrl}): HTTP ${response.status}`);
  const { pixels, labels, count } = readDigits(new Uint8Array(await response.arrayBuffer()));
  const train = count - job.heldOut;
  const x = tensor(pixels.subarray(0, train * 784), [train, 28, 28, 1]);
  const xHeldOut = tensor(pixels.subarray(train * 784), [job.heldOut, 28, 28, 1]);
  const y = labels.subarray(0, train);
  const yHeldOut = labels.subarray(train);

  const model = modelFromJSON(job.topology, { seed: job.seed });
  try {
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const batches = Math.ceil(train / job.batchSize);
    let epoch = 0;
    let before = 0; // the loss summed over the epoch's rows before this batch
    const history = await model.fit(x, y, {
      epochs: job.epochs, batchSize: job.batchSize, verbose: 0, validationData: [xHeldOut, yHeldOut],
      callbacks: [{
        onEpochBegin: (e) => { epoch = e; before = 0; },
        onBatchEnd: (batch, logs) => {
          // fit logs the epoch's running mean; the chart wants each batch's own loss, which that mean gives back.
          const seen = Math.min((batch + 1) * job.batchSize, train);
          const total = logs.loss! * seen;
          progress({ kind: 'batch', epoch, batch, batches, loss: (total - before) / (seen - batch * job.batchSize) });
          before = total;
        },
        onEpochEnd: (e, logs) => progress({ kind: 'epoch', epoch: e, loss: logs.loss!, heldOutLoss: logs.val_loss!, heldOutAccuracy: logs.val_accuracy! }),
      }],
    });
    return {
      weights: model.getWeights().map((w) => ({ shape: [...w.shape], data: w.data as Float32Array })),
      heldOutAccuracy: history.history.val_accuracy!.at(-1)!,
      trainDigits: train,
      heldOutDigits: job.heldOut,
    };
  } finally {
    model.dispose();
  }
});
