// Watches one remote peer: samples getStats() every second, feeds the stall rule
// (stall-detector.ts) and the quality figures, says when the peer's media first arrives (the
// same samples: one getStats() loop per peer, not one per use), and, while video is stalled,
// walks the recovery policy
// (recovery-policy.ts): ICE restarts, then a fresh peer connection. It outlives the peer
// connections it watches (a re-created connection keeps its monitor, so the policy's budget
// spans them) and does nothing itself but call the functions it was given.

import { hasInboundMedia } from './media-state';
import { nextRecoveryStep, type RecoveryStep } from './recovery-policy';
import { INITIAL_STALL_STATE, nextStallState, type StallReason, type StallState } from './stall-detector';
import { qualityLevel, statsDelta, statsEntries, statsSnapshot, type PeerQuality, type QualityLevel, type StatsSnapshot } from './stats';

/** The call events the client reports to the server (`call_event`, docs/protocol.md). */
export type CallEventName = 'stall' | 'ice_restart' | 'pc_recreated' | 'recovered';

/** How often getStats() is read while video flows: cheap, and fine-grained enough for the indicator. */
export const STATS_INTERVAL_MS = 1_000;
/**
 * How often while frames have stopped: a second look half a second later confirms a freeze
 * (STALL_AFTER_MS) without waiting a whole extra interval, and notices recovery sooner.
 */
export const SUSPECT_INTERVAL_MS = 500;

/**
 * Both sides of a frozen call see the stall within a sample or so of each other, and two ICE
 * restarts (or new connections) crossing each other undo each other's checks. So the impolite
 * side drives: the polite side waits this much longer before each step, longer than the longest
 * wait between two steps (DEFAULT_RECOVERY.maxDelayMs), so each offer of the other side's next
 * step reaches it first and pushes its own step back (peerActed). When only the polite side
 * sees the stall (video frozen one way only), it acts, this much later.
 */
export const POLITE_STEP_OFFSET_MS = 3_000;

/**
 * The polite side never steps while the impolite peer is driving: a step of the polite side
 * that falls due within this long after the peer's last own step (peerActed: its restart's
 * offer, its reset) is put off until this long after that step. Three times the impolite
 * side's longest wait (DEFAULT_RECOVERY.maxDelayMs): a driving peer acts again well before
 * it, so the two sides' steps never cross; a peer that stopped acting (budget spent, or it
 * sees no stall: video frozen one way only) leaves the repair to the polite side.
 */
export const POLITE_YIELD_MS = 6_000;

export type PeerHealth = {
  stalled: boolean;
  reason: StallReason | null;
  /** The last interval's figures (null until two samples were taken). */
  quality: PeerQuality | null;
  level: QualityLevel | null;
  /** getStats() samples taken so far. */
  samples: number;
  /** The last RECENT_INTERVALS intervals as "frames/ms" (received/decoded), oldest first, for debugging. */
  recent: string[];
};

/** How many intervals `PeerHealth.recent` keeps. */
export const RECENT_INTERVALS = 12;

type StatsSource = Parameters<typeof statsSnapshot>[0];

export type PeerHealthOptions = {
  /** getStats() of the peer's current connection. */
  getStats: () => Promise<StatsSource>;
  connectionState: () => RTCPeerConnectionState;
  /** The peer's camera as they last reported it. */
  cameraOn: () => boolean;
  restartIce: () => void;
  /** Tears the connection down and makes a new one (the monitor then starts a new baseline). */
  recreate: () => void;
  onChange: (health: PeerHealth) => void;
  onEvent: (event: CallEventName) => void;
  /** Once, at the first sample that shows the peer's media arriving (`media_flowing`). */
  onFirstMedia?: () => void;
  policy?: (stepsTaken: number) => RecoveryStep | null;
  /** Added to every step's delay: the polite side of a pair waits POLITE_STEP_OFFSET_MS longer. */
  stepOffsetMs?: number;
  /** Puts off any step due within this long after the peer's last own step (polite side: POLITE_YIELD_MS). */
  yieldToPeerMs?: number;
  /** Fallback clock for reports without timestamps. */
  now?: () => number;
};

export class PeerHealthMonitor {
  health: PeerHealth = { stalled: false, reason: null, quality: null, level: null, samples: 0, recent: [] };

  private state: StallState = INITIAL_STALL_STATE;
  private prev: StatsSnapshot | null = null;
  private steps = 0;
  private sampleTimer: ReturnType<typeof setTimeout> | null = null;
  private recoveryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private peerActedAt: number | null = null;
  private mediaSeen = false;

  constructor(private readonly options: PeerHealthOptions) {}

