import { describe, expect, it } from 'vitest';
import chromiumJson from './fixtures/stats-chromium.json';
import firefoxJson from './fixtures/stats-firefox.json';
import { qualityLevel, statsDelta, statsSnapshot, type PeerQuality, type StatsSnapshot } from './stats';

type Recording = { samples: { report: Record<string, unknown>[] }[] };
const chromium = chromiumJson as Recording;
const firefox = firefoxJson as Recording;
const entries = (report: object[]) => report.map((s, i) => [String(i), s] as [string, unknown]);
const snapshots = (rec: typeof chromium) => rec.samples.map((s) => statsSnapshot(entries(s.report)));

const snap = (t: number, video: Partial<NonNullable<StatsSnapshot['video']>> | null, rtt: number | null = null): StatsSnapshot => ({
  timestampMs: t,
  video: video && { bytesReceived: 0, packetsReceived: 0, packetsLost: 0, framesReceived: null, framesDecoded: null, ...video },
  audio: null,
  roundTripTimeMs: rtt,
});

describe('statsSnapshot on recorded reports', () => {
  it('reads Chromium: frames, the selected pair’s round trip (from the transport entry), stats time', () => {
    const first = chromium.samples[0]!.report;
    const s = statsSnapshot(entries(first));
    expect(s.video).toMatchObject({ framesReceived: 22, framesDecoded: 22, frameWidth: 640, frameHeight: 360 });
    expect(s.audio?.packetsReceived).toBeGreaterThan(0);
    // The transport names CPHl3nUDmA_0AkEbrOF, whose currentRoundTripTime is 0.036 s here
    // (other pairs report 0.001: the transport entry, not the first pair found, decides).
    expect(s.roundTripTimeMs).toBeCloseTo(36);
    expect(s.timestampMs).toBeCloseTo(1796490571807.278);
  });

  it('reads Firefox: its `selected` candidate pair, and works without framesReceived', () => {
    const report = firefox.samples[3]!.report;
    const s = statsSnapshot(entries(report));
    expect(s.video).toMatchObject({ framesReceived: 123, framesDecoded: 123 });
    expect(s.roundTripTimeMs).toBeCloseTo(1);
    const older = report.map((e) => {
      const { framesReceived: _dropped, ...rest } = e as Record<string, unknown>;
      return rest;
    });
    expect(statsSnapshot(entries(older)).video).toMatchObject({ framesReceived: null, framesDecoded: 123 });
  });

  it('accepts an RTCStatsReport-like forEach, and falls back to remote-inbound-rtp and the given clock', () => {
    const report = new Map<string, unknown>([
      ['r', { type: 'remote-inbound-rtp', kind: 'video', roundTripTime: 0.12 }],
      ['s', { type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.08 }],
    ]);
    const s = statsSnapshot({ forEach: (cb: (v: unknown) => void) => report.forEach((v) => cb(v)) } as never, 42);
    expect(s).toEqual({ timestampMs: 42, video: null, audio: null, roundTripTimeMs: 120 });
  });
});

describe('statsDelta', () => {
  it('gives rates over a recorded second of Chromium video', () => {
    const [a, b] = snapshots(chromium) as [StatsSnapshot, StatsSnapshot];
    const q = statsDelta(a, b) as PeerQuality;
    expect(q.framesReceived).toBe(20);
    expect(q.framesPerSecond).toBeCloseTo(20 / ((b.timestampMs - a.timestampMs) / 1000));
    expect(q.bitrateKbps).toBeGreaterThan(50);
    expect(q.lossRatio).toBe(0);
  });

  it('computes loss over the interval and ignores counters that went down', () => {
    const q = statsDelta(
      snap(0, { packetsReceived: 100, packetsLost: 0, bytesReceived: 0, framesDecoded: 0 }),
      snap(2000, { packetsReceived: 1090, packetsLost: 10, bytesReceived: 250_000, framesDecoded: 60 }),
    );
    expect(q).toMatchObject({
      intervalMs: 2000,
      framesDecoded: 60,
      framesReceived: null,
      framesPerSecond: 30,
      bitrateKbps: 1000,
      lossRatio: 0.01,
    });
    const reset = statsDelta(snap(0, { framesDecoded: 500, bytesReceived: 9999 }), snap(1000, { framesDecoded: 3, bytesReceived: 10 }));
    expect(reset).toMatchObject({ framesDecoded: 0, bitrateKbps: 0 });
    expect(statsDelta(snap(5, null), snap(5, null))).toBeNull();
    expect(statsDelta(snap(0, null), snap(1000, null))?.framesPerSecond).toBeNull();
  });
});

describe('qualityLevel', () => {
  const q = (rtt: number | null, loss: number): PeerQuality => ({
    intervalMs: 1000,
    framesReceived: 30,
    framesDecoded: 30,
    framesPerSecond: 30,
    bitrateKbps: 800,
    lossRatio: loss,
    roundTripTimeMs: rtt,
  });
  it('grades by round trip and loss', () => {
    expect(qualityLevel(q(40, 0))).toBe('good');
    expect(qualityLevel(q(null, 0.01))).toBe('good');
    expect(qualityLevel(q(300, 0))).toBe('fair');
    expect(qualityLevel(q(40, 0.05))).toBe('fair');
    expect(qualityLevel(q(600, 0))).toBe('poor');
    expect(qualityLevel(q(40, 0.1))).toBe('poor');
  });
});
