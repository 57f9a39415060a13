import { describe, expect, it } from 'vitest';
import { Api, invitePath } from './api';
import { ErrorReason, SwirlError } from './errors';

type Call = { url: string; init: RequestInit | undefined };

function fakeFetch(status: number, body: unknown) {
  const calls: Call[] = [];
  const fetchFn = async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  };
  return { calls, fetchFn };
}

describe('Api', () => {
  it('creates a user without a token and parses the answer', async () => {
    const { calls, fetchFn } = fakeFetch(201, { id: 'u1', display_name: 'Ada', token: 't' });
    const api = new Api(() => 'old-token', fetchFn);
    await expect(api.createUser('Ada')).resolves.toMatchObject({ id: 'u1', token: 't' });
    expect(calls[0]?.url).toBe('/api/users');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(calls[0]?.init?.body).toBe('{"display_name":"Ada"}');
    expect((calls[0]?.init?.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it('sends the bearer token on authenticated calls', async () => {
    const { calls, fetchFn } = fakeFetch(200, { id: 'u1', display_name: 'Ada' });
    await new Api(() => 'tok', fetchFn).me();
    expect((calls[0]?.init?.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it.each<[string, (api: Api) => Promise<unknown>, string, string, string | undefined]>([
    ['settings', (a) => a.updateSettings('L1', { group_size: 3 }), 'PATCH', '/api/lobbies/L1/settings', '{"group_size":3}'],
    ['kick', (a) => a.kick('L1', 'u2'), 'POST', '/api/lobbies/L1/kick', '{"user_id":"u2"}'],
    ['kick+ban', (a) => a.kick('L1', 'u2', 600), 'POST', '/api/lobbies/L1/kick', '{"user_id":"u2","ban_seconds":600}'],
    ['lock', (a) => a.lock('L1'), 'POST', '/api/lobbies/L1/lock', undefined],
    ['unlock', (a) => a.unlock('L1'), 'POST', '/api/lobbies/L1/unlock', undefined],
    ['announce', (a) => a.announce('L1', 'hi'), 'POST', '/api/lobbies/L1/announce', '{"message":"hi"}'],
    ['close', (a) => a.closeLobby('L1'), 'POST', '/api/lobbies/L1/close', undefined],
    ['end match', (a) => a.endMatch('L1', 'm1'), 'POST', '/api/lobbies/L1/matches/m1/end', undefined],
    ['create lobby', (a) => a.createLobby('Fri', { group_size: 2 }), 'POST', '/api/lobbies', '{"name":"Fri","settings":{"group_size":2}}'],
    ['rename', (a) => a.rename('Bo'), 'PATCH', '/api/me', '{"display_name":"Bo"}'],
  ])('owner and lobby call %s', async (_name, call, method, url, body) => {
    const { calls, fetchFn } = fakeFetch(200, {});
    await call(new Api(() => 'tok', fetchFn));
    expect(calls[0]?.url).toBe(url);
    expect(calls[0]?.init?.method).toBe(method);
    expect(calls[0]?.init?.body).toBe(body);
  });

  it('fetches the owner state and checks its shape', async () => {
    const state = {
      id: 'L1',
      name: 'Fri',
      status: 'open',
      owner_id: 'u1',
      settings: { group_size: 2 },
      live: false,
      members: [],
      matches: [],
      counters: { matches_made: 0, repeats_avoided: 0 },
      reports: [],
    };
    const ok = fakeFetch(200, state);
    await expect(new Api(() => 'tok', ok.fetchFn).lobbyState('L1')).resolves.toEqual(state);
    expect(ok.calls[0]?.url).toBe('/api/lobbies/L1/state');
    expect(ok.calls[0]?.init?.method).toBe('GET');

    const old = fakeFetch(200, { ...state, locked: true, status: undefined });
    await expect(new Api(() => 'tok', old.fetchFn).lobbyState('L1')).rejects.toMatchObject({
      reason: ErrorReason.UnexpectedResponse,
      message: expect.stringContaining('body.status') as unknown,
    });
  });

  it('turns the server error body into a SwirlError with a typed reason', async () => {
    const { fetchFn } = fakeFetch(401, { error: { code: 'invalid_token', message: 'bad token' } });
    const err = await new Api(() => 'tok', fetchFn).me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwirlError);
    expect(err).toMatchObject({
      status: 401,
      reason: ErrorReason.InvalidToken,
      code: 'invalid_token',
      message: 'bad token',
      isUnauthorized: true,
    });
  });

  it('reports network failures with status 0', async () => {
    const api = new Api(
      () => null,
      async () => {
        throw new TypeError('Failed to fetch');
      },
    );
    await expect(api.me()).rejects.toMatchObject({ status: 0, reason: ErrorReason.Network });
  });

  it('copes with error bodies that are not ours', async () => {
    const { fetchFn } = fakeFetch(502, undefined);
    await expect(new Api(() => null, fetchFn).me()).rejects.toMatchObject({
      status: 502,
      reason: ErrorReason.UnexpectedResponse,
      code: 'http_502',
    });
  });

  it('signs out everywhere with the token and returns the new one', async () => {
    const { calls, fetchFn } = fakeFetch(200, { id: 'u1', display_name: 'Ada', token: 'new' });
    await expect(new Api(() => 'tok', fetchFn).signOutEverywhere()).resolves.toMatchObject({ token: 'new' });
    expect(calls[0]).toMatchObject({ url: '/api/me/sign-out-everywhere', init: { method: 'POST', body: '{}' } });
    expect((calls[0]?.init?.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('deletes the account (204, no body); a user who owns open lobbies gets a typed 409', async () => {
    const ok = fakeFetch(204, undefined);
    await expect(new Api(() => 'tok', ok.fetchFn).deleteAccount()).resolves.toBeUndefined();
    expect(ok.calls[0]).toMatchObject({ url: '/api/me', init: { method: 'DELETE' } });
    expect(ok.calls[0]?.init?.body).toBeUndefined();

    const owns = fakeFetch(409, { error: { code: 'owns_open_lobbies', message: 'close them first' } });
    await expect(new Api(() => 'tok', owns.fetchFn).deleteAccount()).rejects.toMatchObject({
      status: 409,
      reason: ErrorReason.OwnsOpenLobbies,
    });
  });

  it('a 429 keeps its Retry-After as whole seconds', async () => {
    const fetchFn = async () =>
      new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'try again in 20 s' } }), {
        status: 429,
        headers: { 'Retry-After': '20' },
      });
    const err = await new Api(() => 't', fetchFn).createLobby('x', { group_size: 2 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: ErrorReason.RateLimited, status: 429, retryAfterSeconds: 20 });
  });

  it('escapes ids in paths', () => {
    expect(invitePath('a b')).toBe('/l/a%20b');
  });
});
