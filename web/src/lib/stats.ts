// Call quality from getStats(), the way livekit's stats.ts does it: a snapshot of the
// cumulative counters of one peer connection, and a pure delta between two snapshots (bit
// rate, frame rate, loss, round-trip time). The stall detector and the tile's quality
// indicator both read the delta. Works on Chromium's and Firefox's stats shapes: Firefox
// reports no `framesReceived` in some versions and its selected candidate pair has no
// `currentRoundTripTime`, so both fall back (to `framesDecoded`, to remote-inbound-rtp).

/** Cumulative counters of the inbound RTP streams of one kind, summed. */
export type InboundCounters = {
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  /** null when the browser does not report it (Firefox before 123 has no framesReceived). */
  framesReceived: number | null;
  framesDecoded: number | null;
  frameWidth?: number;
  frameHeight?: number;
};

/** One getStats() of one peer connection, reduced to what quality and stall detection need. */
export type StatsSnapshot = {
  /** The stats' own clock (ms), so intervals are measured where the counters were read. */
  timestampMs: number;
  video: InboundCounters | null;
  audio: InboundCounters | null;
  /** Of the selected candidate pair, else the largest remote-inbound-rtp RTT; null if neither. */
  roundTripTimeMs: number | null;
};

/** What changed between two snapshots. Rates are per second of the interval. */
export type PeerQuality = {
  intervalMs: number;
  /** Video frames received / decoded in the interval (null when not reported). */
  framesReceived: number | null;
  framesDecoded: number | null;
  /** Decoded frames per second (received when decoded is not reported); null without video stats. */
  framesPerSecond: number | null;
  /** Audio and video together, kilobits per second. */
  bitrateKbps: number;
  /** Lost / (lost + received) packets in the interval, audio and video together, 0..1. */
  lossRatio: number;
  roundTripTimeMs: number | null;
  width?: number;
  height?: number;
};

type StatsSource = Iterable<[string, unknown]> | { forEach: RTCStatsReport['forEach'] };

/** Reduces a stats report; `fallbackTimestampMs` is used when no entry carries a timestamp. */
/** The stats objects of a report (an RTCStatsReport, or [id, stat] pairs as recorded in fixtures/). */
export function statsEntries(report: StatsSource): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [];
  if (!Array.isArray(report) && 'forEach' in report && typeof report.forEach === 'function') {
    (report as RTCStatsReport).forEach((s: Record<string, unknown>) => entries.push(s));
  } else {
    for (const [, s] of report as Iterable<[string, unknown]>) entries.push(s as Record<string, unknown>);
  }
  return entries;
}

export function statsSnapshot(report: StatsSource, fallbackTimestampMs = 0): StatsSnapshot {
  const entries = statsEntries(report);
  const snap: StatsSnapshot = { timestampMs: 0, video: null, audio: null, roundTripTimeMs: null };
  const byId = new Map<string, Record<string, unknown>>();
  for (const s of entries) if (typeof s.id === 'string') byId.set(s.id, s);

  let remoteRttS: number | null = null;
  let pairRttS: number | null = null;
  for (const s of entries) {
    if (typeof s.timestamp === 'number' && s.timestamp > snap.timestampMs) snap.timestampMs = s.timestamp;
    if (s.type === 'inbound-rtp') {
      const kind = (s.kind ?? s.mediaType) as string;
      if (kind !== 'video' && kind !== 'audio') continue;
      const into = (snap[kind] ??= { bytesReceived: 0, packetsReceived: 0, packetsLost: 0, framesReceived: null, framesDecoded: null });
      into.bytesReceived += num(s.bytesReceived);
      into.packetsReceived += num(s.packetsReceived);
      into.packetsLost += num(s.packetsLost);
      if (typeof s.framesReceived === 'number') into.framesReceived = (into.framesReceived ?? 0) + s.framesReceived;
      if (typeof s.framesDecoded === 'number') into.framesDecoded = (into.framesDecoded ?? 0) + s.framesDecoded;
      if (typeof s.frameWidth === 'number') into.frameWidth = s.frameWidth;
      if (typeof s.frameHeight === 'number') into.frameHeight = s.frameHeight;
    } else if (s.type === 'remote-inbound-rtp' && typeof s.roundTripTime === 'number') {
      remoteRttS = Math.max(remoteRttS ?? 0, s.roundTripTime);
    } else if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      const pair = byId.get(s.selectedCandidatePairId);
      if (pair && typeof pair.currentRoundTripTime === 'number') pairRttS = pair.currentRoundTripTime;
    } else if (s.type === 'candidate-pair' && s.selected === true && typeof s.currentRoundTripTime === 'number') {
      // Firefox marks its pair `selected` instead of naming it from a transport entry.
      pairRttS ??= s.currentRoundTripTime;
    }
  }
  const rtt = pairRttS ?? remoteRttS;
  snap.roundTripTimeMs = rtt === null ? null : rtt * 1000;
  if (snap.timestampMs === 0) snap.timestampMs = fallbackTimestampMs;
  return snap;
}

