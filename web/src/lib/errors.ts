// One error type for everything the client reports: HTTP failures (the server's
// `{"error":{"code","message"}}`), `error` messages on the lobby socket, and the client's own
// failures (network, negotiation, protocol version). The reason is an enum, so callers switch
// on it instead of comparing strings; static factories build each kind.

/**
 * Why something failed. The server's codes are the ones documented in docs/http-api.md and
 * docs/protocol.md (plus the few the server sends for malformed HTTP); the rest are the client's.
 */
export enum ErrorReason {
  // Bad input (400).
  InvalidJson = 'invalid_json',
  InvalidDisplayName = 'invalid_display_name',
  InvalidName = 'invalid_name',
  InvalidSettings = 'invalid_settings',
  InvalidField = 'invalid_field',
  InvalidUserId = 'invalid_user_id',
  InvalidBanSeconds = 'invalid_ban_seconds',
  InvalidMessage = 'invalid_message',
  BadRequest = 'bad_request',
  BadPath = 'bad_path',
  /** An HTTP/1.1 request without one valid `Host: host[:port]`. */
  BadHost = 'bad_host',
  BadHandshake = 'bad_handshake',
  // Who you are (401, 403).
  MissingToken = 'missing_token',
  InvalidToken = 'invalid_token',
  NotOwner = 'not_owner',
  Banned = 'banned',
  /** `/metrics` from an address outside `--metrics-allow`. */
  Forbidden = 'forbidden',
  /** A WebSocket upgrade from a page whose `Origin` the server does not allow. */
  OriginNotAllowed = 'origin_not_allowed',
  // What you asked for (404, 405, 409, 413, 423, 426, 431).
  NotFound = 'not_found',
  LobbyNotFound = 'lobby_not_found',
  MemberNotFound = 'member_not_found',
  MatchNotFound = 'match_not_found',
  UserNotFound = 'user_not_found',
  TooManyBans = 'too_many_bans',
  /** DELETE /api/me while the user owns a lobby that is not closed. */
  OwnsOpenLobbies = 'owns_open_lobbies',
  ReportNotFound = 'report_not_found',
  BanNotFound = 'ban_not_found',
  MethodNotAllowed = 'method_not_allowed',
  LobbyClosed = 'lobby_closed',
  LobbyFull = 'lobby_full',
  LobbyLocked = 'lobby_locked',
  BodyTooLarge = 'body_too_large',
  HeadersTooLarge = 'headers_too_large',
  UnsupportedVersion = 'unsupported_version',
  // Too much, too fast (429, with Retry-After: see SwirlError.retryAfterSeconds).
  RateLimited = 'rate_limited',
  /** This address already has as many WebSockets open as the server allows one address. */
  TooManyConnections = 'too_many_connections',
  // The server's side (500, 503).
  Internal = 'internal',
  DatabaseUnavailable = 'database_unavailable',
  Overloaded = 'overloaded',
  LobbyUnavailable = 'lobby_unavailable',
  /** The server has as many WebSockets open as it allows in all. */
  ServerFull = 'server_full',
  // Lobby socket `error` messages (docs/protocol.md).
  UnknownType = 'unknown_type',
  NotInMatch = 'not_in_match',
  PeerUnavailable = 'peer_unavailable',
  LobbyFailed = 'lobby_failed',
  /** Multi-node only: this server lost the lobby's lease (then close 4005); reconnect. */
  LobbyMoved = 'lobby_moved',
  /** Multi-node only: another server runs the lobby right now (503 with Retry-After); retry. */
  LobbyElsewhere = 'lobby_elsewhere',
  NotMatched = 'not_matched',
  Blocked = 'blocked',
  TooManyBlocks = 'too_many_blocks',
  TooManyReports = 'too_many_reports',
  StorageUnavailable = 'storage_unavailable',
  // The client's own.
  /** The request never got an answer (offline, DNS, refused, timed out). */
  Network = 'network_error',
  /** An answer we cannot use: an error body that is not the server's, an unknown code, a wrong shape. */
  UnexpectedResponse = 'unexpected_response',
  /** A WebRTC negotiation step failed (setting a description, adding a candidate, a track change). */
  Negotiation = 'negotiation_failed',
  /** The server speaks another protocol version than this page (docs/protocol.md `welcome.protocol`). */
  ProtocolMismatch = 'protocol_mismatch',
}

