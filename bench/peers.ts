// Peer libraries, run in the same page on the same data. Each adapter builds
// an index over row-major unit vectors and answers top-k with slot ids.
import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import { loadHnswlib } from 'hnswlib-wasm';
import { HNSW as Mememo } from 'mememo';
// voy-search ships wasm-bindgen's "bundler" glue (an ESM import of the .wasm,
// which Vite does not do): instantiate the module and hand it to the glue.
import * as voyGlue from 'voy-search/voy_search_bg.js';
import voyWasmUrl from 'voy-search/voy_search_bg.wasm?url';

/** One built peer index. */
export interface PeerIndex {
  /** Top-k slots of one query, in one of the peer's modes. */
  query(q: Float32Array, k: number, mode: string): Promise<number[]>;
  /** Bytes per vector the library holds, where known (null: not measurable). */
  bytesPerVector: number | null;
  dispose(): void;
}

/** A peer: package name, modes, and the largest N it is run at (build time). */
export interface Peer {
  engine: string;
  modes: string[];
  maxN: number;
  /** Builds once per data set; the modes are query-time settings. */
  build(data: Float32Array, dim: number): Promise<PeerIndex>;
}

// Copies (slice), not views: some wasm bindings read a view's whole buffer.
const row = (data: Float32Array, dim: number, r: number) => data.slice(r * dim, (r + 1) * dim);

const orama: Peer = {
  engine: '@orama/orama',
  modes: ['vector'],
  maxN: 100_000,
  async build(data, dim) {
    const n = data.length / dim;
    const db = create({ schema: { v: `vector[${dim}]` } as const });
    const docs = Array.from({ length: n }, (_, r) => ({
      id: String(r),
      v: Array.from(row(data, dim, r)),
    }));
    await insertMultiple(db, docs, 5000);
    return {
      bytesPerVector: null,
      async query(q, k) {
        const res = await oramaSearch(db, {
          mode: 'vector',
          vector: { value: Array.from(q), property: 'v' },
          similarity: -1,
          limit: k,
        });
        return res.hits.map((h) => Number(h.id));
      },
      dispose() {},
    };
  },
};

let hnswlib: Awaited<ReturnType<typeof loadHnswlib>> | undefined;
const hnsw: Peer = {
  engine: 'hnswlib-wasm',
  // Several ef, so the bench can compare at equal recall (the fastest ef reaching each level).
  modes: ['ef=16', 'ef=24', 'ef=32', 'ef=48', 'ef=64', 'ef=100', 'ef=200', 'ef=300', 'ef=500'],
  maxN: 100_000,
  async build(data, dim) {
    hnswlib ??= await loadHnswlib();
    const n = data.length / dim;
    const index = new hnswlib.HierarchicalNSW('ip', dim, '');
    index.initIndex(n, 16, 100, 42);
    const items = Array.from({ length: n }, (_, r) => row(data, dim, r));
    index.addPoints(
      items,
      Array.from({ length: n }, (_, r) => r),
      false,
    );
    let ef = 0;
    return {
      // fp32 vector + level-0 links (2·M ids) + label, as hnswlib lays them out.
      bytesPerVector: dim * 4 + 4 + 2 * 16 * 4 + 8,
      async query(q, k, mode) {
        const want = Number(mode.slice(3));
        if (want !== ef) index.setEfSearch((ef = want));
        return index.searchKnn(q.slice(), k, undefined).neighbors;
      },
      dispose() {},
    };
  },
};

let voyLoaded: Promise<void> | undefined;
function voyReady(): Promise<void> {
  voyLoaded ??= (async () => {
    const bytes = await (await fetch(voyWasmUrl)).arrayBuffer();
    const { instance } = await WebAssembly.instantiate(bytes, {
      './voy_search_bg.js': voyGlue as unknown as WebAssembly.ModuleImports,
    });
    voyGlue.__wbg_set_wasm(instance.exports);
  })();
  return voyLoaded;
}

const voy: Peer = {
  engine: 'voy-search',
  modes: ['kd-tree'],
  // At 100k × 384 its constructor throws (`unwrap_throw`) here.
  maxN: 10_000,
  async build(data, dim) {
    const n = data.length / dim;
    const embeddings = Array.from({ length: n }, (_, r) => ({
      id: String(r),
      title: '',
      url: '',
      embeddings: Array.from(row(data, dim, r)),
    }));
    await voyReady();
    const index = new voyGlue.Voy({ embeddings });
    return {
      bytesPerVector: null,
      async query(q, k) {
        return index.search(q.slice(), k).neighbors.map((h) => Number(h.id));
      },
      dispose() {
        index.free();
      },
    };
  },
};

const mememo: Peer = {
  engine: 'mememo',
  modes: ['hnsw-idb'],
  // Builds through IndexedDB node by node: 208 s for 10k × 384 here, so bench/engines.mjs
  // runs it only up to --mememo-n (default 0).
  maxN: 10_000,
  async build(data, dim) {
    const n = data.length / dim;
    const index = new Mememo({
      distanceFunction: 'cosine-normalized',
      useIndexedDB: true,
      m: 16,
      efConstruction: 100,
    });
    const keys = Array.from({ length: n }, (_, r) => String(r));
    const values = Array.from({ length: n }, (_, r) => Array.from(row(data, dim, r)));
    await index.bulkInsert(keys, values);
    return {
      bytesPerVector: null,
      async query(q, k) {
        return (await index.query(Array.from(q), k)).keys.map(Number);
      },
      dispose() {},
    };
  },
};

/** Every peer that installed. */
export const PEERS: Peer[] = [orama, hnsw, voy, mememo];
