import { describe, expect, it } from 'vitest';
import { bannedName, endsText, parseOwnerBans } from './owner-bans';

// The shape test_unban.cpp checks the server answers (docs/http-api.md, GET …/bans).
const body = {
  bans: [
    { user_id: 'adaadaadaadaada1', display_name: 'Ada', until: '2026-12-06T07:00:00.000Z', seconds_left: 600 },
    { user_id: 'gonegonegonegone', display_name: '', until: '2026-12-07T07:00:00.000Z', seconds_left: 87000 },
  ],
  max_bans: 1000,
};

describe('parseOwnerBans', () => {
  it('returns the list and the cap typed', () => {
    const parsed = parseOwnerBans(body);
    expect(parsed.max_bans).toBe(1000);
    expect(parsed.bans.map((b) => b.user_id)).toEqual(['adaadaadaadaada1', 'gonegonegonegone']);
    expect(parsed.bans[0]!.seconds_left).toBe(600);
  });

  it('names the first field that is missing or of the wrong type', () => {
    expect(() => parseOwnerBans(null)).toThrow(/body: expected an object/);
    expect(() => parseOwnerBans({ max_bans: 3 })).toThrow(/body\.bans: expected an array/);
    expect(() => parseOwnerBans({ bans: [], max_bans: '3' })).toThrow(/body\.max_bans: expected a number/);
    const bad = { ...body, bans: [{ ...body.bans[0], seconds_left: 'soon' }] };
    expect(() => parseOwnerBans(bad)).toThrow(/body\.bans\[0\]\.seconds_left: expected a number/);
    const noName = { ...body, bans: [{ user_id: 'x', until: 'y', seconds_left: 1 }] };
    expect(() => parseOwnerBans(noName)).toThrow(/body\.bans\[0\]\.display_name/);
  });
});

describe('endsText', () => {
  const now = Date.parse('2026-12-06T06:00:00.000Z');
  it('words the time left in the largest unit that fits', () => {
    expect(endsText('2026-12-06T06:00:00.000Z', now)).toBe('ending now');
    expect(endsText('2026-12-06T06:00:30.000Z', now)).toBe('ends in under a minute');
    expect(endsText('2026-12-06T06:09:01.000Z', now)).toBe('ends in 10 min');
    expect(endsText('2026-12-06T09:00:00.000Z', now)).toBe('ends in 3 h');
    expect(endsText('2026-12-09T06:00:00.000Z', now)).toBe('ends in 3 days');
    expect(endsText('not a date', now)).toBe('');
  });
});

describe('bannedName', () => {
  it('says so when the account is gone', () => {
    expect(bannedName(body.bans[0]!)).toBe('Ada');
    expect(bannedName(body.bans[1]!)).toBe('someone whose account is gone');
  });
});
