// Builds the unpacked extension: `node examples/extension/build.mjs` → examples/extension/dist/
// (load it at chrome://extensions, "Load unpacked").
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

// The config imports the engine's TypeScript sources; Vite bundles it (its default loader).
process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING ??= 'true';
const here = fileURLToPath(new URL('.', import.meta.url));
const started = Date.now();
await build({ configFile: `${here}vite.config.ts` });
console.log(`extension built in ${((Date.now() - started) / 1000).toFixed(1)} s → ${here}dist`);
