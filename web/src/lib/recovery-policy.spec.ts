import { describe, expect, it } from 'vitest';
import { DEFAULT_RECOVERY, nextRecoveryStep } from './recovery-policy';

const sequence = (options = DEFAULT_RECOVERY) => {
  const out: string[] = [];
  for (let n = 0; n < 100; n++) {
    const step = nextRecoveryStep(n, options);
    if (!step) break;
    out.push(`${step.action}@${step.delayMs}`);
  }
  return out;
};

describe('nextRecoveryStep', () => {
  it('restarts ICE at once, backs off, re-creates the connection after the restarts, and gives up', () => {
    expect(sequence({ restartsBeforeRecreate: 2, maxRecreations: 2, firstRetryDelayMs: 1000, multiplier: 2, maxDelayMs: 5000 })).toEqual([
      'restart_ice@0',
      'restart_ice@1000',
      'recreate_pc@2000',
      'restart_ice@4000',
      'restart_ice@5000',
      'recreate_pc@5000',
    ]);
  });

  it('by default: three restarts then a new connection, four times, every wait at most 2 s', () => {
    const steps = sequence();
    expect(steps).toHaveLength(16);
    expect(steps.filter((s) => s.startsWith('recreate_pc'))).toHaveLength(4);
    expect(steps[0]).toBe('restart_ice@0');
    expect(steps[3]).toMatch(/^recreate_pc@/);
    // After the path returns, the next attempt (the one that repairs it) comes within 2 s.
    for (let n = 0; n < 16; n++) expect(nextRecoveryStep(n)!.delayMs).toBeLessThanOrEqual(2_000);
    expect(nextRecoveryStep(16)).toBeNull();
    expect(nextRecoveryStep(-1)).toBeNull();
  });

  it('never re-creates when no re-creation is allowed', () => {
    expect(sequence({ ...DEFAULT_RECOVERY, maxRecreations: 0 })).toEqual([]);
  });
});
