import { describe, expect, it } from 'vitest';
import { ErrorReason, SwirlError } from './errors';
import { endsOwnership, explainOwnerError } from './owner-errors';

const fromServer = (status: number, code: string, message = 'raw server text') =>
  SwirlError.fromResponse(status, { error: { code, message } });

describe('explainOwnerError', () => {
  // Every code an owner endpoint documents (docs/http-api.md), and what any endpoint may answer.
  it.each<[number, string]>([
    [400, 'invalid_settings'],
    [400, 'invalid_user_id'],
    [400, 'invalid_ban_seconds'],
    [400, 'invalid_message'],
    [400, 'invalid_json'],
    [400, 'bad_request'],
    [401, 'missing_token'],
    [401, 'invalid_token'],
    [403, 'not_owner'],
    [404, 'lobby_not_found'],
    [404, 'member_not_found'],
    [404, 'match_not_found'],
    [404, 'user_not_found'],
    [404, 'not_found'],
    [405, 'method_not_allowed'],
    [409, 'lobby_closed'],
    [409, 'too_many_bans'],
    [413, 'body_too_large'],
    [429, 'rate_limited'],
    [500, 'internal'],
    [503, 'database_unavailable'],
    [503, 'overloaded'],
    [418, 'something_new'],
  ])('%i %s gets human wording, never the server text', (status, code) => {
    const text = explainOwnerError(fromServer(status, code), 'kick');
    expect(text).not.toContain('raw server text');
    expect(text).not.toContain(code);
    expect(text).toMatch(/^[A-Z].*\.$/);
  });

  it('explains a refused setting with its allowed range', () => {
    const err = fromServer(400, 'invalid_settings', 'round_seconds: round_seconds must be between 0 and 7200 (got 9000)');
    expect(explainOwnerError(err, 'settings')).toBe('The server did not accept that. Round length: from 0 to 120 minutes.');
    expect(explainOwnerError(fromServer(400, 'invalid_settings', 'group_size: no'), 'settings')).toBe(
      'People per conversation must be 2, 3 or 4.',
    );
  });

  it('words member_not_found by action and covers network failures', () => {
    expect(explainOwnerError(fromServer(404, 'member_not_found'), 'kick')).toBe('That person is no longer in the lobby.');
    expect(explainOwnerError(SwirlError.network(new Error('x')), 'lock')).toMatch(/Could not reach the server/);
    expect(explainOwnerError(new Error('boom'), 'lock')).toBe('Something went wrong. Try again.');
  });

  it('knows which errors end this browser being the owner', () => {
    expect(endsOwnership(fromServer(403, 'not_owner'))).toBe(true);
    expect(endsOwnership(new SwirlError(ErrorReason.LobbyNotFound, 'x'))).toBe(true);
    expect(endsOwnership(fromServer(409, 'lobby_closed'))).toBe(false);
  });
});
