// Stands in for @huggingface/transformers, which the repository installs (for its tests) but
// this app never loads: it uses the USE-lite embedder. Without it, the build would carry
// transformers.js and onnxruntime's 27 MB wasm, and the service worker would precache them.
throw new Error('@huggingface/transformers is not part of the assistant (it embeds with USE-lite)');

export {};
