// Where things are: the server binary and web root come from scripts/test.sh's environment,
// with fallbacks for running `npm test` by hand after `scripts/test.sh` built them once.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** tests/e2e */
export const E2E_DIR = path.resolve(here, '..');
/** The repository root. */
export const REPO_ROOT = path.resolve(E2E_DIR, '../..');

export const SERVER_BINARY = process.env.SWIRL_SERVER_BINARY || path.resolve(E2E_DIR, '../../build/test/swirl-server');
export const WEB_ROOT = process.env.SWIRL_WEB_ROOT || path.resolve(E2E_DIR, '../../web/dist');

/** Screenshots and logs of failed tests (ignored by git). */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');

export const CHROMIUM = process.env.SWIRL_E2E_CHROMIUM || '/usr/bin/chromium';
export const FIREFOX = process.env.SWIRL_E2E_FIREFOX || '/usr/bin/firefox-esr';
