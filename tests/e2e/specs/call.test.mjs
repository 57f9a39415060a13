// Calls between Chromium users: two people matched from one invite link with video both
// ways (and no console errors), and a third person met after leaving the first call.

import assert from 'node:assert/strict';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS_DIR, REPO_ROOT } from '../support/paths.mjs';
import { scenario, serverAndChromium } from '../support/scene.mjs';
import { ApiClient } from '../support/server.mjs';
import {
  assertVideoFlowing,
  getReady,
  inbound,
  joinByInvite,
  matchToFirstFrameMs,
  recordFirstFrame,
  waitInCall,
} from '../support/swirl.mjs';

/** Goal (reported, not asserted) for match -> first remote frame. */
const FIRST_FRAME_GOAL_MS = 1_500;

const env = serverAndChromium();

async function newLobby(name) {
  const owner = await new ApiClient(env.server.url).createUser('Organizer');
  const lobby = await owner.createLobby(name, { group_size: 2 });
  return `${env.server.url}/l/${lobby.id}`;
}

/** Waits until a remote <video> is actually painting frames (for the screenshot). */
function waitRemotePlaying(tp) {
  return tp.waitFor(
    () => {
      const v = document.querySelector('[data-testid="remote-video"]');
      return !!v && v.videoWidth > 0 && !v.paused && v.currentTime > 0;
    },
    undefined,
    { what: 'the remote video to play' },
  );
}

scenario('two users from one invite link are matched and video flows both ways', () => env.server, async (scene, t) => {
  const invite = await newLobby('Friday coffee');
  const ada = await scene.chromiumPage(env.browser, 'ada');
  const bo = await scene.chromiumPage(env.browser, 'bo');

  await Promise.all([joinByInvite(ada, invite, 'Ada'), joinByInvite(bo, invite, 'Bo')]);
  for (const tp of [ada, bo]) {
    await tp.waitFor(() => /^2 here/.test(document.querySelector('[data-testid="member-count"]')?.textContent ?? ''), undefined, {
      what: 'both members listed',
    });
    await recordFirstFrame(tp);
  }

  await getReady(ada);
  await getReady(bo);
  const [matchA, matchB] = await Promise.all([waitInCall(ada), waitInCall(bo)]);
  assert.equal(matchA, matchB, 'both sides are in the same match');

  await Promise.all([assertVideoFlowing(ada, 'Ada receives Bo'), assertVideoFlowing(bo, 'Bo receives Ada')]);
  const [msA, msB] = await Promise.all([matchToFirstFrameMs(ada), matchToFirstFrameMs(bo)]);
  const line = `match -> first remote frame: Ada ${msA} ms, Bo ${msB} ms (goal < ${FIRST_FRAME_GOAL_MS} ms)`;
  t.diagnostic(line);

  const stats = await inbound(ada);
  t.diagnostic(`Ada's inbound video codecs: ${stats.videoCodecs.join(', ') || '(none reported)'}`);

  await Promise.all([waitRemotePlaying(ada), waitRemotePlaying(bo)]);
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const shot = path.join(ARTIFACTS_DIR, 'call-view.png');
  // A desktop-sized window for the README picture: the call with the member list beside it.
  await ada.page.setViewportSize({ width: 1280, height: 760 });
  await waitRemotePlaying(ada);
  await ada.screenshot(shot);
  if (process.env.SWIRL_E2E_UPDATE_DOCS === '1') {
    const size = (await stat(shot)).size;
    assert.ok(size < 300 * 1024, `call-view.png is ${size} bytes, over 300 KB`);
    await copyFile(shot, path.join(REPO_ROOT, 'docs', 'call-view.png'));
  }

  assert.deepEqual([...ada.errors, ...bo.errors], [], 'no console errors in normal use');
});

scenario('after leaving a call with B, A is matched with C and video flows', () => env.server, async (scene) => {
  const invite = await newLobby('Speed networking');
  const a = await scene.chromiumPage(env.browser, 'a');
  const b = await scene.chromiumPage(env.browser, 'b');
  const c = await scene.chromiumPage(env.browser, 'c');
  await Promise.all([joinByInvite(a, invite, 'Ann'), joinByInvite(b, invite, 'Ben'), joinByInvite(c, invite, 'Cat')]);

  // C is not ready yet, so the first match is A with B for sure.
  await getReady(a);
  await getReady(b);
  const first = await waitInCall(a);
  assert.equal(await waitInCall(b), first);
  await assertVideoFlowing(a, 'A receives B');
  const firstPc = await a.evaluate(() => {
    window.__swirl.peerConnections[0].__e2eTag = 'first-call';
    return true;
  });
  assert.ok(firstPc);

  // A moves on ("Next"); B is put back in the pool by the server and steps out of it, so
  // that when C gets ready the only possible pair is A with C.
  await a.click('next-button');
  await b.waitForTestId('match-ended-notice');
  await b.waitForTestId('ready-button', { 'data-ready': 'true' });
  await b.click('ready-button');
  await b.waitForTestId('ready-button', { 'data-ready': 'false' });
  await a.waitForTestId('ready-button', { 'data-ready': 'true' });

  await getReady(c);
  const second = await waitInCall(a);
  assert.notEqual(second, first, 'A is in a new match');
  assert.equal(await waitInCall(c), second, 'C is in the same new match');
  const peer = await a.evaluate(() => document.querySelector('[data-testid="remote-video"]')?.closest('[data-peer-id]')?.getAttribute('data-peer-id'));
  assert.equal(peer, await c.evaluate(() => window.__swirl.selfId), "A's remote tile is C");
  assert.equal(
    await a.evaluate(() => window.__swirl.peerConnections[0].__e2eTag ?? null),
    null,
    'the new call uses a new RTCPeerConnection',
  );
  await Promise.all([assertVideoFlowing(a, 'A receives C'), assertVideoFlowing(c, 'C receives A')]);
  assert.equal(await b.evaluate(() => !!document.querySelector('[data-testid="call-view"]')), false, 'B is not in a call');
});
