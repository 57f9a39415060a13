// What a Swirl user does, as steps over a TestPage, and what the tests measure in the page:
// inbound RTP counters from the client's own RTCPeerConnections (window.__swirl).

import assert from 'node:assert/strict';
import { eventually } from './poll.mjs';

/** Time from both users being ready to a `match` on screen (one matching round, generous). */
export const MATCH_TIMEOUT_MS = 20_000;
/** Time for the first remote video frame after a match (ICE over loopback + first key frame). */
export const FIRST_FRAME_TIMEOUT_MS = 20_000;
/** Frames that must arrive between two samples for video to count as flowing (~0.5 s at 30 fps). */
export const FLOWING_FRAMES = 10;

/**
 * Opens an invite link as a new visitor: name form, then the lobby. Resolves once the lobby's
 * socket is connected (the client's ConnectionState is `connected` after `welcome`).
 */
export async function joinByInvite(tp, inviteUrl, displayName) {
  await tp.goto(inviteUrl);
  await tp.fill('display-name-input', displayName);
  await tp.click('name-submit');
  await waitConnected(tp);
}

export function waitConnected(tp, options = {}) {
  return tp.waitForTestId('connection-state', { 'data-state': 'connected' }, options);
}

/** Waits until the Ready button is usable (connected, and media working or declined). */
export function waitReadyEnabled(tp) {
  return tp.waitFor(
    () => {
      const b = document.querySelector('[data-testid="ready-button"]');
      return !!b && !b.disabled;
    },
    undefined,
    { what: 'the Ready button to be enabled' },
  );
}

/** Says "ready": clicks Ready and waits until the server confirmed it or a call already started. */
export async function getReady(tp) {
  await waitReadyEnabled(tp);
  await tp.click('ready-button');
  await tp.waitFor(
    () =>
      document.querySelector('[data-testid="ready-button"]')?.getAttribute('data-ready') === 'true' ||
      !!document.querySelector('[data-testid="call-view"]'),
    undefined,
    { what: 'readiness to be confirmed' },
  );
}

/** Waits for the call view with `peers` remote tiles; returns the match id. */
export async function waitInCall(tp, peers = 1) {
  await tp.waitFor(
    (peers) =>
      document.querySelector('[data-testid="call-view"]')?.getAttribute('data-count') === String(peers) &&
      !!window.__swirl?.lastMatchId &&
      window.__swirl.peerConnections.length === peers,
    peers,
    { timeout: MATCH_TIMEOUT_MS, what: `a call with ${peers} peer(s)` },
  );
  return tp.evaluate(() => window.__swirl.lastMatchId);
}

/**
 * Waits until this page told the server `media_flowing` for its current match, and returns that
 * match's id. Before that, a match can end by itself (`no_media`, after `--no-media-timeout-ms`,
 * 20 s; on a loaded machine media may take that long) and the pair is matched again under a new
 * id: a test that acts on "the" match (ends it, leaves it) waits for this first. The deadline
 * covers one such round: a match that ends, the next one, and its media.
 */
export async function waitMediaFlowing(tp, { timeout = 2 * MATCH_TIMEOUT_MS + FIRST_FRAME_TIMEOUT_MS } = {}) {
  await tp.waitFor(
    () => !!window.__swirl?.lastMatchId && window.__swirl.mediaFlowingMatchId === window.__swirl.lastMatchId,
    undefined,
    { timeout, what: 'media flowing in the current match (media_flowing sent)' },
  );
  return tp.evaluate(() => window.__swirl.lastMatchId);
}

/**
 * Inbound RTP of every live peer connection, summed per kind: video frames received and
 * decoded, audio packets received, and the negotiated video codecs.
 */
export function inbound(tp) {
  return tp.evaluate(async () => {
    const out = { pcs: 0, states: [], framesReceived: 0, framesDecoded: 0, audioPackets: 0, videoCodecs: [] };
    for (const pc of window.__swirl?.peerConnections ?? []) {
      out.pcs += 1;
      out.states.push(pc.connectionState);
      const report = await pc.getStats();
      const codecs = new Map();
      report.forEach((s) => {
        if (s.type === 'codec') codecs.set(s.id, s.mimeType);
      });
      report.forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        const kind = s.kind ?? s.mediaType;
        if (kind === 'video') {
          out.framesReceived += s.framesReceived ?? 0;
          out.framesDecoded += s.framesDecoded ?? 0;
          const codec = codecs.get(s.codecId);
          if (codec && !out.videoCodecs.includes(codec)) out.videoCodecs.push(codec);
        } else if (kind === 'audio') {
          out.audioPackets += s.packetsReceived ?? 0;
        }
      });
    }
    return out;
  });
}

/**
 * Asserts remote video is flowing into `tp`: frames have arrived, and a second sample shows
 * at least FLOWING_FRAMES more. Returns the two samples.
 */
