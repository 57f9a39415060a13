import { describe, expect, it } from 'vitest';
import { FRAME_SLACK_MS, FrameThrottle, MAX_BLUR_FPS } from './frame-throttle';

/** Feeds animation-frame times and returns how many frames got through. */
function run(throttle: FrameThrottle, times: number[]): number {
  return times.filter((t) => throttle.take(t)).length;
}

const ticks = (hz: number, seconds: number, jitter: (i: number) => number = () => 0) =>
  Array.from({ length: Math.round(hz * seconds) }, (_, i) => (i * 1000) / hz + jitter(i));

describe('FrameThrottle', () => {
  it('caps a 60 Hz display at 30 fps, and a 144 Hz one too', () => {
    expect(run(new FrameThrottle(), ticks(60, 10))).toBe(300);
    expect(run(new FrameThrottle(), ticks(144, 10))).toBeGreaterThanOrEqual(MAX_BLUR_FPS * 10 - 1);
    expect(run(new FrameThrottle(), ticks(144, 10))).toBeLessThanOrEqual(MAX_BLUR_FPS * 10 + 1);
  });

  it('does not halve the rate when 60 Hz ticks jitter by a millisecond or two', () => {
    const jittery = ticks(60, 10, (i) => (i % 2 === 0 ? -1.5 : 1.5));
    expect(run(new FrameThrottle(), jittery)).toBe(300);
  });

  it('lets every frame through when the display is slower than the cap', () => {
    expect(run(new FrameThrottle(), ticks(20, 5))).toBe(100);
  });

  it('skips frames that come too soon', () => {
    const t = new FrameThrottle(100);
    expect(t.take(0)).toBe(true);
    expect(t.take(50)).toBe(false);
    expect(t.take(100 - FRAME_SLACK_MS - 1)).toBe(false);
    expect(t.take(100 - FRAME_SLACK_MS)).toBe(true);
  });

  it('after a long gap starts over instead of bursting to catch up', () => {
    const t = new FrameThrottle(100);
    expect(t.take(0)).toBe(true);
    expect(t.take(5_000)).toBe(true);
    expect(t.take(5_010)).toBe(false);
    expect(t.take(5_050)).toBe(false);
    expect(t.take(5_100)).toBe(true);
  });

  it('reset lets the next frame through at once; a bad interval is refused', () => {
    const t = new FrameThrottle(100);
    t.take(0);
    t.reset();
    expect(t.take(1)).toBe(true);
    expect(() => new FrameThrottle(0)).toThrow(RangeError);
    expect(() => new FrameThrottle(Number.NaN)).toThrow(RangeError);
  });
});
