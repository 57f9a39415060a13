// Background blur (issue 15) in Chromium, with a fake camera showing a real person:
// - the vendored model is served by our server, byte for byte, with long-lived caching;
// - nothing of TF.js loads before blur is switched on; a model that cannot load makes the
//   control say blur is unavailable and why; switched on, the model and the WASM binaries come
//   from our server and no request leaves our origin;
// - the partner keeps receiving frames through several quick toggles, with exactly one
//   replaceTrack per settled toggle;
// - the received picture is blurred in the background and sharp on the face (local variance
//   of a captured remote frame, blur on against off);
// - an injected segmentation error restarts the segmenter and blur goes on;
// - the sent frame rate and segmentation rate with blur on are reported (not asserted), and
//   TF.js's live tensor count stays the same while blur runs (memory is flat).
// One call serves every step, to keep the suite's time down.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  BACKGROUND_REGION,
  FACE_REGION,
  blurView,
  countReplaceTrack,
  makePersonCamera,
  pressQuickly,
  regionSharpness,
  replaceTrackCalls,
  sentFps,
  waitBlurStatus,
} from '../support/blur.mjs';
import { launchChromium } from '../support/browsers.mjs';
import { REPO_ROOT } from '../support/paths.mjs';
import { eventually } from '../support/poll.mjs';
import { scenario } from '../support/scene.mjs';
import { ApiClient, startServer } from '../support/server.mjs';
import { assertVideoFlowing, getReady, inbound, joinByInvite, waitInCall } from '../support/swirl.mjs';

const MODEL_PATH = '/models/bodypix/mobilenet-quant2-050-stride16';
/** From /work/shared/models/README.md (the published files, unmodified). */
const MODEL_SHA256 = {
  'model.json': 'aaeddfa9de73c4882598c1779286ed6ce44be80b4d582607808da2d7463b0136',
  'group1-shard1of1.bin': '76c2be65c09e953a1c6334cd122c3219c60dae9d66d62d575e2599a5b317ebe9',
};

