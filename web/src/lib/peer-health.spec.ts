import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import chromium from './fixtures/stats-chromium.json';
import { PeerHealthMonitor, STATS_INTERVAL_MS, SUSPECT_INTERVAL_MS, type CallEventName } from './peer-health';

type Report = [string, unknown][];
const reports: Report[] = chromium.samples.map((s) => s.report.map((e, k) => [String(k), e] as [string, unknown]));

/** A monitor over a scripted sequence of reports, with everything it does recorded. */
function harness(
  sequence: Report[],
  options: { cameraOn?: () => boolean; state?: () => RTCPeerConnectionState; yieldToPeerMs?: number } = {},
) {
  let i = 0;
  const log: string[] = [];
  const events: CallEventName[] = [];
  const monitor = new PeerHealthMonitor({
    getStats: async () => sequence[Math.min(i++, sequence.length - 1)]!,
    connectionState: options.state ?? (() => 'connected'),
    cameraOn: options.cameraOn ?? (() => true),
    restartIce: () => log.push('restartIce'),
    recreate: () => log.push('recreate'),
    onChange: () => undefined,
    onEvent: (e) => {
      events.push(e);
      log.push(e);
    },
    yieldToPeerMs: options.yieldToPeerMs,
    policy: (n) => (n < 3 ? { action: n === 2 ? 'recreate_pc' : 'restart_ice', delayMs: n === 0 ? 0 : 1000 } : null),
  });
  return { monitor, log, events, taken: () => i };
}

