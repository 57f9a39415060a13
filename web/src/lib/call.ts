// One match: a mesh with one RTCPeerConnection per other member, each negotiated with
// PerfectNegotiator. Local tracks come from outside (DeviceManager) and are swapped in with
// replaceTrack, so switching devices never renegotiates unless a kind appears for the first time.

import { Emitter } from './emitter';
import { PerfectNegotiator } from './negotiation';
import { iceRestartDelayMs, iceRestartStillNeeded, type IceRestartReason } from './ice-restart';
import { POLITE_STEP_OFFSET_MS, POLITE_YIELD_MS, PeerHealthMonitor, type CallEventName } from './peer-health';
import type { MatchMessage, SignalData } from './protocol';
import type { PeerQuality, QualityLevel } from './stats';

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
  /** Their video froze (or the connection failed) and recovery is under way (peer-health.ts). */
  videoStalled: boolean;
  /** The last second's figures and their verdict, for the tile's quality indicator. */
  quality: PeerQuality | null;
  qualityLevel: QualityLevel | null;
};

/** One reported call event, kept for the debug handle. */
export type CallEventRecord = { peerId: string; event: CallEventName; at: number };

/** How many call events the session remembers for the debug handle (the oldest go first). */
export const MAX_CALL_EVENT_RECORDS = 50;

export type CallEvents = {
  /** The peer list or a peer's state changed. */
  change: void;
  /** Something failed that the user might want to know about. */
  error: { peerId: string; error: unknown };
  /** A stall, a recovery step or a recovery: reported to the server as `call_event`. */
  callEvent: { peerId: string; event: CallEventName };
  /** Once per call: the first remote media arrived (from the peer monitors' own samples). */
  mediaFlowing: void;
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
  /**
   * A fresh page taking over a match it was in before (a reload: welcome with resumed:true and
   * no call of ours): the peers still hold connections to the page that went away. Every link
   * starts at this generation and says `reset`, so they replace theirs at once instead of
   * waiting for their stall detector to notice. Must exceed any generation used before.
   */
  resumeGen?: number;
};

export { DISCONNECTED_RESTART_MS } from './ice-restart';

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
  /** When the pending restart (restartTimer) is due, Date.now() based. */
  restartDueAt: number;
  offerFirst: boolean;
  /**
   * Which peer connection of this pair this is: 0 for the first, +1 each time one side tears
   * it down and makes a new one (`{"reset":true,"gen":n}` in signal data tells the other side).
   */
  gen: number;
  monitor: PeerHealthMonitor;
};

export class CallSession extends Emitter<CallEvents> {
  readonly matchId: string;
  private readonly links = new Map<string, PeerLink>();
  private readonly eventLog: CallEventRecord[] = [];
  private closed = false;
  private mediaFlowingSaid = false;

  constructor(private readonly options: CallOptions) {
    super();
    this.matchId = options.match.match_id;
    const gen = options.resumeGen ?? 0;
    for (const peer of options.match.peers) {
      if (peer.id === options.selfId) continue;
      this.links.set(
        peer.id,
        this.createLink(peer.id, peer.display_name, peer.polite === options.selfId, peer.offerer === options.selfId, gen),
      );
      // Before our offer (negotiationneeded comes later, as a task).
      if (gen > 0) options.send(peer.id, { reset: true, gen });
      this.setPeerMedia(peer.id, { camera: peer.camera ?? true, microphone: peer.microphone ?? true });
    }
  }