  start(): void {
    this.scheduleSample(STATS_INTERVAL_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.sampleTimer !== null) clearTimeout(this.sampleTimer);
    if (this.recoveryTimer !== null) clearTimeout(this.recoveryTimer);
    this.sampleTimer = this.recoveryTimer = null;
  }

  /** The connection was replaced: its counters start from zero, so the next sample is a new baseline. */
  resetBaseline(): void {
    this.prev = null;
  }

  /**
   * The peer took a recovery step of its own (an ICE restart's offer, a new connection): give
   * it the time our own step would get before the policy's next one, instead of restarting
   * over it on our schedule. Both sides of a frozen call see the stall at about the same
   * moment; this way the first to act drives the recovery and the other follows.
   */
  peerActed(): void {
    this.peerActedAt = this.clock();
    this.postponeStep();
  }

  /**
   * A step is under way (the peer's answer to our offer arrived): give the negotiation it
   * completes the whole wait before the next step, instead of tearing it down just as it can
   * connect (when signaling is slow or was down too, the answer to our last step can arrive a
   * moment before our schedule would replace that connection).
   */
  postponeStep(): void {
    if (this.recoveryTimer === null || this.stopped) return;
    clearTimeout(this.recoveryTimer);
    this.recoveryTimer = null;
    this.scheduleRecovery();
  }

  /** Takes one sample now (the timer calls this; tests too). */
  async sample(): Promise<void> {
    let report: StatsSource;
    try {
      report = await this.options.getStats();
    } catch {
      return; // a connection closing under us: the next sample sees the new one
    }
    if (this.stopped) return;
    if (!this.mediaSeen && hasInboundMedia(statsEntries(report) as Parameters<typeof hasInboundMedia>[0])) {
      this.mediaSeen = true;
      this.options.onFirstMedia?.();
    }
    const snap = statsSnapshot(report, (this.options.now ?? Date.now)());
    const quality = this.prev ? statsDelta(this.prev, snap) : null;
    this.prev = snap;
    const wasStalled = this.state.stalled;
    this.state = nextStallState(this.state, {
      quality,
      connectionState: this.options.connectionState(),
      cameraOn: this.options.cameraOn(),
    });
    this.health = {
      stalled: this.state.stalled,
      reason: this.state.reason,
      quality: quality ?? this.health.quality,
      level: quality ? qualityLevel(quality) : this.health.level,
      samples: this.health.samples + 1,
      recent: quality
        ? [
            ...this.health.recent,
            `${quality.framesReceived ?? '-'}/${quality.framesDecoded ?? '-'} in ${Math.round(quality.intervalMs)}`,
          ].slice(-RECENT_INTERVALS)
        : this.health.recent,
    };
    if (!wasStalled && this.state.stalled) {
      this.options.onEvent('stall');
      this.steps = 0;
      this.scheduleRecovery();
    } else if (wasStalled && !this.state.stalled) {
      if (this.recoveryTimer !== null) clearTimeout(this.recoveryTimer);
      this.recoveryTimer = null;
      this.steps = 0;
      this.options.onEvent('recovered');
    }
    this.options.onChange(this.health);
  }

  private clock(): number {
    return (this.options.now ?? Date.now)();
  }

  /** How much longer a step due now must wait for the peer's own recovery (0: act). */
  private yieldLeftMs(): number {
    const window = this.options.yieldToPeerMs ?? 0;
    if (window <= 0 || this.peerActedAt === null) return 0;
    return Math.max(0, this.peerActedAt + window - this.clock());
  }

  private scheduleSample(delayMs: number): void {
    if (this.stopped) return;
    this.sampleTimer = setTimeout(() => {
      this.sampleTimer = null;
      void this.sample().finally(() =>
        this.scheduleSample(this.state.stalled || this.state.frozenMs > 0 ? SUSPECT_INTERVAL_MS : STATS_INTERVAL_MS),
      );
    }, delayMs);
  }

  private scheduleRecovery(): void {
    const step = (this.options.policy ?? nextRecoveryStep)(this.steps);
    if (!step || this.stopped) return; // budget spent: the tile keeps showing the stall
    this.armRecovery(step, step.delayMs + (this.options.stepOffsetMs ?? 0));
  }

  private armRecovery(step: RecoveryStep, delayMs: number): void {
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = null;
      if (this.stopped || !this.state.stalled) return;
      const wait = this.yieldLeftMs();
      if (wait > 0) {
        this.armRecovery(step, wait); // the peer is driving: follow it, do not cross it
        return;
      }
      this.steps += 1;
      if (step.action === 'restart_ice') {
        this.options.restartIce();
        this.options.onEvent('ice_restart');
      } else {
        this.options.recreate();
        this.resetBaseline();
        this.options.onEvent('pc_recreated');
      }
      this.scheduleRecovery();
    }, delayMs);
  }
}
