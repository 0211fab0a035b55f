// Makes the app work offline: registers the service worker and, on a first visit, waits until
// it has precached the app, the runtimes and the model and taken control of the page, so the
// engine then reads the model through it (downloaded once, not twice).
import type { PrecacheMessage } from './precache-types';

/** How the page is served. */
export type OfflineState =
  /** A service worker controls the page: every file comes from its precache. */
  | 'controlled'
  /** No service worker (unsupported, refused, `vite dev`): the network, as any page. */
  | 'uncontrolled';

/**
 * Registers `sw.js` (next to the page) and resolves once it controls the page, or with
 * `'uncontrolled'` where it cannot.
 * @param onMessage - the worker's precache progress and activation
 */
export async function setUpOffline(onMessage: (m: PrecacheMessage) => void): Promise<OfflineState> {
  const container = navigator.serviceWorker as ServiceWorkerContainer | undefined;
  // `vite dev` serves no sw.js (it is written by the build).
  if (!container || import.meta.env.DEV) return 'uncontrolled';
  container.addEventListener('message', (e: MessageEvent<PrecacheMessage>) => onMessage(e.data));
  let registration: ServiceWorkerRegistration;
  try {
    registration = await container.register(new URL('./sw.js', document.baseURI));
  } catch {
    return 'uncontrolled';
  }
  if (container.controller) return 'controlled';
  const installing = registration.installing ?? registration.waiting;
  // Active but not in control (a forced reload bypasses it): this page uses the network.
  if (!installing) return 'uncontrolled';
  return new Promise<OfflineState>((done) => {
    container.addEventListener('controllerchange', () => done('controlled'), { once: true });
    installing.addEventListener('statechange', () => {
      if (installing.state === 'redundant') done('uncontrolled'); // precaching failed
    });
  });
}
