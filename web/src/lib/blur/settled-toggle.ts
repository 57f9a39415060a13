// The blur button's debounce: every press changes what the user wants at once (the button
// shows it), but the outgoing track is switched only once the user has stopped pressing for
// BLUR_SETTLE_MS, and only if the settled value differs from the last one applied. Rapid
// toggles thus make at most one replaceTrack on each peer sender, and none if they cancel out.

/** Quiet time after the last press before the choice is applied. */
export const BLUR_SETTLE_MS = 400;

export type TimerApi = {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

const realTimers: TimerApi = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** A boolean whose changes are applied once they have settled. */
export class SettledToggle {
  private wantedValue: boolean;
  private appliedValue: boolean;
  private timer: unknown = null;

  constructor(
    initial: boolean,
    private readonly apply: (value: boolean) => void,
    private readonly settleMs: number = BLUR_SETTLE_MS,
    private readonly timers: TimerApi = realTimers,
  ) {
    if (!(settleMs >= 0)) throw new RangeError(`settle time must be >= 0, got ${settleMs}`);
    this.wantedValue = initial;
    this.appliedValue = initial;
  }

  /** What the user asked for last (applied or not yet). */
  get wanted(): boolean {
    return this.wantedValue;
  }

  /** What was last handed to `apply`. */
  get applied(): boolean {
    return this.appliedValue;
  }

  get pending(): boolean {
    return this.timer !== null;
  }

  set(value: boolean): void {
    this.wantedValue = value;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.settle(), this.settleMs);
  }

  /**
   * Sets both values at once without calling `apply` (the owner already did the switch itself,
   * e.g. blur turned off after repeated failures), dropping a pending change.
   */
  force(value: boolean): void {
    this.cancel();
    this.wantedValue = value;
    this.appliedValue = value;
  }

  cancel(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private settle(): void {
    this.timer = null;
    if (this.wantedValue === this.appliedValue) return;
    this.appliedValue = this.wantedValue;
    this.apply(this.appliedValue);
  }
}
