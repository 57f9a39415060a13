// Issue 17, safety for people who meet strangers: in real Chromium, a member reports their
// partner from the call ("Report or block"), the lobby's owner sees the report in the owner
// panel, bans from there and dismisses it; a member blocks their partner: the call ends at once
// with a clear notice, the partner is told only that they left, and the two are never matched
// again although the lobby allows repeats at once. The dialog and the panel's report list pass
// axe-core.
//
// The pages use a light camera (support/light-camera.mjs). With Chromium's default fake camera
// (720p at 30 fps) both scenarios timed out on a loaded machine: every in-call page encodes and
// decodes 720p in software, so its main thread starved. Measured there: clicking "Report or
// block" took 11.5 s, the dialog's axe run 25 s, and the next click stalled at "performing click
// action" past its 15 s deadline, while the button was visible, enabled and stable and nothing
// covered it. The app was not at fault. With the light camera the click on "Report or block"
// still stalled once in Playwright's input round trip, after the page had opened the dialog: so
// the in-call steps use TestPage.activate (checks that a user could click, then clicks in the
// page) and typeInPage, and wait on what the page shows next.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { launchChromium } from '../support/browsers.mjs';
import { makeLightCamera } from '../support/light-camera.mjs';
import { scenario } from '../support/scene.mjs';
import { ApiClient, startServer } from '../support/server.mjs';
import { getReady, joinByInvite, selfId, waitConnected, waitInCall } from '../support/swirl.mjs';
import { auditAccessibility } from '../support/ux.mjs';

const env = { server: undefined, browser: undefined };
let camera;
before(async () => {
  camera = await makeLightCamera();
  env.server = await startServer([]);
  env.browser = await launchChromium({ extraArgs: [camera.flag] });
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
  await camera?.cleanup();
});

/** The owner panel asks for the owner state every 3 s; on a loaded machine allow ten rounds. */
const PANEL_TIMEOUT_MS = 30_000;
/**
 * Each scenario drives three or four pages through a call (and the first, two axe audits):
 * measured 78-180 s at load 30, so each gets more than run.mjs's 180 s default per test.
 */
const SCENARIO = { timeout: 300_000 };

async function apiAs(tp) {
  const identity = await tp.evaluate(() => JSON.parse(localStorage.getItem('swirl.identity.v1') ?? 'null'));
  assert.ok(identity?.token, `${tp.label} has a token`);
  return new ApiClient(env.server.url, identity.token);
}

/** A lobby made in this browser (its owner), where met pairs may meet again at once. */
async function repeatingLobby(tp, name, lobbyName) {
  await tp.goto(`${env.server.url}/`);
  await tp.fill('display-name-input', name);
  await tp.click('name-submit');
  await tp.fill('lobby-name-input', lobbyName);
  await tp.click('create-lobby-button');
  await waitConnected(tp);
  await tp.waitForTestId('owner-panel');
  const invite = await tp.evaluate(() => document.querySelector("[data-testid='invite-link']").value);
  const lobbyId = invite.split('/l/')[1];
  const api = await apiAs(tp);
  await api.request('PATCH', `/api/lobbies/${lobbyId}/settings`, {
    when_exhausted: 'repeat',
    repeat_after_seconds: 0,
  });
  return { invite, lobbyId, api };
}

/** The test id of the owner panel's report about `reportedId`, once it is listed. */
async function reportRow(tp, reportedId) {
  await tp.waitFor((id) => !!document.querySelector(`[data-testid^='owner-report-'][data-reported='${id}']`), reportedId, {
    timeout: PANEL_TIMEOUT_MS,
    what: 'the report in the owner panel',
  });
  return tp.evaluate((id) => document.querySelector(`[data-testid^='owner-report-'][data-reported='${id}']`).dataset.testid, reportedId);
}

scenario(
  'a report from the call reaches the owner panel, and the owner bans from there',
  () => env.server,
  async (scene) => {
    const olga = await scene.chromiumPage(env.browser, 'olga-owner');
    const ada = await scene.chromiumPage(env.browser, 'ada');
    const bo = await scene.chromiumPage(env.browser, 'bo');
    const { invite, lobbyId, api } = await repeatingLobby(olga, 'Olga', 'Safety');
    await joinByInvite(ada, invite, 'Ada');
    await joinByInvite(bo, invite, 'Bo');
    const boId = await selfId(bo);
    await olga.waitForTestId('owner-no-reports');

    await getReady(ada);
    await getReady(bo);
    await waitInCall(ada);
    await waitInCall(bo);

    // Ada opens "Report or block": a reason is needed to send a report.
    await ada.activate('report-button');
    await ada.waitForTestId('report-dialog');
    await auditAccessibility(ada, 'report dialog in a call');
    await ada.activate('report-send');
    await ada.waitForTestId('report-problem');
    assert.match(await ada.text('report-problem'), /Choose what happened/);
    await ada.activate('report-reason-harassment');
    await ada.typeInPage('report-details', 'kept insulting me');
    await ada.activate('report-send');
    await ada.waitForTestId('safety-notice', { 'data-kind': 'reported' });
    // A report alone leaves the call as it is, and Bo hears nothing of it.
    assert.equal(await ada.attribute('call-view', 'data-count'), '1');
    assert.equal(await bo.attribute('call-view', 'data-count'), '1');
    assert.equal(await bo.evaluate(() => !!document.querySelector("[data-testid='safety-notice']")), false);

    // The owner panel lists it (newest first) with the reason, who and the details.
    const row = await reportRow(olga, boId);
    const text = await olga.text(row);
    assert.match(text, /Harassment or bullying: Bo/);
    assert.match(text, /reported by Ada/);
    assert.match(text, /during a call/);
    assert.match(text, /kept insulting me/);
    await auditAccessibility(olga, 'owner panel with a report');

    // Ban from the report (7 days): Bo is removed and kept out.
    const reportId = row.slice('owner-report-'.length);
    await olga.select('report-ban-length', String(7 * 24 * 3600));
    await olga.click(`report-ban-${reportId}`);
    await olga.waitForTestId('owner-feedback', { 'data-ok': 'true' });
    assert.match(await olga.text('owner-feedback'), /Bo is kept out for 7 days/);
    await bo.waitForTestId('lobby-gone');
    const boApi = await apiAs(bo);
    await assert.rejects(boApi.request('GET', `/api/lobbies/${lobbyId}`), /403.*banned/);
    // The report stays until dismissed; Bo is not here any more.
    await olga.waitFor((t) => /not here now/.test(document.querySelector(`[data-testid='${t}']`)?.textContent ?? ''), row, {
      timeout: PANEL_TIMEOUT_MS,
      what: 'the report to show Bo gone',
    });
    await olga.click(`report-dismiss-${reportId}`);
    await olga.waitForTestId('owner-no-reports', {}, { timeout: PANEL_TIMEOUT_MS });
    const state = await api.request('GET', `/api/lobbies/${lobbyId}/state`);
    assert.deepEqual(state.reports, []);
  },
  SCENARIO,
);