export async function assertVideoFlowing(tp, what = `${tp.label} receives video`) {
  const first = await eventually(
    async () => {
      const s = await inbound(tp);
      assert.ok(s.framesReceived > 0, `no inbound video frames yet (${JSON.stringify(s)})`);
      return s;
    },
    { timeout: FIRST_FRAME_TIMEOUT_MS, interval: 200, what },
  );
  const second = await eventually(
    async () => {
      const s = await inbound(tp);
      assert.ok(
        s.framesReceived >= first.framesReceived + FLOWING_FRAMES,
        `framesReceived went ${first.framesReceived} -> ${s.framesReceived} (${JSON.stringify(s)})`,
      );
      return s;
    },
    { timeout: 10_000, interval: 200, what: `${what}: framesReceived to keep increasing` },
  );
  return { first, second };
}

/** Same for audio packets (for members who send no video). */
export async function assertAudioFlowing(tp, what = `${tp.label} receives audio`) {
  const first = await eventually(
    async () => {
      const s = await inbound(tp);
      assert.ok(s.audioPackets > 0, `no inbound audio packets yet (${JSON.stringify(s)})`);
      return s;
    },
    { timeout: FIRST_FRAME_TIMEOUT_MS, interval: 200, what },
  );
  await eventually(
    async () => {
      const s = await inbound(tp);
      assert.ok(s.audioPackets >= first.audioPackets + 20, `audio packets went ${first.audioPackets} -> ${s.audioPackets}`);
    },
    { timeout: 10_000, interval: 200, what: `${what}: packetsReceived to keep increasing` },
  );
}

/**
 * Starts an in-page recorder of when the first remote video frame of the next match arrives
 * (polling getStats every 20 ms, so the figure is good to about that). Read it with
 * `matchToFirstFrameMs` once video flows.
 */
export function recordFirstFrame(tp) {
  return tp.evaluate(() => {
    const w = window;
    w.__e2eFirstFrame = null;
    let busy = false;
    const timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        for (const pc of w.__swirl?.peerConnections ?? []) {
          const report = await pc.getStats();
          let frames = 0;
          report.forEach((s) => {
            if (s.type === 'inbound-rtp' && (s.kind ?? s.mediaType) === 'video') frames += s.framesReceived ?? 0;
          });
          if (frames > 0 && w.__e2eFirstFrame === null) {
            w.__e2eFirstFrame = { at: Date.now(), matchAt: w.__swirl.lastMatchAt };
            clearInterval(timer);
          }
        }
      } finally {
        busy = false;
      }
    }, 20);
  });
}

/** Milliseconds from the `match` message to the first remote video frame (page clock). */
export async function matchToFirstFrameMs(tp) {
  const rec = await tp.waitFor(() => window.__e2eFirstFrame, undefined, {
    timeout: FIRST_FRAME_TIMEOUT_MS,
    what: 'the first remote video frame',
  });
  return rec.at - rec.matchAt;
}

/** The id the server gave this page's user (from `welcome`). */
export function selfId(tp) {
  return tp.evaluate(() => window.__swirl?.selfId ?? null);
}

/** How long a call must look settled before a screenshot of it is taken. */
export const SETTLED_HOLD_MS = 1_000;

/**
 * Waits until the call on `tp` looks settled for SETTLED_HOLD_MS in a row: every remote tile
 * shows video (frames decoded), no tile badge ("connecting…", "reconnecting…"), no stall
 * overlay ("Reconnecting video…"). Screenshots for the docs wait for this.
 */
export function waitSettledCall(tp, { timeout = 20_000 } = {}) {
  return tp.waitFor(
    (holdMs) => {
      const tiles = [...document.querySelectorAll('.remote-grid .tile')];
      const settled =
        tiles.length > 0 &&
        tiles.every(
          (t) =>
            t.getAttribute('data-stalled') === 'false' &&
            !t.querySelector('[data-testid="tile-badge"], [data-testid="video-stalled"]') &&
            (t.querySelector('video')?.videoWidth ?? 0) > 0,
        );
      if (!settled) {
        window.__e2eSettledSince = null;
        return false;
      }
      window.__e2eSettledSince ??= performance.now();
      return performance.now() - window.__e2eSettledSince >= holdMs;
    },
    SETTLED_HOLD_MS,
    { timeout, what: `a settled call (no badge, no stall, video shown for ${SETTLED_HOLD_MS} ms)` },
  );
}

/**
 * The partner's sound really plays on `tp`: the remote <video> (it carries the audio) is
 * playing, not muted, with a live, enabled, unmuted audio track, and its clock moves.
 */
export async function assertRemoteAudioPlaying(tp, what) {
  const playing = () => {
    const v = document.querySelector('[data-testid="remote-video"]');
    const tracks = v?.srcObject?.getAudioTracks?.() ?? [];
    return (
      !!v &&
      !v.paused &&
      !v.muted &&
      v.volume > 0 &&
      tracks.length > 0 &&
      tracks.every((t) => t.readyState === 'live' && t.enabled && !t.muted) && { time: v.currentTime }
    );
  };
  const first = await tp.waitFor(playing, undefined, { what: `${what}: remote media element playing with live sound` });
  await tp.waitFor(
    (t0) => (document.querySelector('[data-testid="remote-video"]')?.currentTime ?? 0) > t0 + 0.5,
    first.time,
    { what: `${what}: the remote media element's clock to move` },
  );
}
