// The browser build's inlined kernels (wasm-bytes.inline.ts): scripts/inline-wasm.mjs gives this module
// build/neurasm.wasm as a string of hex digits.
declare module 'neurasm:wasm-hex' {
  const hex: string;
  export default hex;
}
