import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OFFER_WAIT_MS, PerfectNegotiator, type NegotiablePeerConnection } from './negotiation';
import type { SignalData } from './protocol';

/**
 * Enough of RTCPeerConnection's signaling state machine (JSEP) to exercise negotiation:
 * offers and answers, implicit rollback on a remote offer in have-local-offer, and candidates
 * that need a remote description. Every operation completes asynchronously, like the real one.
 */
class FakePeerConnection implements NegotiablePeerConnection {
  signalingState: RTCSignalingState = 'stable';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  onnegotiationneeded: ((ev: Event) => unknown) | null = null;
  onicecandidate: ((ev: RTCPeerConnectionIceEvent) => unknown) | null = null;
  candidates: (RTCIceCandidateInit | undefined)[] = [];
  log: string[] = [];
  /** When set, setRemoteDescription waits for this before completing. */
  remoteGate: Promise<void> | null = null;
  private offers = 0;

  constructor(readonly name: string) {}

  async setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (description?.type === 'rollback') {
      this.signalingState = 'stable';
      return;
    }
    if (this.signalingState === 'stable' || this.signalingState === 'have-local-offer') {
      this.offers += 1;
      this.localDescription = { type: 'offer', sdp: `${this.name}-offer-${this.offers}` };
      this.signalingState = 'have-local-offer';
    } else if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: `${this.name}-answer-to-${this.remoteDescription?.sdp}` };
      this.signalingState = 'stable';
    } else {
      throw domError('InvalidStateError');
    }
    this.log.push(`local:${this.localDescription.type}`);
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.log.push(`remote:${description.type}:start`);
    if (this.remoteGate) await this.remoteGate;
    await Promise.resolve();
    if (description.type === 'offer') {
      // A remote offer in have-local-offer rolls our offer back implicitly (JSEP).
      if (this.signalingState !== 'stable' && this.signalingState !== 'have-local-offer') throw domError('InvalidStateError');
      this.signalingState = 'have-remote-offer';
    } else if (description.type === 'answer') {
      if (this.signalingState !== 'have-local-offer') throw domError('InvalidStateError');
      this.signalingState = 'stable';
    }
    this.remoteDescription = description;
    this.log.push(`remote:${description.type}`);
  }

  async addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
    await Promise.resolve();
    if (!this.remoteDescription) throw domError('InvalidStateError');
    this.candidates.push(candidate ?? undefined);
    this.log.push('candidate');
  }

  fireNegotiationNeeded(): void {
    this.onnegotiationneeded?.(new Event('negotiationneeded'));
  }

  fireCandidate(candidate: RTCIceCandidateInit): void {
    const event = { candidate: { toJSON: () => candidate } } as unknown as RTCPeerConnectionIceEvent;
    this.onicecandidate?.(event);
  }
}

function domError(name: string): Error {
  return Object.assign(new Error(name), { name });
}

/** Two negotiators whose signals are held in queues until delivered, so glare can happen. */
function pair(options: { aPolite: boolean; aOffersFirst?: boolean; bOffersFirst?: boolean }) {
  const a = new FakePeerConnection('a');
  const b = new FakePeerConnection('b');
  const toB: SignalData[] = [];
  const toA: SignalData[] = [];
  const errors: unknown[] = [];
  const na = new PerfectNegotiator(a, {
    polite: options.aPolite,
    offerFirst: options.aOffersFirst ?? true,
    send: (d) => toB.push(d),
    onError: (e) => errors.push(e),
  });
  const nb = new PerfectNegotiator(b, {
    polite: !options.aPolite,
    offerFirst: options.bOffersFirst ?? true,
    send: (d) => toA.push(d),
    onError: (e) => errors.push(e),
  });
  /** Delivers queued signals in both directions until none are left. */
  async function settle(): Promise<void> {
    for (let rounds = 0; rounds < 50; rounds++) {
      await na.idle();
      await nb.idle();
      if (toA.length === 0 && toB.length === 0) return;
      const forB = toB.splice(0);
      const forA = toA.splice(0);
      await Promise.all([...forB.map((d) => nb.handleSignal(d)), ...forA.map((d) => na.handleSignal(d))]);
    }
    throw new Error('negotiation did not settle');
  }
  return { a, b, na, nb, toA, toB, errors, settle };
}

