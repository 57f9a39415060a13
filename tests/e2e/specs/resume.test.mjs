// The signaling WebSocket drops in the middle of a call and comes back: the client shows that
// it is reconnecting, resumes within the server's grace period, and the call goes on with the
// same match and the same RTCPeerConnection, video still flowing both ways.

import assert from 'node:assert/strict';
import { CutProxy } from '../support/cut-proxy.mjs';
import { scenario, serverAndChromium } from '../support/scene.mjs';
import { ApiClient } from '../support/server.mjs';
import { assertVideoFlowing, getReady, joinByInvite, waitConnected, waitInCall } from '../support/swirl.mjs';

const env = serverAndChromium();

scenario('the signaling socket is cut and restored during a call and the call continues', () => env.server, async (scene) => {
  const owner = await new ApiClient(env.server.url).createUser('Organizer');
  const lobby = await owner.createLobby('Flaky network', { group_size: 2 });
  // Dave reaches the server through the relay, Sam directly.
  const proxy = await new CutProxy(env.server.port).listen();
  scene.defer(() => proxy.close());
  const dave = await scene.chromiumPage(env.browser, 'dave-behind-relay');
  const sam = await scene.chromiumPage(env.browser, 'sam');
  await Promise.all([joinByInvite(dave, `${proxy.url}/l/${lobby.id}`, 'Dave'), joinByInvite(sam, `${env.server.url}/l/${lobby.id}`, 'Sam')]);

  await getReady(dave);
  await getReady(sam);
  const matchId = await waitInCall(dave);
  assert.equal(await waitInCall(sam), matchId);
  await Promise.all([assertVideoFlowing(dave, 'Dave receives Sam'), assertVideoFlowing(sam, 'Sam receives Dave')]);
  await dave.evaluate(() => {
    window.__swirl.peerConnections[0].__e2eTag = 'before-cut';
  });

  const dropped = proxy.cut();
  assert.ok(dropped >= 1, 'the relay carried the lobby socket');
  await dave.waitForTestId('connection-state', { 'data-state': 'reconnecting' });
  assert.match(await dave.text('connection-state'), /Reconnecting/);
  // Sam is told that Dave's signaling dropped (the media path itself is untouched).
  await sam.waitFor(() => /reconnecting/.test(document.querySelector('[data-testid="call-view"]')?.textContent ?? ''), undefined, {
    what: "Sam's call view to show Dave reconnecting",
  });
  // As rendered (innerText: CSS applied, markup gone), with the space the issue found missing.
  assert.equal(
    await sam.evaluate(() => document.querySelector(`[data-testid="remote-video"]`).closest('.tile').querySelector('.caption').innerText.trim()),
    'Dave reconnecting…',
  );
  await assertVideoFlowing(dave, 'Dave receives Sam while signaling is down');

  proxy.restore();
  await waitConnected(dave, { timeout: 20_000 });
  assert.equal(await dave.evaluate(() => window.__swirl.lastMatchId), matchId, 'same match after the resume');
  assert.equal(
    await dave.evaluate(() => window.__swirl.peerConnections[0]?.__e2eTag ?? null),
    'before-cut',
    'the same RTCPeerConnection carries on',
  );
  await sam.waitFor(() => !/reconnecting/.test(document.querySelector('[data-testid="call-view"]')?.textContent ?? ''), undefined, {
    what: "Sam's call view to show Dave back",
  });
  await Promise.all([assertVideoFlowing(dave, 'Dave receives Sam after the resume'), assertVideoFlowing(sam, 'Sam receives Dave after the resume')]);
});
