// The owner panel: a lobby created in the env.browser, a member removed from it with a ban, and
// what the removed member's browser shows (now and when it tries to come back).

import assert from 'node:assert/strict';
import { scenario, serverAndChromium } from '../support/scene.mjs';
import { joinByInvite, selfId, waitConnected } from '../support/swirl.mjs';
import { screenshotElementForDocs } from '../support/ux.mjs';

const env = serverAndChromium();

scenario('the owner removes a member from the owner panel and that browser says so', () => env.server, async (scene) => {
  const owner = await scene.chromiumPage(env.browser, 'owner');
  const guest = await scene.chromiumPage(env.browser, 'guest');

  // The owner creates the lobby through the UI, which makes this browser its owner.
  await owner.goto(`${env.server.url}/`);
  await owner.fill('display-name-input', 'Olga');
  await owner.click('name-submit');
  await owner.fill('lobby-name-input', 'Owner test');
  await owner.click('create-lobby-button');
  await waitConnected(owner);
  await owner.waitForTestId('owner-panel');
  const invite = await owner.evaluate(() => document.querySelector('[data-testid="invite-link"]').value);
  assert.match(invite, /\/l\/[A-Za-z0-9_-]+$/);

  await joinByInvite(guest, invite, 'Gus');
  const guestId = await selfId(guest);
  assert.ok(guestId, 'the guest has a user id');

  await owner.waitForTestId(`kick-${guestId}`);
  await owner.fill('ban-amount', '10');
  await owner.select('ban-unit', 'minutes');
  await owner.click(`kick-${guestId}`);

  // A page of its own: what happened and for how long.
  await guest.waitForTestId('lobby-gone', { 'data-kind': 'kicked' });
  assert.match(await guest.text('lobby-gone'), /removed you from “Owner test”/);
  assert.match(await guest.text('lobby-gone'), /10 minutes/);
  assert.equal(await guest.attribute('copy-invite', 'data-testid'), null, 'no lobby controls on the removed page');

  await owner.waitForTestId('owner-feedback');
  assert.match(await owner.text('owner-feedback'), /Gus was removed/);
  await owner.waitFor((id) => !document.querySelector(`[data-testid="member-${id}"]`), guestId, {
    what: 'the guest to leave the member list',
  });

  // Banned: coming back (a reload of the invite) is refused with an explanation and the time
  // left, not retried for minutes. The browser hides the upgrade's 403; the page asks
  // GET /api/lobbies/{id} with its token (403 banned, "rejoin in N s") and remembers the ban.
  await guest.goto(invite);
  await guest.waitForTestId('lobby-gone', { 'data-kind': 'banned' });
  assert.match(await guest.text('lobby-gone'), /cannot rejoin yet/);
  assert.match(await guest.text('lobby-gone'), /10 minutes/);

  // The owner's Bans section lists the ban (GET …/bans) and lifts it (DELETE …/bans/{user}):
  // the guest's reload of the invite is let in, and the remembered ban is forgotten.
  await owner.waitForTestId(`owner-ban-${guestId}`);
  assert.match(await owner.text(`owner-ban-${guestId}`), /Gus/);
  assert.match(await owner.text(`owner-ban-${guestId}`), /ends in 10 min/);
  await screenshotElementForDocs(owner, 'owner-bans', 'owner-bans-desktop');
  await owner.click(`unban-${guestId}`);
  await owner.waitFor((id) => !document.querySelector(`[data-testid="owner-ban-${id}"]`), guestId, {
    what: 'the lifted ban to leave the list',
  });
  await owner.waitForTestId('owner-no-bans');
  await guest.goto(invite);
  await waitConnected(guest);
  await owner.waitForTestId(`member-${guestId}`);
  assert.equal(
    await guest.evaluate(() => localStorage.getItem('swirl.bans.v1')),
    '{}',
    'the lifted ban is no longer remembered in the guest browser',
  );
});
