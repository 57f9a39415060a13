// Issue 16: the owner panel covers the owner API (docs/http-api.md, "Owner endpoints"). Every
// control is driven here against a real server, and its effect is checked where it lands: in
// another member's browser, or through the HTTP API with that member's own token. The panel's
// validation (the server's limits) refuses bad input before anything is sent, and server errors
// come back as sentences. The panel passes an axe-core audit on a desktop and on a phone, where
// it is driven by touch.

import assert from 'node:assert/strict';
import { scenario, serverAndChromium } from '../support/scene.mjs';
import { ApiClient } from '../support/server.mjs';
import { getReady, joinByInvite, selfId, waitConnected, waitInCall, waitMediaFlowing } from '../support/swirl.mjs';
import { DESKTOP, PHONE, auditAccessibility, screenshotElementForDocs } from '../support/ux.mjs';

// One running ban per lobby at most, so the panel's answer to `409 too_many_bans` is reachable.
const env = serverAndChromium(['--max-bans-per-lobby=1']);

/** The HTTP API as the user of this browser (token from the page's own storage). */
async function apiAs(tp) {
  const identity = await tp.evaluate(() => JSON.parse(localStorage.getItem('swirl.identity.v1') ?? 'null'));
  assert.ok(identity?.token, `${tp.label} has a token`);
  return new ApiClient(env.server.url, identity.token);
}

/** Creates a lobby through the home page; this browser becomes its owner. Returns the invite URL. */
async function createLobbyInUi(tp, name, lobbyName) {
  await tp.goto(`${env.server.url}/`);
  await tp.fill('display-name-input', name);
  await tp.click('name-submit');
  await tp.fill('lobby-name-input', lobbyName);
  await tp.click('create-lobby-button');
  await waitConnected(tp);
  await tp.waitForTestId('owner-panel');
  return tp.evaluate(() => document.querySelector('[data-testid="invite-link"]').value);
}

async function feedback(tp, { ok }) {
  await tp.waitForTestId('owner-feedback', { 'data-ok': String(ok) });
  return tp.text('owner-feedback');
}

/** Waits until the repeats switch shows `on` and can be used (no owner change in flight). */
function repeatsSwitch(tp, on) {
  return tp.waitFor(
    (on) => {
      const box = document.querySelector('[data-testid="owner-repeats"]');
      return !!box && box.checked === on && !box.disabled;
    },
    on,
    { what: `the repeats switch ${on ? 'on' : 'off'} and usable` },
  );
}

/** Types into an input of the panel as a person would (replacing what is there). */
async function typeInto(tp, testId, text) {
  await tp.fill(testId, text);
}

