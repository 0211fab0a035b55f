// Runs in a Worker for bench/packed-page.ts: answers each request with 10 search results,
// packed as one JSON string or as the object for the structured clone. (The packing that
// `search()` did until this measurement: `JSON.stringify` where it kept the values exactly.)

const now = Date.UTC(2026, 0, 1);
const results = Array.from({ length: 10 }, (_, i) => ({
  id: crypto.randomUUID(),
  memory: `I moved to Berlin in ${2010 + i} and my cat Mochi came with me; we live near the park`,
  metadata: { topic: 'home', speaker: 'ada', importance: 1 },
  createdAt: now + i * 1000,
  updatedAt: now + i * 1000,
  version: 1,
  state: 'active',
  role: 'user',
  validFrom: now + i * 1000,
  recordedAt: now + i * 1000,
  strength: 1.5,
  lastRecalledAt: now + i * 2000,
  userId: 'ada',
  score: 1.7 - i * 0.01,
  similarity: 0.83 - i * 0.01,
  retention: 0.97,
}));

self.onmessage = (e: MessageEvent<{ packed: boolean }>) => {
  const value = { results: results.map((r) => ({ ...r })) };
  postMessage(e.data.packed ? JSON.stringify(value) : value);
};
