// `node bench/run.mjs <benchmark> [flags]`: runs one benchmark driver of bench/.
//   engines  `npm run bench`: Engram's CPU paths vs a plain JS loop and the peer libraries,
//            then the end-to-end figures through the public API (bench/engines.mjs)
//   search   `npm run bench:search`: WebGPU kernel vs CPU twin vs `auto` (bench/search.mjs)
//   reads    default search() latency and log growth through the Worker (bench/reads.mjs)
//   encryption  open/add/search cost with vs without encryption at rest (bench/encryption.mjs)
//   gpu-scan  the fp32 WebGPU scan before vs after register blocking, and with the subgroup sort (bench/gpu-scan.mjs)
//   index-memory  measured heap bytes per vector, ms/query and recall@10 per index mode (bench/index-memory.mjs)
//   sync     time to sync N events one way and both ways through pouchdb-server (bench/sync.mjs)
//   ingest   addMany with the offline model on 1, 2 and 3 model instances, side by side (bench/ingest.mjs)
//   api-profile  where a dense search through the Worker spends its time: index, page, Worker (bench/api-profile.mjs)
const DRIVERS = {
  engines: './engines.mjs',
  search: './search.mjs',
  reads: './reads.mjs',
  encryption: './encryption.mjs',
  'gpu-scan': './gpu-scan.mjs',
  'index-memory': './index-memory.mjs',
  sync: './sync.mjs',
  ingest: './ingest.mjs',
  'api-profile': './api-profile.mjs',
};
const what = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'engines';
const driver = DRIVERS[what];
if (!driver) {
  console.error(`unknown benchmark '${what}' (known: ${Object.keys(DRIVERS).join(', ')})`);
  process.exit(2);
}
await import(driver);
