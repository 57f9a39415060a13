import { describe, expect, it } from 'vitest';
import protocolDoc from '../../../docs/protocol.md?raw';
import { SwirlError } from './errors';
import { NOTICE_MS, SOCKET_ERROR_TEXT, noticeForSocketError } from './server-notices';

// The `error` codes table of docs/protocol.md, read from the doc itself so a new code cannot be missed.
function documentedSocketCodes(): string[] {
  const doc = protocolDoc;
  const section = doc.slice(doc.indexOf('### `error`'), doc.indexOf('### Owner-driven messages'));
  const codes = new Set<string>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    for (const m of line.split('|')[1]!.matchAll(/`([a-z_]+)`/g)) codes.add(m[1]!);
  }
  return [...codes];
}

describe('server notices', () => {
  const raw = 'that peer is reconnecting; the message was not delivered';

  it('has wording (or a deliberate nothing) for every documented socket error code', () => {
    const codes = documentedSocketCodes();
    expect(codes.length).toBeGreaterThanOrEqual(12);
    for (const code of codes) expect(Object.hasOwn(SOCKET_ERROR_TEXT, code), code).toBe(true);
  });

  it('never shows the server text, and each notice expires', () => {
    for (const code of Object.keys(SOCKET_ERROR_TEXT)) {
      const notice = noticeForSocketError(SwirlError.fromServerMessage({ code, message: raw }));
      if (notice === null) continue;
      expect(notice.text).not.toContain(raw);
      expect(notice.text).not.toMatch(/^Server:/);
      expect(notice.ttlMs).toBe(NOTICE_MS);
    }
  });

  it('says nothing about a partner who is reconnecting (the tile shows it)', () => {
    expect(noticeForSocketError(SwirlError.fromServerMessage({ code: 'peer_unavailable', message: raw }))).toBeNull();
  });

  it('words an unknown code generically', () => {
    const n = noticeForSocketError(SwirlError.fromServerMessage({ code: 'brand_new', message: 'secret detail' }));
    expect(n?.text).toMatch(/Something went wrong/);
    expect(n?.text).not.toContain('secret detail');
  });
});