describe('PerfectNegotiator', () => {
  it('completes a plain offer/answer', async () => {
    const { a, b, settle, errors, toB } = pair({ aPolite: false });
    a.fireNegotiationNeeded();
    await settle();
    expect(a.signalingState).toBe('stable');
    expect(b.signalingState).toBe('stable');
    expect(b.remoteDescription).toEqual({ type: 'offer', sdp: 'a-offer-1' });
    expect(a.remoteDescription).toEqual({ type: 'answer', sdp: 'b-answer-to-a-offer-1' });
    expect(errors).toEqual([]);
    expect(toB).toEqual([]);
  });

  it('resolves glare: the polite peer rolls back and answers, the impolite one ignores', async () => {
    const { a, b, na, nb, toA, toB, settle, errors } = pair({ aPolite: true });
    a.fireNegotiationNeeded();
    b.fireNegotiationNeeded();
    await na.idle();
    await nb.idle();
    // Both offers are on the wire at the same time.
    expect(toB[0]?.description?.type).toBe('offer');
    expect(toA[0]?.description?.type).toBe('offer');
    await settle();
    expect(a.signalingState).toBe('stable');
    expect(b.signalingState).toBe('stable');
    // The impolite peer's offer won.
    expect(a.remoteDescription?.sdp).toBe('b-offer-1');
    expect(b.remoteDescription?.sdp).toBe('a-answer-to-b-offer-1');
    // The impolite peer never applied the polite peer's offer; the polite one rolled back.
    expect(b.log).not.toContain('remote:offer');
    expect(a.log).toContain('remote:offer');
    expect(errors).toEqual([]);
  });

  it('swallows candidate errors only for an offer it ignored', async () => {
    const { a, b, na, nb, toA, settle, errors } = pair({ aPolite: true });
    a.fireNegotiationNeeded();
    b.fireNegotiationNeeded();
    await na.idle();
    await nb.idle();
    // The polite peer's candidate for its doomed offer reaches the impolite peer.
    a.fireCandidate({ candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' });
    await settle();
    expect(errors).toEqual([]);
    expect(toA).toEqual([]);

    // Outside a collision the same failure is reported.
    const fresh = new FakePeerConnection('c');
    const reported: unknown[] = [];
    const nc = new PerfectNegotiator(fresh, { polite: false, offerFirst: true, send: () => undefined, onError: (e) => reported.push(e) });
    await nc.handleSignal({ candidate: { candidate: 'candidate:x', sdpMid: '0' } });
    expect(reported).toHaveLength(1);
    expect(b.signalingState).toBe('stable');
  });

  it('sets isSettingRemoteAnswerPending while an answer is being applied', async () => {
    const { a, na, nb, toA } = pair({ aPolite: false });
    a.fireNegotiationNeeded();
    await na.idle();
    // Deliver the offer to b, which answers.
    await nb.handleSignal({ description: { type: 'offer', sdp: a.localDescription?.sdp ?? '' } });
    let release!: () => void;
    a.remoteGate = new Promise<void>((r) => (release = r));
    const applying = na.handleSignal(toA.splice(0)[0]!);
    await vi.waitFor(() => expect(a.log).toContain('remote:answer:start'));
    expect(na.isSettingRemoteAnswerPending).toBe(true);
    release();
    await applying;
    expect(na.isSettingRemoteAnswerPending).toBe(false);
    expect(a.signalingState).toBe('stable');
  });

  it('applies candidates after the description they follow, in order', async () => {
    const { a, b, nb, na } = pair({ aPolite: false });
    a.fireNegotiationNeeded();
    await na.idle();
    const desc = { type: 'offer' as const, sdp: a.localDescription?.sdp ?? '' };
    // Without serialization the candidate would race setRemoteDescription and fail.
    void nb.handleSignal({ description: desc });
    void nb.handleSignal({ candidate: { candidate: 'candidate:1', sdpMid: '0' } });
    void nb.handleSignal({ candidate: null });
    await nb.idle();
    expect(b.log).toEqual(['remote:offer:start', 'remote:offer', 'local:answer', 'candidate', 'candidate']);
    expect(b.candidates).toEqual([{ candidate: 'candidate:1', sdpMid: '0' }, undefined]);
  });

  it('relays local ICE candidates, including the end-of-candidates null', () => {
    const { a, toB } = pair({ aPolite: false });
    a.fireCandidate({ candidate: 'candidate:9', sdpMid: '0', sdpMLineIndex: 0 });
    a.onicecandidate?.({ candidate: null } as RTCPeerConnectionIceEvent);
    expect(toB).toEqual([{ candidate: { candidate: 'candidate:9', sdpMid: '0', sdpMLineIndex: 0 } }, { candidate: null }]);
  });

  it('never interleaves a device switch with an offer or answer', async () => {
    const { a, b, na, nb, settle } = pair({ aPolite: false });
    const order: string[] = [];
    a.fireNegotiationNeeded();
    // Queued while the offer is being created: runs only after it.
    const switched = na.exclusive(async () => {
      order.push(`switch in ${a.signalingState}, makingOffer=${na.makingOffer}`);
      await Promise.resolve();
      order.push('switch done');
      return 'ok';
    });
    await expect(switched).resolves.toBe('ok');
    expect(order).toEqual(['switch in have-local-offer, makingOffer=false', 'switch done']);

    // A remote offer arriving during a switch waits for it.
    await settle();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = nb.exclusive(async () => {
      order.push('b switch start');
      await gate;
      order.push('b switch end');
    });
    a.fireNegotiationNeeded();
    await na.idle();
    const delivered = nb.handleSignal({ description: { type: 'offer', sdp: a.localDescription?.sdp ?? '' } });
    await Promise.resolve();
    expect(b.log.filter((l) => l.startsWith('remote')).length).toBe(2); // only the first offer so far
    release();
    await slow;
    await delivered;
    expect(b.log.at(-1)).toBe('local:answer');
    expect(order.slice(2)).toEqual(['b switch start', 'b switch end']);
  });

  it('keeps going after a failed step and reports it', async () => {
    const errors: unknown[] = [];
    const pc = new FakePeerConnection('x');
    const n = new PerfectNegotiator(pc, { polite: true, offerFirst: true, send: () => undefined, onError: (e) => errors.push(e) });
    await n.handleSignal({ description: { type: 'answer', sdp: 'unexpected' } });
    expect(errors).toHaveLength(1);
    await expect(
      n.exclusive(() => {
        throw new Error('switch failed');
      }),
    ).rejects.toThrow('switch failed');
    await n.handleSignal({ description: { type: 'offer', sdp: 'o' } });
    expect(pc.signalingState).toBe('stable');
    expect(pc.localDescription?.type).toBe('answer');
  });

  it('ignores everything after close', async () => {
    const sent: SignalData[] = [];
    const pc = new FakePeerConnection('x');
    const n = new PerfectNegotiator(pc, { polite: true, offerFirst: true, send: (d) => sent.push(d) });
    n.close();
    expect(pc.onnegotiationneeded).toBeNull();
    await n.handleSignal({ description: { type: 'offer', sdp: 'o' } });
    expect(pc.signalingState).toBe('stable');
    expect(sent).toEqual([]);
  });

  describe('the member the server did not pick as offerer', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('lets the designated offerer go first, so there is no glare', async () => {
      const { a, b, na, nb, settle, toA } = pair({ aPolite: false, aOffersFirst: true, bOffersFirst: false });
      b.fireNegotiationNeeded();
      await nb.idle();
      expect(toA).toEqual([]);
      a.fireNegotiationNeeded();
      await settle();
      expect(a.signalingState).toBe('stable');
      expect(b.remoteDescription?.sdp).toBe('a-offer-1');
      expect(nb.ignoreOffer).toBe(false);
      expect(na.ignoreOffer).toBe(false);
      // The wait timer was cancelled by the offer: nothing more happens later.
      await vi.advanceTimersByTimeAsync(OFFER_WAIT_MS * 2);
      expect(toA).toEqual([]);
    });

    it('makes its own offer when the offerer stays silent', async () => {
      const { b, nb, toA } = pair({ aPolite: false, aOffersFirst: true, bOffersFirst: false });
      b.fireNegotiationNeeded();
      await vi.advanceTimersByTimeAsync(OFFER_WAIT_MS - 1);
      expect(toA).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      await nb.idle();
      expect(toA[0]?.description).toEqual({ type: 'offer', sdp: 'b-offer-1' });
    });
  });
});
