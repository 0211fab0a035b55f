// Setup file of the browser project (vitest.config.ts), run before each test file: whatever
// browser contexts the file opened through test/helpers/browser.ts are closed after it.
import { afterAll } from 'vitest';
import { closeContexts } from './browser';

afterAll(closeContexts);
