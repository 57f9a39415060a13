import { describe, expect, it } from 'vitest';
import { BlurRestartPolicy, DEFAULT_BLUR_RESTART } from './restart-policy';

describe('BlurRestartPolicy', () => {
  it('backs off exponentially up to the cap, then gives up', () => {
    const p = new BlurRestartPolicy({ maxRestarts: 5, initialDelayMs: 500, maxDelayMs: 4_000, windowMs: 60_000 });
    expect([0, 1, 2, 3, 4, 5].map((i) => p.nextDelayMs(i * 10))).toEqual([500, 1_000, 2_000, 4_000, 4_000, null]);
  });

  it('by default allows three restarts a minute', () => {
    const p = new BlurRestartPolicy();
    expect(DEFAULT_BLUR_RESTART.maxRestarts).toBe(3);
    expect(p.nextDelayMs(0)).toBe(500);
    expect(p.nextDelayMs(1_000)).toBe(1_000);
    expect(p.nextDelayMs(3_000)).toBe(2_000);
    expect(p.nextDelayMs(6_000)).toBeNull();
    expect(p.recentFailures(6_000)).toBe(3);
  });

  it('forgets failures older than the window, so a pipeline that ran well gets its budget back', () => {
    const p = new BlurRestartPolicy({ maxRestarts: 2, windowMs: 10_000 });
    expect(p.nextDelayMs(0)).toBe(500);
    expect(p.nextDelayMs(1_000)).toBe(1_000);
    expect(p.nextDelayMs(2_000)).toBeNull();
    // 10 s after the first failure it drops out of the window: one restart is allowed again,
    // with the delay of the second in a row.
    expect(p.nextDelayMs(10_000)).toBe(1_000);
    expect(p.recentFailures(30_000)).toBe(0);
    expect(p.nextDelayMs(30_000)).toBe(500);
  });

  it('a give-up does not count as a restart; reset clears everything', () => {
    const p = new BlurRestartPolicy({ maxRestarts: 1 });
    expect(p.nextDelayMs(0)).toBe(500);
    expect(p.nextDelayMs(1)).toBeNull();
    expect(p.recentFailures(2)).toBe(1);
    p.reset();
    expect(p.nextDelayMs(3)).toBe(500);
  });

  it('maxRestarts 0 never restarts; inconsistent options are refused', () => {
    expect(new BlurRestartPolicy({ maxRestarts: 0 }).nextDelayMs(0)).toBeNull();
    expect(() => new BlurRestartPolicy({ initialDelayMs: 5_000, maxDelayMs: 1_000 })).toThrow(RangeError);
    expect(() => new BlurRestartPolicy({ windowMs: 0 })).toThrow(RangeError);
  });
});