let server;
let browser;
let camera;
before(async () => {
  server = await startServer();
  camera = await makePersonCamera();
  browser = await launchChromium({ extraArgs: [`--use-file-for-fake-video-capture=${camera.file}`] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await camera?.cleanup();
});

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

test('the vendored BodyPix model: sha256 in the repository and as served, cached for a year, licence beside it', async () => {
  const folder = path.join(REPO_ROOT, 'web/public', MODEL_PATH);
  for (const [file, hash] of Object.entries(MODEL_SHA256)) {
    assert.equal(sha256(await readFile(path.join(folder, file))), hash, `${file} in web/public`);
    const res = await fetch(`${server.url}${MODEL_PATH}/${file}`);
    assert.equal(res.status, 200, `GET ${MODEL_PATH}/${file}`);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), hash, `${file} as served`);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  }
  assert.match(await readFile(path.join(folder, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/);
  assert.match(await readFile(path.join(folder, 'NOTICE.md'), 'utf8'), /tensorflow\/tfjs-models/);
});

/** Who requested what: every URL the page (and its workers) asked for. */
function recordRequests(page) {
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  page.context().on('request', (r) => urls.push(r.url()));
  page.on('worker', (w) => urls.push(w.url()));
  return urls;
}

scenario('background blur: lazy, same-origin, debounced, blurred background and sharp face, self-healing', () => server, async (scene, t) => {
  const owner = await new ApiClient(server.url).createUser('Organizer');
  const lobby = await owner.createLobby('Blur', { group_size: 2 });
  const invite = `${server.url}/l/${lobby.id}`;
  const ada = await scene.chromiumPage(browser, 'ada');
  const bo = await scene.chromiumPage(browser, 'bo');
  await countReplaceTrack(ada.page);
  const requests = recordRequests(ada.page);
  await Promise.all([joinByInvite(ada, invite, 'Ada'), joinByInvite(bo, invite, 'Bo')]);
  await getReady(ada);
  await getReady(bo);
  await Promise.all([waitInCall(ada), waitInCall(bo)]);
  await assertVideoFlowing(bo, 'Bo receives Ada');

  // Nothing of blur loaded yet: the main bundle does not contain TF.js.
  const early = requests.filter((u) => /segmenter|blur\.worker|\/models\/|\/tfjs\//.test(u));
  assert.deepEqual(early, [], 'blur code or model requested before blur was switched on');

  // The picture without blur, for comparison.
  const off = await regionSharpness(bo, { background: BACKGROUND_REGION, face: FACE_REGION });

  // A model that cannot load: the control says why. (The test switch asks for the float
  // model, which only a --model-dir holding it serves.)
  await ada.evaluate(() => localStorage.setItem('swirl.test.blurModel', 'mobilenet-float-050-stride16'));
  await ada.click('blur-button');
  await waitBlurStatus(ada, 'unavailable');
  const unavailable = await ada.text('blur-status');
  assert.match(unavailable, /Blur unavailable: .*404/, unavailable);
  assert.equal(await ada.attribute('blur-button', 'aria-pressed'), 'false');
  assert.equal(await replaceTrackCalls(ada), 0, 'no track switch for a blur that never started');

  // Pressing again retries, with the real model this time.
  await ada.evaluate(() => localStorage.removeItem('swirl.test.blurModel'));
  await ada.click('blur-button');
  await waitBlurStatus(ada, 'on');
  const view = await blurView(ada);
  t.diagnostic(`blur on: backend ${view.backend} in the ${view.where} (${view.backendReason})`);
  assert.equal(view.where, 'worker', 'segmentation runs in a worker');
  assert.ok(['webgl', 'wasm', 'cpu'].includes(view.backend));
  assert.equal(await replaceTrackCalls(ada), 1, 'one replaceTrack for one settled toggle');

  // Everything came from our origin: the model, the worker, TF.js and its WASM binary.
  const origin = new URL(server.url).origin;
  const foreign = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(foreign, [], 'requests that left our origin');
  for (const wanted of [`${MODEL_PATH}/model.json`, `${MODEL_PATH}/group1-shard1of1.bin`, '/assets/blur.worker']) {
    assert.ok(
      requests.some((u) => u.includes(wanted)),
      `${wanted} requested from ${origin} (seen: ${requests.join(' ')})`,
    );
  }
  if (view.backend === 'wasm') assert.ok(requests.some((u) => /\/tfjs\/[\d.]+\/tfjs-backend-wasm.*\.wasm$/.test(u)), 'WASM from /tfjs/');

  // The partner receives a picture blurred in the background and sharp on the face.
  await assertVideoFlowing(bo, 'Bo receives the blurred video');
  const on = await eventually(
    async () => {
      const s = await regionSharpness(bo, { background: BACKGROUND_REGION, face: FACE_REGION });
      assert.ok(s.background < off.background * 0.25, `background sharpness ${s.background} vs ${off.background} without blur`);
      return s;
    },
    { timeout: 15_000, interval: 250, what: 'the received background to be blurred' },
  );
  t.diagnostic(
    `local variance, blur off -> on: background ${off.background.toFixed(1)} -> ${on.background.toFixed(1)}, ` +
      `face ${off.face.toFixed(1)} -> ${on.face.toFixed(1)} (frame ${on.width}x${on.height})`,
  );
  assert.ok(on.face > off.face * 0.5, `face stays sharp: ${on.face} vs ${off.face} without blur`);
  assert.ok(on.face > on.background * 4, `face sharper than the background: ${on.face} vs ${on.background}`);

  // Sent and segmentation rates with blur on; TF.js's tensors stay put while it runs.
  const sent = await sentFps(ada);
  const before = (await blurView(ada)).stats;
  await eventually(
    async () => {
      const now = (await blurView(ada)).stats;
      assert.ok(now.segmentations >= before.segmentations + 10, `segmentations ${before.segmentations} -> ${now.segmentations}`);
    },
    { timeout: 30_000, interval: 250, what: '10 more segmentations' },
  );
  const stats = (await blurView(ada)).stats;
  t.diagnostic(
    `blur on: sent ${sent.fps.toFixed(1)} fps at ${sent.width} px wide (limited by: ${sent.limitation}); canvas ${stats.drawFps.toFixed(1)} fps ` +
      `(${stats.drawMs.toFixed(1)} ms a frame); segmentation ${stats.segmentFps.toFixed(1)} fps (${stats.segmentMs.toFixed(0)} ms each); ` +
      `TF.js tensors ${before.tensors} -> ${stats.tensors}, bytes ${before.tensorBytes} -> ${stats.tensorBytes}`,
  );
  assert.equal(stats.tensors, before.tensors, 'live tensors constant while blur runs');
  assert.equal(stats.tensorBytes, before.tensorBytes, 'tensor memory constant while blur runs');

  // Quick toggles: frames keep arriving, and one replaceTrack once the user settles.
  const framesBefore = (await inbound(bo)).framesReceived;
  await pressQuickly(ada, 'blur-button', 5); // on -> off, ending off
  assert.equal(await ada.attribute('blur-button', 'aria-pressed'), 'false');
  await waitBlurStatus(ada, 'off', 10_000);
  assert.equal(await replaceTrackCalls(ada), 2, 'five quick presses: one replaceTrack');
  await eventually(
    async () => {
      const s = await inbound(bo);
      assert.ok(s.framesReceived >= framesBefore + 30, `framesReceived ${framesBefore} -> ${s.framesReceived}`);
    },
    { timeout: 15_000, interval: 200, what: 'Bo to keep receiving frames through the toggles' },
  );
  await pressQuickly(ada, 'blur-button', 3); // off -> on, ending on
  await waitBlurStatus(ada, 'on', 30_000);
  assert.equal(await replaceTrackCalls(ada), 3, 'three quick presses: one replaceTrack');

  // An injected segmentation error: the segmenter restarts and blur goes on, same track.
  const restartsBefore = (await blurView(ada)).restarts;
  await ada.evaluate(() => localStorage.setItem('swirl.test.blurFaults', '1'));
  await ada.waitFor((n) => window.__swirlBlur.restarts === n + 1, restartsBefore, { timeout: 15_000, what: 'a restart' });
  const afterFault = (await blurView(ada)).stats.segmentations;
  await ada.waitFor(
    (n) => window.__swirlBlur.status === 'on' && window.__swirlBlur.stats.segmentations >= n + 5,
    afterFault,
    { timeout: 60_000, what: 'segmentation to go on after the restart' },
  );
  assert.equal(await replaceTrackCalls(ada), 3, 'a restart does not switch tracks');
  assert.equal((await blurView(ada)).wanted, true);
  await assertVideoFlowing(bo, 'Bo receives video after the restart');
  assert.deepEqual(ada.errors.filter((e) => !/404/.test(e)), [], 'console errors in the blurring page');
});
