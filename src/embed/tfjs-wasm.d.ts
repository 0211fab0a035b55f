// The flat ESM build of tfjs' wasm backend, imported in browsers: its `module`
// entry imports CommonJS files that a dev server without pre-bundling cannot serve.
declare module '@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.fesm.js' {
  export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
}
