// The stall rule on real getStats() sequences recorded in Chromium and Firefox ESR
// (fixtures/, made by tests/e2e/tools/record-stats.mjs): six seconds of video, five seconds in
// which the sender's track is gone (frames stop, audio goes on), five seconds of video again.
import { describe, expect, it } from 'vitest';
import chromiumJson from './fixtures/stats-chromium.json';
import firefoxJson from './fixtures/stats-firefox.json';
import { INITIAL_STALL_STATE, STALL_AFTER_MS, nextStallState, type StallState } from './stall-detector';
import { statsDelta, statsSnapshot } from './stats';

type Sample = { phase: string; connectionState: string; report: Record<string, unknown>[] };
type Recording = { browser: string; samples: Sample[] };
const chromium = chromiumJson as Recording;
const firefox = firefoxJson as Recording;

/** Feeds a recording to the rule; returns the state after each sample. */
function run(
  samples: Sample[],
  cameraOn: (i: number, s: Sample) => boolean = () => true,
  connectionState: (i: number, s: Sample) => RTCPeerConnectionState = (_, s) => s.connectionState as RTCPeerConnectionState,
): StallState[] {
  const snaps = samples.map((s) => statsSnapshot(s.report.map((e, k) => [String(k), e] as [string, unknown])));
  let state = INITIAL_STALL_STATE;
  return snaps.map((snap, i) => {
    const quality = i === 0 ? null : statsDelta(snaps[i - 1]!, snap);
    const sample = samples[i]!;
    state = nextStallState(state, { quality, connectionState: connectionState(i, sample), cameraOn: cameraOn(i, sample) });
    return state;
  });
}

const stalled = (states: StallState[]) => states.map((s) => (s.stalled ? 'S' : '.')).join('');
const withoutFramesReceived = (rec: Recording): Sample[] =>
  rec.samples.map((s) => ({
    ...s,
    report: s.report.map((e) => {
      const { framesReceived: _gone, ...rest } = e;
      return rest;
    }),
  }));

describe.each([
  ['Chromium', chromium],
  ['Firefox', firefox],
])('the stall rule on %s’s recorded stats', (_name, rec) => {
  const phases = rec.samples.map((s) => s.phase).join(',');

  it('was recorded as 6 s flowing, 5 s frozen, 5 s flowing', () => {
    expect(phases).toBe([...Array(6).fill('flowing'), ...Array(5).fill('frozen'), ...Array(5).fill('recovered')].join(','));
  });

  it('steady video is never a stall', () => {
    expect(stalled(run(rec.samples.slice(0, 6)))).toBe('......');
  });

  it('frozen frames with the camera on: a stall after STALL_AFTER_MS, over when frames flow again', () => {
    const states = run(rec.samples);
    // Frozen from sample 6 (the interval 5→6 has no frames); 1.5 s of it is reached at sample 7.
    expect(stalled(states)).toBe('.......SSSS.....');
    expect(states[7]!.reason).toBe('frames');
    expect(states[7]!.frozenMs).toBeGreaterThanOrEqual(STALL_AFTER_MS);
    expect(states[6]!.frozenMs).toBeLessThan(STALL_AFTER_MS);
  });

  it('the same freeze while the peer’s camera is off is not a stall, nor is the wait after it comes back on', () => {
    const off = (i: number, s: Sample) => s.phase !== 'frozen';
    expect(stalled(run(rec.samples, off))).toBe('................');
    // The camera comes back on at sample 8 but the first frames only at sample 11: no stall in between.
    expect(stalled(run(rec.samples, (i) => i < 6 || i >= 8))).toBe('................');
  });

  it('no stall before the first frame (that is the no-media rule)', () => {
    expect(stalled(run(rec.samples.slice(6, 11)))).toBe('.....');
  });

  it('a failed connection is a stall whatever the frames, until it is connected and frames flow', () => {
    const states = run(rec.samples, undefined, (i) => (i === 3 ? 'failed' : 'connected'));
    expect(stalled(states)).toBe('...S...SSSS.....');
    expect(states[3]!.reason).toBe('failed');
  });

  it('works without framesReceived (Firefox before 123), on framesDecoded alone', () => {
    expect(stalled(run(withoutFramesReceived(rec)))).toBe('.......SSSS.....');
  });
});

describe('the stall rule on hand-made intervals', () => {
  const q = (frames: number | null, decoded: number | null, intervalMs = 1000) => ({
    intervalMs,
    framesReceived: frames,
    framesDecoded: decoded,
    framesPerSecond: null,
    bitrateKbps: 0,
    lossRatio: 0,
    roundTripTimeMs: null,
  });
  const step = (s: StallState, quality: ReturnType<typeof q>) =>
    nextStallState(s, { quality, connectionState: 'connected', cameraOn: true });

  it('frames received but not decoded are frozen too', () => {
    let s = step(INITIAL_STALL_STATE, q(30, 30));
    s = step(s, q(30, 0));
    s = step(s, q(30, 0));
    expect(s.stalled).toBe(true);
  });

  it('counts time, not samples: three half-second intervals make a stall, one slow second does not', () => {
    let s = step(INITIAL_STALL_STATE, q(30, 30));
    s = step(s, q(0, 0, 500));
    s = step(s, q(0, 0, 500));
    expect(s.stalled).toBe(false);
    s = step(s, q(0, 0, 500));
    expect(s.stalled).toBe(true);
    let t = step(INITIAL_STALL_STATE, q(30, 30));
    t = step(t, q(1, 1));
    t = step(t, q(30, 30));
    expect(t).toMatchObject({ stalled: false, frozenMs: 0 });
  });
});
