// Peer media state and matches where media never flowed (issue 13), in Chromium:
// - a partner who turns their camera off is shown as "camera off" (name and initials) within
//   1 s, and a partner who mutes shows the muted icon;
// - a match in which one side's peer connection can never connect (the test switch
//   `swirl.test.iceTransportPolicy = relay` with no TURN server: no ICE candidates) ends with
//   `no_media` after the server's --no-media-timeout-ms, the page explains it, and the same two
//   are matched again (the pair was not recorded as having met).

import assert from 'node:assert/strict';
import { scenario, serverAndChromium } from '../support/scene.mjs';
import { ApiClient, startServer } from '../support/server.mjs';
import { assertVideoFlowing, getReady, joinByInvite, selfId, waitInCall } from '../support/swirl.mjs';

/** The bound for "camera off" to reach the partner's tile. */
const CAMERA_OFF_WITHIN_MS = 1_000;
/** Short no-media timeout for the no-media scenario (the default is 20 s). */
const NO_MEDIA_MS = 3_000;

const env = serverAndChromium();

async function newLobby(srv, name) {
  const owner = await new ApiClient(srv.url).createUser('Organizer');
  const lobby = await owner.createLobby(name, { group_size: 2 });
  return `${srv.url}/l/${lobby.id}`;
}

/** Records in the page when an element with `testId` first appears (page clock). */
function recordAppearance(tp, testId) {
  return tp.evaluate((testId) => {
    const key = `__e2eSeen_${testId}`;
    window[key] = null;
    const look = () => {
      if (window[key] === null && document.querySelector(`[data-testid="${testId}"]`)) window[key] = Date.now();
    };
    new MutationObserver(look).observe(document.body, { childList: true, subtree: true, attributes: true });
    look();
  }, testId);
}

scenario('camera off and mute reach the partner tile: "camera off" with initials, and a muted icon', () => env.server, async (scene, t) => {
  const invite = await newLobby(env.server, 'Media state');
  const ada = await scene.chromiumPage(env.browser, 'ada');
  const bo = await scene.chromiumPage(env.browser, 'bo');
  await Promise.all([joinByInvite(ada, invite, 'Ada Lovelace'), joinByInvite(bo, invite, 'Bo')]);
  await getReady(ada);
  await getReady(bo);
  await Promise.all([waitInCall(ada), waitInCall(bo)]);
  await assertVideoFlowing(bo, 'Bo receives Ada');
  assert.equal(await bo.evaluate(() => !!document.querySelector('[data-testid="camera-off"]')), false, 'camera on at first');

  // Camera off: measured from the click in Ada's page to the overlay in Bo's (one machine, one clock).
  await recordAppearance(bo, 'camera-off');
  const clickedAt = await ada.evaluate(() => {
    const at = Date.now();
    document.querySelector('[data-testid="camera-button"]').click();
    return at;
  });
  await bo.waitForTestId('camera-off', {}, { timeout: CAMERA_OFF_WITHIN_MS, what: `"camera off" within ${CAMERA_OFF_WITHIN_MS} ms` });
  const shownAt = await bo.evaluate(() => window['__e2eSeen_camera-off']);
  t.diagnostic(`camera off -> partner tile shows "camera off": ${shownAt - clickedAt} ms (bound ${CAMERA_OFF_WITHIN_MS} ms)`);
  const overlay = await bo.text('camera-off');
  assert.match(overlay, /AL/, 'initials of "Ada Lovelace"');
  assert.match(overlay, /Ada Lovelace/);
  assert.match(overlay, /camera off/);
  // The video element stays (it plays Ada's sound) but is hidden behind the overlay.
  assert.equal(await bo.evaluate(() => document.querySelector('[data-testid="remote-video"]').classList.contains('hidden-video')), true);

  // A camera that is off is not a stall: with no video frames arriving, Bo's stall detector keeps
  // sampling (well past its 1.5 s stall window) and reports nothing, and the tile says "camera
  // off", not "Reconnecting video".
  const samplesAtOff = await bo.evaluate(() => window.__swirl.callHealth.peers[0]?.samples ?? 0);
  const health = await bo.waitFor(
    (n) => ((window.__swirl.callHealth.peers[0]?.samples ?? 0) >= n ? window.__swirl.callHealth : null),
    samplesAtOff + 4,
    { timeout: 15_000, what: '4 more stats samples while the camera is off' },
  );
  t.diagnostic(`camera off: ${health.peers[0].samples - samplesAtOff} samples, events [${health.events.map((e) => e.event).join(',')}]`);
  assert.deepEqual(health.events, [], 'no call event (stall, restart) while the partner camera is off');
  assert.equal(health.peers[0].stalled, false, 'no stall while the partner camera is off');
  assert.equal(await bo.evaluate(() => !!document.querySelector('[data-testid="video-stalled"]')), false, 'no "Reconnecting video"');

  // Mute: the icon appears on Bo's tile of Ada; unmute and camera on take both away again.
  await recordAppearance(bo, 'mic-off');
  const mutedAt = await ada.evaluate(() => {
    const at = Date.now();
    document.querySelector('[data-testid="mute-button"]').click();
    return at;
  });
  await bo.waitForTestId('mic-off', {}, { timeout: CAMERA_OFF_WITHIN_MS, what: 'the muted icon' });
  const micShownAt = await bo.evaluate(() => window['__e2eSeen_mic-off']);
  t.diagnostic(`mute -> partner tile shows the muted icon: ${micShownAt - mutedAt} ms`);
  assert.equal(await bo.attribute('mic-off', 'aria-label'), 'microphone off');

  await ada.click('mute-button');
  await ada.click('camera-button');
  await bo.waitFor(
    () => !document.querySelector('[data-testid="mic-off"]') && !document.querySelector('[data-testid="camera-off"]'),
    undefined,
    { what: 'camera and microphone back on at the partner' },
  );
  await assertVideoFlowing(bo, 'Bo receives Ada again');
});

