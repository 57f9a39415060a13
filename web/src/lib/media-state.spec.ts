import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HiddenUnreadyWatch, MediaStateReporter, hasInboundMedia, hiddenUnreadyDue, localMedia } from './media-state';
import { parseServerMessage } from './protocol';
import { ICE_POLICY_KEY, testIceTransportPolicy } from './test-switches';

const track = {} as MediaStreamTrack;

describe('localMedia', () => {
  it('is on only with a track that is switched on', () => {
    expect(localMedia({ videoTrack: track, audioTrack: track, cameraOn: true, microphoneOn: true })).toEqual({
      camera: true,
      microphone: true,
    });
    expect(localMedia({ videoTrack: null, audioTrack: track, cameraOn: true, microphoneOn: false })).toEqual({
      camera: false,
      microphone: false,
    });
    expect(localMedia({ videoTrack: track, audioTrack: null, cameraOn: false, microphoneOn: true })).toEqual({
      camera: false,
      microphone: false,
    });
  });
});

describe('MediaStateReporter', () => {
  it('sends the first state, then only changes, and again when forced or reset', () => {
    const r = new MediaStateReporter();
    expect(r.next({ camera: true, microphone: true })).toEqual({ camera: true, microphone: true });
    expect(r.next({ camera: true, microphone: true })).toBeNull();
    expect(r.next({ camera: false, microphone: true })).toEqual({ camera: false, microphone: true });
    expect(r.next({ camera: false, microphone: true }, true)).toEqual({ camera: false, microphone: true });
    r.reset();
    expect(r.next({ camera: false, microphone: true })).not.toBeNull();
  });
});

describe('hasInboundMedia', () => {
  it('reads Chromium-shaped reports (a Map with forEach)', () => {
    const chromium = new Map<string, { type: string; kind?: string; framesReceived?: number; packetsReceived?: number }>([
      ['t', { type: 'transport' }],
      ['v', { type: 'inbound-rtp', kind: 'video', framesReceived: 0, packetsReceived: 0 }],
    ]);
    expect(hasInboundMedia(chromium)).toBe(false);
    chromium.set('v', { type: 'inbound-rtp', kind: 'video', framesReceived: 1, packetsReceived: 3 });
    expect(hasInboundMedia(chromium)).toBe(true);
  });
  it('reads Firefox-shaped entries (no framesReceived) and counts audio alone', () => {
    expect(hasInboundMedia([{ type: 'inbound-rtp', packetsReceived: 0 }])).toBe(false);
    expect(hasInboundMedia([{ type: 'inbound-rtp', packetsReceived: 12 }])).toBe(true);
    expect(
      hasInboundMedia([
        { type: 'outbound-rtp', packetsReceived: 99 },
        { type: 'remote-inbound-rtp', packetsReceived: 5 },
      ]),
    ).toBe(false);
  });
});

describe('the hidden-page rule', () => {
  it('is due only for a ready member, not in a call, hidden at least the limit', () => {
    const base = { hiddenSinceMs: 1_000, nowMs: 61_000, limitMs: 60_000, ready: true, inCall: false };
    expect(hiddenUnreadyDue(base)).toBe(true);
    expect(hiddenUnreadyDue({ ...base, nowMs: 60_999 })).toBe(false);
    expect(hiddenUnreadyDue({ ...base, ready: false })).toBe(false);
    expect(hiddenUnreadyDue({ ...base, inCall: true })).toBe(false);
    expect(hiddenUnreadyDue({ ...base, hiddenSinceMs: null })).toBe(false);
  });

  describe('HiddenUnreadyWatch', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    function setup(state: { ready: boolean; inCall: boolean }) {
      const calls: string[] = [];
      const watch = new HiddenUnreadyWatch(
        {
          ready: () => state.ready,
          inCall: () => state.inCall,
          setNotReady: () => {
            calls.push('not-ready');
            state.ready = false;
          },
          tellUserOnReturn: () => calls.push('told'),
          now: () => Date.now(),
        },
        60_000,
      );
      return { watch, calls };
    }

    it('sets a ready member not ready after the limit while hidden, and tells them on return', async () => {
      const { watch, calls } = setup({ ready: true, inCall: false });
      watch.visibilityChanged(true);
      await vi.advanceTimersByTimeAsync(59_999);
      expect(calls).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toEqual(['not-ready']);
      watch.visibilityChanged(false);
      expect(calls).toEqual(['not-ready', 'told']);
    });

    it('does nothing for a short absence, or while in a call', async () => {
      const short = setup({ ready: true, inCall: false });
      short.watch.visibilityChanged(true);
      await vi.advanceTimersByTimeAsync(30_000);
      short.watch.visibilityChanged(false);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(short.calls).toEqual([]);

      const calling = setup({ ready: true, inCall: true });
      calling.watch.visibilityChanged(true);
      await vi.advanceTimersByTimeAsync(180_000);
      calling.watch.visibilityChanged(false);
      expect(calling.calls).toEqual([]);
    });

    it('applies the rule on return when throttled timers did not fire', () => {
      const { watch, calls } = setup({ ready: true, inCall: false });
      watch.visibilityChanged(true);
      vi.setSystemTime(Date.now() + 90_000); // the clock moved, no timer ran
      watch.visibilityChanged(false);
      expect(calls).toEqual(['not-ready', 'told']);
    });

    it('catches a member who became ready while hidden (a call ended meanwhile)', async () => {
      const state = { ready: false, inCall: true };
      const { watch, calls } = setup(state);
      watch.visibilityChanged(true);
      await vi.advanceTimersByTimeAsync(70_000);
      state.inCall = false;
      state.ready = true;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(calls).toEqual(['not-ready']);
    });
  });
});

describe('protocol additions', () => {
  it('parses media_state and rejects malformed ones', () => {
    expect(parseServerMessage('{"type":"media_state","from":"u1","camera":false,"microphone":true}')).toEqual({
      type: 'media_state',
      from: 'u1',
      camera: false,
      microphone: true,
    });
    expect(parseServerMessage('{"type":"media_state","from":"u1","camera":"no","microphone":true}')).toBeNull();
    expect(parseServerMessage('{"type":"media_state","camera":false,"microphone":true}')).toBeNull();
  });
});

describe('test switches', () => {
  it('reads only known ICE transport policies', () => {
    const storage = (v: string | null) => ({ getItem: (k: string) => (k === ICE_POLICY_KEY ? v : null) });
    expect(testIceTransportPolicy(storage('relay'))).toBe('relay');
    expect(testIceTransportPolicy(storage('all'))).toBe('all');
    expect(testIceTransportPolicy(storage('bogus'))).toBeUndefined();
    expect(testIceTransportPolicy(storage(null))).toBeUndefined();
    expect(testIceTransportPolicy(null)).toBeUndefined();
    expect(
      testIceTransportPolicy({
        getItem: () => {
          throw new Error('denied');
        },
      }),
    ).toBeUndefined();
  });
});