scenario('every owner control works against a real server (desktop, keyboard too)', () => env.server, async (scene) => {
  const olga = await scene.chromiumPage(env.browser, 'olga-owner', { viewport: DESKTOP });
  const gus = await scene.chromiumPage(env.browser, 'gus');
  const hal = await scene.chromiumPage(env.browser, 'hal');
  const ivy = await scene.chromiumPage(env.browser, 'ivy');

  const invite = await createLobbyInUi(olga, 'Olga', 'Owner panel');
  const lobbyId = invite.split('/l/')[1];
  const olgaApi = await apiAs(olga);
  await joinByInvite(gus, invite, 'Gus');
  await joinByInvite(hal, invite, 'Hal');
  await joinByInvite(ivy, invite, 'Ivy');
  const [gusId, halId, ivyId] = [await selfId(gus), await selfId(hal), await selfId(ivy)];
  const state = () => olgaApi.request('GET', `/api/lobbies/${lobbyId}/state`);

  // The owner state view: everyone with what they are doing, from GET …/state.
  await olga.waitForTestId(`owner-member-state-${ivyId}`);
  assert.equal(await olga.text(`owner-member-state-${ivyId}`), 'not ready');
  // The matches list comes from GET …/state (fetched on mount): wait for it, not just for lobby_status.
  await olga.waitFor(() => /Nobody is in a conversation/.test(document.querySelector('[data-testid="owner-no-matches"]')?.textContent ?? ''), undefined, {
    what: 'the owner state loaded: nobody in a conversation',
  });
  await auditAccessibility(olga, 'owner panel, desktop');

  // --- Conversations: Gus and Hal are matched; the panel lists it; the owner ends it.
  await getReady(gus);
  await getReady(hal);
  await waitInCall(gus);
  // The match the panel must list and end: one whose media flows, so it cannot end by itself.
  const matchId = await waitMediaFlowing(gus);
  await olga.waitForTestId(`end-match-${matchId}`);
  assert.equal(await olga.text(`owner-member-state-${gusId}`), 'in a conversation');
  assert.match(await olga.text(`owner-match-${matchId}`), /Gus, Hal|Hal, Gus/);
  await auditAccessibility(olga, 'owner panel with a conversation, desktop');
  await screenshotElementForDocs(olga, 'owner-panel', 'owner-panel-desktop');
  await olga.click(`end-match-${matchId}`);
  assert.match(await feedback(olga, { ok: true }), /Conversation ended/);
  await gus.waitForTestId('match-ended-notice', { 'data-reason': 'owner_ended' });
  await hal.waitForTestId('match-ended-notice', { 'data-reason': 'owner_ended' });
  // They go back in line and meet nobody new (they have met): the panel says they are waiting.
  await olga.waitFor((id) => /^ready/.test(document.querySelector(`[data-testid="owner-member-state-${id}"]`)?.textContent ?? ''), gusId, {
    what: 'Gus shown as ready and waiting',
  });
  await olga.waitForTestId('owner-met-everyone');

  // --- Repeats: the switch the met-everyone hint points at. Each click waits for the switch to
  // show the saved setting and be usable again (the previous change answered), so it toggles
  // what the owner sees.
  await repeatsSwitch(olga, false);
  await olga.click('owner-repeats');
  assert.match(await feedback(olga, { ok: true }), /Repeats allowed/);
  assert.equal((await state()).settings.when_exhausted, 'repeat');
  await waitInCall(gus); // allowed to meet again, Gus and Hal are matched again
  await waitMediaFlowing(gus); // …in a call that stays until Gus leaves it below
  await repeatsSwitch(olga, true);
  await olga.click('owner-repeats');
  assert.match(await feedback(olga, { ok: true }), /Repeats off/);
  assert.equal((await state()).settings.when_exhausted, 'wait');
  await repeatsSwitch(olga, false);
  await gus.click('leave-button');
  await gus.waitForTestId('ready-button');
  await hal.waitForTestId('ready-button');

  // --- Settings: out-of-range values are refused in the page, with what is allowed.
  await typeInto(olga, 'owner-setting-max_members', '1');
  await typeInto(olga, 'owner-setting-round_seconds', '121');
  await olga.click('save-settings-button');
  assert.equal(await olga.text('owner-setting-error-max_members'), 'Most people in the lobby must be a whole number from 2 to 10000.');
  assert.equal(await olga.text('owner-setting-error-round_seconds'), 'Round length must be from 0 to 120 minutes.');
  assert.equal((await state()).settings.max_members, 200, 'nothing was sent');
  // Valid values are saved, in the server's units.
  await olga.select('owner-group-size', '3');
  await typeInto(olga, 'owner-setting-max_members', '50');
  await typeInto(olga, 'owner-setting-round_seconds', '10');
  await typeInto(olga, 'owner-setting-repeat_after_seconds', '30');
  await typeInto(olga, 'owner-setting-idle_shutdown_seconds', '2');
  await olga.click('save-settings-button');
  assert.match(await feedback(olga, { ok: true }), /Settings saved/);
  assert.deepEqual((await state()).settings, {
    group_size: 3,
    max_members: 50,
    when_exhausted: 'wait',
    repeat_after_seconds: 1800,
    round_seconds: 600,
    idle_shutdown_seconds: 120,
  });
  await olga.select('owner-group-size', '2');
  await olga.click('save-settings-button');
  await feedback(olga, { ok: true });
  assert.equal((await state()).settings.group_size, 2);

  // --- Announcement: too long is refused in the page; a good one reaches the others.
  await typeInto(olga, 'announce-input', 'x'.repeat(501));
  assert.match(await olga.text('announce-count'), /501 \/ 500/);
  await olga.click('announce-button');
  assert.match(await olga.text('announce-error'), /at most 500 characters \(this one has 501\)/);
  await typeInto(olga, 'announce-input', 'Last round in 5 minutes\nthen cake');
  await olga.click('announce-button');
  assert.match(await feedback(olga, { ok: true }), /Announcement sent to 4 people/);
  await ivy.waitForTestId('announcement');
  assert.match(await ivy.text('announcement'), /Last round in 5 minutes/);
  assert.equal(await olga.evaluate(() => document.querySelector('[data-testid="announce-input"]').value), '', 'the box is emptied');

  // --- Lock and unlock, by keyboard: a newcomer sees the locked page, then gets in by itself.
  await olga.page.focus('[data-testid="lock-button"]');
  await olga.press('Enter');
  assert.match(await feedback(olga, { ok: true }), /Lobby locked/);
  await olga.waitForTestId('unlock-button');
  assert.equal((await state()).status, 'locked');
  const newcomer = await scene.chromiumPage(env.browser, 'newcomer');
  await newcomer.goto(invite);
  await newcomer.waitForTestId('lobby-gone', { 'data-kind': 'locked' });
  await olga.page.focus('[data-testid="unlock-button"]');
  await olga.press('Space');
  assert.match(await feedback(olga, { ok: true }), /Lobby unlocked/);
  await newcomer.waitForTestId('display-name-input', {}, { timeout: 10_000 });

  // --- Remove without a ban: Ivy sees the removed page and may come straight back.
  await olga.click(`kick-${ivyId}`);
  assert.match(await feedback(olga, { ok: true }), /^Ivy was removed\.$/);
  await ivy.waitForTestId('lobby-gone', { 'data-kind': 'kicked' });
  await ivy.goto(invite);
  await waitConnected(ivy);

  // --- Remove with a ban: more than 30 days is refused in the page; 2 hours keeps Ivy out.
  await olga.waitForTestId(`kick-${ivyId}`);
  await typeInto(olga, 'ban-amount', '31');
  await olga.select('ban-unit', 'days');
  await olga.click(`kick-${ivyId}`);
  assert.match(await olga.text('ban-error'), /up to 30 days/);
  assert.equal(await ivy.attribute('lobby-gone', 'data-kind'), null, 'Ivy is still in');
  await typeInto(olga, 'ban-amount', '2');
  await olga.select('ban-unit', 'hours');
  await olga.click(`kick-${ivyId}`);
  assert.match(await feedback(olga, { ok: true }), /Ivy was removed and kept out for 2 hours/);
  await ivy.waitForTestId('lobby-gone', { 'data-kind': 'kicked' });
  assert.match(await ivy.text('lobby-gone'), /120 minutes/);
  await ivy.goto(invite);
  await ivy.waitForTestId('lobby-gone', { 'data-kind': 'banned' });

  // --- A server refusal in words: this server holds one running ban per lobby.
  await typeInto(olga, 'ban-amount', '10');
  await olga.select('ban-unit', 'minutes');
  await olga.click(`kick-${halId}`);
  assert.equal(
    await feedback(olga, { ok: false }),
    'This lobby already holds as many bans as it can. Remove without a ban, or wait for a ban to end.',
  );
  assert.ok((await state()).members.some((m) => m.id === halId), 'Hal is still in the lobby');

  // --- Transfer: Gus becomes the owner; Olga's panel goes, the API agrees, Gus gets the panel.
  await olga.click(`transfer-${gusId}`);
  await olga.click('transfer-confirm-button');
  await olga.waitForTestId('owner-handed-over');
  assert.match(await olga.text('owner-handed-over'), /Gus is the owner of this lobby now/);
  assert.equal(await olga.attribute('owner-panel', 'data-testid'), null, 'the old owner has no panel');
  const gusApi = await apiAs(gus);
  assert.equal((await gusApi.request('GET', `/api/lobbies/${lobbyId}/state`)).owner_id, gusId);
  await assert.rejects(state(), /403/, 'the old owner is refused');
  // A reload keeps it so: the welcome names the new owner (the push is checked on its own below).
  await gus.goto(invite);
  await waitConnected(gus);
  await gus.waitForTestId('owner-panel');
  await olga.goto(invite);
  await waitConnected(olga);
  assert.equal(await olga.attribute('owner-panel', 'data-testid'), null, 'still no panel after a reload');

  // --- Close: asked twice (by keyboard), then everyone sees the closed page.
  await gus.click('close-lobby-button');
  await gus.waitForTestId('close-cancel-button');
  await gus.click('close-cancel-button');
  assert.equal((await gusApi.request('GET', `/api/lobbies/${lobbyId}`)).status, 'open', 'cancel closes nothing');
  // By keyboard: Enter on "Close lobby…", the confirmation takes the focus, Enter again.
  await gus.page.focus('[data-testid="close-lobby-button"]');
  await gus.press('Enter');
  await gus.waitFor(() => document.activeElement?.getAttribute('data-testid') === 'close-confirm-button', undefined, {
    what: 'the confirmation to take the focus',
  });
  await gus.press('Enter');
  for (const tp of [gus, olga, hal]) await tp.waitForTestId('lobby-gone', { 'data-kind': 'closed' });
  assert.equal((await gusApi.request('GET', `/api/lobbies/${lobbyId}`)).status, 'closed');
});

