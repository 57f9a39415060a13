import { describe, expect, it } from 'vitest';
import { explainAccountError } from './account-errors';
import { SwirlError } from './errors';

const http = (status: number, code: string) => SwirlError.fromResponse(status, { error: { code, message: 'server words' } });

describe('explainAccountError', () => {
  it('409 owns_open_lobbies says nothing was deleted and what to do: close or transfer the lobbies', () => {
    const text = explainAccountError(http(409, 'owns_open_lobbies'), 'delete');
    expect(text).toMatch(/not deleted/);
    expect(text).toMatch(/close it/);
    expect(text).toMatch(/someone else its owner/);
  });

  it('a dead token: already signed out', () => {
    for (const code of ['invalid_token', 'missing_token'])
      expect(explainAccountError(http(401, code), 'sign_out_everywhere')).toMatch(/already signed out/);
  });

  it.each<[SwirlError | Error, RegExp]>([
    [SwirlError.network(new TypeError('Failed to fetch')), /Could not reach the server/],
    [http(429, 'rate_limited'), /Too many requests/],
    [http(503, 'database_unavailable'), /could not do that just now/],
    [http(500, 'internal'), /could not do that just now/],
    [http(418, 'teapot'), /refused/],
    [new Error('boom'), /Something went wrong/],
  ])('%s: plain words, and that nothing changed', (err, words) => {
    const del = explainAccountError(err, 'delete');
    expect(del).toMatch(words);
    expect(del).toMatch(/Nothing was deleted/);
    expect(explainAccountError(err, 'sign_out_everywhere')).toMatch(/Nothing was changed/);
  });

  it("never shows the server's own text", () => {
    expect(explainAccountError(http(400, 'bad_request'), 'delete')).not.toMatch(/server words/);
  });
});
