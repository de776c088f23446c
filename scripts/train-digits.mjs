// Trains the playground's digit reader and writes what the site ships in playground/model/: the model in the
// TensorFlow.js Layers format (model.json + weights.bin), accuracy.json (how well it reads digits it never saw),
// and digits.bin (2,000 of its training digits, for the page's "Train it here"). Seeded: every run writes the
// same files. Run: node scripts/train-digits.mjs [--epochs N] (it needs dist/, from npm run build).
import { mkdirSync, writeFileSync } from 'node:fs';
import { mnistDigits } from './mnist-digits.mjs';
import { mulberry32 } from './mulberry32.mjs';
import { Conv2D, Dense, Flatten, MaxPooling2D, Sequential, tensor, trainTestSplit } from '../dist/index.js';

const OUT = 'playground/model';
const SEED = 1;
const epochsArg = process.argv.indexOf('--epochs');
const EPOCHS = epochsArg > 0 ? Number(process.argv[epochsArg + 1]) : 24;
/** How many training digits the site ships for "Train it here": 2,000 × 785 bytes ≈ 1.5 MB. */
const SHIPPED = 2000;

// The seeded split keeps every run alike.
const { n, pixels, labels } = mnistDigits();
const [xTrain, xTest, yTrain, yTest] = trainTestSplit(tensor(pixels, [n, 28, 28, 1]), labels, { testSize: 0.15, seed: SEED });
const trainCount = xTrain.shape[0];
const testCount = xTest.shape[0];
console.log(`${n} digits: ${trainCount} to train on, ${testCount} held out to test`);

// Small enough to predict at every animation frame and to retrain in a page in seconds (~10k weights, ~40 KB).
const model = new Sequential([
  new Conv2D(16, 3, { inputShape: [28, 28, 1], activation: 'relu' }),
  new MaxPooling2D(2),
  new Conv2D(32, 3, { activation: 'relu' }),
  new MaxPooling2D(2),
  new Flatten(),
  new Dense(10, { activation: 'softmax' }),
], { name: 'digits', seed: SEED });
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
model.summary();

// Each epoch sees every training digit moved by up to 2 px each way (a fresh, seeded draw per epoch): a drawn
// digit's centre of mass never lands exactly where MNIST's did, and the shifts keep the model from overfitting.
const started = Date.now();
const random = mulberry32(SEED);
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const shifted = tensor(shiftEach(xTrain.data, trainCount, random), xTrain.shape);
  await model.fit(shifted, yTrain, {
    epochs: epoch + 1, initialEpoch: epoch, batchSize: 64, verbose: 0,
    callbacks: [{
      onEpochEnd: (e, logs) => {
        const [, accuracy] = model.evaluate(xTest, yTest);
        console.log(`epoch ${e + 1}/${EPOCHS}: loss ${logs.loss.toFixed(4)}, accuracy ${logs.accuracy.toFixed(4)}, test accuracy ${accuracy.toFixed(4)}`);
      },
    }],
  });
}
const [testLoss, testAccuracy] = model.evaluate(xTest, yTest);
const [, trainAccuracy] = model.evaluate(xTrain, yTrain);
console.log(`test accuracy: ${testAccuracy.toFixed(4)} (${Math.round(testAccuracy * testCount)} of ${testCount}), test loss ${testLoss.toFixed(4)}, training accuracy ${trainAccuracy.toFixed(4)}, ${((Date.now() - started) / 1000).toFixed(1)} s`);

mkdirSync(OUT, { recursive: true });
await model.save(`file://${OUT}`); // model.json + weights.bin

// digits.bin: SHIPPED labels (one byte each, 0–9), then SHIPPED images of 28 × 28 bytes (0–255, row by row).
// The first SHIPPED of the training split, which trainTestSplit has already shuffled: every class is there.
const shipped = new Uint8Array(SHIPPED * 785);
const trainLabels = yTrain.data;
const trainPixels = xTrain.data;
for (let i = 0; i < SHIPPED; i++) shipped[i] = trainLabels[i];
for (let i = 0; i < SHIPPED * 784; i++) shipped[SHIPPED + i] = Math.round(trainPixels[i] * 255);
writeFileSync(`${OUT}/digits.bin`, shipped);

const report = {
  model: 'model.json',
  testAccuracy: Number(testAccuracy.toFixed(4)),
  testLoss: Number(testLoss.toFixed(4)),
  testDigits: testCount,
  trainDigits: trainCount,
  epochs: EPOCHS,
  seed: SEED,
  parameters: model.countParams(),
  digits: { file: 'digits.bin', count: SHIPPED, layout: `${SHIPPED} labels (uint8), then ${SHIPPED} images of 28×28 uint8 pixels (0–255), row by row` },
};
writeFileSync(`${OUT}/accuracy.json`, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${OUT}/model.json, weights.bin, digits.bin, accuracy.json`);
model.dispose();

/** A copy of `count` 28 × 28 images, each moved by a whole number of pixels in [-2, 2] on each axis (zeros fill in). */
function shiftEach(images, count, random) {
  const out = new Float32Array(images.length);
  for (let i = 0; i < count; i++) {
    const dx = Math.floor(random() * 5) - 2;
    const dy = Math.floor(random() * 5) - 2;
    for (let y = Math.max(0, dy); y < Math.min(28, 28 + dy); y++) {
      const from = i * 784 + (y - dy) * 28;
      const to = i * 784 + y * 28;
      for (let x = Math.max(0, dx); x < Math.min(28, 28 + dx); x++) out[to + x] = images[from + x - dx];
    }
  }
  return out;
}
