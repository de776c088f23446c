/** asc's raw bindings with `instantiate` synchronous (returning the adapted exports, not a Promise of them). */
export declare function syncBindings(code: string): string;
/** asc's declarations with `instantiate` returning the adapted exports themselves. */
export declare function syncDeclarations(text: string): string;
/** The JavaScript module that exports `bytes` as one string of lower-case hex digits. */
export declare function hexModule(bytes: Uint8Array): string;
