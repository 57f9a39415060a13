import { describe, expect, it } from 'vitest';
import { BackoffReconnectPolicy, DEFAULT_BACKOFF, isTerminalCloseCode } from './reconnect-policy';

const ctx = (retryCount: number, elapsedMs = 0) => ({ retryCount, elapsedMs, closeCode: 1006 });

describe('BackoffReconnectPolicy', () => {
  it('grows exponentially without jitter', () => {
    const policy = new BackoffReconnectPolicy({ jitter: 0, initialDelayMs: 100, multiplier: 2, maxDelayMs: 1_000 });
    expect([0, 1, 2, 3, 4, 5].map((n) => policy.nextRetryDelayMs(ctx(n)))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('keeps jitter within the configured fraction', () => {
    const low = new BackoffReconnectPolicy({ jitter: 0.5, initialDelayMs: 1000 }, () => 0);
    const high = new BackoffReconnectPolicy({ jitter: 0.5, initialDelayMs: 1000 }, () => 0.999999);
    const mid = new BackoffReconnectPolicy({ jitter: 0.5, initialDelayMs: 1000 }, () => 0.5);
    expect(low.nextRetryDelayMs(ctx(0))).toBe(500);
    expect(high.nextRetryDelayMs(ctx(0))).toBe(1500);
    expect(mid.nextRetryDelayMs(ctx(0))).toBe(1000);
  });

  it('gives up after the maximum number of retries', () => {
    const policy = new BackoffReconnectPolicy({ maxRetries: 3, jitter: 0 });
    expect(policy.nextRetryDelayMs(ctx(2))).not.toBeNull();
    expect(policy.nextRetryDelayMs(ctx(3))).toBeNull();
  });

  it('gives up once the time budget is spent, and never schedules past it', () => {
    const policy = new BackoffReconnectPolicy({ maxElapsedMs: 10_000, initialDelayMs: 4_000, jitter: 0 });
    expect(policy.nextRetryDelayMs(ctx(0, 8_000))).toBe(2_000);
    expect(policy.nextRetryDelayMs(ctx(0, 10_000))).toBeNull();
  });

  it('by default keeps trying well past the server resume grace period (20 s)', () => {
    const policy = new BackoffReconnectPolicy({ jitter: 0 });
    let elapsed = 0;
    let retries = 0;
    for (;;) {
      const d = policy.nextRetryDelayMs(ctx(retries, elapsed));
      if (d === null) break;
      elapsed += d;
      retries += 1;
    }
    expect(elapsed).toBeGreaterThan(20_000);
    expect(retries).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxRetries);
    // Several quick attempts fit inside the grace period.
    expect([0, 1, 2, 3].reduce((sum, n) => sum + (policy.nextRetryDelayMs(ctx(n)) ?? 0), 0)).toBeLessThan(20_000);
  });
});

describe('isTerminalCloseCode', () => {
  it('stops on kicked, lobby closed, replaced, too big and normal close', () => {
    for (const code of [1000, 1009, 4000, 4003, 4004]) expect(isTerminalCloseCode(code)).toBe(true);
  });
  it('stops for good when the user signed out everywhere (4001) or deleted the account (4002)', () => {
    expect(isTerminalCloseCode(4001)).toBe(true);
    expect(isTerminalCloseCode(4002)).toBe(true);
  });
  it('retries on network loss, shutdown, policy, lobby failure and ping timeout', () => {
    for (const code of [1001, 1006, 1008, 1011, 4008]) expect(isTerminalCloseCode(code)).toBe(false);
  });
});
