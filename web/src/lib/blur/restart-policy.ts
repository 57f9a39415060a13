// What to do when segmentation fails: restart the segmenter after a growing delay, and give
// up (blur off, the plain camera goes out again) when failures keep coming. Failures older
// than the window are forgotten, so a pipeline that ran well for a while gets its full
// budget back.

export type BlurRestartOptions = {
  /** Restarts allowed inside `windowMs`; the next failure gives up. */
  maxRestarts: number;
  windowMs: number;
  /** Delay before the first restart; each further one in the window doubles it. */
  initialDelayMs: number;
  maxDelayMs: number;
};

export const DEFAULT_BLUR_RESTART: BlurRestartOptions = {
  maxRestarts: 3,
  windowMs: 60_000,
  initialDelayMs: 500,
  maxDelayMs: 4_000,
};

/** Bounded restarts with exponential backoff over a sliding window. */
export class BlurRestartPolicy {
  private readonly options: BlurRestartOptions;
  private failures: number[] = [];

  constructor(options: Partial<BlurRestartOptions> = {}) {
    this.options = { ...DEFAULT_BLUR_RESTART, ...options };
    const o = this.options;
    if (!(o.maxRestarts >= 0 && o.windowMs > 0 && o.initialDelayMs >= 0 && o.maxDelayMs >= o.initialDelayMs))
      throw new RangeError('invalid blur restart options');
  }

  /** Restarts counted in the window ending at `now`. */
  recentFailures(now: number): number {
    this.forget(now);
    return this.failures.length;
  }

  /** A failure at `now`: milliseconds to wait before restarting, or null to give up. */
  nextDelayMs(now: number): number | null {
    this.forget(now);
    const o = this.options;
    if (this.failures.length >= o.maxRestarts) return null;
    const delay = Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** this.failures.length);
    this.failures.push(now);
    return delay;
  }

  reset(): void {
    this.failures = [];
  }

  private forget(now: number): void {
    this.failures = this.failures.filter((t) => now - t < this.options.windowMs);
  }
}
