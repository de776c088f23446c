// esbuild's binary loader turns an imported .wasm into its bytes.
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}

// scripts/inline-wasm.mjs turns `…/neurasm.wasm?gzip-base64` into the wasm, gzipped, as base64 text (wasm-bytes.inline.ts).
declare module '*.wasm?gzip-base64' {
  const base64: string;
  export default base64;
}
