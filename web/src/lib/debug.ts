// `window.__swirl`: a read-only view into the live call for end-to-end tests and for people
// debugging in the console (e.g. `await __swirl.peerConnections[0].getStats()`).

export type DebugSource = {
  peerConnections(): RTCPeerConnection[];
  lastMatchAt(): number | null;
  lastMatchId(): string | null;
  connectionState(): string;
  selfId(): string | null;
  callState(): string;
  negotiationErrors(): number;
  callHealth?(): CallHealthView;
  mediaFlowingMatchId?(): string | null;
};

/** The stall detectors of the current call: samples taken per peer, and the events reported. */
export type CallHealthView = {
  peers: { peerId: string; samples: number; stalled: boolean; level: string | null; gen: number; recent: string[] }[];
  events: { peerId: string; event: string; at: number }[];
};

export type SwirlDebugHandle = {
  readonly peerConnections: readonly RTCPeerConnection[];
  /** Date.now() when the last `match` message arrived, or null. */
  readonly lastMatchAt: number | null;
  readonly lastMatchId: string | null;
  readonly connectionState: string;
  readonly selfId: string | null;
  /** The CallState (idle, waiting, connecting, connected, reconnecting, ended). */
  readonly callState: string;
  /** Failed negotiation steps in this lobby visit. */
  readonly negotiationErrors: number;
  readonly callHealth: CallHealthView;
  /** The match this page told the server `media_flowing` for (it cannot end `no_media` then), or null. */
  readonly mediaFlowingMatchId: string | null;
};

/** Builds a frozen object whose properties read through to `source`. */
export function createDebugHandle(source: DebugSource): SwirlDebugHandle {
  const handle = {};
  Object.defineProperties(handle, {
    peerConnections: { get: () => Object.freeze([...source.peerConnections()]), enumerable: true },
    lastMatchAt: { get: () => source.lastMatchAt(), enumerable: true },
    lastMatchId: { get: () => source.lastMatchId(), enumerable: true },
    connectionState: { get: () => source.connectionState(), enumerable: true },
    selfId: { get: () => source.selfId(), enumerable: true },
    callState: { get: () => source.callState(), enumerable: true },
    negotiationErrors: { get: () => source.negotiationErrors(), enumerable: true },
    callHealth: { get: () => source.callHealth?.() ?? { peers: [], events: [] }, enumerable: true },
    mediaFlowingMatchId: { get: () => source.mediaFlowingMatchId?.() ?? null, enumerable: true },
  });
  return Object.freeze(handle) as SwirlDebugHandle;
}

/** Installs the handle as a non-writable `window.__swirl`, replacing an earlier one. */
export function installDebugHandle(source: DebugSource, target: object = globalThis): SwirlDebugHandle {
  const handle = createDebugHandle(source);
  Object.defineProperty(target, '__swirl', { value: handle, configurable: true, enumerable: false, writable: false });
  return handle;
}

declare global {
  interface Window {
    __swirl?: SwirlDebugHandle;
  }
}