scenario('a transfer reaches both pages at once: the new owner gets the panel without a reload', () => env.server, async (scene) => {
  const olga = await scene.chromiumPage(env.browser, 'olga-owner', { viewport: DESKTOP });
  const gus = await scene.chromiumPage(env.browser, 'gus', { viewport: DESKTOP });
  const invite = await createLobbyInUi(olga, 'Olga', 'Handover');
  await joinByInvite(gus, invite, 'Gus');
  const gusId = await selfId(gus);
  await olga.waitForTestId(`transfer-${gusId}`);
  assert.equal(await gus.attribute('owner-panel', 'data-testid'), null, 'Gus has no panel before');
  // A mark in Gus's page: still there afterwards means the page was never reloaded.
  await gus.evaluate(() => (window.__e2eSamePage = true));

  await olga.click(`transfer-${gusId}`);
  await olga.click('transfer-confirm-button');
  await olga.waitForTestId('owner-handed-over');
  assert.equal(await olga.attribute('owner-panel', 'data-testid'), null, 'the old owner has no panel');
  // Gus is told by the server (owner_changed): the panel and a notice appear in the same page.
  await gus.waitForTestId('owner-panel');
  await gus.waitForTestId('owner-handed-to-you');
  assert.match(await gus.text('owner-handed-to-you'), /You are the owner of this lobby now/);
  assert.equal(await gus.evaluate(() => window.__e2eSamePage === true), true, "Gus's page was not reloaded");
  await auditAccessibility(gus, 'the new owner, told of the transfer');
  // The panel works for Gus at once: the state answers him, and Olga is refused.
  const lobbyId = invite.split('/l/')[1];
  assert.equal((await (await apiAs(gus)).request('GET', `/api/lobbies/${lobbyId}/state`)).owner_id, gusId);
  await assert.rejects((await apiAs(olga)).request('GET', `/api/lobbies/${lobbyId}/state`), /403/);
});

