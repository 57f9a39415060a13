// One match: a mesh with one RTCPeerConnection per other member, each negotiated with
// PerfectNegotiator. Local tracks come from outside (DeviceManager) and are swapped in with
// replaceTrack, so switching devices never renegotiates unless a kind appears for the first time.

import { Emitter } from './emitter';
import { PerfectNegotiator } from './negotiation';
import type { MatchMessage, SignalData } from './protocol';

export type PeerConnectionState = RTCPeerConnectionState;

/** What the UI shows about one remote member. */
export type RemotePeer = {
  id: string;
  displayName: string;
  polite: boolean;
  stream: MediaStream;
  connectionState: PeerConnectionState;
  /** From `user_status`: their signaling socket dropped and they may come back. */
  reconnecting: boolean;
  /**
   * Their camera and microphone as they last reported them (`match.peers`, then `media_state`).
   * A peer whose camera is off sends no frames on purpose: not a stall.
   */
  camera: boolean;
  microphone: boolean;
};

export type CallEvents = {
  /** The peer list or a peer's state changed. */
  change: void;
  /** Something failed that the user might want to know about. */
  error: { peerId: string; error: unknown };
};

export type LocalTracks = { audio: MediaStreamTrack | null; video: MediaStreamTrack | null };

export type CallOptions = {
  selfId: string;
  match: MatchMessage;
  iceServers: RTCIceServer[];
  local: () => LocalTracks;
  send: (to: string, data: SignalData) => void;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  /** A test switch (lib/test-switches.ts); the browser default when absent. */
  iceTransportPolicy?: RTCIceTransportPolicy;
};

/**
 * How long a connection may stay `disconnected` before we restart ICE ourselves. Browsers
 * often recover from short blips on their own; restarting too early costs a renegotiation.
 */
export const DISCONNECTED_RESTART_MS = 4_000;

/** Puts VP8 first (Firefox and Safari interoperate best with it), keeping the rest in order. */
export function preferCodec<T extends { mimeType: string }>(codecs: T[], mimeType: string): T[] {
  const wanted = mimeType.toLowerCase();
  const first = codecs.filter((c) => c.mimeType.toLowerCase() === wanted);
  if (first.length === 0) return codecs;
  return [...first, ...codecs.filter((c) => c.mimeType.toLowerCase() !== wanted)];
}

type PeerLink = {
  view: RemotePeer;
  pc: RTCPeerConnection;
  negotiator: PerfectNegotiator;
  restartTimer: ReturnType<typeof setTimeout> | null;
};

export class CallSession extends Emitter<CallEvents> {
  readonly matchId: string;
  private readonly links = new Map<string, PeerLink>();
  private closed = false;

  constructor(private readonly options: CallOptions) {
    super();
    this.matchId = options.match.match_id;
    for (const peer of options.match.peers) {
      if (peer.id === options.selfId) continue;
      this.links.set(peer.id, this.createLink(peer.id, peer.display_name, peer.polite === options.selfId, peer.offerer === options.selfId));
      this.setPeerMedia(peer.id, { camera: peer.camera ?? true, microphone: peer.microphone ?? true });
    }
  }

  get peers(): RemotePeer[] {
    return [...this.links.values()].map((l) => l.view);
  }

  /** The live connections, for getStats() (debug handle and quality display). */
  get peerConnections(): RTCPeerConnection[] {
    return [...this.links.values()].map((l) => l.pc);
  }

  has(peerId: string): boolean {
    return this.links.has(peerId);
  }

  handleSignal(from: string, data: SignalData): void {
    const link = this.links.get(from);
    if (!link) return; // a late message from a previous match
    void link.negotiator.handleSignal(data);
  }

