// The security headers (docs/security.md) with a real browser: the client loads and a call
// connects with the Content-Security-Policy on, and the browser reports no violation of it.

import assert from 'node:assert/strict';
import { scenario, serverAndChromium } from '../support/scene.mjs';
import { ApiClient } from '../support/server.mjs';
import { assertVideoFlowing, getReady, joinByInvite, waitInCall } from '../support/swirl.mjs';

const env = serverAndChromium();

/** Records every CSP violation the page reports (before any of its own scripts run). */
async function watchViolations(tp) {
  await tp.page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

scenario('the client loads and a call connects under the Content-Security-Policy, with no violation', () => env.server, async (scene) => {
  const owner = await new ApiClient(env.server.url).createUser('Organizer');
  const lobby = await owner.createLobby('CSP check', { group_size: 2 });
  const invite = `${env.server.url}/l/${lobby.id}`;

  // The document itself carries the headers.
  const res = await fetch(invite);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.match(res.headers.get('permissions-policy') ?? '', /camera=\(self\), microphone=\(self\)/);

  const ada = await scene.chromiumPage(env.browser, 'ada');
  const bo = await scene.chromiumPage(env.browser, 'bo');
  await Promise.all([watchViolations(ada), watchViolations(bo)]);
  await Promise.all([joinByInvite(ada, invite, 'Ada'), joinByInvite(bo, invite, 'Bo')]);
  await getReady(ada);
  await getReady(bo);
  const [matchA, matchB] = await Promise.all([waitInCall(ada), waitInCall(bo)]);
  assert.equal(matchA, matchB);
  await Promise.all([assertVideoFlowing(ada, 'Ada receives Bo'), assertVideoFlowing(bo, 'Bo receives Ada')]);

  for (const tp of [ada, bo]) {
    assert.deepEqual(await tp.evaluate(() => window.__cspViolations), [], `${tp.label}: no CSP violations`);
  }
  assert.deepEqual([...ada.errors, ...bo.errors], [], 'no console errors');
});
