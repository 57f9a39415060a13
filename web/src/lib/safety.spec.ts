import { describe, expect, it } from 'vitest';
import protocolDoc from '../../../docs/protocol.md?raw';
import {
  MAX_DETAILS_BYTES,
  REPORT_BAN_CHOICES,
  REPORT_REASONS,
  agoText,
  detailsProblem,
  reasonLabel,
  safetyMessages,
  utf8Bytes,
} from './safety';

describe('report reasons', () => {
  it('are exactly the reasons docs/protocol.md lists for `report`', () => {
    const row = protocolDoc.split('\n').find((l) => l.startsWith('| `report` |'))!;
    const reasons = /`reason`: (.*?), `details`/.exec(row)![1]!;
    const documented = [...reasons.matchAll(/`([a-z]+)`/g)].map((m) => m[1]);
    expect(REPORT_REASONS.map((r) => r.value)).toEqual(documented);
  });

  it('have a label each, and unknown ones are shown as they are', () => {
    for (const r of REPORT_REASONS) expect(reasonLabel(r.value)).toBe(r.label);
    expect(reasonLabel('new_reason')).toBe('new_reason');
  });
});

describe('report details', () => {
  it('counts UTF-8 bytes, as the server does', () => {
    expect(utf8Bytes('abc')).toBe(3);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('😀')).toBe(4);
    expect(detailsProblem('x'.repeat(MAX_DETAILS_BYTES))).toBeNull();
    expect(detailsProblem('x'.repeat(MAX_DETAILS_BYTES + 1))).toMatch(/500/);
    expect(detailsProblem('é'.repeat(250))).toBeNull();
    expect(detailsProblem('é'.repeat(251))).toMatch(/502/);
  });

  it('allows line breaks and tabs, not other control characters or lone surrogates', () => {
    expect(detailsProblem('one\ntwo\tthree')).toBeNull();
    expect(detailsProblem('bell\u0007')).not.toBeNull();
    expect(detailsProblem('del\u007f')).not.toBeNull();
    expect(detailsProblem('half \ud83d')).not.toBeNull();
    expect(detailsProblem('whole 😀')).toBeNull();
  });
});

describe('safety messages', () => {
  const id = 'Zq3kV9xY0aBcDeF1';
  it('sends the report first, then the block', () => {
    expect(safetyMessages({ userId: id, reason: 'spam', details: '  ads \n', block: true })).toEqual([
      { type: 'report', user_id: id, reason: 'spam', details: 'ads' },
      { type: 'block', user_id: id },
    ]);
  });
  it('leaves empty details out, and sends only what was asked for', () => {
    expect(safetyMessages({ userId: id, reason: 'other', details: '   ', block: false })).toEqual([
      { type: 'report', user_id: id, reason: 'other' },
    ]);
    expect(safetyMessages({ userId: id, reason: null, details: 'ignored', block: true })).toEqual([{ type: 'block', user_id: id }]);
    expect(safetyMessages({ userId: id, reason: null, details: '', block: false })).toEqual([]);
  });
});

describe('report times and ban choices', () => {
  const now = Date.parse('2026-12-06T03:10:00.000Z');
  it('says how long ago a report was made', () => {
    expect(agoText('2026-12-06T03:09:30.000Z', now)).toBe('just now');
    expect(agoText('2026-12-06T03:07:00.000Z', now)).toBe('3 min ago');
    expect(agoText('2026-12-06T01:10:00.000Z', now)).toBe('2 h ago');
    expect(agoText('2026-12-01T03:10:00.000Z', now)).toBe('5 days ago');
    expect(agoText('2026-12-06T03:11:00.000Z', now)).toBe('just now'); // a clock a little ahead
    expect(agoText('not a time', now)).toBe('');
  });
  it('offers bans the server accepts (at most 30 days)', () => {
    for (const c of REPORT_BAN_CHOICES) expect(c.seconds).toBeGreaterThan(0);
    expect(Math.max(...REPORT_BAN_CHOICES.map((c) => c.seconds))).toBe(30 * 24 * 3600);
  });
});
