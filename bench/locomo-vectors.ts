// Embeds LoCoMo's turns and questions with the offline default model
// (USE-lite, 512 dims) into bench/.cache/*.f32 for the benchmark page. Vectors
// come from the eval's embedding cache when they are there (no model load).
// Run by bench/engines.mjs: `npx tsx bench/locomo-vectors.ts [locomo dir]`.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UseLiteEmbedder } from '../src/embed/use-lite-embedder';
import { loadAll } from '../eval/data';
import { CachedEmbedder } from '../eval/embed-cache';

const dir = resolve(process.argv[2] ?? '../shared/data/locomo');
const out = resolve('bench/.cache');
const turnsFile = resolve(out, 'locomo-turns-use-lite-512.f32');
const questionsFile = resolve(out, 'locomo-questions-use-lite-512.f32');
if (!existsSync(turnsFile) || !existsSync(questionsFile)) {
  const conversations = loadAll(dir);
  const turns = conversations.flatMap((c) => c.turns.map((t) => t.text));
  const questions = conversations.flatMap((c) => c.questions.map((q) => q.question));
  const embedder = new CachedEmbedder(() => UseLiteEmbedder.create(), {
    id: 'use-lite-512',
    dim: 512,
  });
  const pack = (vs: Float32Array[]) => {
    const all = new Float32Array(vs.length * 512);
    vs.forEach((v, i) => all.set(v, i * 512));
    return Buffer.from(all.buffer);
  };
  const tv = await embedder.embed(turns);
  const qv = await embedder.embed(questions);
  embedder.save();
  mkdirSync(out, { recursive: true });
  writeFileSync(turnsFile, pack(tv));
  writeFileSync(questionsFile, pack(qv));
  console.log(
    `locomo-vectors: ${turns.length} turns, ${questions.length} questions (${embedder.misses} embedded now)`,
  );
}
