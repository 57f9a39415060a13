import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BLUR_SETTLE_MS, SettledToggle } from './settled-toggle';

describe('SettledToggle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('applies once, after the user stopped pressing for the settle time', () => {
    const applied: boolean[] = [];
    const t = new SettledToggle(false, (v) => applied.push(v));
    t.set(true);
    vi.advanceTimersByTime(BLUR_SETTLE_MS - 1);
    expect(applied).toEqual([]);
    expect(t.wanted).toBe(true);
    expect(t.applied).toBe(false);
    expect(t.pending).toBe(true);
    vi.advanceTimersByTime(1);
    expect(applied).toEqual([true]);
    expect(t.applied).toBe(true);
    expect(t.pending).toBe(false);
  });

  it('rapid toggles make one switch, to the value the user settled on', () => {
    const applied: boolean[] = [];
    const t = new SettledToggle(false, (v) => applied.push(v));
    for (let i = 0; i < 7; i++) {
      t.set(i % 2 === 0); // on, off, on, off, on, off, on
      vi.advanceTimersByTime(BLUR_SETTLE_MS / 2);
    }
    expect(applied).toEqual([]);
    vi.advanceTimersByTime(BLUR_SETTLE_MS);
    expect(applied).toEqual([true]);
  });

  it('toggles that cancel out make no switch at all', () => {
    const applied: boolean[] = [];
    const t = new SettledToggle(false, (v) => applied.push(v));
    t.set(true);
    vi.advanceTimersByTime(100);
    t.set(false);
    vi.advanceTimersByTime(BLUR_SETTLE_MS * 3);
    expect(applied).toEqual([]);
    expect(t.wanted).toBe(false);
  });

  it('each settled change applies once: on, then later off', () => {
    const applied: boolean[] = [];
    const t = new SettledToggle(false, (v) => applied.push(v), 200);
    t.set(true);
    vi.advanceTimersByTime(200);
    t.set(true); // pressing "on" again while on changes nothing
    vi.advanceTimersByTime(200);
    t.set(false);
    vi.advanceTimersByTime(200);
    expect(applied).toEqual([true, false]);
  });

  it('force sets both values without applying and drops a pending change', () => {
    const applied: boolean[] = [];
    const t = new SettledToggle(true, (v) => applied.push(v));
    t.set(true);
    t.force(false);
    vi.advanceTimersByTime(BLUR_SETTLE_MS * 2);
    expect(applied).toEqual([]);
    expect(t.wanted).toBe(false);
    expect(t.applied).toBe(false);
  });

  it('refuses a negative settle time', () => {
    expect(() => new SettledToggle(false, () => {}, -1)).toThrow(RangeError);
  });
});
