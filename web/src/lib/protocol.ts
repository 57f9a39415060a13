// The Swirl wire protocol, version 1 (docs/protocol.md), as TypeScript types plus a parser
// that turns an incoming text frame into a typed message or null. Nothing here does I/O.

import { parseIceServers } from './ice';
import type { ReportReason } from './safety';

export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = 'swirl.v1';
export const TOKEN_SUBPROTOCOL_PREFIX = 'swirl.token.';

/** WebSocket close codes the server uses (docs/protocol.md, "Close codes"). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  Abnormal: 1006,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  Replaced: 4000,
  /** The user signed out everywhere (POST /api/me/sign-out-everywhere): the token is dead. */
  SignedOut: 4001,
  /** The user deleted their account (DELETE /api/me). */
  AccountDeleted: 4002,
  Kicked: 4003,
  LobbyClosed: 4004,
  PingTimeout: 4008,
} as const;

export type LobbySettings = {
  group_size: number;
  max_members?: number;
  when_exhausted?: 'wait' | 'repeat';
  repeat_after_seconds?: number;
  round_seconds?: number;
  idle_shutdown_seconds?: number;
};

export type LobbyInfo = {
  id: string;
  name: string;
  status: string;
  settings: LobbySettings;
  /** The owner's user id (docs/protocol.md `welcome`); the page sets it after handing the lobby over. */
  owner_id?: string;
};

export type MatchPeer = {
  id: string;
  display_name: string;
  offerer: string;
  polite: string;
  /** That peer's last reported camera/microphone (true until they say otherwise). */
  camera?: boolean;
  microphone?: boolean;
};

export type MatchMessage = {
  type: 'match';
  match_id: string;
  created_at: string;
  peers: MatchPeer[];
};

export type WelcomeMessage = {
  type: 'welcome';
  protocol: number;
  user: { id: string; display_name: string };
  lobby: LobbyInfo;
  ice_servers: RTCIceServer[];
  /** When the TURN credentials in ice_servers expire (ISO 8601), or null (STUN only). */
  ice_expires_at: string | null;
  resumed: boolean;
  you: { ready: boolean; match: MatchMessage | null };
  limits: {
    max_message_bytes: number;
    messages_per_second: number;
    burst: number;
    resume_grace_seconds: number;
    /** 0 when the server never ends a match for lack of media. */
    no_media_seconds?: number;
    /** A ready member whose page is hidden this long sets itself not ready. */
    hidden_unready_seconds?: number;
  };
};

export type LobbyMember = {
  id: string;
  display_name: string;
  ready: boolean;
  in_match: boolean;
  connected: boolean;
};

export type LobbyStatusMessage = {
  type: 'lobby_status';
  lobby_id: string;
  status: string;
  member_count: number;
  ready_count: number;
  /** How many ready members wait only because they have met everyone free (absent: older server). */
  waiting_met_everyone?: number;
  truncated: boolean;
  members: LobbyMember[];
};

export type UserStatusMessage = {
  type: 'user_status';
  user_id: string;
  status: 'reconnecting' | 'back' | 'left_match';
};

export type MatchEndReason = 'left' | 'peer_left' | 'peer_disconnected' | 'round_over' | 'owner_ended' | 'kicked' | 'no_media' | 'blocked';

export type MatchEndedMessage = {
  type: 'match_ended';
  match_id: string;
  reason: MatchEndReason | string;
  ready: boolean;
};

/** What travels inside `signal.data`: opaque to the server, ours to define. */
export type SignalData = {
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit | null;
  /** Which peer connection of the pair this belongs to (absent: the first, 0); see call.ts. */
  gen?: number;
  /** The sender replaced its peer connection by generation `gen`: the receiver does the same. */
  reset?: boolean;
};

/** A match peer's camera or microphone changed. */
export type MediaStateMessage = { type: 'media_state'; from: string; camera: boolean; microphone: boolean };
/** Fresh ICE servers (TURN credentials) before the ones we hold expire. */
export type IceServersMessage = { type: 'ice_servers'; ice_servers: RTCIceServer[]; expires_at: string | null };

