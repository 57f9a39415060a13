// Frozen video repairs itself: during a Chromium call the media path is cut while signaling
// stays up, long enough that the browser alone would not recover; the tile shows the stall
// within 3 s, the client calls restartIce(), and once the path is back frames flow again
// within 5 s. The measured times are printed.
//
// How the media is cut: this file re-runs itself inside a network namespace of its own
// (support/netns.mjs), where the server, the browser and the test share a private loopback. An
// nftables table there drops UDP (WebRTC's media and ICE checks) and every TCP segment that is not
// to or from the server's port (so ICE cannot fall back to TCP candidates), while the lobby
// WebSocket and HTTP keep working: the test checks that offers and answers crossed during the
// cut. Removing the table restores the path. The namespace is
// deleted when the run ends, whether it passed, failed or hung (then it is killed).

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { launchChromium } from '../support/browsers.mjs';
import { MediaCut, insideNetns, runInFreshNetns } from '../support/netns.mjs';
import { eventually } from '../support/poll.mjs';
import { scenario } from '../support/scene.mjs';
import { ApiClient, startServer } from '../support/server.mjs';
import { assertVideoFlowing, getReady, inbound, joinByInvite, waitInCall } from '../support/swirl.mjs';

/**
 * How long the media path stays cut: well past Chromium's consent-freshness timeout (the
 * connection goes `disconnected` after about 5 s without responses) and past several of our
 * ICE restarts, so that recovery after it needs the client's restarts, not the old pair waking up.
 */
const CUT_MS = 12_000;
/** The limits: stall shown within this much of the cut ... */
const STALL_SHOWN_WITHIN_MS = 3_000;
/** ... and frames flowing again within this much of the path's return. */
const FRAMES_BACK_WITHIN_MS = 5_000;
/** Deadline for the whole inner run (two browsers' worth of call on a loaded machine). */
const INNER_TIMEOUT_MS = 160_000;

