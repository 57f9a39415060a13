// Perfect negotiation for one RTCPeerConnection, after the W3C example (webrtc-pc, "Perfect
// Negotiation Example", with isSettingRemoteAnswerPending). It knows nothing about the app:
// it is given a connection, whether it is polite, and a function that sends signal data.
//
// One addition to the spec's example: every step that changes the connection's negotiation
// state (our offer, a remote description, an ICE candidate) and every track change the app
// makes through `exclusive()` runs in one chain, one at a time, in arrival order. So an
// offer or an answer never interleaves with a device switch, and a candidate is never added
// before the description it belongs to. Glare is still detected the spec's way
// (signalingState is not stable while our offer is out).

import type { SignalData } from './protocol';

/** The part of RTCPeerConnection negotiation touches (tests use a fake). */
export interface NegotiablePeerConnection {
  readonly signalingState: RTCSignalingState;
  readonly localDescription: RTCSessionDescriptionInit | null;
  onnegotiationneeded: ((ev: Event) => unknown) | null;
  onicecandidate: ((ev: RTCPeerConnectionIceEvent) => unknown) | null;
  setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void>;
}

export type NegotiatorOptions = {
  /** The polite peer yields on glare (rolls back its own offer); the impolite one ignores. */
  polite: boolean;
  /** Sends `{description}` or `{candidate}` to the peer through signaling. */
  send: (data: SignalData) => void;
  /**
   * False for the member the server did not pick as `offerer`: its own first offer waits for
   * the peer's (which avoids glare in the common case) or for OFFER_WAIT_MS, whichever first.
   */
  offerFirst: boolean;
  /** Called right before every setLocalDescription, e.g. to set codec preferences. */
  beforeLocalDescription?: () => void;
  /** Errors that are not part of normal negotiation (the spec example logs them). */
  onError?: (error: unknown) => void;
};

/**
 * How long the non-offerer waits for the offerer's first offer before making its own. Long
 * enough for a normal signaling round trip, short enough that a lost offer costs little.
 */
export const OFFER_WAIT_MS = 5_000;

/** Negotiation state for one peer connection. */
export class PerfectNegotiator {
  // The spec example's three flags.
  makingOffer = false;
  ignoreOffer = false;
  isSettingRemoteAnswerPending = false;

  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private gotRemoteDescription = false;
  private deferredOffer = false;
  private offerWaitTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly pc: NegotiablePeerConnection,
    private readonly options: NegotiatorOptions,
  ) {
    pc.onnegotiationneeded = () => this.onNegotiationNeeded();
    pc.onicecandidate = ({ candidate }) => {
      if (this.closed) return;
      // null marks the end of candidates; peers accept it, so pass it on as the spec does.
      options.send({ candidate: candidate ? candidate.toJSON() : null });
    };
    if (!options.offerFirst) {
      this.offerWaitTimer = setTimeout(() => {
        this.offerWaitTimer = null;
        this.stopWaitingForOffer();
      }, OFFER_WAIT_MS);
    }
  }

  get polite(): boolean {
    return this.options.polite;
  }

  /** Handles one relayed `signal.data` from the peer. Resolves when it has been applied. */
  handleSignal(data: SignalData): Promise<void> {
    return this.enqueue(() => this.gotSignal(data));
  }

  /**
   * Runs `operation` (e.g. `sender.replaceTrack(track)`) when no negotiation step is in
   * progress, and holds negotiation back until it is done. Acquire slow things (getUserMedia)
   * before calling this, not inside.
   */
  exclusive<T>(operation: () => Promise<T> | T): Promise<T> {
    return this.enqueueRaw(async () => operation());
  }

  /** Resolves when every queued step so far has run. */
  idle(): Promise<void> {
    return this.chain;
  }

  close(): void {
    this.closed = true;
    if (this.offerWaitTimer !== null) clearTimeout(this.offerWaitTimer);
    this.offerWaitTimer = null;
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
  }

  private onNegotiationNeeded(): void {
    if (this.closed) return;
    if (!this.options.offerFirst && !this.gotRemoteDescription && this.offerWaitTimer !== null) {
      // The peer is the designated offerer; our tracks ride on its offer (or we offer later).
      this.deferredOffer = true;
      return;
    }
    void this.enqueue(() => this.makeOffer());
  }

  private stopWaitingForOffer(): void {
    if (this.offerWaitTimer !== null) clearTimeout(this.offerWaitTimer);
    this.offerWaitTimer = null;
    if (this.deferredOffer && !this.gotRemoteDescription && !this.closed) {
      this.deferredOffer = false;
      void this.enqueue(() => this.makeOffer());
    }
    this.deferredOffer = false;
  }

  private async makeOffer(): Promise<void> {
    try {
      this.makingOffer = true;
      this.options.beforeLocalDescription?.();
      await this.pc.setLocalDescription();
      if (this.closed) return;
      if (this.pc.localDescription) this.options.send({ description: toInit(this.pc.localDescription) });
    } finally {
      this.makingOffer = false;
    }
  }

  private async gotSignal({ description, candidate }: SignalData): Promise<void> {
    if (description) {
      const readyForOffer = !this.makingOffer && (this.pc.signalingState === 'stable' || this.isSettingRemoteAnswerPending);
      const offerCollision = description.type === 'offer' && !readyForOffer;
      this.ignoreOffer = !this.options.polite && offerCollision;
      if (this.ignoreOffer) return;
      this.isSettingRemoteAnswerPending = description.type === 'answer';
      try {
        await this.pc.setRemoteDescription(description);
      } finally {
        this.isSettingRemoteAnswerPending = false;
      }
      if (!this.gotRemoteDescription) {
        this.gotRemoteDescription = true;
        if (this.offerWaitTimer !== null) clearTimeout(this.offerWaitTimer);
        this.offerWaitTimer = null;
        this.deferredOffer = false;
      }
      if (description.type === 'offer') {
        this.options.beforeLocalDescription?.();
        await this.pc.setLocalDescription();
        if (this.closed) return;
        if (this.pc.localDescription) this.options.send({ description: toInit(this.pc.localDescription) });
      }
    } else if (candidate !== undefined) {
      try {
        await this.pc.addIceCandidate(candidate ?? undefined);
      } catch (err) {
        // Candidates for an offer we deliberately ignored are expected to fail.
        if (!this.ignoreOffer) throw err;
      }
    }
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    return this.enqueueRaw(async () => {
      if (this.closed) return;
      try {
        await step();
      } catch (err) {
        if (!this.closed) this.options.onError?.(err);
      }
    });
  }

  private enqueueRaw<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step);
    // The chain itself never rejects, so one failed step does not skip the ones after it.
    this.chain = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }
}

function toInit(description: RTCSessionDescriptionInit): RTCSessionDescriptionInit {
  return { type: description.type, sdp: description.sdp ?? '' };
}
