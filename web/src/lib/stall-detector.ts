// The stall rule, as a pure function over one stats interval at a time: remote video is
// stalled when frames stop arriving (or stop being decoded) for STALL_AFTER_MS while the
// peer's camera is on, or when the connection has failed. A camera that is off is never a
// stall; neither is a call whose first frame has not arrived yet (that is the lobby's
// no-media rule). The caller keeps the state between samples.

import type { PeerQuality } from './stats';

/**
 * Below this many frames per second the picture is frozen, not merely slow: congestion
 * control lowers resolution long before it drops a camera this far. Not 1: a Firefox sender
 * whose track is gone still sends about one frame a second (fixtures/stats-firefox.json).
 */
export const STALL_MIN_FRAMES_PER_SECOND = 2;

/**
 * How long frames must stay below the threshold before video counts as stalled: two samples
 * or more (a single slow interval is a hiccup: a key-frame wait, a busy decoder), and short
 * enough that the tile says "reconnecting video" within about three seconds of the freeze.
 */
export const STALL_AFTER_MS = 1_500;

export type StallReason = 'frames' | 'failed';

export type StallState = {
  stalled: boolean;
  /** Why it is stalled (null when it is not). */
  reason: StallReason | null;
  /** Frames have flowed since the call (or the camera) started: only then can they stop. */
  armed: boolean;
  /** Total length of the current run of frozen intervals. */
  frozenMs: number;
  /** The peer's camera as of the last sample. */
  cameraOn: boolean;
};

export type StallInput = {
  /** The interval since the previous sample; null for the first sample of a connection. */
  quality: PeerQuality | null;
  connectionState: RTCPeerConnectionState;
  /** The peer's camera as they last reported it (true until they say otherwise). */
  cameraOn: boolean;
};

export const INITIAL_STALL_STATE: StallState = { stalled: false, reason: null, armed: false, frozenMs: 0, cameraOn: true };

/**
 * Frames that arrived in the interval, taking the smaller of received and decoded (received
 * but never decoded is frozen too). Null when the browser reports neither.
 */
export function framesInInterval(q: PeerQuality): number | null {
  const counts = [q.framesReceived, q.framesDecoded].filter((n): n is number => n !== null);
  return counts.length === 0 ? null : Math.min(...counts);
}

/** The state after one more sample. */
export function nextStallState(state: StallState, input: StallInput): StallState {
  if (input.connectionState === 'failed') return { ...state, stalled: true, reason: 'failed', cameraOn: input.cameraOn };
  if (!input.cameraOn) {
    // Nothing to expect; once it comes back on, frames must flow again before a freeze counts.
    return { stalled: false, reason: null, armed: false, frozenMs: 0, cameraOn: false };
  }
  const next: StallState = { ...state, cameraOn: true };
  if (!state.cameraOn) next.armed = false;
  const q = input.quality;
  if (!q) return next; // a first sample has no interval: a stall goes on until frames flow
  const frames = framesInInterval(q) ?? 0;
  const flowing = frames >= (STALL_MIN_FRAMES_PER_SECOND * q.intervalMs) / 1000 && frames > 0;
  if (flowing) return { stalled: false, reason: null, armed: true, frozenMs: 0, cameraOn: true };
  if (!next.armed && !next.stalled) return { ...next, frozenMs: 0 };
  next.frozenMs = state.frozenMs + q.intervalMs;
  if (next.frozenMs >= STALL_AFTER_MS || next.stalled) {
    next.stalled = true;
    next.reason = 'frames';
  }
  return next;
}
