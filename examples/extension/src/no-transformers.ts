// Stands in for @huggingface/transformers, which the repository installs (for its tests) but the
// extension never loads: it embeds with USE-lite. Without it, the build would carry
// transformers.js and onnxruntime-web's 27 MB wasm.
throw new Error('@huggingface/transformers is not part of the extension (it embeds with USE-lite)');

export {};
