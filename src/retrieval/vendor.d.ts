// Types for the two small untyped packages the analyzer uses.
declare module 'wink-porter2-stemmer' {
  /** Porter2 (English Snowball) stem of one lower-case word. */
  const stem: (word: string) => string;
  export default stem;
}

declare module 'stopword' {
  /** English stop words (lower case). */
  export const eng: string[];
}
