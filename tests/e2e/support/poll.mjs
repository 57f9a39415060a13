// Waiting on conditions, never on the clock: every wait here retries a probe until it passes
// or its deadline is reached, and the failure says what was awaited and what was last seen.

import { setInterval as every } from 'node:timers/promises';

/**
 * Calls `probe` until it returns without throwing (an `expect.poll(...).toPass()` in small):
 * the probe holds its own assertions. Returns the probe's last value. On the deadline the last
 * error is rethrown with `what` in front, so a timeout reads like the assertion that failed.
 */
export async function eventually(probe, { timeout = 10_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  const attempt = async () => {
    try {
      return { ok: true, value: await probe() };
    } catch (err) {
      lastError = err;
      return { ok: false };
    }
  };
  let result = await attempt();
  if (result.ok) return result.value;
  for await (const _ of every(interval)) {
    if (Date.now() > deadline) break;
    result = await attempt();
    if (result.ok) return result.value;
  }
  const detail = lastError instanceof Error ? lastError.message : String(lastError);
  const err = new Error(`timed out after ${timeout} ms waiting for ${what}: ${detail}`);
  err.cause = lastError;
  throw err;
}
