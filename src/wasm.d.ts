// esbuild's binary loader turns an imported .wasm into its bytes (wasm-bytes.inline.ts).
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
