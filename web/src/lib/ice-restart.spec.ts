import { describe, expect, it } from 'vitest';
import { DISCONNECTED_RESTART_MS, iceRestartDelayMs, iceRestartStillNeeded } from './ice-restart';
import { POLITE_STEP_OFFSET_MS } from './peer-health';

const pc = (connectionState: RTCPeerConnectionState, iceConnectionState: RTCIceConnectionState) => ({
  connectionState,
  iceConnectionState,
});

describe('ICE restarts: the impolite side acts, the polite side only as a fallback', () => {
  it('the impolite side restarts at once on failure and after the disconnected wait', () => {
    expect(iceRestartDelayMs('ice_failed', false)).toBe(0);
    expect(iceRestartDelayMs('signals_lost', false)).toBe(0);
    expect(iceRestartDelayMs('disconnected', false)).toBe(DISCONNECTED_RESTART_MS);
  });

  it('the polite side waits POLITE_STEP_OFFSET_MS longer for each', () => {
    expect(iceRestartDelayMs('ice_failed', true)).toBe(POLITE_STEP_OFFSET_MS);
    expect(iceRestartDelayMs('signals_lost', true)).toBe(POLITE_STEP_OFFSET_MS);
    expect(iceRestartDelayMs('disconnected', true)).toBe(DISCONNECTED_RESTART_MS + POLITE_STEP_OFFSET_MS);
  });

  it('a restart is skipped when the peer already restarted (ICE checking again) or the connection came back', () => {
    expect(iceRestartStillNeeded('ice_failed', pc('failed', 'failed'), true)).toBe(true);
    expect(iceRestartStillNeeded('ice_failed', pc('connecting', 'checking'), true)).toBe(false);
    expect(iceRestartStillNeeded('disconnected', pc('disconnected', 'disconnected'), true)).toBe(true);
    expect(iceRestartStillNeeded('disconnected', pc('failed', 'failed'), false)).toBe(true);
    expect(iceRestartStillNeeded('disconnected', pc('connected', 'connected'), false)).toBe(false);
    expect(iceRestartStillNeeded('signals_lost', pc('connected', 'connected'), false)).toBe(true);
    expect(iceRestartStillNeeded('signals_lost', pc('connected', 'connected'), true)).toBe(false);
    expect(iceRestartStillNeeded('signals_lost', pc('connecting', 'checking'), true)).toBe(true);
  });
});
