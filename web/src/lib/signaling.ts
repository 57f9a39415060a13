// The lobby WebSocket: connects with the token subprotocol, parses server messages, and
// reconnects after a drop as its ReconnectPolicy says. Framework-free; the UI subscribes.

import { Emitter } from './emitter';
import {
  CloseCode,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  TOKEN_SUBPROTOCOL_PREFIX,
  parseServerMessage,
  type ClientMessage,
  type KickedMessage,
  type ServerMessage,
  type WelcomeMessage,
} from './protocol';
import { BackoffReconnectPolicy, isTerminalCloseCode, type ReconnectPolicy } from './reconnect-policy';

export enum ConnectionState {
  /** Created, connect() not called yet. */
  Idle = 'idle',
  /** First connection attempt: waiting for the socket to open and `welcome` to arrive. */
  Connecting = 'connecting',
  /** `welcome` received; messages flow. */
  Connected = 'connected',
  /** The connection dropped; retrying as the policy allows. A call may go on meanwhile. */
  Reconnecting = 'reconnecting',
  /** For good: see the ClosedReason. */
  Closed = 'closed',
}

export enum ClosedReason {
  /** We called disconnect(). */
  Left = 'left',
  /** 4003: the owner removed us. */
  Kicked = 'kicked',
  /** 4004: the owner closed the lobby. */
  LobbyClosed = 'lobby_closed',
  /** 4000: the same user connected again elsewhere (another tab). */
  Replaced = 'replaced',
  /** 4001: the user signed out everywhere; this token no longer works anywhere. */
  SignedOut = 'signed_out',
  /** 4002: the user deleted their account. */
  AccountDeleted = 'account_deleted',
  /** 1009: we sent a frame over the server's limit. */
  MessageTooBig = 'message_too_big',
  /** The server closed normally (1000) without us asking. */
  ServerClosed = 'server_closed',
  /** The socket could not be (re)opened and the refusal is final (see `RefusalProbe`). */
  Refused = 'refused',
  /** The reconnect policy ran out of attempts or time. */
  GaveUp = 'gave_up',
  /** `welcome.protocol` is not PROTOCOL_VERSION: this page is older or newer than the server. */
  ProtocolMismatch = 'protocol_mismatch',
}

/**
 * Time for a socket to open and deliver `welcome`. A server that accepts the upgrade sends
 * `welcome` at once, so a longer silence means a dead path: close and let the policy retry.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Signals sent while the socket is down wait here and go out once the server confirms the
 * match survived (`welcome` with `resumed: true`). Bounded: past this many, the queue is
 * dropped whole and `signalsLost` fires so the call can restart ICE instead of replaying a
 * stale negotiation.
 */
export const MAX_PENDING_SIGNALS = 128;

/** The subset of the browser WebSocket this client uses (so tests can pass a fake). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string, protocols: string[]) => WebSocketLike;

/**
 * Called when a socket failed before it opened (the browser hides the HTTP status of a
 * refused upgrade). Returns a final refusal (e.g. `lobby_not_found`, `banned`) or null to retry.
 */
export type RefusalProbe = () => Promise<{ code: string; message: string } | null>;

export type StateChange = {
  state: ConnectionState;
  /** Set when state is Closed. */
  reason?: ClosedReason;
  /** The close code that caused this change, when there was one. */
  closeCode?: number;
  /** Reconnecting: milliseconds until the next attempt. */
  retryInMs?: number;
  /** Reconnecting: the attempt about to be made, from 1. */
  attempt?: number;
  /** Closed by refusal or kick: what the server said. */
  detail?: string;
};

export type SignalingEvents = {
  state: StateChange;
  message: ServerMessage;
  /** Outgoing signals were dropped during an outage (queue overflow or the match ended). */
  signalsLost: { count: number };
};

export type SignalingOptions = {
  url: string;
  token: string;
  policy?: ReconnectPolicy;
  createSocket?: SocketFactory;
  probe?: RefusalProbe;
  now?: () => number;
};

const OPEN = 1;

