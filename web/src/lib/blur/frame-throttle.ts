// The blur pipeline's frame clock: requestAnimationFrame calls it at the display's rate
// (60 Hz or more) and it lets a frame through only when enough time has passed since the
// last one, so the canvas (and the track the partner receives) runs at most MAX_BLUR_FPS.

/** Most frames per second the blur pipeline draws, and so sends. */
export const MAX_BLUR_FPS = 30;

/**
 * A frame that comes this much early still counts: animation frames jitter by a millisecond
 * or two, and a strict check would drop every other 60 Hz tick, halving the rate to 20 fps.
 */
export const FRAME_SLACK_MS = 4;

/** Lets through at most one frame per `minIntervalMs` of the times it is shown. */
export class FrameThrottle {
  private last = Number.NEGATIVE_INFINITY;

  constructor(readonly minIntervalMs: number = 1000 / MAX_BLUR_FPS) {
    if (!(minIntervalMs > 0)) throw new RangeError(`frame interval must be positive, got ${minIntervalMs}`);
  }

  /** `now`: the animation frame's timestamp (ms). True: draw this frame. */
  take(now: number): boolean {
    if (now - this.last < this.minIntervalMs - FRAME_SLACK_MS) return false;
    // A long gap (hidden tab, a slow frame) restarts the clock rather than bursting to catch up.
    this.last = now - this.last > 2 * this.minIntervalMs ? now : this.last + this.minIntervalMs;
    return true;
  }

  reset(): void {
    this.last = Number.NEGATIVE_INFINITY;
  }
}
