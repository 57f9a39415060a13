import { describe, expect, it } from 'vitest';
import { AccountEnd } from '../lib/account-end';
import { ErrorReason } from '../lib/errors';
import { IDENTITY_KEY, IdentityStore, type KeyValueStore } from '../lib/identity';
import { IdentityState } from './identity.svelte';

class MemoryStore implements KeyValueStore {
  map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

/** A server that answers every call with `status` and `body`, recording what was asked. */
function server(status: number, body?: unknown) {
  const calls: { url: string; method: string | undefined; auth: string | undefined }[] = [];
  const fetchFn = async (url: string, init?: RequestInit) => {
    calls.push({ url, method: init?.method, auth: (init?.headers as Record<string, string> | undefined)?.Authorization });
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  };
  return { calls, fetchFn };
}

/** A window stand-in that lets the test fire `storage` events. */
class Events {
  listeners: ((e: StorageEvent) => void)[] = [];
  addEventListener(type: string, fn: (e: StorageEvent) => void) {
    if (type === 'storage') this.listeners.push(fn);
  }
  fire(key: string | null) {
    for (const fn of this.listeners) fn({ key } as StorageEvent);
  }
}

function signedIn(status: number, body?: unknown) {
  const mem = new MemoryStore();
  const store = new IdentityStore(mem);
  store.save({ id: 'u1', display_name: 'Ada', token: 'tok' });
  store.addOwnedLobby('L1');
  const api = server(status, body);
  const events = new Events();
  const state = new IdentityState(store, api.fetchFn, events as unknown as Window);
  return { mem, store, state, calls: api.calls, events };
}

describe('IdentityState: the account ends', () => {
  it('sign out everywhere: the new token is not kept, the identity and owned lobbies are forgotten', async () => {
    const { state, store, calls } = signedIn(200, { id: 'u1', display_name: 'Ada', token: 'fresh' });
    await state.signOutEverywhere();
    expect(calls).toEqual([{ url: '/api/me/sign-out-everywhere', method: 'POST', auth: 'Bearer tok' }]);
    expect(state.identity).toBeNull();
    expect(store.load()).toBeNull();
    expect(store.ownedLobbies()).toEqual([]);
    expect(state.ended).toEqual({ kind: AccountEnd.SignedOutEverywhere, name: 'Ada' });
    state.startAgain();
    expect(state.ended).toBeNull();
  });

  it('delete: 204 ends the account as deleted', async () => {
    const { state, store, calls } = signedIn(204);
    await state.deleteAccount();
    expect(calls).toEqual([{ url: '/api/me', method: 'DELETE', auth: 'Bearer tok' }]);
    expect(store.load()).toBeNull();
    expect(state.ended).toEqual({ kind: AccountEnd.Deleted, name: 'Ada' });
  });

  it('delete refused with 409 owns_open_lobbies: typed error, nothing forgotten', async () => {
    const { state, store } = signedIn(409, { error: { code: 'owns_open_lobbies', message: 'close them first' } });
    await expect(state.deleteAccount()).rejects.toMatchObject({ reason: ErrorReason.OwnsOpenLobbies, status: 409 });
    expect(state.identity?.token).toBe('tok');
    expect(store.load()?.token).toBe('tok');
    expect(store.ownedLobbies()).toEqual(['L1']);
    expect(state.ended).toBeNull();
  });

  it('a token already dead (401) is forgotten, and the error still reaches the caller', async () => {
    const { state, store } = signedIn(401, { error: { code: 'invalid_token', message: 'no' } });
    await expect(state.signOutEverywhere()).rejects.toMatchObject({ reason: ErrorReason.InvalidToken });
    expect(store.load()).toBeNull();
    expect(state.identity).toBeNull();
    expect(state.ended).toBeNull();
  });

  it('other failures (network, 503) change nothing', async () => {
    const { state, store } = signedIn(503, { error: { code: 'database_unavailable', message: 'later' } });
    await expect(state.signOutEverywhere()).rejects.toMatchObject({ reason: ErrorReason.DatabaseUnavailable });
    expect(store.load()?.token).toBe('tok');
    expect(state.ended).toBeNull();
  });

  it('a socket close and the HTTP answer may both report the end: the first one wins', () => {
    const { state } = signedIn(200);
    state.accountEnded(AccountEnd.SignedOutEverywhere);
    state.accountEnded(AccountEnd.Deleted);
    expect(state.ended).toEqual({ kind: AccountEnd.SignedOutEverywhere, name: 'Ada' });
  });

  it("follows another tab's change to the stored identity", () => {
    const { state, mem, events } = signedIn(200);
    mem.removeItem(IDENTITY_KEY);
    events.fire('swirl.owned-lobbies.v1');
    expect(state.identity?.token).toBe('tok');
    events.fire(IDENTITY_KEY);
    expect(state.identity).toBeNull();
    // The 4001 close that follows still knows whose account ended.
    state.accountEnded(AccountEnd.SignedOutEverywhere);
    expect(state.ended).toEqual({ kind: AccountEnd.SignedOutEverywhere, name: 'Ada' });
    state.startAgain();
    mem.setItem(IDENTITY_KEY, JSON.stringify({ id: 'u2', display_name: 'Bo', token: 't2' }));
    events.fire(null); // localStorage.clear() in another tab
    expect(state.identity).toEqual({ id: 'u2', display_name: 'Bo', token: 't2' });
  });
});
