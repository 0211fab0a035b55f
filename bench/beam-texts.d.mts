/** Types of bench/beam-texts.mjs (for the TypeScript benches). */
export function loadBeamTexts(folder: string): { texts: string[]; queries: string[] };
