// The owner's view of a lobby, `GET /api/lobbies/{id}/state` (docs/http-api.md), as the server
// really sends it (src/api/owner_api.cpp + LobbyServer::state_json), and a strict parser for it.
//
// This file imports types only, so it compiles to a module with no imports: the browser test
// tests/e2e/specs/owner-state.test.mjs transpiles it alone and checks a real server's answer
// with this very parser. Keep it that way (no value imports).

import type { LobbySettings } from './protocol';

export type LobbyStatus = 'open' | 'locked' | 'closed';

/** One member, as the live lobby sees it. */
export type OwnerMemberState = {
  id: string;
  display_name: string;
  ready: boolean;
  /** `reconnecting`: the socket dropped and the resume grace period is running. */
  connection: 'connected' | 'reconnecting';
  match_id: string | null;
  /** Ready and unmatched: seconds since they became ready; otherwise 0. */
  waiting_seconds: number;
  joined_at: string;
};

/** A match in progress. `id` and `match_id` are the same value. */
export type OwnerMatchState = {
  id: string;
  match_id: string;
  members: { id: string; display_name: string }[];
  age_seconds: number;
  /** The `call_event` reports of its members (docs/protocol.md); all four keys, from 0. */
  call_events: CallEventCounts;
};

export type CallEventCounts = { stall: number; ice_restart: number; pc_recreated: number; recovered: number };

export type OwnerCounters = {
  matches_made: number;
  repeats_avoided: number;
  /** Only from a live lobby. */
  pairs_met?: number;
  /** Only from a live lobby. */
  users_remembered?: number;
};

/** A report a member made about another (docs/http-api.md, `reports`), newest first. */
export type OwnerReport = {
  id: string;
  reporter: { id: string; display_name: string };
  /** `member`: in the live lobby now. */
  reported: { id: string; display_name: string; member: boolean };
  reason: string;
  details: string;
  match_id: string | null;
  created_at: string;
};

export type LobbyState = {
  id: string;
  name: string;
  status: LobbyStatus;
  owner_id: string;
  settings: LobbySettings;
  /** False when the lobby has no running actor: `members` and `matches` are then empty. */
  live: boolean;
  members: OwnerMemberState[];
  matches: OwnerMatchState[];
  counters: OwnerCounters;
  reports: OwnerReport[];
};

type Obj = Record<string, unknown>;

function fail(path: string, want: string, got: unknown): never {
  const seen = got === null ? 'null' : Array.isArray(got) ? 'an array' : typeof got === 'string' ? JSON.stringify(got) : typeof got;
  throw new TypeError(`lobby state: ${path} must be ${want} (got ${seen})`);
}

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Obj;
}

function str(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${path}.${key}`, 'a string', v);
  return v;
}

function num(o: Obj, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${path}.${key}`, 'a number >= 0', v);
  return v;
}

function bool(o: Obj, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${path}.${key}`, 'true or false', v);
  return v;
}

function oneOf<T extends string>(o: Obj, key: string, path: string, values: readonly T[]): T {
  const v = str(o, key, path);
  if (!(values as readonly string[]).includes(v)) fail(`${path}.${key}`, values.map((x) => `"${x}"`).join(' or '), v);
  return v as T;
}

function list<T>(o: Obj, key: string, path: string, item: (v: unknown, path: string) => T): T[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${path}.${key}`, 'an array', v);
  return v.map((x, i) => item(x, `${path}.${key}[${i}]`));
}

function settings(v: unknown, path: string): LobbySettings {
  const o = obj(v, path);
  const out: LobbySettings = { group_size: num(o, 'group_size', path) };
  for (const key of ['max_members', 'repeat_after_seconds', 'round_seconds', 'idle_shutdown_seconds'] as const) {
    if (o[key] !== undefined) out[key] = num(o, key, path);
  }
  if (o.when_exhausted !== undefined) out.when_exhausted = oneOf(o, 'when_exhausted', path, ['wait', 'repeat'] as const);
  return out;
}