const KNOWN_REASONS: ReadonlySet<string> = new Set(Object.values(ErrorReason));

/** The reason for a server code, or UnexpectedResponse for a code this client does not know. */
export function reasonFromCode(code: string): ErrorReason {
  return KNOWN_REASONS.has(code) ? (code as ErrorReason) : ErrorReason.UnexpectedResponse;
}

export type SwirlErrorOptions = {
  /** HTTP status: 0 when no answer came, absent for failures that are not HTTP. */
  status?: number;
  /** The code exactly as the server sent it (kept when the reason is UnexpectedResponse). */
  code?: string;
  /** The remote member a negotiation error is about. */
  peerId?: string;
  /** Whole seconds from the answer's `Retry-After` header (429 and some 503s), when it had one. */
  retryAfterSeconds?: number;
  cause?: unknown;
};

/** The longest Retry-After we take at its word (a day); anything else is treated as absent. */
const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * `Retry-After` as whole seconds (the server sends delta-seconds, docs/http-api.md), or undefined
 * when absent, not a plain non-negative integer (an HTTP date is not used by this server), or
 * longer than a day.
 */
export function parseRetryAfter(header: string | null | undefined): number | undefined {
  if (header == null) return undefined;
  const text = header.trim();
  if (!/^\d{1,6}$/.test(text)) return undefined;
  const seconds = Number(text);
  return seconds <= MAX_RETRY_AFTER_SECONDS ? seconds : undefined;
}

export class SwirlError extends Error {
  readonly reason: ErrorReason;
  readonly status: number | undefined;
  readonly code: string;
  readonly peerId: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(reason: ErrorReason, message: string, options: SwirlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwirlError';
    this.reason = reason;
    this.status = options.status;
    this.code = options.code ?? reason;
    this.peerId = options.peerId;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get isUnauthorized(): boolean {
    return this.status === 401 || this.reason === ErrorReason.MissingToken || this.reason === ErrorReason.InvalidToken;
  }

  /** A non-2xx HTTP answer; `body` is the parsed JSON, if any; `retryAfter` its Retry-After header. */
  static fromResponse(status: number, body: unknown, retryAfter?: string | null): SwirlError {
    const retryAfterSeconds = parseRetryAfter(retryAfter);
    if (isObject(body) && isObject(body.error)) {
      const e = body.error;
      const code = typeof e.code === 'string' ? e.code : `http_${status}`;
      const message = typeof e.message === 'string' ? e.message : `The server answered HTTP ${status}.`;
      return new SwirlError(reasonFromCode(code), message, { status, code, retryAfterSeconds });
    }
    return new SwirlError(ErrorReason.UnexpectedResponse, `The server answered HTTP ${status}.`, {
      status,
      code: `http_${status}`,
      retryAfterSeconds,
    });
  }

  /** The request never got an answer (status 0). */
  static network(cause: unknown): SwirlError {
    return new SwirlError(ErrorReason.Network, cause instanceof Error ? cause.message : 'network error', { status: 0, cause });
  }

  /** A 2xx answer whose body is not what the documented API returns. */
  static unexpectedResponse(what: string, status?: number): SwirlError {
    return new SwirlError(ErrorReason.UnexpectedResponse, what, { status });
  }

  /** An `error` message on the lobby socket. */
  static fromServerMessage(message: { code: string; message: string }): SwirlError {
    return new SwirlError(reasonFromCode(message.code), message.message || message.code, { code: message.code });
  }

  /** A failed negotiation step with one peer. */
  static negotiation(peerId: string, cause: unknown): SwirlError {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return new SwirlError(ErrorReason.Negotiation, detail, { peerId, cause });
  }

  /** The server's `welcome.protocol` is not this page's PROTOCOL_VERSION. */
  static protocolMismatch(server: unknown, client: number): SwirlError {
    return new SwirlError(
      ErrorReason.ProtocolMismatch,
      `The server speaks protocol ${String(server)}, this page speaks ${client}. Reload the page.`,
    );
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
