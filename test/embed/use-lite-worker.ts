// A module Worker for use-lite.browser.test.ts: Engram embeds inside a Worker.
import { UseLiteEmbedder } from '../../src/embed/use-lite-embedder';
import { cos } from './vectors';

const scope = self as unknown as {
  onmessage: (() => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async () => {
  try {
    const e = await UseLiteEmbedder.create();
    const [cat, kitten, stock] = await e.embed(['cat', 'kitten', 'stock market']);
    scope.postMessage({ ck: cos(cat!, kitten!), cs: cos(cat!, stock!) });
  } catch (err) {
    scope.postMessage({ error: String(err), code: (err as { code?: string }).code });
  }
};
