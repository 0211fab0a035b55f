// The scale benches' corpus: BEAM chat messages from ../shared/data/beam (user messages with
// their evidence marker stripped, assistant messages cut into paragraphs, each ≤ 1,000
// characters) and BEAM's probing questions as queries. Exits with status 2 without the data.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Reads the memory texts and queries of a BEAM folder.
 * @param {string} folder - the BEAM chats (default ../shared/data/beam/100K)
 * @returns {{ texts: string[], queries: string[] }}
 */
export function loadBeamTexts(folder) {
  const dir = resolve(folder);
  if (!existsSync(dir)) {
    console.error(`no BEAM data at ${dir} (--data=DIR)`);
    process.exit(2);
  }
  const texts = [];
  const queries = [];
  for (const chat of readdirSync(dir).sort((a, b) => Number(a) - Number(b))) {
    for (const batch of JSON.parse(readFileSync(join(dir, chat, 'chat.json'), 'utf8')))
      for (const turn of batch.turns)
        for (const m of turn) {
          const content = m.content.replace(/\s*->->\s*[\d,\s]+$/, '').trim();
          for (const p of content.split(/\n\s*\n/)) {
            const t = p.trim();
            if (t.length >= 20) texts.push(t.slice(0, 1000));
          }
        }
    const probing = JSON.parse(readFileSync(join(dir, chat, 'probing_questions.json'), 'utf8'));
    for (const list of Object.values(probing)) for (const q of list) queries.push(q.question);
  }
  return { texts, queries };
}
