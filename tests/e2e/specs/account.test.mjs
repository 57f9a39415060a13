// Issue 17, the account controls in the browser: "Sign out everywhere" in one tab ends every tab
// of that user (close code 4001: a page that says so, no reconnect, the old token refused), and
// "Delete my account" is refused in plain words while the user owns an open lobby (409
// owns_open_lobbies, nothing deleted), then works once the lobby is closed (4002 ends the other
// tab too). Every new page and dialog passes the axe-core audit.

import assert from 'node:assert/strict';
import { scenario, serverAndChromium, VIEWPORT } from '../support/scene.mjs';
import { ApiClient } from '../support/server.mjs';
import { waitConnected } from '../support/swirl.mjs';
import { TestPage } from '../support/test-page.mjs';
import { auditAccessibility, screenshotForDocs } from '../support/ux.mjs';

const env = serverAndChromium();

/**
 * How long a tab must stay without a new lobby socket after a terminal close to count as "does
 * not reconnect": the client's first two retries would come within 390 + 780 ms (300 ms and
 * 600 ms, each +30% jitter, reconnect-policy.ts), so this window would see them.
 */
const NO_RECONNECT_WINDOW_MS = 2_000;

const IDENTITY_KEY = 'swirl.identity.v1';

/**
 * One user, several tabs: a browser context (shared localStorage, so one Swirl identity) whose
 * pages count the lobby WebSockets they open.
 */
async function userContext(scene, label) {
  const context = await env.browser.newContext({ viewport: VIEWPORT });
  scene.defer(() => context.close());
  const tabs = [];
  return {
    async tab(n) {
      const page = await context.newPage();
      const tp = new TestPage(page, 'playwright', `${label}-tab${n}`);
      tp.socketsOpened = 0;
      page.on('websocket', (ws) => {
        if (/\/api\/lobbies\/[^/]+\/ws$/.test(new URL(ws.url()).pathname)) tp.socketsOpened += 1;
      });
      scene.pages.push(tp);
      tabs.push(tp);
      return tp;
    },
  };
}

function storedToken(tp) {
  return tp.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null')?.token ?? null, IDENTITY_KEY);
}