function member(v: unknown, path: string): OwnerMemberState {
  const o = obj(v, path);
  const matchId = o.match_id;
  if (matchId !== null && typeof matchId !== 'string') fail(`${path}.match_id`, 'a string or null', matchId);
  return {
    id: str(o, 'id', path),
    display_name: str(o, 'display_name', path),
    ready: bool(o, 'ready', path),
    connection: oneOf(o, 'connection', path, ['connected', 'reconnecting'] as const),
    match_id: matchId,
    waiting_seconds: num(o, 'waiting_seconds', path),
    joined_at: str(o, 'joined_at', path),
  };
}

function match(v: unknown, path: string): OwnerMatchState {
  const o = obj(v, path);
  const id = str(o, 'id', path);
  const matchId = str(o, 'match_id', path);
  if (id !== matchId) fail(`${path}.match_id`, `the same as id "${id}"`, matchId);
  return {
    id,
    match_id: matchId,
    members: list(o, 'members', path, (m, p) => {
      const mo = obj(m, p);
      return { id: str(mo, 'id', p), display_name: str(mo, 'display_name', p) };
    }),
    age_seconds: num(o, 'age_seconds', path),
    call_events: callEvents(o.call_events, `${path}.call_events`),
  };
}

function callEvents(v: unknown, path: string): CallEventCounts {
  const o = obj(v, path);
  return {
    stall: num(o, 'stall', path),
    ice_restart: num(o, 'ice_restart', path),
    pc_recreated: num(o, 'pc_recreated', path),
    recovered: num(o, 'recovered', path),
  };
}

function report(v: unknown, path: string): OwnerReport {
  const o = obj(v, path);
  const reporter = obj(o.reporter, `${path}.reporter`);
  const reported = obj(o.reported, `${path}.reported`);
  const matchId = o.match_id;
  if (matchId !== null && typeof matchId !== 'string') fail(`${path}.match_id`, 'a string or null', matchId);
  return {
    id: str(o, 'id', path),
    reporter: { id: str(reporter, 'id', `${path}.reporter`), display_name: str(reporter, 'display_name', `${path}.reporter`) },
    reported: {
      id: str(reported, 'id', `${path}.reported`),
      display_name: str(reported, 'display_name', `${path}.reported`),
      member: bool(reported, 'member', `${path}.reported`),
    },
    reason: str(o, 'reason', path),
    details: str(o, 'details', path),
    match_id: matchId,
    created_at: str(o, 'created_at', path),
  };
}

function counters(v: unknown, path: string): OwnerCounters {
  const o = obj(v, path);
  const out: OwnerCounters = { matches_made: num(o, 'matches_made', path), repeats_avoided: num(o, 'repeats_avoided', path) };
  if (o.pairs_met !== undefined) out.pairs_met = num(o, 'pairs_met', path);
  if (o.users_remembered !== undefined) out.users_remembered = num(o, 'users_remembered', path);
  return out;
}

/**
 * Checks a parsed `GET /api/lobbies/{id}/state` body and returns it typed (unknown extra fields
 * are left out). Throws a TypeError naming the first field that is missing or of the wrong type.
 */
export function parseLobbyState(body: unknown): LobbyState {
  const o = obj(body, 'body');
  const state: LobbyState = {
    id: str(o, 'id', 'body'),
    name: str(o, 'name', 'body'),
    status: oneOf(o, 'status', 'body', ['open', 'locked', 'closed'] as const),
    owner_id: str(o, 'owner_id', 'body'),
    settings: settings(o.settings, 'body.settings'),
    live: bool(o, 'live', 'body'),
    members: list(o, 'members', 'body', member),
    matches: list(o, 'matches', 'body', match),
    counters: counters(o.counters, 'body.counters'),
    reports: list(o, 'reports', 'body', report),
  };
  if (!state.live && (state.members.length > 0 || state.matches.length > 0)) {
    throw new TypeError('lobby state: a lobby that is not live must list no members and no matches');
  }
  return state;
}
