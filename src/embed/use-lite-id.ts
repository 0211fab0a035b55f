// What USE-lite is before its model loads: the engine checks a store against the id and
// dimension it was made with while the model still loads in its own Worker.

/** The id of the offline model (Universal Sentence Encoder Lite). */
export const USE_LITE_ID = 'use-lite-512';
/** Its vectors' length. */
export const USE_LITE_DIM = 512;
