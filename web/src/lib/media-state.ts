// Peer media state (docs/protocol.md `media_state`, `media_flowing`; docs/web-client.md): what we
// tell the server about our camera and microphone, how we notice the first remote media of a
// match, and the hidden-page rule. Pure functions and small classes with injected clocks; the
// lobby session wires them to the socket, the devices and the page.

/** A member's camera and microphone, as sent in `media_state` and read from `match.peers`. */
export type PeerMedia = { camera: boolean; microphone: boolean };

/** The devices' view we need: DeviceManager has these. */
export type LocalDevices = {
  videoTrack: MediaStreamTrack | null;
  audioTrack: MediaStreamTrack | null;
  cameraOn: boolean;
  microphoneOn: boolean;
};

/** Our media as the partner sees it: on only when there is a track and it is switched on. */
export function localMedia(d: LocalDevices): PeerMedia {
  return { camera: !!d.videoTrack && d.cameraOn, microphone: !!d.audioTrack && d.microphoneOn };
}

/** Decides when to send `media_state`: on every change, and once after each match (forced). */
export class MediaStateReporter {
  private last: PeerMedia | null = null;

  /** The message to send for `now`, or null when the server already has it. */
  next(now: PeerMedia, force = false): PeerMedia | null {
    if (!force && this.last && this.last.camera === now.camera && this.last.microphone === now.microphone) return null;
    this.last = { ...now };
    return this.last;
  }

  /** The socket was replaced: the server may have lost nothing, but say it again next time. */
  reset(): void {
    this.last = null;
  }
}

/** The parts of a getStats() report we read (both Chromium's and Firefox's shapes have them). */
type InboundStat = { type: string; packetsReceived?: number; framesReceived?: number; framesDecoded?: number };

/**
 * True when a stats report shows remote media arriving: an `inbound-rtp` entry that received
 * a video frame, or audio packets (a partner whose camera is off still sends sound). Chromium
 * and Firefox both report `inbound-rtp` with `packetsReceived`; Firefox may omit framesReceived.
 */
export function hasInboundMedia(report: Iterable<InboundStat> | { forEach(cb: (s: InboundStat) => void): void }): boolean {
  let found = false;
  const visit = (s: InboundStat) => {
    if (s.type !== 'inbound-rtp') return;
    if ((s.framesReceived ?? 0) > 0 || (s.framesDecoded ?? 0) > 0 || (s.packetsReceived ?? 0) > 0) found = true;
  };
  if ('forEach' in report) report.forEach(visit);
  else for (const s of report) visit(s);
  return found;
}

/** The hidden-page rule as a pure decision: a ready member, not in a call, hidden long enough. */
export function hiddenUnreadyDue(p: {
  hiddenSinceMs: number | null;
  nowMs: number;
  limitMs: number;
  ready: boolean;
  inCall: boolean;
}): boolean {
  if (p.hiddenSinceMs === null || !p.ready || p.inCall || p.limitMs <= 0) return false;
  return p.nowMs - p.hiddenSinceMs >= p.limitMs;
}

export type HiddenUnreadyHost = {
  ready(): boolean;
  inCall(): boolean;
  /** Sends ready:false; the watch then remembers to tell the user when the page returns. */
  setNotReady(): void;
  /** The page is visible again after we set the member not ready while it was hidden. */
  tellUserOnReturn(): void;
  now?: () => number;
};

/**
 * Watches page visibility: while the page is hidden and the member ready (and not in a call),
 * after `limitMs` it sets them not ready; when the page comes back it says so. Browsers throttle
 * timers in hidden tabs, so the rule is checked again when the page returns, too.
 */
export class HiddenUnreadyWatch {
  private hiddenSince: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private unreadiedWhileAway = false;

  constructor(
    private readonly host: HiddenUnreadyHost,
    public limitMs: number,
  ) {}

  private now(): number {
    return this.host.now ? this.host.now() : Date.now();
  }

  /** Call with document.hidden on every visibilitychange (and once at start). */
  visibilityChanged(hidden: boolean): void {
    if (hidden) {
      if (this.hiddenSince !== null) return;
      this.hiddenSince = this.now();
      this.arm(this.limitMs);
      return;
    }
    this.check();
    this.hiddenSince = null;
    this.clear();
    if (this.unreadiedWhileAway) {
      this.unreadiedWhileAway = false;
      this.host.tellUserOnReturn();
    }
  }

  dispose(): void {
    this.clear();
  }

  private arm(ms: number): void {
    this.clear();
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.check();
        // Not due yet (e.g. became ready while hidden): look again when it would be.
        if (this.hiddenSince !== null && !this.unreadiedWhileAway) this.arm(this.limitMs);
      },
      Math.max(0, ms),
    );
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private check(): void {
    const due = hiddenUnreadyDue({
      hiddenSinceMs: this.hiddenSince,
      nowMs: this.now(),
      limitMs: this.limitMs,
      ready: this.host.ready(),
      inCall: this.host.inCall(),
    });
    if (!due) return;
    this.host.setNotReady();
    this.unreadiedWhileAway = true;
  }
}