/** One lobby connection, kept alive across drops until closed for good. */
export class SignalingClient extends Emitter<SignalingEvents> {
  private socket: WebSocketLike | null = null;
  private current: StateChange = { state: ConnectionState.Idle };
  private retryCount = 0;
  private lostAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private pendingSignals: string[] = [];
  private lastKick: KickedMessage | null = null;
  private welcomed = false;
  private readonly policy: ReconnectPolicy;
  private readonly createSocket: SocketFactory;
  private readonly now: () => number;

  constructor(private readonly options: SignalingOptions) {
    super();
    this.policy = options.policy ?? new BackoffReconnectPolicy();
    this.createSocket = options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols) as WebSocketLike);
    this.now = options.now ?? (() => Date.now());
  }

  get state(): ConnectionState {
    return this.current.state;
  }

  get stateChange(): StateChange {
    return this.current;
  }

  /** The `kicked` message that preceded a 4003 close, if any. */
  get kick(): KickedMessage | null {
    return this.lastKick;
  }

  connect(): void {
    if (this.current.state !== ConnectionState.Idle) return;
    this.setState({ state: ConnectionState.Connecting });
    this.open();
  }

  /** Closes for good (the user left the lobby). */
  disconnect(): void {
    if (this.current.state === ConnectionState.Closed) return;
    this.finish({ state: ConnectionState.Closed, reason: ClosedReason.Left }, CloseCode.Normal, 'bye');
  }

  /** Skips the current backoff wait (e.g. the browser just came back online). */
  retryNow(): void {
    if (this.current.state !== ConnectionState.Reconnecting || this.retryTimer === null) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.open();
  }

  /**
   * Sends a message. Returns false when it could not go out now: `signal` messages are kept
   * for after a resume (bounded, see MAX_PENDING_SIGNALS); other types are dropped because the
   * server's `welcome` after a reconnect tells us the state they were meant to change.
   */
  send(message: ClientMessage): boolean {
    const text = JSON.stringify(message);
    if (this.welcomed && this.socket && this.socket.readyState === OPEN) {
      this.socket.send(text);
      return true;
    }
    if (message.type === 'signal' && this.current.state === ConnectionState.Reconnecting) {
      if (this.pendingSignals.length >= MAX_PENDING_SIGNALS) {
        const count = this.pendingSignals.length + 1;
        this.pendingSignals = [];
        this.emit('signalsLost', { count });
      } else {
        this.pendingSignals.push(text);
      }
    }
    return false;
  }

  private open(): void {
    const protocols = [SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + this.options.token];
    let socket: WebSocketLike;
    try {
      socket = this.createSocket(this.options.url, protocols);
    } catch {
      // A malformed URL or a blocked scheme: nothing a retry would change.
      this.finish({ state: ConnectionState.Closed, reason: ClosedReason.Refused, detail: 'cannot open socket' });
      return;
    }
    this.socket = socket;
    this.welcomed = false;
    let opened = false;
    socket.onopen = () => {
      opened = true;
    };
    socket.onmessage = (ev: MessageEvent) => {
      if (this.socket !== socket) return;
      if (typeof ev.data !== 'string') return;
      const message = parseServerMessage(ev.data);
      if (!message) {
        console.warn('swirl: ignoring unknown or malformed message');
        return;
      }
      this.gotMessage(message);
    };
    socket.onerror = () => {
      // Always followed by close, which carries what we need.
    };
    socket.onclose = (ev: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.welcomed = false;
      this.clearConnectTimer();
      void this.gotClose(ev.code, ev.reason, opened);
    };
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.socket === socket && !this.welcomed) {
        // Detach first: a hung socket may never report its close.
        this.socket = null;
        socket.onclose = null;
        socket.close();
        void this.gotClose(CloseCode.Abnormal, 'connect timeout', false);
      }
    }, CONNECT_TIMEOUT_MS);
  }

  private gotMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        if (message.protocol !== PROTOCOL_VERSION) {
          // Nothing this page does would be right, and every reconnect would meet the same server.
          this.finish(
            {
              state: ConnectionState.Closed,
              reason: ClosedReason.ProtocolMismatch,
              detail: `server ${String(message.protocol)}, client ${PROTOCOL_VERSION}`,
            },
            CloseCode.Normal,
            'protocol mismatch',
          );
          return;
        }
        this.gotWelcome(message);
        break;
      case 'kicked':
        this.lastKick = message;
        break;
      default:
        break;
    }
    this.emit('message', message);
  }

  private gotWelcome(welcome: WelcomeMessage): void {
    this.clearConnectTimer();
    this.welcomed = true;
    this.retryCount = 0;
    const pending = this.pendingSignals;
    this.pendingSignals = [];
    if (welcome.resumed && welcome.you.match) {
      for (const text of pending) this.socket?.send(text);
    } else if (pending.length > 0) {
      this.emit('signalsLost', { count: pending.length });
    }
    this.setState({ state: ConnectionState.Connected });
  }

  private async gotClose(code: number, reason: string, opened: boolean): Promise<void> {
    if (this.current.state === ConnectionState.Closed) return;
    if (isTerminalCloseCode(code)) {
      this.finish({ state: ConnectionState.Closed, reason: reasonForCode(code), closeCode: code, detail: this.kickDetail(code) ?? reason });
      return;
    }
    if (this.current.state !== ConnectionState.Reconnecting) {
      this.lostAt = this.now();
      this.retryCount = 0;
    }
    if (!opened && this.options.probe) {
      // The upgrade was refused or the network is down; only HTTP can tell which.
      const refusal = await this.options.probe().catch(() => null);
      if (this.isClosed()) return; // disconnect() while we waited
      if (refusal) {
        this.finish({ state: ConnectionState.Closed, reason: ClosedReason.Refused, closeCode: code, detail: refusal.code });
        return;
      }
    }
    this.scheduleRetry(code);
  }

  private scheduleRetry(code: number): void {
    const delay = this.policy.nextRetryDelayMs({
      retryCount: this.retryCount,
      elapsedMs: this.now() - this.lostAt,
      closeCode: code,
    });
    if (delay === null) {
      this.finish({ state: ConnectionState.Closed, reason: ClosedReason.GaveUp, closeCode: code });
      return;
    }
    this.retryCount += 1;
    this.setState({ state: ConnectionState.Reconnecting, closeCode: code, retryInMs: delay, attempt: this.retryCount });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  private kickDetail(code: number): string | undefined {
    return code === CloseCode.Kicked && this.lastKick ? this.lastKick.reason : undefined;
  }

  private finish(change: StateChange, code?: number, reason?: string): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.clearConnectTimer();
    const socket = this.socket;
    this.socket = null;
    this.welcomed = false;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close(code, reason);
    }
    if (this.pendingSignals.length > 0) {
      const count = this.pendingSignals.length;
      this.pendingSignals = [];
      this.emit('signalsLost', { count });
    }
    this.setState(change);
  }

  private isClosed(): boolean {
    return this.current.state === ConnectionState.Closed;
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private setState(change: StateChange): void {
    this.current = change;
    this.emit('state', change);
  }
}

function reasonForCode(code: number): ClosedReason {
  switch (code) {
    case CloseCode.Kicked:
      return ClosedReason.Kicked;
    case CloseCode.LobbyClosed:
      return ClosedReason.LobbyClosed;
    case CloseCode.Replaced:
      return ClosedReason.Replaced;
    case CloseCode.SignedOut:
      return ClosedReason.SignedOut;
    case CloseCode.AccountDeleted:
      return ClosedReason.AccountDeleted;
    case CloseCode.MessageTooBig:
      return ClosedReason.MessageTooBig;
    default:
      return ClosedReason.ServerClosed;
  }
}

/** `ws://` or `wss://` URL of a lobby's socket, relative to the page's origin. */
export function lobbySocketUrl(lobbyId: string, location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/lobbies/${encodeURIComponent(lobbyId)}/ws`;
}
