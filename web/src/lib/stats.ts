// Call quality from getStats(): a snapshot of the inbound video counters, and a pure delta
// between two snapshots (bitrate, frame rate, and whether video has stalled).

export type InboundVideoSnapshot = {
  timestampMs: number;
  bytesReceived: number;
  framesDecoded: number;
  packetsLost: number;
  packetsReceived: number;
  frameWidth?: number;
  frameHeight?: number;
};

export type VideoQuality = {
  bitrateKbps: number;
  framesPerSecond: number;
  /** Packet loss over the interval, 0..1. */
  lossRatio: number;
  /** Bytes arrive but no frame was decoded, or nothing arrives at all. */
  stalled: boolean;
  width?: number;
  height?: number;
};

/** Sums the inbound-rtp video entries of a stats report (one per remote video track). */
export function inboundVideoSnapshot(report: Iterable<[string, unknown]> | { forEach: RTCStatsReport['forEach'] }): InboundVideoSnapshot | null {
  let found = false;
  const snap: InboundVideoSnapshot = { timestampMs: 0, bytesReceived: 0, framesDecoded: 0, packetsLost: 0, packetsReceived: 0 };
  const visit = (s: Record<string, unknown>) => {
    if (s.type !== 'inbound-rtp' || (s.kind ?? s.mediaType) !== 'video') return;
    found = true;
    snap.timestampMs = Math.max(snap.timestampMs, num(s.timestamp));
    snap.bytesReceived += num(s.bytesReceived);
    snap.framesDecoded += num(s.framesDecoded);
    snap.packetsLost += num(s.packetsLost);
    snap.packetsReceived += num(s.packetsReceived);
    if (typeof s.frameWidth === 'number') snap.frameWidth = s.frameWidth;
    if (typeof s.frameHeight === 'number') snap.frameHeight = s.frameHeight;
  };
  if ('forEach' in report && typeof report.forEach === 'function') {
    (report as RTCStatsReport).forEach((s: Record<string, unknown>) => visit(s));
  } else {
    for (const [, s] of report as Iterable<[string, unknown]>) visit(s as Record<string, unknown>);
  }
  return found ? snap : null;
}

/** Quality over the interval between two snapshots; null when the interval is empty. */
export function videoQuality(prev: InboundVideoSnapshot, next: InboundVideoSnapshot): VideoQuality | null {
  const seconds = (next.timestampMs - prev.timestampMs) / 1000;
  if (seconds <= 0) return null;
  // Counters reset when a transceiver is renegotiated; treat that as a fresh start.
  const bytes = Math.max(0, next.bytesReceived - prev.bytesReceived);
  const frames = Math.max(0, next.framesDecoded - prev.framesDecoded);
  const lost = Math.max(0, next.packetsLost - prev.packetsLost);
  const received = Math.max(0, next.packetsReceived - prev.packetsReceived);
  const quality: VideoQuality = {
    bitrateKbps: (bytes * 8) / 1000 / seconds,
    framesPerSecond: frames / seconds,
    lossRatio: lost + received > 0 ? lost / (lost + received) : 0,
    stalled: frames === 0,
  };
  if (next.frameWidth !== undefined) quality.width = next.frameWidth;
  if (next.frameHeight !== undefined) quality.height = next.frameHeight;
  return quality;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