if (!insideNetns()) {
  test('stall detection and recovery, in a network namespace of its own', { timeout: INNER_TIMEOUT_MS + 10_000 }, async (t) => {
    const { code, output, name } = await runInFreshNetns(fileURLToPath(import.meta.url), { timeoutMs: INNER_TIMEOUT_MS });
    for (const line of output.split('\n')) if (/measured|ℹ/.test(line)) t.diagnostic(line.trim());
    assert.equal(code, 0, `the run inside network namespace ${name} failed:\n${output}`);
    assert.match(output, /ℹ pass 1/, `the inner run passed no test:\n${output}`);
  });
} else {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  // In the page, before the app: every restartIce() call is recorded with its time, and every
  // peer connection's ICE and signaling state changes (`pcN:state@time`, for the diagnostic).
  const recordRestarts = () => {
    window.__e2eRestarts = [];
    window.__e2ePcLog = [];
    const original = RTCPeerConnection.prototype.restartIce;
    RTCPeerConnection.prototype.restartIce = function restartIce() {
      window.__e2eRestarts.push(Date.now());
      return original.call(this);
    };
    // Signals sent and received over the lobby's WebSocket (what, not the SDP).
    const kind = (raw) => {
      try {
        const m = JSON.parse(raw);
        if (m.type !== 'signal') return null;
        const d = m.data ?? {};
        return d.reset ? 'reset' : d.description ? d.description.type : d.candidate !== undefined ? 'cand' : 'other';
      } catch {
        return null;
      }
    };
    const NativeSend = WebSocket.prototype.send;
    WebSocket.prototype.send = function send(data) {
      const k = typeof data === 'string' ? kind(data) : null;
      if (k && k !== 'cand') window.__e2ePcLog.push({ what: `out:${k}`, at: Date.now() });
      if (!this.__e2eWatched) {
        this.__e2eWatched = true;
        this.addEventListener('message', (e) => {
          const got = typeof e.data === 'string' ? kind(e.data) : null;
          if (got && got !== 'cand') window.__e2ePcLog.push({ what: `in:${got}`, at: Date.now() });
        });
      }
      return NativeSend.call(this, data);
    };
    const Native = window.RTCPeerConnection;
    let count = 0;
    window.RTCPeerConnection = class extends Native {
      constructor(...args) {
        super(...args);
        const id = `pc${count++}`;
        const log = (what) => window.__e2ePcLog.push({ what: `${id}:${what}`, at: Date.now() });
        log('new');
        this.addEventListener('iceconnectionstatechange', () => log(`ice=${this.iceConnectionState}`));
        this.addEventListener('signalingstatechange', () => log(`sig=${this.signalingState}`));
      }
    };
  };

  // In the page: resolves with Date.now() at the first new inbound video frame on any of the
  // current (or later, re-created) peer connections, polling getStats every 50 ms.
  const firstNewFrame = (timeoutMs) =>
    new Promise((resolve, reject) => {
      const seen = new WeakMap();
      const started = Date.now();
      const baseline = async () => {
        for (const pc of window.__swirl.peerConnections) seen.set(pc, await frames(pc));
      };
      async function frames(pc) {
        let n = 0;
        (await pc.getStats()).forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') n += s.framesReceived ?? 0;
        });
        return n;
      }
      baseline().then(() => {
        const timer = setInterval(async () => {
          for (const pc of window.__swirl.peerConnections) {
            const n = await frames(pc);
            if (n > (seen.get(pc) ?? 0)) {
              clearInterval(timer);
              resolve(Date.now());
              return;
            }
          }
          if (Date.now() - started > timeoutMs) {
            clearInterval(timer);
            reject(new Error(`no new video frame within ${timeoutMs} ms`));
          }
        }, 50);
      });
    });

  scenario('a media cut during a call is shown, repaired with restartIce, and video flows again', () => server, async (scene, t) => {
    const owner = await new ApiClient(server.url).createUser('Organizer');
    const lobby = await owner.createLobby('Bad Wi-Fi', { group_size: 2 });
    const invite = `${server.url}/l/${lobby.id}`;
    const ada = await scene.chromiumPage(browser, 'ada');
    const bo = await scene.chromiumPage(browser, 'bo');
    for (const tp of [ada, bo]) await tp.page.addInitScript(recordRestarts);
    await Promise.all([joinByInvite(ada, invite, 'Ada'), joinByInvite(bo, invite, 'Bo')]);
    await getReady(ada);
    await getReady(bo);
    const matchId = await waitInCall(ada);
    assert.equal(await waitInCall(bo), matchId);
    await Promise.all([assertVideoFlowing(ada, 'Ada receives Bo'), assertVideoFlowing(bo, 'Bo receives Ada')]);
    assert.equal(await ada.evaluate(() => window.__e2eRestarts.length), 0, 'no ICE restart in a healthy call');

    // The detector arms only once it has seen video flow (at least 2 frames/s over one of its
    // samples, lib/stall-detector.ts): a cut before that is, by design, no stall. Right after
    // the call starts the first sample may hold a frame or two; wait for a full one.
    await ada.waitFor(
      () => {
        const peer = window.__swirl?.callHealth?.peers?.[0];
        const last = peer?.recent?.[peer.recent.length - 1];
        const m = last && /^(\d+)\/(\d+) in (\d+)$/.exec(last);
        return Boolean(m) && Number(m[2]) > 0 && Math.min(Number(m[1]), Number(m[2])) >= (2 * Number(m[3])) / 1000;
      },
      undefined,
      { timeout: CUT_MS, polling: 100, what: "Ada's stall detector to see video flowing" },
    );
    const media = new MediaCut(server.port);
    scene.defer(() => media.restore());
    await media.cut();
    const cutAt = Date.now();
    t.diagnostic(`cut at +0 ms: ${(await media.describe()).replace(/\s+/g, ' ')}`);

    // The stall is shown on the tile.
    await ada.waitFor(() => document.querySelector('[data-testid="video-stalled"]'), undefined, {
      timeout: CUT_MS,
      polling: 50,
      what: "Ada's tile to show the stall",
    });
    const stallShownMs = Date.now() - cutAt;
    // restartIce() was called by the client.
    const firstRestart = await ada.waitFor(() => window.__e2eRestarts[0], undefined, { timeout: CUT_MS, what: 'a restartIce() call' });
    // Signaling is up all along (the cut is media only).
    assert.equal(await ada.attribute('connection-state', 'data-state'), 'connected');
    // The cut holds: no frames while it lasts.
    const during = await inbound(ada);
    await new Promise((r) => setTimeout(r, Math.max(0, CUT_MS - (Date.now() - cutAt))));
    const late = await inbound(ada);
    assert.ok(
      late.framesReceived <= during.framesReceived || late.pcs !== during.pcs,
      `frames kept arriving through the cut (${during.framesReceived} -> ${late.framesReceived})`,
    );
    assert.equal(await ada.attribute('video-stalled', 'role'), 'status', 'still shown as stalled at the end of the cut');

    const frameBack = ada.evaluate(firstNewFrame, FRAMES_BACK_WITHIN_MS + 10_000);
    await media.restore();
    const restoredAt = Date.now();
    const framesBackMs = (await frameBack) - restoredAt;
    await ada.waitFor(() => !document.querySelector('[data-testid="video-stalled"]'), undefined, {
      timeout: 10_000,
      what: "Ada's stall indicator to go away",
    });
    const clearedMs = Date.now() - restoredAt;
    const restarts = await ada.evaluate(() => window.__e2eRestarts.length);
    const timeline = async (tp) =>
      (await tp.evaluate(() => window.__swirl.callHealth.events)).map((e) => `${e.event}@${e.at - cutAt}`).join(' ');
    const events = `Ada [${await timeline(ada)}], Bo [${await timeline(bo)}] (ms after the cut; path back at ${restoredAt - cutAt})`;
    const adaLog = (await ada.evaluate(() => window.__e2ePcLog)).filter((e) => e.at >= cutAt);
    const boLog = (await bo.evaluate(() => window.__e2ePcLog)).filter((e) => e.at >= cutAt);
    const show = (log) => log.map((e) => `${e.what}@${e.at - cutAt}`).join(' ');
    t.diagnostic(`signals and peer connection states after the cut: Ada [${show(adaLog)}], Bo [${show(boLog)}]`);
    t.diagnostic(
      `measured: stall shown ${stallShownMs} ms after the cut; first restartIce() ${firstRestart - cutAt} ms after it; ` +
        `${restarts} restartIce() calls; frames back ${framesBackMs} ms after the path returned; ` +
        `indicator cleared after ${clearedMs} ms; events ${events}`,
    );
    assert.ok(stallShownMs <= STALL_SHOWN_WITHIN_MS, `stall shown after ${stallShownMs} ms (limit ${STALL_SHOWN_WITHIN_MS})`);
    assert.ok(framesBackMs <= FRAMES_BACK_WITHIN_MS, `frames back after ${framesBackMs} ms (limit ${FRAMES_BACK_WITHIN_MS})`);
    // Signaling worked through the cut: an answer reached Ada while the media path was down.
    assert.ok(
      adaLog.some((e) => e.what === 'in:answer' && e.at < restoredAt),
      `no answer reached Ada during the cut (signaling was cut too): ${show(adaLog)}`,
    );
    await Promise.all([assertVideoFlowing(ada, 'Ada receives Bo again'), assertVideoFlowing(bo, 'Bo receives Ada again')]);

    // The reports reached the server: the owner state counts them for this match.
    const state = await eventually(
      async () => {
        const s = await owner.request('GET', `/api/lobbies/${lobby.id}/state`);
        const e = s.matches[0]?.call_events;
        assert.ok(e && e.stall >= 1 && e.ice_restart >= 1 && e.recovered >= 1, `call_events ${JSON.stringify(e)}`);
        return s;
      },
      { timeout: 10_000, what: 'the owner state to count the call events' },
    );
    t.diagnostic(`measured: owner state call_events ${JSON.stringify(state.matches[0].call_events)}`);
  });
}
