// Native TLS in a browser: swirl-server started with --tls-cert/--tls-key (a certificate made
// for 127.0.0.1 at test time, support/tls.mjs) serves the web client over https, and a call
// between two Chromium users connects through wss, with HSTS on the page. Chromium gets
// --ignore-certificate-errors (its trust store is not ours to change); node checks the
// certificate against the generated one.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { launchChromium } from '../support/browsers.mjs';
import { scenario } from '../support/scene.mjs';
import { assertVideoFlowing, getReady, joinByInvite, waitInCall } from '../support/swirl.mjs';
import { httpsRequest, startTlsServer } from '../support/tls.mjs';

const env = { server: undefined, browser: undefined };

before(async () => {
  env.server = await startTlsServer();
  env.browser = await launchChromium({ extraArgs: ['--ignore-certificate-errors'] });
});

after(async () => {
  await env.browser?.close();
  await env.server?.stop();
});

scenario('over https and wss: the web client loads and two users are matched with video both ways', () => env.server, async (scene) => {
  const { ca, url } = env.server;
  const owner = await httpsRequest(ca, 'POST', `${url}/api/users`, { body: { display_name: 'Organizer' } });
  assert.equal(owner.status, 201, owner.text);
  const lobby = await httpsRequest(ca, 'POST', `${url}/api/lobbies`, {
    body: { name: 'Over TLS', settings: { group_size: 2 } },
    token: owner.json.token,
  });
  assert.equal(lobby.status, 201, lobby.text);
  const invite = `${url}/l/${lobby.json.id}`;
  const page = await httpsRequest(ca, 'GET', invite);
  assert.equal(page.status, 200);
  assert.equal(page.headers['strict-transport-security'], 'max-age=31536000');

  const ada = await scene.chromiumPage(env.browser, 'ada');
  const bo = await scene.chromiumPage(env.browser, 'bo');
  const sockets = [];
  for (const tp of [ada, bo]) tp.page.on('websocket', (ws) => sockets.push(ws.url()));
  await Promise.all([joinByInvite(ada, invite, 'Ada'), joinByInvite(bo, invite, 'Bo')]);
  assert.ok(sockets.length >= 2, `lobby sockets opened: ${sockets.join(', ')}`);
  for (const s of sockets) assert.match(s, /^wss:\/\/127\.0\.0\.1:\d+\/api\/lobbies\/[^/]+\/ws$/);
  assert.equal(await ada.page.evaluate(() => window.isSecureContext && location.protocol), 'https:');

  await getReady(ada);
  await getReady(bo);
  const [matchA, matchB] = await Promise.all([waitInCall(ada), waitInCall(bo)]);
  assert.equal(matchA, matchB, 'both sides are in the same match');
  await Promise.all([assertVideoFlowing(ada, 'Ada receives Bo'), assertVideoFlowing(bo, 'Bo receives Ada')]);
});
