// LoCoMo loader: turns as memories, questions with normalised evidence, recall@k.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MONTHS } from '../src/retrieval/time';
import type { RetrievalDoc } from '../src/retrieval/lexical-row';

/** One dialogue turn, to be stored as one memory. */
export interface Turn {
  /** Normalised dialogue id, e.g. "D3:7". */
  diaId: string;
  /** Session number (1-based). */
  session: number;
  /** Position of the turn within its session (0-based). */
  index: number;
  speaker: string;
  /** The memory text: "Speaker: text", plus the shared image's caption where there is one. */
  text: string;
  /** Session start, ms since epoch (UTC). */
  time: number;
  /** Session date as written in the data, e.g. "1:56 pm on 8 May, 2023". */
  dateText: string;
}

/** One question with the evidence turns that exist in its conversation. */
export interface Question {
  question: string;
  category: number;
  evidence: string[];
}

/** One conversation of the data set. */
export interface Conversation {
  id: string;
  speakers: [string, string];
  turns: Turn[];
  questions: Question[];
  /** Questions left out because none of their evidence ids names a turn. */
  dropped: number;
}

/** A turn as the retriever indexes it: its session as the episode, its place in it as the order. */
export function turnDoc(t: Turn): RetrievalDoc {
  return {
    id: t.diaId,
    text: t.text,
    time: t.time,
    episode: `S${t.session}`,
    order: t.index,
    speaker: t.speaker,
  };
}

/** Parses "1:56 pm on 8 May, 2023" to ms since epoch (UTC). */
export function parseSessionDate(s: string): number {
  const m = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})/i.exec(s);
  if (!m) throw new Error(`unreadable session date: ${s}`);
  const month = MONTHS.indexOf(m[5]!.toLowerCase());
  if (month < 0) throw new Error(`unreadable month in: ${s}`);
  let hour = Number(m[1]) % 12;
  if (m[3]!.toLowerCase() === 'pm') hour += 12;
  return Date.UTC(Number(m[6]), month, Number(m[4]), hour, Number(m[2]));
}

/**
 * Normalises raw evidence entries: several ids in one string ("D9:1 D4:4", "D8:6; D9:17"),
 * zero padding ("D30:05"), a stray colon ("D:11:26"); drops what names no turn.
 */
export function normaliseEvidence(raw: unknown[], known: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const r of raw) {
    for (const m of String(r).matchAll(/D\s*:?\s*(\d+)\s*:\s*(\d+)/gi)) {
      const id = `D${Number(m[1])}:${Number(m[2])}`;
      if (known.has(id)) out.add(id);
    }
  }
  return [...out];
}

interface RawTurn {
  speaker: string;
  dia_id: string;
  text: string;
  blip_caption?: string;
}

/** Reads one `conv-*.json` file. */
export function loadConversation(file: string): Conversation {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const turns: Turn[] = [];
  const sessions = Object.keys(raw)
    .map((k) => /^session_(\d+)$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  for (const s of sessions) {
    const dateText = String(raw[`session_${s}_date_time`]);
    const time = parseSessionDate(dateText);
    (raw[`session_${s}`] as RawTurn[]).forEach((t, index) => {
      const m = /D\s*:?\s*(\d+)\s*:\s*(\d+)/i.exec(t.dia_id);
      const diaId = m ? `D${Number(m[1])}:${Number(m[2])}` : t.dia_id;
      const caption = t.blip_caption ? ` [shares a photo: ${t.blip_caption}]` : '';
      turns.push({
        diaId,
        session: s,
        index,
        speaker: t.speaker,
        text: `${t.speaker}: ${t.text}${caption}`,
        time,
        dateText,
      });
    });
  }
  const known = new Set(turns.map((t) => t.diaId));
  const questions: Question[] = [];
  let dropped = 0;
  for (const q of raw.qa as { question: string; category: number; evidence?: unknown[] }[]) {
    const evidence = normaliseEvidence(q.evidence ?? [], known);
    if (evidence.length === 0) dropped++;
    else questions.push({ question: q.question, category: Number(q.category), evidence });
  }
  return {
    id: basename(file).replace(/\.json$/, ''),
    speakers: [String(raw.speaker_a), String(raw.speaker_b)],
    turns,
    questions,
    dropped,
  };
}

/** Every `conv-*.json` in a folder, by name. */
export function loadAll(dir: string): Conversation[] {
  return readdirSync(dir)
    .filter((f) => /^conv-.*\.json$/.test(f))
    .sort()
    .map((f) => loadConversation(join(dir, f)));
}

/** Share of `evidence` among the first `k` of `ranked`. */
export function recallAt(
  ranked: readonly string[],
  evidence: readonly string[],
  k: number,
): number {
  const top = new Set(ranked.slice(0, k));
  return evidence.filter((e) => top.has(e)).length / evidence.length;
}