scenario('a match where media never flows ends with no_media, is explained, and the pair is matched again', () => env.server, async (scene, t) => {
  const noMediaServer = await startServer([`--no-media-timeout-ms=${NO_MEDIA_MS}`]);
  scene.defer(() => noMediaServer.stop());
  const invite = await newLobby(noMediaServer, 'No media');
  const ada = await scene.chromiumPage(env.browser, 'ada');
  const bo = await scene.chromiumPage(env.browser, 'bo');
  await Promise.all([joinByInvite(ada, invite, 'Ada'), joinByInvite(bo, invite, 'Bo')]);
  // Ada's peer connections are relay-only, and the server offers no TURN: no candidates, no media.
  await ada.evaluate(() => localStorage.setItem('swirl.test.iceTransportPolicy', 'relay'));
  for (const tp of [ada, bo]) {
    await tp.evaluate(() => {
      window.__e2eNotices = [];
      new MutationObserver(() => {
        const n = document.querySelector('[data-testid="match-ended-notice"]');
        if (n && !window.__e2eNotices.includes(n.textContent)) window.__e2eNotices.push(n.textContent);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
  }
  const [adaId, boId] = [await selfId(ada), await selfId(bo)];

  await getReady(ada);
  await getReady(bo);
  const [first] = await Promise.all([waitInCall(ada), waitInCall(bo)]);
  const startedAt = Date.now();
  // The next match comes without anyone clicking: no_media puts both back in the pool, ready.
  const second = await bo.waitFor((first) => {
    const id = window.__swirl?.lastMatchId;
    return id && id !== first ? id : null;
  }, first, { timeout: NO_MEDIA_MS + 15_000, what: 'a second match after no_media' });
  t.diagnostic(`match -> no_media -> next match: ${Date.now() - startedAt} ms (timeout ${NO_MEDIA_MS} ms)`);
  assert.notEqual(second, first);
  await ada.waitFor((second) => window.__swirl?.lastMatchId === second, second, { what: 'Ada in the same second match' });
  // The same two: Ada's only partner is Bo.
  assert.equal(await bo.evaluate(() => document.querySelector('[data-testid="remote-video"]')?.closest('[data-peer-id]')?.getAttribute('data-peer-id')), adaId);
  assert.equal(await ada.evaluate(() => document.querySelector('[data-testid="remote-video"]')?.closest('[data-peer-id]')?.getAttribute('data-peer-id')), boId);
  // Explained on both sides (the notice shows between the two matches).
  for (const tp of [ada, bo]) {
    const notices = await tp.evaluate(() => window.__e2eNotices);
    assert.ok(notices.some((n) => /couldn.t connect you/.test(n)), `${tp.label} saw the no_media explanation: ${JSON.stringify(notices)}`);
  }
});
