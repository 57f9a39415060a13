// Camera (and microphone) permission denied: the page explains it and the person can still
// take part, audio only or with no media at all, receiving the other side's video.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { launchChromium } from '../support/browsers.mjs';
import { scenario } from '../support/scene.mjs';
import { ApiClient, startServer } from '../support/server.mjs';
import {
  assertAudioFlowing,
  assertVideoFlowing,
  getReady,
  inbound,
  joinByInvite,
  waitInCall,
} from '../support/swirl.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  // Without --use-fake-ui-for-media-stream, so each context's `permissions` decide.
  browser = await launchChromium({ fakeUi: false });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newLobby(name) {
  const owner = await new ApiClient(server.url).createUser('Organizer');
  const lobby = await owner.createLobby(name, { group_size: 2 });
  return `${server.url}/l/${lobby.id}`;
}

async function expectPermissionProblem(tp) {
  await tp.waitForTestId('media-error', { 'data-kind': 'permission_denied' });
  const text = await tp.text('media-error');
  assert.match(text, /not allowed to use your camera/);
  assert.match(text, /Allow access/);
}

scenario('camera denied: the problem is explained and the user joins audio only', () => server, async (scene) => {
  const invite = await newLobby('No camera');
  const dee = await scene.chromiumPage(browser, 'dee-audio-only', { permissions: ['microphone'] });
  const eli = await scene.chromiumPage(browser, 'eli', { permissions: ['camera', 'microphone'] });
  await Promise.all([joinByInvite(dee, invite, 'Dee'), joinByInvite(eli, invite, 'Eli')]);

  await expectPermissionProblem(dee);
  assert.equal(await dee.attribute('ready-button', 'disabled'), '', 'Ready waits for a media choice');
  await dee.click('join-audio-only');
  await dee.waitFor(() => !document.querySelector('[data-testid="media-error"]'), undefined, { what: 'the media error to go away' });
  await dee.waitForTestId('level-meter');

  await getReady(dee);
  await getReady(eli);
  assert.equal(await waitInCall(dee), await waitInCall(eli));
  await assertVideoFlowing(dee, 'Dee (audio only) receives Eli\'s video');
  await assertAudioFlowing(eli, 'Eli receives Dee\'s audio');
  assert.equal((await inbound(eli)).framesReceived, 0, 'Eli receives no video from Dee');
});

scenario('camera and microphone denied: the user joins without media and still sees the other', () => server, async (scene) => {
  const invite = await newLobby('No media');
  const nia = await scene.chromiumPage(browser, 'nia-no-media', { permissions: [] });
  const oli = await scene.chromiumPage(browser, 'oli', { permissions: ['camera', 'microphone'] });
  await Promise.all([joinByInvite(nia, invite, 'Nia'), joinByInvite(oli, invite, 'Oli')]);

  await expectPermissionProblem(nia);
  await nia.click('join-no-media');
  await nia.waitForTestId('no-media-notice');

  await getReady(nia);
  await getReady(oli);
  assert.equal(await waitInCall(nia), await waitInCall(oli));
  await assertVideoFlowing(nia, 'Nia (no media) receives Oli\'s video');
  await assertAudioFlowing(nia, 'Nia (no media) receives Oli\'s audio');
});
