// voy-search's wasm-bindgen glue, imported directly (see bench/peers.ts).
declare module 'voy-search/voy_search_bg.js' {
  export * from 'voy-search';
  export function __wbg_set_wasm(exports: WebAssembly.Exports): void;
}
