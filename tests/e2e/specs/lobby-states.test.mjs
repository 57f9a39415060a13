// Issue 14: no dead ends. A mistyped invite says the lobby does not exist before asking for a
// name; closed and locked lobbies get pages of their own (no "Copy link", no "0 here"), and a
// locked one lets you in by itself once the owner unlocks it; an announcement is plain text
// (no emoji font needed) and can be dismissed; at 1280x800 an announcement does not push the
// Ready button below the fold. Each screen passes an axe-core audit.

import assert from 'node:assert/strict';
import { scenario, serverAndChromium } from '../support/scene.mjs';
import { ApiClient } from '../support/server.mjs';
import { joinByInvite, waitReadyEnabled } from '../support/swirl.mjs';
import { DESKTOP, PHONE, auditAccessibility, screenshotForDocs } from '../support/ux.mjs';

const env = serverAndChromium();

/** No trace of a lobby page: its header controls are absent. */
async function assertNoLobbyChrome(tp) {
  for (const id of ['copy-invite', 'leave-lobby-button', 'member-count', 'display-name-input']) {
    assert.equal(await tp.attribute(id, 'data-testid'), null, `${tp.label}: no ${id} on this page`);
  }
}

scenario('missing, closed and locked lobbies each have a page of their own', () => env.server, async (scene) => {
  const owner = await new ApiClient(env.server.url).createUser('Olga');
  const visitor = await scene.chromiumPage(env.browser, 'visitor-phone', { viewport: PHONE, isMobile: true, hasTouch: true });

  // A mistyped link: said at once, before any name is asked.
  await visitor.goto(`${env.server.url}/l/NoSuchLobby123`);
  await visitor.waitForTestId('lobby-gone', { 'data-kind': 'missing' });
  assert.match(await visitor.text('lobby-gone'), /no such lobby/i);
  await assertNoLobbyChrome(visitor);
  await auditAccessibility(visitor, 'missing lobby');
  await screenshotForDocs(visitor, 'missing-phone');

  // Closed for good.
  const closed = await owner.createLobby('Last week');
  await owner.request('POST', `/api/lobbies/${closed.id}/close`);
  await visitor.goto(`${env.server.url}/l/${closed.id}`);
  await visitor.waitForTestId('lobby-gone', { 'data-kind': 'closed' });
  assert.match(await visitor.text('lobby-gone'), /closed/);
  await assertNoLobbyChrome(visitor);

  // Locked: the page checks again by itself and goes on once the owner unlocks.
  const locked = await owner.createLobby('Board games');
  await owner.request('POST', `/api/lobbies/${locked.id}/lock`);
  await visitor.goto(`${env.server.url}/l/${locked.id}`);
  await visitor.waitForTestId('lobby-gone', { 'data-kind': 'locked' });
  assert.match(await visitor.text('lobby-gone'), /Board games/);
  await assertNoLobbyChrome(visitor);
  await auditAccessibility(visitor, 'locked lobby');
  await screenshotForDocs(visitor, 'locked-phone');
  await owner.request('POST', `/api/lobbies/${locked.id}/unlock`);
  await visitor.waitForTestId('display-name-input', {}, { timeout: 10_000 });
  assert.equal(await visitor.text('invite-lobby-name'), 'Board games');

  // A member who has a name already is locked out the same way, and let in the same way.
  await visitor.fill('display-name-input', 'Vic');
  await visitor.click('name-submit');
  await visitor.waitForTestId('connection-state', { 'data-state': 'connected' });
  await visitor.click('leave-lobby-button');
  await visitor.waitForTestId('home');
  await owner.request('POST', `/api/lobbies/${locked.id}/lock`);
  await visitor.goto(`${env.server.url}/l/${locked.id}`);
  await visitor.waitForTestId('lobby-gone', { 'data-kind': 'locked' });
  await owner.request('POST', `/api/lobbies/${locked.id}/unlock`);
  await visitor.waitForTestId('connection-state', { 'data-state': 'connected' }, { timeout: 10_000 });
});

scenario('an announcement is plain text, dismissible, and keeps Ready above the fold at 1280x800', () => env.server, async (scene) => {
  const owner = await new ApiClient(env.server.url).createUser('Olga');
  const lobby = await owner.createLobby('Friday coffee');
  const guest = await scene.chromiumPage(env.browser, 'guest-desktop', { viewport: DESKTOP });
  await joinByInvite(guest, `${env.server.url}/l/${lobby.id}`, 'Gus');
  await waitReadyEnabled(guest);

  await owner.request('POST', `/api/lobbies/${lobby.id}/announce`, { message: 'Last round in 5 minutes! 🎉' });
  await owner.request('POST', `/api/lobbies/${lobby.id}/announce`, { message: 'Grab a coffee first.' });
  await guest.waitFor(() => document.querySelectorAll('[data-testid="announcement"]').length === 2, undefined, {
    what: 'two announcements',
  });
  const text = await guest.text('announcement');
  assert.match(text, /From the owner:/);
  assert.doesNotMatch(text, /\u{1F4E3}/u, 'no megaphone emoji of our own');
  const fold = await guest.evaluate(() => ({
    bottom: document.querySelector('[data-testid="ready-button"]').getBoundingClientRect().bottom,
    vh: innerHeight,
  }));
  assert.ok(fold.bottom <= fold.vh, `Ready is above the fold with two announcements (${JSON.stringify(fold)})`);
  await auditAccessibility(guest, 'lobby with announcements');
  await screenshotForDocs(guest, 'lobby-desktop');

  await guest.page.locator('[data-testid="dismiss-announcement"]').first().click();
  await guest.waitFor(() => document.querySelectorAll('[data-testid="announcement"]').length === 1, undefined, {
    what: 'one announcement left',
  });
  // The level meter says what it measures.
  assert.match(await guest.evaluate(() => document.querySelector('.meter-row')?.textContent ?? ''), /Microphone level/);
});
