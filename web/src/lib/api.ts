// Every HTTP call the client makes, in one place so paths are easy to adjust while the
// server's lobby and owner endpoints are being written (docs/http-api.md).

import { SwirlError } from './errors';
import { parseOwnerBans, type OwnerBans } from './owner-bans';
import { parseLobbyState, type LobbyState } from './owner-state';
import type { LobbySettings } from './protocol';

export type User = { id: string; display_name: string; created_at?: string; last_seen_at?: string };
export type NewUser = User & { token: string };

export type Lobby = {
  id: string;
  name: string;
  status?: string;
  /** People in the lobby now (GET /api/lobbies/{id}). */
  member_count?: number;
  settings?: LobbySettings;
  owner_id?: string;
  /** Absolute invite URL when the server knows its public URL; we build one otherwise. */
  invite_url?: string;
};

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Time for one API call; the server answers in milliseconds unless something is wrong. */
const REQUEST_TIMEOUT_MS = 15_000;

/** A client for one server (same origin by default), optionally authenticated. */
export class Api {
  constructor(
    private readonly token: () => string | null,
    private readonly fetchFn: Fetch = (input, init) => globalThis.fetch(input, init),
    private readonly base = '',
  ) {}

  // Users
  createUser(displayName: string): Promise<NewUser> {
    return this.request('POST', '/api/users', { display_name: displayName }, false);
  }
  me(): Promise<User> {
    return this.request('GET', '/api/me');
  }
  rename(displayName: string): Promise<User> {
    return this.request('PATCH', '/api/me', { display_name: displayName });
  }
  /** Revokes the token everywhere; the answer carries the one new token (NewUser). */
  signOutEverywhere(): Promise<NewUser> {
    return this.request('POST', '/api/me/sign-out-everywhere', {});
  }
  /** Deletes the account (204); `409 owns_open_lobbies` while the user owns a lobby not closed. */
  async deleteAccount(): Promise<void> {
    await this.request<unknown>('DELETE', '/api/me');
  }

  // Lobbies
  createLobby(name: string, settings: Partial<LobbySettings> & { group_size: number }): Promise<Lobby> {
    return this.request('POST', '/api/lobbies', { name, settings });
  }
  /** Assumed endpoint: a lobby's public facts, used to explain a refused WebSocket. */
  lobby(lobbyId: string): Promise<Lobby> {
    return this.request('GET', `/api/lobbies/${seg(lobbyId)}`);
  }

  // Owner actions
  async lobbyState(lobbyId: string): Promise<LobbyState> {
    const body = await this.request<unknown>('GET', `/api/lobbies/${seg(lobbyId)}/state`);
    try {
      return parseLobbyState(body);
    } catch (err) {
      throw SwirlError.unexpectedResponse(err instanceof Error ? err.message : String(err), 200);
    }
  }
  updateSettings(lobbyId: string, settings: Partial<LobbySettings>): Promise<unknown> {
    return this.request('PATCH', `/api/lobbies/${seg(lobbyId)}/settings`, settings);
  }
  kick(lobbyId: string, userId: string, banSeconds?: number): Promise<unknown> {
    const body: { user_id: string; ban_seconds?: number } = { user_id: userId };
    if (banSeconds !== undefined && banSeconds > 0) body.ban_seconds = banSeconds;
    return this.request('POST', `/api/lobbies/${seg(lobbyId)}/kick`, body);
  }
  lock(lobbyId: string): Promise<unknown> {
    return this.request('POST', `/api/lobbies/${seg(lobbyId)}/lock`);
  }
  unlock(lobbyId: string): Promise<unknown> {
    return this.request('POST', `/api/lobbies/${seg(lobbyId)}/unlock`);
  }
  /** `delivered`: how many connected members got it. */
  announce(lobbyId: string, message: string): Promise<{ delivered: number }> {
    return this.request('POST', `/api/lobbies/${seg(lobbyId)}/announce`, { message });
  }
  closeLobby(lobbyId: string): Promise<unknown> {
    return this.request('POST', `/api/lobbies/${seg(lobbyId)}/close`);
  }
  /** Makes `userId` the owner; the caller stops being it. */
  transfer(lobbyId: string, userId: string): Promise<{ id: string; owner_id: string }> {
    return this.request('POST', `/api/lobbies/${seg(lobbyId)}/transfer`, { user_id: userId });
  }
  /** Dismisses one of the lobby's reports (it is deleted). */
  dismissReport(lobbyId: string, reportId: string): Promise<unknown> {
    return this.request('DELETE', `/api/lobbies/${seg(lobbyId)}/reports/${seg(reportId)}`);
  }
  /** The lobby's running bans, the one that ends first first. */
  async bans(lobbyId: string): Promise<OwnerBans> {
    const body = await this.request<unknown>('GET', `/api/lobbies/${seg(lobbyId)}/bans`);
    try {
      return parseOwnerBans(body);
    } catch (err) {
      throw SwirlError.unexpectedResponse(err instanceof Error ? err.message : String(err), 200);
    }
  }
  /** Lifts a ban: the user may join again at once. */
  liftBan(lobbyId: string, userId: string): Promise<unknown> {
    return this.request('DELETE', `/api/lobbies/${seg(lobbyId)}/bans/${seg(userId)}`);
  }
  endMatch(lobbyId: string, matchId: string): Promise<unknown> {
    return this.request('POST', `/api/lobbies/${seg(lobbyId)}/matches/${seg(matchId)}/end`);
  }

  private async request<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = auth ? this.token() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (typeof AbortSignal !== 'undefined' && 'timeout' in AbortSignal) {
      init.signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    }
    let response: Response;
    try {
      response = await this.fetchFn(this.base + path, init);
    } catch (err) {
      throw SwirlError.network(err);
    }
    const text = await response.text().catch(() => '');
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!response.ok) throw SwirlError.fromResponse(response.status, json, response.headers.get('Retry-After'));
    return json as T;
  }
}

function seg(s: string): string {
  return encodeURIComponent(s);
}

/** The invite path for a lobby: `/l/{lobby_id}`. */
export function invitePath(lobbyId: string): string {
  return `/l/${seg(lobbyId)}`;
}
