// What to do about a stalled peer connection, as a policy like reconnect-policy.ts: given how
// many recovery steps this stall has already taken, the next step and how long to wait before
// it, or null to give up. ICE restarts first (cheap: perfect negotiation carries the offer and
// the media keeps its transport certificates); after a few that did not help, a fresh peer
// connection; and after a few of those, nothing more until the stall ends or the user moves on.

export type RecoveryAction = 'restart_ice' | 'recreate_pc';

export type RecoveryStep = {
  action: RecoveryAction;
  /** Milliseconds to wait after the previous step (0 for the first: act on the stall at once). */
  delayMs: number;
};

export type RecoveryOptions = {
  /** ICE restarts in a row before the connection is torn down and made anew. */
  restartsBeforeRecreate: number;
  /** Fresh peer connections before the policy gives up on this stall. */
  maxRecreations: number;
  /** Wait after the first step before the second: time for ICE checks and a key frame. */
  firstRetryDelayMs: number;
  /** Each wait is the previous one times this. */
  multiplier: number;
  /** Upper bound for one wait. */
  maxDelayMs: number;
};

/**
 * Defaults: a restart over a working path completes in well under a second on a LAN and in a
 * couple of seconds across continents, so 2 s before the next attempt, and waits stay at most
 * 2 s, so that an outage that ends late in the budget is still tried again soon. The checks of
 * the latest restart keep going while the path is dead and connect as soon as it returns (the
 * browser test: frames back about 0.2 s after it). Three restarts, then a new connection, four
 * times over: about 30 s of trying in all, after which the tile shows the failure and "Next" is
 * the way out.
 */
export const DEFAULT_RECOVERY: RecoveryOptions = {
  restartsBeforeRecreate: 3,
  maxRecreations: 4,
  firstRetryDelayMs: 2_000,
  multiplier: 1.5,
  maxDelayMs: 2_000,
};

/**
 * The step after `stepsTaken` steps of the current stall (0: the stall was just detected), or
 * null when the budget is spent. The sequence is `restartsBeforeRecreate` restarts then one
 * re-creation, repeated `maxRecreations` times.
 */
export function nextRecoveryStep(stepsTaken: number, options: RecoveryOptions = DEFAULT_RECOVERY): RecoveryStep | null {
  const cycle = options.restartsBeforeRecreate + 1;
  if (stepsTaken < 0 || stepsTaken >= cycle * options.maxRecreations) return null;
  const action: RecoveryAction = stepsTaken % cycle === options.restartsBeforeRecreate ? 'recreate_pc' : 'restart_ice';
  const delayMs =
    stepsTaken === 0
      ? 0
      : Math.round(Math.min(options.maxDelayMs, options.firstRetryDelayMs * Math.pow(options.multiplier, stepsTaken - 1)));
  return { action, delayMs };
}