/** The interval between two snapshots of the same connection; null when it is empty. */
export function statsDelta(prev: StatsSnapshot, next: StatsSnapshot): PeerQuality | null {
  const intervalMs = next.timestampMs - prev.timestampMs;
  if (intervalMs <= 0) return null;
  const seconds = intervalMs / 1000;
  const v = next.video;
  const pv = prev.video;
  const framesReceived = grew(pv?.framesReceived, v?.framesReceived);
  const framesDecoded = grew(pv?.framesDecoded, v?.framesDecoded);
  const frames = framesDecoded ?? framesReceived;
  let bytes = 0;
  let lost = 0;
  let received = 0;
  for (const kind of ['video', 'audio'] as const) {
    const a = prev[kind];
    const b = next[kind];
    if (!b) continue;
    // Counters restart with a new transceiver: a counter that went down counts as no growth.
    bytes += grew(a?.bytesReceived ?? 0, b.bytesReceived) ?? 0;
    lost += grew(a?.packetsLost ?? 0, b.packetsLost) ?? 0;
    received += grew(a?.packetsReceived ?? 0, b.packetsReceived) ?? 0;
  }
  const quality: PeerQuality = {
    intervalMs,
    framesReceived,
    framesDecoded,
    framesPerSecond: frames === null ? null : frames / seconds,
    bitrateKbps: (bytes * 8) / 1000 / seconds,
    lossRatio: lost + received > 0 ? lost / (lost + received) : 0,
    roundTripTimeMs: next.roundTripTimeMs,
  };
  if (v?.frameWidth !== undefined) quality.width = v.frameWidth;
  if (v?.frameHeight !== undefined) quality.height = v.frameHeight;
  return quality;
}

export type QualityLevel = 'good' | 'fair' | 'poor';

/** Round-trip time up to which a call feels immediate (ITU-T G.114 puts the comfort limit near here). */
export const GOOD_RTT_MS = 250;
/** Round-trip time beyond which people start talking over each other. */
export const POOR_RTT_MS = 500;
/** Packet loss that WebRTC's error correction hides well. */
export const GOOD_LOSS = 0.02;
/** Packet loss beyond which video visibly breaks up and audio drops syllables. */
export const POOR_LOSS = 0.08;

/** Good / fair / poor at a glance, from round-trip time and loss (frame rate varies with the sender's camera). */
export function qualityLevel(q: PeerQuality): QualityLevel {
  const rtt = q.roundTripTimeMs ?? 0;
  if (rtt > POOR_RTT_MS || q.lossRatio > POOR_LOSS) return 'poor';
  if (rtt > GOOD_RTT_MS || q.lossRatio > GOOD_LOSS) return 'fair';
  return 'good';
}

function grew(before: number | null | undefined, after: number | null | undefined): number | null {
  if (after === null || after === undefined) return null;
  return Math.max(0, after - (before ?? 0));
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