  /** The highest peer-connection generation in use (remembered across a reload, see resumeGen). */
  get maxGen(): number {
    let max = 0;
    for (const l of this.links.values()) max = Math.max(max, l.gen);
    return max;
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

  /** Each peer's stall detector, for the debug handle (tests check that it samples). */
  get health(): { peerId: string; samples: number; stalled: boolean; level: QualityLevel | null; gen: number; recent: string[] }[] {
    return [...this.links.values()].map((l) => ({
      peerId: l.view.id,
      samples: l.monitor.health.samples,
      stalled: l.monitor.health.stalled,
      level: l.monitor.health.level,
      gen: l.gen,
      recent: l.monitor.health.recent,
    }));
  }

  /** The call events so far (newest last, at most MAX_CALL_EVENT_RECORDS). */
  get events(): readonly CallEventRecord[] {
    return this.eventLog;
  }

  handleSignal(from: string, data: SignalData): void {
    let link = this.links.get(from);
    if (!link) return; // a late message from a previous match
    const gen = data.gen ?? 0;
    if (gen < link.gen) return; // for a connection of this pair that is gone
    if (gen > link.gen) {
      // The peer made a new connection (a `reset`, or the first message after it): follow.
      link = this.recreateLink(link, gen, false);
    }
    if (data.reset) return;
    // During a stall an offer from the peer is its ICE restart: let it finish before ours.
    if (data.description?.type === 'offer') link.monitor.peerActed();
    // An answer completes our own step: let it connect before the next one.
    else if (data.description?.type === 'answer') link.monitor.postponeStep();
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

  /**
   * Restarts ICE on every link after our signaling outage lost messages: the impolite side of
   * each pair at once, the polite side later and only if the connection is still not up
   * (lib/ice-restart.ts).
   */
  restartIce(): void {
    for (const link of this.links.values()) this.scheduleIceRestart(link, 'signals_lost');
  }

  removePeer(peerId: string): void {
    const link = this.links.get(peerId);
    if (!link) return;
    this.links.delete(peerId);
    link.monitor.stop();
    this.closeLink(link);
    this.emit('change', undefined);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) {
      link.monitor.stop();
      this.closeLink(link);
    }
    this.links.clear();
    this.emit('change', undefined);
    this.removeAllListeners();
  }

  private createLink(
    peerId: string,
    displayName: string,
    polite: boolean,
    offerFirst: boolean,
    gen = 0,
    previous: { view: RemotePeer; monitor: PeerHealthMonitor } | null = null,
  ): PeerLink {
    const config: RTCConfiguration = { iceServers: this.options.iceServers };
    if (this.options.iceTransportPolicy) config.iceTransportPolicy = this.options.iceTransportPolicy;
    const pc = this.options.createPeerConnection ? this.options.createPeerConnection(config) : new RTCPeerConnection(config);
    const view: RemotePeer = previous?.view ?? {
      id: peerId,
      displayName,
      polite,
      stream: new MediaStream(),
      connectionState: 'new',
      reconnecting: false,
      camera: true,
      microphone: true,
      videoStalled: false,
      quality: null,
      qualityLevel: null,
    };
    view.connectionState = pc.connectionState;
    const link: PeerLink = {
      view,
      pc,
      negotiator: new PerfectNegotiator(pc, {
        polite,
        offerFirst,
        send: (data) => this.options.send(peerId, gen > 0 ? { ...data, gen } : data),
        beforeLocalDescription: () => preferVp8(pc),
        onError: (error) => this.emit('error', { peerId, error }),
      }),
      restartTimer: null,
      restartDueAt: 0,
      offerFirst,
      gen,
      monitor: previous?.monitor ?? this.createMonitor(peerId, polite),
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
      if (pc.iceConnectionState === 'failed') this.scheduleIceRestart(link, 'ice_failed');
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

  private createMonitor(peerId: string, polite: boolean): PeerHealthMonitor {
    const current = () => this.links.get(peerId);
    const monitor = new PeerHealthMonitor({
      getStats: async () => {
        const link = current();
        if (!link) throw new Error('peer gone');
        return link.pc.getStats();
      },
      connectionState: () => current()?.pc.connectionState ?? 'closed',
      // The peer's reported camera (setPeerMedia): a camera that is off is never a stall.
      cameraOn: () => current()?.view.camera ?? true,
      stepOffsetMs: polite ? POLITE_STEP_OFFSET_MS : 0,
      yieldToPeerMs: polite ? POLITE_YIELD_MS : 0,
      restartIce: () => current()?.pc.restartIce?.(),
      recreate: () => {
        const link = current();
        if (link) this.recreateLink(link, link.gen + 1, true);
      },
      onChange: (health) => {
        const view = current()?.view;
        if (!view) return;
        view.videoStalled = health.stalled;
        view.quality = health.quality;
        view.qualityLevel = health.level;
        this.emit('change', undefined);
      },
      onFirstMedia: () => {
        if (this.mediaFlowingSaid || this.closed) return;
        this.mediaFlowingSaid = true;
        this.emit('mediaFlowing', undefined);
      },
      onEvent: (event) => {
        this.eventLog.push({ peerId, event, at: Date.now() });
        if (this.eventLog.length > MAX_CALL_EVENT_RECORDS) this.eventLog.shift();
        this.emit('callEvent', { peerId, event });
      },
    });
    monitor.start();
    return monitor;
  }

  /**
   * Replaces the peer connection of `old` by a new one of generation `gen`, keeping the tile and
   * the monitor. `announce`: we decided it, so the peer is told (before our new offer, which
   * negotiationneeded sends later); otherwise we are following the peer's reset.
   */
  private recreateLink(old: PeerLink, gen: number, announce: boolean): PeerLink {
    const peerId = old.view.id;
    this.closeLink(old);
    const link = this.createLink(peerId, old.view.displayName, old.view.polite, old.offerFirst, gen, old);
    this.links.set(peerId, link);
    if (announce) {
      this.options.send(peerId, { reset: true, gen });
      link.monitor.resetBaseline();
    } else {
      link.monitor.resetBaseline();
      link.monitor.peerActed();
    }
    this.emit('change', undefined);
    return link;
  }

  private watchConnection(link: PeerLink): void {
    const { pc } = link;
    if (pc.connectionState === 'disconnected') this.scheduleIceRestart(link, 'disconnected');
    else if (pc.connectionState === 'connected' && link.restartTimer !== null) {
      clearTimeout(link.restartTimer);
      link.restartTimer = null;
    }
  }

  /**
   * One ICE restart of this link on the rule of lib/ice-restart.ts (the impolite side acts,
   * the polite side later if still needed). A pending restart is kept unless this one is due
   * sooner.
   */
  private scheduleIceRestart(link: PeerLink, reason: IceRestartReason): void {
    if (this.closed) return;
    const polite = link.view.polite;
    const delay = iceRestartDelayMs(reason, polite);
    const due = Date.now() + delay;
    if (link.restartTimer !== null) {
      if (link.restartDueAt <= due) return;
      clearTimeout(link.restartTimer);
      link.restartTimer = null;
    }
    const run = () => {
      link.restartTimer = null;
      if (this.closed || this.links.get(link.view.id) !== link) return;
      if (iceRestartStillNeeded(reason, link.pc, polite)) link.pc.restartIce?.();
    };
    if (delay === 0) {
      run();
      return;
    }
    link.restartDueAt = due;
    link.restartTimer = setTimeout(run, delay);
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
