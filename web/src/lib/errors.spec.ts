import { describe, expect, it } from 'vitest';
import { ErrorReason, SwirlError, reasonFromCode } from './errors';

describe('SwirlError', () => {
  it.each<[number, string, ErrorReason]>([
    [400, 'invalid_settings', ErrorReason.InvalidSettings],
    [401, 'missing_token', ErrorReason.MissingToken],
    [403, 'not_owner', ErrorReason.NotOwner],
    [403, 'banned', ErrorReason.Banned],
    [404, 'lobby_not_found', ErrorReason.LobbyNotFound],
    [404, 'member_not_found', ErrorReason.MemberNotFound],
    [409, 'lobby_closed', ErrorReason.LobbyClosed],
    [409, 'owns_open_lobbies', ErrorReason.OwnsOpenLobbies],
    [423, 'lobby_locked', ErrorReason.LobbyLocked],
    [503, 'database_unavailable', ErrorReason.DatabaseUnavailable],
  ])('HTTP %i %s has its reason', (status, code, reason) => {
    const err = SwirlError.fromResponse(status, { error: { code, message: 'why' } });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'SwirlError', reason, code, status, message: 'why' });
  });

  it('keeps an unknown server code but types it as unexpected', () => {
    const err = SwirlError.fromResponse(418, { error: { code: 'teapot', message: 'short and stout' } });
    expect(err).toMatchObject({ reason: ErrorReason.UnexpectedResponse, code: 'teapot', status: 418 });
  });

  it("copes with error bodies that are not the server's", () => {
    expect(SwirlError.fromResponse(502, undefined)).toMatchObject({
      reason: ErrorReason.UnexpectedResponse,
      code: 'http_502',
      status: 502,
    });
    expect(SwirlError.fromResponse(500, { error: 'x' })).toMatchObject({ reason: ErrorReason.UnexpectedResponse, code: 'http_500' });
    expect(SwirlError.fromResponse(400, { error: { message: 'no code' } })).toMatchObject({ code: 'http_400', message: 'no code' });
  });

  it('isUnauthorized for 401 and the token reasons', () => {
    expect(SwirlError.fromResponse(401, { error: { code: 'invalid_token', message: '' } }).isUnauthorized).toBe(true);
    expect(SwirlError.fromResponse(403, { error: { code: 'not_owner', message: '' } }).isUnauthorized).toBe(false);
    expect(SwirlError.network(new TypeError('Failed to fetch')).isUnauthorized).toBe(false);
  });

  it('network errors have status 0 and keep the cause', () => {
    const cause = new TypeError('Failed to fetch');
    expect(SwirlError.network(cause)).toMatchObject({ reason: ErrorReason.Network, status: 0, message: 'Failed to fetch', cause });
  });

  it('socket error messages keep their code', () => {
    expect(SwirlError.fromServerMessage({ code: 'rate_limited', message: 'slow down' })).toMatchObject({
      reason: ErrorReason.RateLimited,
      message: 'slow down',
      status: undefined,
    });
    expect(SwirlError.fromServerMessage({ code: 'peer_unavailable', message: '' })).toMatchObject({
      reason: ErrorReason.PeerUnavailable,
      message: 'peer_unavailable',
    });
  });

  it('negotiation errors name the peer and the failed step', () => {
    const cause = new DOMException('Failed to set remote answer sdp', 'InvalidStateError');
    const err = SwirlError.negotiation('u2', cause);
    expect(err).toMatchObject({ reason: ErrorReason.Negotiation, peerId: 'u2', cause });
    expect(err.message).toBe('InvalidStateError: Failed to set remote answer sdp');
    expect(SwirlError.negotiation('u3', 'odd').message).toBe('odd');
  });

  it('protocol mismatch says to reload', () => {
    const err = SwirlError.protocolMismatch(2, 1);
    expect(err.reason).toBe(ErrorReason.ProtocolMismatch);
    expect(err.message).toMatch(/protocol 2.*1.*Reload/);
  });

  it('every documented socket error code maps to a reason', () => {
    for (const code of [
      'invalid_json',
      'unknown_type',
      'invalid_message',
      'not_in_match',
      'peer_unavailable',
      'rate_limited',
      'lobby_failed',
      'lobby_full',
      'banned',
      'lobby_not_found',
      'lobby_closed',
      'lobby_unavailable',
    ]) {
      expect(reasonFromCode(code)).toBe(code);
    }
  });
});
