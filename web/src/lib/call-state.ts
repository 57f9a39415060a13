// Where this browser is in the life of a call, as one enum instead of loose booleans (ready,
// match !== null, closed, kicked ...). A pure transition function over named events, so the
// rules are tested without a browser; LobbySession feeds it and components read the result.

/** The user's place in the lobby's call cycle. */
export enum CallState {
  /** In the lobby (or joining it), not asking to be matched. */
  Idle = 'idle',
  /** Ready: in the pool, waiting for the server to match us. */
  Waiting = 'waiting',
  /** Matched: the peer connections are being negotiated; not every peer is connected yet. */
  Connecting = 'connecting',
  /** Matched and every peer's connection is up. */
  Connected = 'connected',
  /** Was connected; a peer's connection dropped (ICE restart) or the peer's socket is down. */
  Reconnecting = 'reconnecting',
  /** The lobby visit is over (left, kicked, lobby closed, refused ...): no call can follow. */
  Ended = 'ended',
}

/** What the call-state rules need to know about one remote peer. */
export type PeerLinkView = {
  connectionState: RTCPeerConnectionState;
  /** `user_status reconnecting`: their signaling socket dropped. */
  reconnecting: boolean;
};

export type CallEvent =
  /** Our readiness as the server (or our own optimistic send) says it. Ignored during a match. */
  | { type: 'ready'; ready: boolean }
  /** A `match` arrived (or a welcome with a match): a new call starts. */
  | { type: 'matched' }
  /** The peer list or one peer's connection changed. */
  | { type: 'peers'; peers: readonly PeerLinkView[] }
  /** The call is over (match_ended, leave, welcome without our match); `ready` is our readiness now. */
  | { type: 'call_over'; ready: boolean }
  /** The lobby connection closed for good. */
  | { type: 'closed' };

const IN_CALL: ReadonlySet<CallState> = new Set([CallState.Connecting, CallState.Connected, CallState.Reconnecting]);

/** True while a match is on (connecting, connected or reconnecting). */
export function isInCall(state: CallState): boolean {
  return IN_CALL.has(state);
}

function allUp(peers: readonly PeerLinkView[]): boolean {
  return peers.every((p) => p.connectionState === 'connected' && !p.reconnecting);
}

/** The state after `event`. Ended is final: nothing leaves it. */
export function nextCallState(state: CallState, event: CallEvent): CallState {
  if (state === CallState.Ended) return state;
  switch (event.type) {
    case 'closed':
      return CallState.Ended;
    case 'matched':
      return CallState.Connecting;
    case 'ready':
      // During a match the server keeps us out of the pool; readiness applies when it ends.
      if (isInCall(state)) return state;
      return event.ready ? CallState.Waiting : CallState.Idle;
    case 'call_over':
      return event.ready ? CallState.Waiting : CallState.Idle;
    case 'peers':
      if (!isInCall(state) || event.peers.length === 0) return state;
      if (allUp(event.peers)) return CallState.Connected;
      // Before the first time everyone was connected, a peer still negotiating is not a drop.
      return state === CallState.Connecting ? CallState.Connecting : CallState.Reconnecting;
  }
}