export type SignalMessage = { type: 'signal'; from: string; data: SignalData };
export type ErrorMessage = { type: 'error'; code: string; message: string };
export type AnnouncementMessage = { type: 'announcement'; message: string; at: string };
export type KickedMessage = { type: 'kicked'; reason: string; ban_seconds?: number };
export type LobbyClosedMessage = { type: 'lobby_closed'; message: string };
/** The lobby was handed over (`POST …/transfer`): `owner_id` owns it now. */
export type OwnerChangedMessage = { type: 'owner_changed'; owner_id: string };
/** Why we (ready, not in a match) are still waiting. */
export type WaitingReason = 'nobody_ready' | 'met_everyone';
export type WaitingMessage = { type: 'waiting'; reason: WaitingReason };
/** The reply to our `block`: we are kept apart from `user_id` from now on. */
export type BlockedMessage = { type: 'blocked'; user_id: string };
/** The reply to our `report`: the lobby's owner has it. */
export type ReportedMessage = { type: 'reported'; report_id: string };

export type ServerMessage =
  | WelcomeMessage
  | LobbyStatusMessage
  | UserStatusMessage
  | MatchMessage
  | MatchEndedMessage
  | SignalMessage
  | ErrorMessage
  | AnnouncementMessage
  | KickedMessage
  | LobbyClosedMessage
  | OwnerChangedMessage
  | MediaStateMessage
  | IceServersMessage
  | WaitingMessage
  | BlockedMessage
  | ReportedMessage;

export type ClientMessage =
  | { type: 'ready'; ready: boolean }
  | { type: 'signal'; to: string; data: SignalData }
  | { type: 'leave_match'; ready?: boolean }
  | { type: 'leave'; page_closing?: boolean }
  | { type: 'media_state'; camera: boolean; microphone: boolean }
  | { type: 'media_flowing'; match_id: string }
  | { type: 'call_event'; match_id: string; event: 'stall' | 'ice_restart' | 'pc_recreated' | 'recovered' }
  | { type: 'block'; user_id: string }
  | { type: 'report'; user_id: string; reason: ReportReason; details?: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isMatch(v: unknown): v is MatchMessage {
  return (
    isObject(v) &&
    typeof v.match_id === 'string' &&
    Array.isArray(v.peers) &&
    v.peers.every((p) => isObject(p) && typeof p.id === 'string' && typeof p.offerer === 'string' && typeof p.polite === 'string')
  );
}

/**
 * Parses one text frame. Returns null for anything that is not a well-formed server message
 * of a known type: the caller logs and ignores it (a newer server may add types).
 */
export function parseServerMessage(text: string): ServerMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(v) || typeof v.type !== 'string') return null;
  switch (v.type) {
    case 'welcome':
      if (!isObject(v.user) || !isObject(v.lobby) || typeof v.user.id !== 'string') return null;
      v.ice_servers = parseIceServers(v.ice_servers) ?? [];
      if (typeof v.ice_expires_at !== 'string') v.ice_expires_at = null;
      if (!isObject(v.you)) v.you = { ready: false, match: null };
      else if (v.you.match !== null && v.you.match !== undefined && !isMatch(v.you.match)) return null;
      return v as WelcomeMessage;
    case 'lobby_status':
      return Array.isArray(v.members) ? (v as LobbyStatusMessage) : null;
    case 'user_status':
      return typeof v.user_id === 'string' ? (v as UserStatusMessage) : null;
    case 'match':
      return isMatch(v) ? (v as MatchMessage) : null;
    case 'match_ended':
      return typeof v.match_id === 'string' ? (v as MatchEndedMessage) : null;
    case 'signal':
      return typeof v.from === 'string' && isObject(v.data) ? (v as SignalMessage) : null;
    case 'error':
      return typeof v.code === 'string' ? (v as ErrorMessage) : null;
    case 'announcement':
      return typeof v.message === 'string' ? (v as AnnouncementMessage) : null;
    case 'kicked':
      return v as KickedMessage;
    case 'lobby_closed':
      return v as LobbyClosedMessage;
    case 'owner_changed':
      return typeof v.owner_id === 'string' && v.owner_id !== '' ? (v as OwnerChangedMessage) : null;
    case 'media_state':
      return typeof v.from === 'string' && typeof v.camera === 'boolean' && typeof v.microphone === 'boolean'
        ? (v as MediaStateMessage)
        : null;
    case 'waiting':
      return v.reason === 'nobody_ready' || v.reason === 'met_everyone' ? (v as WaitingMessage) : null;
    case 'blocked':
      return typeof v.user_id === 'string' ? (v as BlockedMessage) : null;
    case 'reported':
      return typeof v.report_id === 'string' ? (v as ReportedMessage) : null;
    case 'ice_servers': {
      const servers = parseIceServers(v.ice_servers);
      if (!servers) return null;
      return { type: 'ice_servers', ice_servers: servers, expires_at: typeof v.expires_at === 'string' ? v.expires_at : null };
    }
    default:
      return null;
  }
}
