import { describe, expect, it } from 'vitest';
import httpApiDoc from '../../../docs/http-api.md?raw';
import protocolDoc from '../../../docs/protocol.md?raw';
import securityDoc from '../../../docs/security.md?raw';
import { ERROR_TEXT, describeError, retryHint } from './error-text';
import { ErrorReason, SwirlError, parseRetryAfter, reasonFromCode } from './errors';

/**
 * Every error code the docs give the server, read from the docs themselves so a newly documented
 * code cannot be missed: `` `409 lobby_full` `` anywhere, the codes listed after a status
 * (`` `401` (`missing_token`, `invalid_token`) ``), `"code":"…"` in the examples, and the rows of
 * docs/protocol.md's `error` table.
 */
function documentedCodes(): Map<string, string> {
  const found = new Map<string, string>();
  const add = (code: string, where: string) => {
    if (!found.has(code)) found.set(code, where);
  };
  for (const [name, doc] of [
    ['http-api.md', httpApiDoc],
    ['protocol.md', protocolDoc],
    ['security.md', securityDoc],
  ] as const) {
    for (const m of doc.matchAll(/`[1-5]\d\d\s+([a-z][a-z_]*)`/g)) add(m[1]!, `${name}: ${m[0]}`);
    for (const m of doc.matchAll(/`[1-5]\d\d`\s*\(([^)]*)\)/g)) {
      for (const n of m[1]!.matchAll(/`([a-z][a-z_]*)`/g)) add(n[1]!, `${name}: ${m[0]}`);
    }
    for (const m of doc.matchAll(/"code":\s*"([a-z_]+)"/g)) add(m[1]!, `${name}: ${m[0]}`);
  }
  const section = protocolDoc.slice(protocolDoc.indexOf('### `error`'), protocolDoc.indexOf('### Owner-driven messages'));
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    for (const m of line.split('|')[1]!.matchAll(/`([a-z_]+)`/g)) add(m[1]!, `protocol.md: error table`);
  }
  return found;
}

describe('documented error codes', () => {
  const codes = documentedCodes();

  it('finds the codes of the docs (the reader itself works)', () => {
    // Spot checks from each way a code is written, so a change of doc style fails here, not silently.
    for (const code of ['lobby_full', 'missing_token', 'bad_path', 'method_not_allowed', 'not_in_match', 'peer_unavailable', 'bad_host'])
      expect(codes.has(code), code).toBe(true);
    expect(codes.size).toBeGreaterThanOrEqual(40);
    expect(codes.has('group_size'), 'a setting is not an error code').toBe(false);
  });

  it('every documented code has a typed reason and human wording', () => {
    const missing = [...codes].filter(([code]) => reasonFromCode(code) === ErrorReason.UnexpectedResponse);
    expect(missing.map(([code, where]) => `${code} (${where})`)).toEqual([]);
    for (const [code] of codes) {
      const text = ERROR_TEXT[reasonFromCode(code)];
      expect(text, code).toMatch(/^[A-Z].*[.…]$/);
      expect(text, code).not.toContain(code);
    }
  });
});

describe('describeError', () => {
  const http = (status: number, code: string, retryAfter?: string) =>
    SwirlError.fromResponse(status, { error: { code, message: 'raw server text' } }, retryAfter);

  it('never shows the server text', () => {
    for (const reason of Object.values(ErrorReason)) {
      const text = describeError(http(400, reason));
      expect(text).not.toContain('raw server text');
      expect(text.startsWith(ERROR_TEXT[reason]), reason).toBe(true);
    }
  });

  it('a 429 says when to try again, from Retry-After', () => {
    expect(describeError(http(429, 'rate_limited', '20'))).toBe('Too many requests from your address in a short time. Try again in 20 s.');
    expect(describeError(http(429, 'too_many_connections', '5'))).toMatch(/Close some Swirl tabs\. Try again in 5 s\.$/);
    expect(describeError(http(503, 'server_full', '5'))).toMatch(/as many people connected as it can take\. Try again in 5 s\.$/);
    expect(describeError(http(429, 'rate_limited', '1'))).toMatch(/Try again in a second\.$/);
    expect(describeError(http(429, 'rate_limited'))).toMatch(/Wait a moment and try again\.$/);
    // A 429 whose body is not the server's is still a rate limit.
    expect(describeError(SwirlError.fromResponse(429, undefined, '3'))).toBe(
      'Too many requests from your address in a short time. Try again in 3 s.',
    );
  });

  it('other errors and thrown values', () => {
    expect(describeError(http(409, 'lobby_full', '9'))).toBe('This lobby is full.');
    expect(describeError(SwirlError.network(new TypeError('Failed to fetch')))).toMatch(/Could not reach the server/);
    expect(describeError(new Error('boom'))).toBe('Something went wrong. Try again.');
  });

  it('retryHint', () => {
    expect(retryHint(http(429, 'rate_limited', '0'))).toBe('Try again in a second.');
    expect(retryHint(http(429, 'rate_limited', '120'))).toBe('Try again in 120 s.');
  });
});

describe('parseRetryAfter', () => {
  it.each<[string | null | undefined, number | undefined]>([
    ['20', 20],
    [' 5 ', 5],
    ['0', 0],
    ['86400', 86400],
    ['86401', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['Wed, 21 Oct 2026 07:28:00 GMT', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('%j -> %j', (header, seconds) => {
    expect(parseRetryAfter(header)).toBe(seconds);
  });

  it('fromResponse keeps it', () => {
    expect(SwirlError.fromResponse(429, { error: { code: 'rate_limited', message: '' } }, '7').retryAfterSeconds).toBe(7);
    expect(SwirlError.fromResponse(429, { error: { code: 'rate_limited', message: '' } }).retryAfterSeconds).toBeUndefined();
  });
});
