// Chromium and Firefox ESR in one call: Firefox is driven over WebDriver BiDi (puppeteer-core),
// Chromium over CDP (playwright-core). Firefox here has no H.264, so a VP8/VP9 call proves the
// codec negotiation; video must flow both ways.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { launchChromium, launchFirefox } from '../support/browsers.mjs';
import { scenario } from '../support/scene.mjs';
import { ApiClient, startServer } from '../support/server.mjs';
import { assertVideoFlowing, getReady, inbound, joinByInvite, waitInCall } from '../support/swirl.mjs';

let server;
let chromium;
before(async () => {
  server = await startServer();
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  await server?.stop();
});

scenario('a Chromium user and a Firefox user are matched and video flows both ways', () => server, async (scene, t) => {
  const firefox = await launchFirefox(server.url);
  scene.defer(() => firefox.cleanup());
  t.diagnostic(`Firefox: ${await firefox.version()}; Chromium: ${chromium.version()}`);

  const owner = await new ApiClient(server.url).createUser('Organizer');
  const lobby = await owner.createLobby('Two browsers', { group_size: 2 });
  const invite = `${server.url}/l/${lobby.id}`;
  const cleo = await scene.chromiumPage(chromium, 'chromium-cleo');
  const finn = await scene.puppeteerPage(firefox, 'firefox-finn');
  await Promise.all([joinByInvite(cleo, invite, 'Cleo'), joinByInvite(finn, invite, 'Finn')]);

  await getReady(finn);
  await getReady(cleo);
  const matchId = await waitInCall(finn);
  assert.equal(await waitInCall(cleo), matchId);
  await Promise.all([assertVideoFlowing(cleo, 'Chromium receives Firefox'), assertVideoFlowing(finn, 'Firefox receives Chromium')]);

  const [c, f] = await Promise.all([inbound(cleo), inbound(finn)]);
  t.diagnostic(`video codecs: Chromium receives ${c.videoCodecs.join(',') || '?'}, Firefox receives ${f.videoCodecs.join(',') || '?'}`);
  for (const codec of [...c.videoCodecs, ...f.videoCodecs]) assert.match(codec, /^video\/VP[89]$/i, 'VP8 or VP9 negotiated');

  // The stall detector runs on both sides: it samples getStats, grades the call, and a healthy
  // call reports no stall (nor any recovery step).
  const healthAfter = (tp, samples) =>
    tp.waitFor((n) => ((window.__swirl.callHealth.peers[0]?.samples ?? 0) >= n ? window.__swirl.callHealth : null), samples, {
      timeout: 20_000,
      what: `${samples} stats samples of the peer`,
    });
  const [ch, fh] = await Promise.all([healthAfter(cleo, 6), healthAfter(finn, 6)]);
  for (const [who, h, tp] of [
    ['Chromium', ch, cleo],
    ['Firefox', fh, finn],
  ]) {
    t.diagnostic(`${who}: ${h.peers[0].samples} samples, level ${h.peers[0].level}, events [${h.events.map((e) => e.event).join(',')}], recent intervals ${h.peers[0].recent.join(', ')}`);
    assert.deepEqual(h.events, [], `${who} reported call events during a healthy call`);
    assert.equal(h.peers[0].stalled, false, `${who} sees no stall`);
    assert.ok(['good', 'fair', 'poor'].includes(h.peers[0].level), `${who} grades the call`);
    assert.equal(await tp.evaluate(() => !!document.querySelector('[data-testid="video-stalled"]')), false, `${who} shows no stall`);
    assert.notEqual(await tp.attribute('quality-indicator', 'data-level'), 'unknown', `${who} shows a quality level`);
  }
});
