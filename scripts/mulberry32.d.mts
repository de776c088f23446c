/** A seeded generator of uniform numbers in [0, 1) (mulberry32: integer arithmetic, the same numbers in every engine). */
export declare function mulberry32(seed: number): () => number;