async function meStatus(token) {
  const res = await fetch(`${env.server.url}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
  await res.body?.cancel();
  return res.status;
}

/** Waits NO_RECONNECT_WINDOW_MS and asserts that no tab opened another lobby socket meanwhile. */
async function assertNoReconnect(tabs, what) {
  const before = tabs.map((tp) => tp.socketsOpened);
  const deadline = Date.now() + NO_RECONNECT_WINDOW_MS;
  // Sampled through the pages (not a bare sleep): each round trip also proves the tab is alive.
  while (Date.now() < deadline) {
    for (const tp of tabs) await tp.evaluate(() => document.readyState);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const [i, tp] of tabs.entries()) {
    assert.equal(tp.socketsOpened, before[i], `${tp.label}: no new lobby socket after ${what}`);
  }
}

/** Home page, a name, a new lobby of one's own: resolves once its socket is connected. */
async function createOwnLobby(tp, name) {
  await tp.goto(`${env.server.url}/`);
  await tp.fill('display-name-input', name);
  await tp.click('name-submit');
  await tp.waitForTestId('create-lobby-button');
  await tp.click('create-lobby-button');
  await waitConnected(tp);
  return tp.evaluate(() => location.pathname.split('/').pop());
}

scenario('sign out everywhere: every tab of the user shows the signed-out page and none reconnects', () => env.server, async (scene) => {
  const olga = await new ApiClient(env.server.url).createUser('Olga');
  const other = await olga.createLobby('Olga’s other lobby');
  const ada = await userContext(scene, 'ada');
  const tab1 = await ada.tab(1);
  const tab2 = await ada.tab(2);
  const tab3 = await ada.tab(3);

  // Tab 1: Ada's own lobby. Tab 2: the same Ada in Olga's lobby (another socket of the same user).
  // Tab 3: the start page, no socket at all.
  await createOwnLobby(tab1, 'Ada');
  await tab2.goto(`${env.server.url}/l/${other.id}`);
  await waitConnected(tab2);
  await tab3.goto(`${env.server.url}/`);
  await tab3.waitForTestId('current-name');
  const token = await storedToken(tab1);
  assert.ok(token, 'Ada has a token');
  assert.equal(await meStatus(token), 200);
  assert.deepEqual([tab1.socketsOpened, tab2.socketsOpened], [1, 1]);

  // The account menu shows who this is; its confirmation says what will happen.
  assert.equal(await tab1.text('account-name'), 'Ada');
  await tab1.click('account-button');
  await tab1.waitForTestId('account-panel');
  await auditAccessibility(tab1, 'account menu open');
  await tab1.click('sign-out-everywhere-button');
  await tab1.waitForTestId('sign-out-dialog');
  assert.match(await tab1.text('sign-out-dialog'), /signed out at once, this one too/);
  assert.equal(
    await tab1.evaluate(() => document.activeElement?.getAttribute('data-testid')),
    'sign-out-dialog-cancel',
    'the focus starts on Cancel, so Enter does not sign out',
  );
  await auditAccessibility(tab1, 'sign-out-everywhere dialog');
  await screenshotForDocs(tab1, 'sign-out-dialog');
  await tab1.click('sign-out-dialog-confirm');

  // Both tabs: the page that says what happened (tab 2 learns it from the 4001 close alone).
  for (const tp of [tab1, tab2]) {
    await tp.waitForTestId('account-ended', { 'data-kind': 'signed_out_everywhere' });
    assert.match(await tp.text('account-ended'), /You were signed out on all devices/);
    assert.match(await tp.text('account-ended'), /used for “Ada”/, `${tp.label}: the page names the account`);
    assert.equal(await tp.attribute('connection-state', 'data-testid'), null, `${tp.label}: the lobby page is gone`);
    assert.equal(await tp.attribute('account-button', 'data-testid'), null, `${tp.label}: no account menu without an account`);
  }
  assert.equal(await tab1.evaluate((key) => localStorage.getItem(key), IDENTITY_KEY), null, 'the stored identity is cleared');
  await auditAccessibility(tab2, 'signed-out page');
  await screenshotForDocs(tab2, 'signed-out');
  // The tab without a socket follows the stored identity (a storage event): it asks for a name.
  await tab3.waitForTestId('display-name-input');
  assert.equal(await tab3.attribute('account-button', 'data-testid'), null, 'tab 3: no account menu any more');
  await assertNoReconnect([tab1, tab2, tab3], 'the sign-out');
  assert.equal(await meStatus(token), 401, 'the old token is refused');

  // Starting again under a new name puts tab 2 back into the lobby it was in, as someone new.
  await tab2.fill('display-name-input', 'Ada again');
  await tab2.click('name-submit');
  await waitConnected(tab2);
  assert.equal(tab2.socketsOpened, 2);
  assert.equal(await tab2.text('account-name'), 'Ada again');
  const fresh = await storedToken(tab2);
  assert.ok(fresh && fresh !== token, 'a new token for the new name');
  assert.equal(await meStatus(fresh), 200);
});

scenario('delete my account: refused in plain words while a lobby is open, done once it is closed', () => env.server, async (scene) => {
  const olga = await new ApiClient(env.server.url).createUser('Olga');
  const other = await olga.createLobby('Book club');
  const dee = await userContext(scene, 'dee');
  const tab1 = await dee.tab(1);
  const tab2 = await dee.tab(2);

  const ownLobby = await createOwnLobby(tab1, 'Dee');
  await tab1.waitForTestId('owner-panel');
  await tab2.goto(`${env.server.url}/l/${other.id}`);
  await waitConnected(tab2);
  const token = await storedToken(tab1);

  // Owner of an open lobby: the 409 in plain words, what to do, and a way to the lobby.
  await tab1.click('account-button');
  await tab1.click('delete-account-button');
  await tab1.waitForTestId('delete-dialog');
  assert.match(await tab1.text('delete-dialog'), /match history is kept, but anonymised/);
  await tab1.click('delete-dialog-confirm');
  await tab1.waitForTestId('delete-dialog-error');
  const refusal = await tab1.text('delete-dialog-error');
  assert.match(refusal, /not deleted/);
  assert.match(refusal, /close it, or make someone else its owner/);
  assert.doesNotMatch(refusal, /owns_open_lobbies|transfer them first/, 'our words, not the server’s');
  await tab1.waitForTestId('open-lobbies');
  assert.match(await tab1.text('open-lobbies'), /Dee's lobby/);
  await auditAccessibility(tab1, 'delete dialog with the 409 explained');
  await screenshotForDocs(tab1, 'delete-refused');
  assert.equal(await meStatus(token), 200, 'nothing was deleted');
  assert.equal(await storedToken(tab1), token, 'the identity is kept');
  assert.equal(await tab2.attribute('connection-state', 'data-state'), 'connected', 'the other tab is untouched');

  // Close the lobby from the owner panel, then delete again.
  await tab1.click('delete-dialog-cancel');
  await tab1.waitFor(() => !document.querySelector('[data-testid="delete-dialog"]'), undefined, { what: 'the dialog to close' });
  await tab1.click('close-lobby-button');
  await tab1.click('close-confirm-button');
  await tab1.waitForTestId('lobby-gone', { 'data-kind': 'closed' });
  assert.equal((await new ApiClient(env.server.url).request('GET', `/api/lobbies/${ownLobby}`)).status, 'closed');
  const opened = [tab1.socketsOpened, tab2.socketsOpened];

  await tab1.click('account-button');
  await tab1.click('delete-account-button');
  await tab1.click('delete-dialog-confirm');
  for (const tp of [tab1, tab2]) {
    await tp.waitForTestId('account-ended', { 'data-kind': 'account_deleted' });
    assert.match(await tp.text('account-ended'), /Your account was deleted/);
  }
  await auditAccessibility(tab2, 'account-deleted page');
  await assertNoReconnect([tab1, tab2], 'the deletion');
  assert.deepEqual([tab1.socketsOpened, tab2.socketsOpened], opened);
  assert.equal(await meStatus(token), 401, 'GET /api/me with the old token');
  assert.equal(await tab2.evaluate((key) => localStorage.getItem(key), IDENTITY_KEY), null, 'the stored identity is cleared');

  // From there, the start page asks for a name.
  await tab1.click('account-ended-home');
  await tab1.waitForTestId('display-name-input');
  assert.equal(await tab1.evaluate(() => location.pathname), '/');
});
