import { describe, expect, it } from 'vitest';
import {
  MAX_BAN_SECONDS,
  NUMERIC_SETTINGS,
  charCount,
  checkAnnouncement,
  draftFrom,
  durationText,
  parseBan,
  parseNumeric,
  settingsPatch,
} from './owner-limits';

const saved = {
  group_size: 2,
  max_members: 200,
  when_exhausted: 'wait' as const,
  repeat_after_seconds: 0,
  round_seconds: 300,
  idle_shutdown_seconds: 90,
};
const setting = (key: string) => NUMERIC_SETTINGS.find((s) => s.key === key)!;

describe('parseNumeric: the server limits of docs/http-api.md', () => {
  it.each<[string, string, number | null]>([
    ['max_members', '2', 2],
    ['max_members', '10000', 10000],
    ['max_members', '1', null],
    ['max_members', '10001', null],
    ['max_members', '2.5', null],
    ['max_members', '', null],
    ['round_seconds', '0', 0],
    ['round_seconds', '120', 7200],
    ['round_seconds', '120.5', null],
    ['round_seconds', '-1', null],
    ['round_seconds', '1.5', 90],
    ['repeat_after_seconds', '1440', 86400],
    ['repeat_after_seconds', '1441', null],
    ['idle_shutdown_seconds', '0', null],
    ['idle_shutdown_seconds', '0.02', 1],
    ['idle_shutdown_seconds', 'ten', null],
  ])('%s "%s" → %s', (key, text, want) => {
    const got = parseNumeric(setting(key), text);
    if (want === null) expect(got).toHaveProperty('error');
    else expect(got).toEqual({ value: want });
  });

  it('says what is allowed', () => {
    expect(parseNumeric(setting('round_seconds'), '999')).toEqual({
      error: 'Round length must be from 0 to 120 minutes.',
    });
    expect(parseNumeric(setting('max_members'), '1')).toEqual({
      error: 'Most people in the lobby must be a whole number from 2 to 10000.',
    });
  });
});

describe('settingsPatch', () => {
  it('sends nothing when nothing changed (a rounded value shown is not written back)', () => {
    const odd = { ...saved, idle_shutdown_seconds: 100 }; // shown as 1.67 minutes
    expect(settingsPatch(odd, draftFrom(odd))).toEqual({ patch: {}, errors: {} });
  });

  it('sends only the fields that changed, in the server unit', () => {
    const draft = { ...draftFrom(saved), group_size: 3, round_seconds: '10' };
    expect(settingsPatch(saved, draft)).toEqual({ patch: { group_size: 3, round_seconds: 600 }, errors: {} });
  });

  it('names every bad field', () => {
    const draft = { ...draftFrom(saved), group_size: 5, max_members: '0', repeat_after_seconds: 'x' };
    const { errors } = settingsPatch(saved, draft);
    expect(Object.keys(errors).sort()).toEqual(['group_size', 'max_members', 'repeat_after_seconds']);
  });
});

describe('parseBan', () => {
  it('converts to seconds up to 30 days', () => {
    expect(parseBan('', 'minutes')).toEqual({ seconds: 0 });
    expect(parseBan('10', 'minutes')).toEqual({ seconds: 600 });
    expect(parseBan('30', 'days')).toEqual({ seconds: MAX_BAN_SECONDS });
    expect(parseBan('720', 'hours')).toEqual({ seconds: MAX_BAN_SECONDS });
  });
  it('refuses more than 30 days, negatives and words', () => {
    for (const [amount, unit] of [
      ['31', 'days'],
      ['721', 'hours'],
      ['-1', 'minutes'],
      ['soon', 'days'],
    ] as const)
      expect(parseBan(amount, unit)).toHaveProperty('error');
  });
  it('reads back for people', () => {
    expect([durationText(600), durationText(3600), durationText(172800), durationText(90)]).toEqual([
      '10 minutes',
      '1 hour',
      '2 days',
      '90 seconds',
    ]);
  });
});

describe('checkAnnouncement', () => {
  it('trims, keeps new lines and counts code points as the server does', () => {
    expect(checkAnnouncement('  Last round\nin 5 minutes  ')).toEqual({ message: 'Last round\nin 5 minutes' });
    expect(checkAnnouncement('😀'.repeat(500))).toEqual({ message: '😀'.repeat(500) });
    expect(charCount('😀😀')).toBe(2);
  });
  it('refuses empty, too long and control characters', () => {
    expect(checkAnnouncement('   ')).toHaveProperty('error');
    expect(checkAnnouncement('a'.repeat(501))).toEqual({ error: 'An announcement is at most 500 characters (this one has 501).' });
    expect(checkAnnouncement('tab\there')).toHaveProperty('error');
    expect(checkAnnouncement('del\u007f')).toHaveProperty('error');
  });
});