  /** A new local track of this kind (device switch, camera on/off, unplug fallback). */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    await Promise.all(
      [...this.links.values()].map((link) =>
        link.negotiator
          .exclusive(async () => {
            const transceiver = transceiverFor(link.pc, kind);
            if (!transceiver) {
              // This kind was never negotiated: adding it renegotiates (negotiationneeded).
              if (track) link.pc.addTrack(track);
              return;
            }
            await transceiver.sender.replaceTrack(track);
            if (track && transceiver.direction === 'recvonly') transceiver.direction = 'sendrecv';
          })
          .catch((error: unknown) => this.emit('error', { peerId: link.view.id, error })),
      ),
    );
  }

  /** Applies `user_status` about a member of this match. */
  setPeerStatus(peerId: string, status: string): void {
    const link = this.links.get(peerId);
    if (!link) return;
    if (status === 'left_match') {
      this.removePeer(peerId);
      return;
    }
    link.view.reconnecting = status === 'reconnecting';
    this.emit('change', undefined);
  }

  /** Applies a peer's `media_state` (or the state `match.peers` carried). */
  setPeerMedia(peerId: string, media: { camera: boolean; microphone: boolean }): void {
    const link = this.links.get(peerId);
    if (!link) return;
    link.view.camera = media.camera;
    link.view.microphone = media.microphone;
    this.emit('change', undefined);
  }

  /**
   * Newer ICE servers (fresh TURN credentials): peer connections made from now on use them, and
   * live ones get them with setConfiguration, which takes effect at their next ICE restart.
   */
  setIceServers(iceServers: RTCIceServer[]): void {
    this.options.iceServers = iceServers;
    for (const link of this.links.values()) {
      try {
        link.pc.setConfiguration({ ...link.pc.getConfiguration(), iceServers });
      } catch (error) {
        this.emit('error', { peerId: link.view.id, error });
      }
    }
  }

  /** Restarts ICE on every link, e.g. after our signaling outage lost messages. */
  restartIce(): void {
    for (const link of this.links.values()) link.pc.restartIce?.();
  }

  removePeer(peerId: string): void {
    const link = this.links.get(peerId);
    if (!link) return;
    this.links.delete(peerId);
    this.closeLink(link);
    this.emit('change', undefined);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) this.closeLink(link);
    this.links.clear();
    this.emit('change', undefined);
    this.removeAllListeners();
  }

  private createLink(peerId: string, displayName: string, polite: boolean, offerFirst: boolean): PeerLink {
    const config: RTCConfiguration = { iceServers: this.options.iceServers };
    if (this.options.iceTransportPolicy) config.iceTransportPolicy = this.options.iceTransportPolicy;
    const pc = this.options.createPeerConnection ? this.options.createPeerConnection(config) : new RTCPeerConnection(config);
    const view: RemotePeer = {
      id: peerId,
      displayName,
      polite,
      stream: new MediaStream(),
      connectionState: 'new',
      reconnecting: false,
      camera: true,
      microphone: true,
    };
    const link: PeerLink = {
      view,
      pc,
      negotiator: new PerfectNegotiator(pc, {
        polite,
        offerFirst,
        send: (data) => this.options.send(peerId, data),
        beforeLocalDescription: () => preferVp8(pc),
        onError: (error) => this.emit('error', { peerId, error }),
      }),
      restartTimer: null,
    };

    pc.ontrack = ({ track }) => {
      // Remote tracks are kept in our own stream so a renegotiation never swaps the element's source.
      for (const old of view.stream.getTracks()) if (old.kind === track.kind && old !== track) view.stream.removeTrack(old);
      if (!view.stream.getTracks().includes(track)) view.stream.addTrack(track);
      this.emit('change', undefined);
    };
    pc.onconnectionstatechange = () => {
      view.connectionState = pc.connectionState;
      this.watchConnection(link);
      this.emit('change', undefined);
    };
    pc.oniceconnectionstatechange = () => {
      // Perfect negotiation makes an ICE restart safe from either side.
      if (pc.iceConnectionState === 'failed') pc.restartIce?.();
    };

    // Always negotiate one audio and one video m-line, sending what we have, so that a
    // member without camera or microphone still receives the others and can turn theirs on later.
    // Only the offerer adds receive-only transceivers: the answerer's come from the offer.
    const local = this.options.local();
    const stream = new MediaStream();
    for (const kind of ['audio', 'video'] as const) {
      const track = local[kind];
      if (track) pc.addTrack(track, stream);
      else if (offerFirst) pc.addTransceiver(kind, { direction: 'recvonly' });
    }
    return link;
  }

  private watchConnection(link: PeerLink): void {
    const { pc } = link;
    if (pc.connectionState === 'disconnected') {
      if (link.restartTimer === null) {
        link.restartTimer = setTimeout(() => {
          link.restartTimer = null;
          if (pc.connectionState === 'disconnected' && !this.closed) pc.restartIce?.();
        }, DISCONNECTED_RESTART_MS);
      }
    } else if (link.restartTimer !== null) {
      clearTimeout(link.restartTimer);
      link.restartTimer = null;
    }
  }

  private closeLink(link: PeerLink): void {
    if (link.restartTimer !== null) clearTimeout(link.restartTimer);
    link.negotiator.close();
    link.pc.ontrack = null;
    link.pc.onconnectionstatechange = null;
    link.pc.oniceconnectionstatechange = null;
    link.pc.close();
    for (const t of link.view.stream.getTracks()) link.view.stream.removeTrack(t);
  }
}

function transceiverFor(pc: RTCPeerConnection, kind: 'audio' | 'video'): RTCRtpTransceiver | undefined {
  return pc
    .getTransceivers()
    .find((t) => t.currentDirection !== 'stopped' && (t.sender.track?.kind === kind || t.receiver.track.kind === kind));
}

function preferVp8(pc: RTCPeerConnection): void {
  if (typeof RTCRtpReceiver === 'undefined' || !RTCRtpReceiver.getCapabilities) return;
  const codecs = RTCRtpReceiver.getCapabilities('video')?.codecs;
  if (!codecs) return;
  const ordered = preferCodec(codecs, 'video/VP8');
  for (const t of pc.getTransceivers()) {
    if (t.receiver.track.kind !== 'video' || t.currentDirection === 'stopped' || !('setCodecPreferences' in t)) continue;
    try {
      t.setCodecPreferences(ordered);
    } catch {
      // Some browsers refuse while the transceiver is being stopped; the default order is fine.
    }
  }
}