scenario('the owner panel on a phone: touch, no overflow, accessible', () => env.server, async (scene) => {
  const olga = await scene.chromiumPage(env.browser, 'olga-phone', { viewport: PHONE, isMobile: true, hasTouch: true });
  const bo = await scene.chromiumPage(env.browser, 'bo');
  const invite = await createLobbyInUi(olga, 'Olga', 'Phone lobby');
  await joinByInvite(bo, invite, 'Bo');
  const boId = await selfId(bo);
  await olga.waitForTestId(`owner-member-state-${boId}`);

  // Nothing of the panel is wider than the screen, and its buttons are finger-sized.
  const layout = await olga.evaluate(() => {
    const panel = document.querySelector('[data-testid="owner-panel"]');
    const controls = [...panel.querySelectorAll('button, input, select, textarea')];
    return {
      pageWidth: document.documentElement.scrollWidth,
      widest: Math.max(...controls.map((c) => c.getBoundingClientRect().right)),
      smallest: Math.min(...controls.filter((c) => c.tagName === 'BUTTON').map((c) => c.getBoundingClientRect().height)),
      unreachable: controls.filter((c) => c.tabIndex < 0).map((c) => c.dataset.testid),
      // For the message when something is too wide: the elements reaching past the screen.
      overflowing: [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 390.5)
        .slice(0, 8)
        .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}[${e.dataset.testid ?? ''}] ${Math.round(e.getBoundingClientRect().right)}`),
    };
  });
  assert.ok(layout.pageWidth <= 390, `no sideways scrolling (page is ${layout.pageWidth} px wide: ${layout.overflowing.join(', ')})`);
  assert.ok(layout.widest <= 390, `every control on screen (rightmost edge at ${layout.widest} px)`);
  assert.ok(layout.smallest >= 44, `buttons at least 44 px tall on touch (smallest ${layout.smallest} px)`);
  assert.deepEqual(layout.unreachable, [], 'every control is in the tab order');
  await auditAccessibility(olga, 'owner panel, phone');
  await screenshotElementForDocs(olga, 'owner-panel', 'owner-panel-phone');

  // Touch: announce and lock, checked from Bo's browser.
  await olga.fill('announce-input', 'Hello from the phone');
  await olga.tap('announce-button');
  await bo.waitForTestId('announcement');
  await olga.tap('lock-button');
  await olga.waitForTestId('unlock-button');
  assert.equal((await new ApiClient(env.server.url).request('GET', `/api/lobbies/${invite.split('/l/')[1]}`)).status, 'locked');
  await olga.tap('unlock-button');
  await olga.waitForTestId('lock-button');

  // Bans on the phone: Bo removed with a ban shows in the Bans section, which fits the screen
  // with a finger-sized Lift ban button; lifting it empties the list.
  await olga.fill('ban-amount', '5');
  await olga.select('ban-unit', 'minutes');
  await olga.tap(`kick-${boId}`);
  await olga.waitForTestId(`owner-ban-${boId}`);
  const bans = await olga.evaluate((id) => {
    const row = document.querySelector(`[data-testid="owner-ban-${id}"]`).getBoundingClientRect();
    const lift = document.querySelector(`[data-testid="unban-${id}"]`).getBoundingClientRect();
    return { right: Math.max(row.right, lift.right), liftHeight: lift.height };
  }, boId);
  assert.ok(bans.right <= 390, `the ban row fits the screen (right edge at ${bans.right} px)`);
  assert.ok(bans.liftHeight >= 44, `Lift ban is finger-sized (${bans.liftHeight} px)`);
  await screenshotElementForDocs(olga, 'owner-bans', 'owner-bans-phone');
  await olga.tap(`unban-${boId}`);
  await olga.waitForTestId('owner-no-bans');
});