scenario(
  'a block ends the call at once and the two are never matched again',
  () => env.server,
  async (scene) => {
    // The owner plays no part here: made through the API, not a page (one renderer fewer).
    const owner = await new ApiClient(env.server.url).createUser('Olga');
    const lobby = await owner.createLobby('Blocks', { group_size: 2, when_exhausted: 'repeat', repeat_after_seconds: 0 });
    const invite = `${env.server.url}/l/${lobby.id}`;
    const cy = await scene.chromiumPage(env.browser, 'cy');
    const dan = await scene.chromiumPage(env.browser, 'dan');
    await joinByInvite(cy, invite, 'Cy');
    await joinByInvite(dan, invite, 'Dan');

    await getReady(cy);
    await getReady(dan);
    await waitInCall(cy);
    await waitInCall(dan);

    await cy.activate('report-button');
    await cy.waitForTestId('report-dialog');
    await cy.activate('report-block-only');
    // Cy: out of the call with a clear notice; Dan: only that their partner left.
    await cy.waitForTestId('match-ended-notice', { 'data-reason': 'blocked' });
    await cy.waitForTestId('safety-notice', { 'data-kind': 'blocked' });
    assert.match(await cy.text('safety-notice'), /Dan is blocked: you will not be matched with them again/);
    assert.equal(await cy.evaluate(() => !!document.querySelector("[data-testid='call-view']")), false);
    await dan.waitForTestId('match-ended-notice', {
      'data-reason': 'peer_left',
    });
    assert.equal(await dan.evaluate(() => !!document.querySelector("[data-testid='safety-notice']")), false);

    // Both are back in line, repeats are allowed at once, and still they are not matched.
    await cy.waitForTestId('waiting-reason', { 'data-reason': 'met_everyone' });
    await dan.waitForTestId('waiting-reason', {
      'data-reason': 'met_everyone',
    });
    assert.equal(await cy.evaluate(() => window.__swirl.peerConnections.length), 0);
    // From now on each page notes every partner it shows a tile of (a call can end by itself
    // under load, no_media, and a new one start: the note keeps them all).
    for (const tp of [cy, dan])
      await tp.evaluate(() => {
        window.__e2ePartnersSeen = [];
        setInterval(() => {
          for (const t of document.querySelectorAll('.remote-grid .tile[data-peer-id]')) {
            const id = t.getAttribute('data-peer-id');
            if (!window.__e2ePartnersSeen.includes(id)) window.__e2ePartnersSeen.push(id);
          }
        }, 50);
      });
    // Someone new is matched with one of them at once (the lobby itself still matches), yet
    // Cy and Dan never see each other again.
    const eve = await scene.chromiumPage(env.browser, 'eve');
    await joinByInvite(eve, invite, 'Eve');
    await getReady(eve);
    await waitInCall(eve);
    const [cyId, danId, eveId] = [await selfId(cy), await selfId(dan), await selfId(eve)];
    const partnerId = await eve.evaluate(
      () => document.querySelector('.remote-grid .tile[data-peer-id]')?.getAttribute('data-peer-id') ?? null,
    );
    assert.ok([cyId, danId].includes(partnerId), "Eve's partner is Cy or Dan");
    const partner = partnerId === cyId ? cy : dan;
    await partner.waitFor((id) => window.__e2ePartnersSeen.includes(id), eveId, { what: 'a tile of Eve' });
    const cySaw = await cy.evaluate(() => window.__e2ePartnersSeen);
    const danSaw = await dan.evaluate(() => window.__e2ePartnersSeen);
    assert.ok(!cySaw.includes(danId), `Cy never sees Dan again (saw ${cySaw})`);
    assert.ok(!danSaw.includes(cyId), `Dan never sees Cy again (saw ${danSaw})`);
  },
  SCENARIO,
);
