// When to try the lobby WebSocket again after it dropped, as a policy object: the signaling
// client asks for the next delay and gives up when the policy answers null.

import { CloseCode } from './protocol';

export type ReconnectContext = {
  /** 0 for the first retry after a drop, 1 for the second, ... */
  retryCount: number;
  /** Milliseconds since the connection was lost. */
  elapsedMs: number;
  /** The close code of the last failure (1006 when the socket never opened). */
  closeCode: number;
};

export interface ReconnectPolicy {
  /** Milliseconds to wait before the next attempt, or null to stop trying. */
  nextRetryDelayMs(context: ReconnectContext): number | null;
}

export type BackoffOptions = {
  /** First delay; kept short so a blip inside the resume grace period costs little. */
  initialDelayMs: number;
  /** Upper bound for a single delay. */
  maxDelayMs: number;
  /** Each delay is the previous one times this. */
  multiplier: number;
  /** Fraction of the delay randomized, 0..1 (0.3 means ±30%), so clients do not stampede. */
  jitter: number;
  /** Stop after this many attempts. */
  maxRetries: number;
  /** Stop once we have been disconnected this long. */
  maxElapsedMs: number;
};

/**
 * Default budget: retries fill well beyond the server's 20 s resume grace, so a call survives a
 * short outage, and we still rejoin the lobby after a longer one, then give up after ~2 min.
 */
export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 300,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.3,
  maxRetries: 20,
  maxElapsedMs: 120_000,
};

/** Exponential backoff with jitter, bounded by a retry count and by total time. */
export class BackoffReconnectPolicy implements ReconnectPolicy {
  private readonly options: BackoffOptions;

  constructor(
    options: Partial<BackoffOptions> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.options = { ...DEFAULT_BACKOFF, ...options };
  }

  nextRetryDelayMs({ retryCount, elapsedMs }: ReconnectContext): number | null {
    const o = this.options;
    if (retryCount >= o.maxRetries || elapsedMs >= o.maxElapsedMs) return null;
    const base = Math.min(o.maxDelayMs, o.initialDelayMs * Math.pow(o.multiplier, retryCount));
    const spread = base * o.jitter * (this.random() * 2 - 1);
    const delay = Math.max(0, Math.round(base + spread));
    // Never schedule past the total budget: one last attempt right at its end instead.
    return Math.min(delay, Math.max(0, o.maxElapsedMs - elapsedMs));
  }
}

/**
 * Close codes after which reconnecting cannot help (or would be wrong), from docs/protocol.md:
 * 4000 another tab took over, 4001 the user signed out everywhere and 4002 deleted the account
 * (the token is dead: a retry would only be refused), 4003 kicked, 4004 lobby closed, 1009 we
 * sent a frame that is too big (a bug that would repeat). 1000 is a normal close that we (or
 * the server) meant. 1008 (too slow / rate limited), 1011 (lobby failed), 1001 and 4008 are
 * worth retrying: the policy bounds how often.
 */
export function isTerminalCloseCode(code: number): boolean {
  return TERMINAL_CLOSE_CODES.has(code);
}

const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.Normal,
  CloseCode.MessageTooBig,
  CloseCode.Replaced,
  CloseCode.SignedOut,
  CloseCode.AccountDeleted,
  CloseCode.Kicked,
  CloseCode.LobbyClosed,
]);
