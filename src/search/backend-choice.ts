// Where the vector index scans: a contract of the engine's options.

/** `'auto'` picks; `'webgpu'` and `'cpu'` force a backend. */
export type BackendChoice = 'auto' | 'webgpu' | 'cpu';