describe('PeerHealthMonitor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('samples every second while video flows', async () => {
    const h = harness(reports.slice(0, 6));
    h.monitor.start();
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS * 5 + 10);
    expect(h.taken()).toBe(5);
    expect(h.monitor.health).toMatchObject({ stalled: false, samples: 5, level: 'good' });
    expect(h.monitor.health.quality?.framesReceived).toBe(20);
    h.monitor.stop();
  });

  it('on a stall: reports it, restarts ICE at once, then escalates until the policy gives up', async () => {
    // Flowing (0-5), then the frozen reports repeated for as long as the test runs.
    const frozen = Array<Report>(40).fill(reports[10]!);
    const h = harness([...reports.slice(0, 6), ...frozen]);
    h.monitor.start();
    await vi.advanceTimersByTimeAsync(6 * STATS_INTERVAL_MS + 10); // samples 0..5, flowing
    expect(h.events).toEqual([]);
    // Sample 5 → the frozen report 10: one five-second interval without frames.
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS);
    expect(h.log).toEqual(['stall', 'restartIce', 'ice_restart']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.log.slice(3)).toEqual(['restartIce', 'ice_restart']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.log.slice(5)).toEqual(['recreate', 'pc_recreated']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.log).toHaveLength(7); // the policy's budget is spent: nothing more
    expect(h.monitor.health.stalled).toBe(true);
    h.monitor.stop();
  });

  it('reports recovery once frames flow, and samples faster while frozen', async () => {
    const h = harness([...reports.slice(4, 12), ...reports.slice(12)]);
    h.monitor.start();
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS * 4 + 10); // 4, 5, 6 (frozen), then fast
    const before = h.taken();
    await vi.advanceTimersByTimeAsync(SUSPECT_INTERVAL_MS * 2);
    expect(h.taken() - before).toBe(2);
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS * 6);
    expect(h.events[0]).toBe('stall');
    expect(h.events).toContain('recovered');
    expect(h.monitor.health.stalled).toBe(false);
    h.monitor.stop();
  });

  it('when the peer takes a step of its own, our next step waits its full delay again', async () => {
    const h = harness([...reports.slice(0, 6), ...Array<Report>(40).fill(reports[10]!)]);
    h.monitor.start();
    await vi.advanceTimersByTimeAsync(7 * STATS_INTERVAL_MS + 10);
    expect(h.log).toEqual(['stall', 'restartIce', 'ice_restart']);
    await vi.advanceTimersByTimeAsync(900); // our second restart is due in 100 ms ...
    h.monitor.peerActed(); // ... but the peer just restarted ICE itself
    await vi.advanceTimersByTimeAsync(900);
    expect(h.log).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(200);
    expect(h.log.slice(3)).toEqual(['restartIce', 'ice_restart']);
    h.monitor.stop();
  });

  it('the polite side takes no step while the peer drives, and resumes once the peer stops acting', async () => {
    const h = harness([...reports.slice(0, 6), ...Array<Report>(60).fill(reports[10]!)], { yieldToPeerMs: 5000 });
    h.monitor.start();
    await vi.advanceTimersByTimeAsync(6 * STATS_INTERVAL_MS + 10);
    h.monitor.peerActed(); // the impolite peer restarts ICE just before we see the stall
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS);
    expect(h.log).toEqual(['stall']); // our first step (due at once) waits for the peer's
    await vi.advanceTimersByTimeAsync(3000);
    h.monitor.peerActed(); // ... and again, 4 s after its first: still driving
    await vi.advanceTimersByTimeAsync(4900);
    expect(h.log).toEqual(['stall']); // our steps all fell within 5 s of one of the peer's
    await vi.advanceTimersByTimeAsync(200); // 5 s without a step of the peer's: we act
    expect(h.log).toEqual(['stall', 'restartIce', 'ice_restart']);
    h.monitor.stop();
  });

  it('an answer to our step postpones the next step by its whole wait, without yielding to the peer', async () => {
    const h = harness([...reports.slice(0, 6), ...Array<Report>(40).fill(reports[10]!)], { yieldToPeerMs: 5000 });
    h.monitor.start();
    await vi.advanceTimersByTimeAsync(7 * STATS_INTERVAL_MS + 10);
    expect(h.log).toEqual(['stall', 'restartIce', 'ice_restart']);
    await vi.advanceTimersByTimeAsync(900); // our second restart is due in 100 ms ...
    h.monitor.postponeStep(); // ... but the answer to our first just arrived
    await vi.advanceTimersByTimeAsync(900);
    expect(h.log).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(200); // a full wait after the answer, and no yield window
    expect(h.log.slice(3)).toEqual(['restartIce', 'ice_restart']);
    h.monitor.stop();
  });

  it('the polite side repairs a stall only it sees (no step of the peer) on its own schedule', async () => {
    const h = harness([...reports.slice(0, 6), ...Array<Report>(40).fill(reports[10]!)], { yieldToPeerMs: 5000 });
    h.monitor.start();
    await vi.advanceTimersByTimeAsync(7 * STATS_INTERVAL_MS + 10);
    expect(h.log).toEqual(['stall', 'restartIce', 'ice_restart']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.log.slice(3)).toEqual(['restartIce', 'ice_restart']);
    h.monitor.stop();
  });

  it('a camera that is off never triggers recovery', async () => {
    const h = harness([...reports.slice(0, 6), ...Array<Report>(10).fill(reports[10]!)], { cameraOn: () => false });
    h.monitor.start();
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS * 16);
    expect(h.log).toEqual([]);
    h.monitor.stop();
  });

  it('stops sampling when stopped', async () => {
    const h = harness(reports);
    h.monitor.start();
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS * 2 + 10);
    h.monitor.stop();
    const n = h.taken();
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS * 5);
    expect(h.taken()).toBe(n);
  });

  it("says once when the peer's media first arrives, from its own samples (no second getStats loop)", async () => {
    const noMedia: Report = [['a', { type: 'inbound-rtp', kind: 'video', packetsReceived: 0, framesReceived: 0 }]];
    let i = 0;
    const sequence = [noMedia, noMedia, ...reports.slice(0, 4)];
    const firsts: number[] = [];
    const monitor = new PeerHealthMonitor({
      getStats: async () => sequence[Math.min(i++, sequence.length - 1)]!,
      connectionState: () => 'connected',
      cameraOn: () => true,
      restartIce: () => undefined,
      recreate: () => undefined,
      onChange: () => undefined,
      onEvent: () => undefined,
      onFirstMedia: () => firsts.push(i),
    });
    monitor.start();
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS * 2 + 10);
    expect(firsts).toEqual([]);
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS);
    expect(firsts).toEqual([3]); // the third sample, the first with media
    await vi.advanceTimersByTimeAsync(STATS_INTERVAL_MS * 3);
    expect(firsts).toEqual([3]);
    expect(i).toBe(6); // one getStats() a second, nothing else
    monitor.stop();
  });
});
