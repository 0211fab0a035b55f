// What the user's message asks for: to recall (a question, "what do you know about …") or to
// remember (anything else, given to add(), which also handles "forget that …").

/** A message read as a request to the assistant. */
export type Intent = { kind: 'recall'; query: string; topic?: string } | { kind: 'remember' };

const ABOUT =
  /^\s*(?:what do you (?:know|remember) about|what did i (?:say|tell you) about|tell me about|remind me (?:about|of))\s+(.+?)[\s?.!]*$/i;
const QUESTION =
  /^\s*(?:what|where|when|who|whom|whose|which|why|how|do|does|did|is|are|was|were|can|could|have|has)\b/i;

/** Reads `text`: a question or "what do you know about X" is a recall; the rest is remembered. */
export function intentOf(text: string): Intent {
  const about = ABOUT.exec(text);
  if (about?.[1]) return { kind: 'recall', query: about[1], topic: about[1] };
  if (text.trim().endsWith('?') || QUESTION.test(text)) return { kind: 'recall', query: text };
  return { kind: 'remember' };
}
