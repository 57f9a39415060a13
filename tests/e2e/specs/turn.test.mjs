// Calls through a real TURN server: coturn on loopback with TURN REST credentials
// (use-auth-secret), swirl-server handing out credentials for it, and two Chromiums forced to
// relay-only ICE (swirl.test.iceTransportPolicy), so the call connects through coturn with
// the server-issued credentials or not at all. The credentials are renewed during the call and
// the client takes the new ones. coturn itself refuses expired and forged credentials.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { launchChromium } from '../support/browsers.mjs';
import { startCoturn, turnCredential } from '../support/coturn.mjs';
import { eventually } from '../support/poll.mjs';
import { scenario } from '../support/scene.mjs';
import { ApiClient, startServer } from '../support/server.mjs';
import { assertVideoFlowing, getReady, joinByInvite, matchToFirstFrameMs, recordFirstFrame, waitInCall } from '../support/swirl.mjs';

/**
 * Credential lifetime for this file: short, so a renewal (at 80 %, 16 s) arrives during the
 * test; the WebSocket idle timeout is lowered to 4 s so the lobby heartbeat (1 s) may check it.
 */
const TURN_TTL_S = 20;
const WS_IDLE_TIMEOUT_MS = 4_000;

let coturn;
let server;
let browser;
before(async () => {
  coturn = await startCoturn();
  const secretFile = path.join(coturn.dir, 'swirl-turn-secret');
  await writeFile(secretFile, `${coturn.secret}\n`);
  server = await startServer([
    `--turn-urls=${coturn.url}`,
    `--turn-secret-file=${secretFile}`,
    `--turn-ttl-s=${TURN_TTL_S}`,
    `--ws-idle-timeout-ms=${WS_IDLE_TIMEOUT_MS}`,
  ]);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await coturn?.stop();
});

/** A Chromium page that uses TURN relays only (set before the app loads). */
async function relayOnlyPage(scene, label) {
  const tp = await scene.chromiumPage(browser, label);
  await tp.page.addInitScript(() => localStorage.setItem('swirl.test.iceTransportPolicy', 'relay'));
  return tp;
}

/** The selected candidate pair of the page's first peer connection: local and remote candidate types. */
function selectedPair(tp) {
  return tp.evaluate(async () => {
    const pc = window.__swirl.peerConnections[0];
    const report = await pc.getStats();
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId ? report.get(pairId) : null;
    if (!pair) return null;
    return {
      local: report.get(pair.localCandidateId)?.candidateType ?? null,
      remote: report.get(pair.remoteCandidateId)?.candidateType ?? null,
      policy: pc.getConfiguration().iceTransportPolicy,
    };
  });
}

/** The TURN username/credential the page's first peer connection is configured with. */
function turnConfig(tp) {
  return tp.evaluate(() => {
    const pc = window.__swirl.peerConnections[0];
    return pc.getConfiguration().iceServers.find((s) => [s.urls].flat().some((u) => u.startsWith('turn:'))) ?? null;
  });
}

scenario('two relay-only Chromiums connect through coturn with server-issued credentials', () => server, async (scene, t) => {
  const owner = await new ApiClient(server.url).createUser('Organizer');
  const lobby = await owner.createLobby('Behind firewalls', { group_size: 2 });
  const invite = `${server.url}/l/${lobby.id}`;
  const ada = await relayOnlyPage(scene, 'ada');
  const bo = await relayOnlyPage(scene, 'bo');
  await Promise.all([joinByInvite(ada, invite, 'Ada'), joinByInvite(bo, invite, 'Bo')]);
  for (const tp of [ada, bo]) await recordFirstFrame(tp);
  await getReady(ada);
  await getReady(bo);
  assert.equal(await waitInCall(ada), await waitInCall(bo));

  await Promise.all([assertVideoFlowing(ada, 'Ada receives Bo via TURN'), assertVideoFlowing(bo, 'Bo receives Ada via TURN')]);
  const [msA, msB] = await Promise.all([matchToFirstFrameMs(ada), matchToFirstFrameMs(bo)]);
  t.diagnostic(`match -> first remote frame through coturn: Ada ${msA} ms, Bo ${msB} ms`);

  for (const tp of [ada, bo]) {
    const pair = await selectedPair(tp);
    assert.ok(pair, `${tp.label} has a selected candidate pair`);
    assert.equal(pair.policy, 'relay', `${tp.label}'s peer connection is relay-only`);
    assert.equal(pair.local, 'relay', `${tp.label}'s selected local candidate is a TURN relay`);
    t.diagnostic(`${tp.label}: selected pair local=${pair.local} remote=${pair.remote}`);
  }

  // The credentials in use are the server's, for this user, and coturn accepts them.
  const issued = await turnConfig(ada);
  const adaId = await ada.evaluate(() => window.__swirl.selfId);
  assert.ok(issued, 'the peer connection has a TURN server');
  assert.equal(issued.username.split(':')[1], adaId);
  const expiry = Number(issued.username.split(':')[0]);
  assert.equal(issued.credential, turnCredential(coturn.secret, adaId, expiry).credential);

  // Renewed during the call: the live peer connection gets the new credentials.
  const renewed = await eventually(
    async () => {
      const now = await turnConfig(ada);
      assert.notEqual(now.username, issued.username, 'still the first credentials');
      return now;
    },
    { timeout: TURN_TTL_S * 1000, interval: 250, what: 'renewed TURN credentials in the peer connection' },
  );
  assert.ok(Number(renewed.username.split(':')[0]) > expiry, 'the renewed credentials expire later');
  t.diagnostic(`credentials renewed during the call: expiry ${expiry} -> ${renewed.username.split(':')[0]}`);
  await assertVideoFlowing(bo, 'Bo still receives Ada after the renewal');

  const accepted = await coturn.tryCredential(renewed.username, renewed.credential);
  assert.ok(accepted.ok, `coturn accepts the server-issued credential (exit ${accepted.code}):\n${accepted.output}`);
  assert.deepEqual([...ada.errors, ...bo.errors], [], 'no console errors');
});

scenario('coturn refuses an expired and a forged credential', () => server, async () => {
  const now = Math.floor(Date.now() / 1000);
  const expired = turnCredential(coturn.secret, 'u8Jd2kLs9QmZx0Aa', now - 60);
  // Forged: a later expiry written into the username, with a credential not made from the secret.
  const forged = { username: `${now + 3600}:u8Jd2kLs9QmZx0Aa`, credential: turnCredential('not-the-secret', 'u8Jd2kLs9QmZx0Aa', now + 3600).credential };
  // An extended expiry keeping a genuine credential for another expiry is forged too.
  const genuine = turnCredential(coturn.secret, 'u8Jd2kLs9QmZx0Aa', now + 60);
  const stretched = { username: `${now + 86_400}:u8Jd2kLs9QmZx0Aa`, credential: genuine.credential };
  const [e, f, s, g] = await Promise.all([
    coturn.tryCredential(expired.username, expired.credential),
    coturn.tryCredential(forged.username, forged.credential),
    coturn.tryCredential(stretched.username, stretched.credential),
    coturn.tryCredential(genuine.username, genuine.credential),
  ]);
  assert.equal(e.ok, false, `expired credential refused:\n${e.output}`);
  assert.match(e.output, /Cannot complete Allocation/);
  assert.equal(f.ok, false, `forged credential refused:\n${f.output}`);
  assert.match(f.output, /Cannot complete Allocation/);
  assert.equal(s.ok, false, `stretched expiry refused:\n${s.output}`);
  assert.equal(g.ok, true, `a genuine credential is accepted (exit ${g.code}):\n${g.output}`);
});
