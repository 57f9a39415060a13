import { describe, expect, it } from 'vitest';
import { inboundVideoSnapshot, videoQuality, type InboundVideoSnapshot } from './stats';

const snap = (t: number, bytes: number, frames: number, lost = 0, received = 0): InboundVideoSnapshot => ({
  timestampMs: t,
  bytesReceived: bytes,
  framesDecoded: frames,
  packetsLost: lost,
  packetsReceived: received,
});

describe('videoQuality', () => {
  it('computes bitrate, frame rate and loss over the interval', () => {
    const q = videoQuality(snap(1000, 0, 0, 0, 0), snap(3000, 250_000, 60, 10, 990));
    expect(q).toMatchObject({ bitrateKbps: 1000, framesPerSecond: 30, lossRatio: 0.01, stalled: false });
  });
  it('flags a stall when no frame was decoded', () => {
    expect(videoQuality(snap(0, 100, 10), snap(1000, 5000, 10))?.stalled).toBe(true);
  });
  it('survives counter resets and empty intervals', () => {
    expect(videoQuality(snap(0, 5000, 100), snap(1000, 10, 1))).toMatchObject({ bitrateKbps: 0, framesPerSecond: 0 });
    expect(videoQuality(snap(1000, 0, 0), snap(1000, 10, 1))).toBeNull();
  });
});

describe('inboundVideoSnapshot', () => {
  it('sums inbound video entries and ignores the rest', () => {
    const report = new Map<string, unknown>([
      ['a', { type: 'inbound-rtp', kind: 'video', timestamp: 5, bytesReceived: 10, framesDecoded: 2, packetsLost: 1, packetsReceived: 9, frameWidth: 640, frameHeight: 360 }],
      ['b', { type: 'inbound-rtp', kind: 'audio', timestamp: 5, bytesReceived: 999 }],
      ['c', { type: 'inbound-rtp', kind: 'video', timestamp: 6, bytesReceived: 20, framesDecoded: 3 }],
      ['d', { type: 'outbound-rtp', kind: 'video', bytesSent: 1 }],
    ]);
    expect(inboundVideoSnapshot(report)).toEqual({ timestampMs: 6, bytesReceived: 30, framesDecoded: 5, packetsLost: 1, packetsReceived: 9, frameWidth: 640, frameHeight: 360 });
    expect(inboundVideoSnapshot(new Map())).toBeNull();
  });
});
