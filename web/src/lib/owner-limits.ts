// The owner panel's input rules, the same limits the server enforces (docs/http-api.md,
// "Settings", kick and announce; src/api/owner_api.cpp): the panel refuses what the server
// would refuse, with a sentence that says what is allowed, before sending anything.

import type { LobbySettings } from './protocol';

/** A numeric setting: the server's field, its range in seconds/people, and how the panel shows it. */
export type NumericSetting = {
  key: 'max_members' | 'repeat_after_seconds' | 'round_seconds' | 'idle_shutdown_seconds';
  label: string;
  /** The server's range, in the server's unit (people or seconds). */
  min: number;
  max: number;
  /** The panel asks for minutes where the server counts seconds. */
  unit: 'people' | 'minutes';
  /** Shown beside the label, not in error sentences. */
  hint?: string;
};

export const GROUP_SIZES = [2, 3, 4] as const;

export const NUMERIC_SETTINGS: readonly NumericSetting[] = [
  { key: 'max_members', label: 'Most people in the lobby', min: 2, max: 10_000, unit: 'people' },
  { key: 'round_seconds', label: 'Round length', min: 0, max: 7_200, unit: 'minutes', hint: '0 = no limit' },
  { key: 'repeat_after_seconds', label: 'With repeats on, meet again after', min: 0, max: 86_400, unit: 'minutes' },
  { key: 'idle_shutdown_seconds', label: 'Stop an empty lobby after', min: 1, max: 86_400, unit: 'minutes' },
];

/** Longest ban the server takes: 30 days (`ban_seconds` 0–2592000). */
export const MAX_BAN_SECONDS = 30 * 24 * 3600;
/** Announcement length in characters (Unicode code points, as the server counts). */
export const MAX_ANNOUNCEMENT_CHARS = 500;

export type BanUnit = 'minutes' | 'hours' | 'days';
const UNIT_SECONDS: Record<BanUnit, number> = { minutes: 60, hours: 3600, days: 86_400 };

/** The server's value shown in the panel's unit (minutes keep up to two decimals). */
export function toDisplay(setting: NumericSetting, value: number): string {
  if (setting.unit === 'people') return String(value);
  return String(Math.round((value / 60) * 100) / 100);
}

function rangeText(setting: NumericSetting): string {
  if (setting.unit === 'people') return `a whole number from ${setting.min} to ${setting.max}`;
  const hi = `${setting.max / 60} minutes`;
  return setting.min === 0 ? `from 0 to ${hi}` : `more than 0 and at most ${hi}`;
}

/** What the panel says a setting allows ("from 0 to 120 minutes"). */
export function allowedText(setting: NumericSetting): string {
  return `${setting.label}: ${rangeText(setting)}.`;
}

/** One field typed by the owner → the server's value, or the sentence saying what is allowed. */
export function parseNumeric(setting: NumericSetting, text: string): { value: number } | { error: string } {
  const trimmed = text.trim();
  const n = trimmed === '' ? Number.NaN : Number(trimmed);
  const bad = { error: `${setting.label} must be ${rangeText(setting)}.` };
  if (!Number.isFinite(n)) return bad;
  if (setting.unit === 'people') {
    if (!Number.isInteger(n) || n < setting.min || n > setting.max) return bad;
    return { value: n };
  }
  const seconds = Math.round(n * 60);
  if (n < 0 || seconds < setting.min || seconds > setting.max) return bad;
  return { value: seconds };
}

export type SettingsDraft = { group_size: number } & Record<NumericSetting['key'], string>;

export function draftFrom(settings: LobbySettings): SettingsDraft {
  const draft = { group_size: settings.group_size } as SettingsDraft;
  for (const s of NUMERIC_SETTINGS) draft[s.key] = settings[s.key] === undefined ? '' : toDisplay(s, settings[s.key] as number);
  return draft;
}

/**
 * The changes between the saved settings and the owner's draft, checked: only fields that
 * differ are sent (a value the panel shows rounded is never written back). `errors` maps a
 * field to its sentence; `patch` is empty when nothing changed.
 */
export function settingsPatch(
  saved: LobbySettings,
  draft: SettingsDraft,
): { patch: Partial<LobbySettings>; errors: Partial<Record<keyof LobbySettings, string>> } {
  const patch: Partial<LobbySettings> = {};
  const errors: Partial<Record<keyof LobbySettings, string>> = {};
  if (!(GROUP_SIZES as readonly number[]).includes(draft.group_size)) errors.group_size = 'People per conversation must be 2, 3 or 4.';
  else if (draft.group_size !== saved.group_size) patch.group_size = draft.group_size;
  for (const s of NUMERIC_SETTINGS) {
    const savedValue = saved[s.key];
    if (savedValue !== undefined && draft[s.key].trim() === toDisplay(s, savedValue)) continue;
    const parsed = parseNumeric(s, draft[s.key]);
    if ('error' in parsed) errors[s.key] = parsed.error;
    else if (parsed.value !== savedValue) patch[s.key] = parsed.value;
  }
  return { patch, errors };
}

/** A ban length typed as an amount and a unit → seconds (0 = no ban), or what is allowed. */
export function parseBan(amount: string, unit: BanUnit): { seconds: number } | { error: string } {
  const trimmed = amount.trim();
  if (trimmed === '') return { seconds: 0 };
  const n = Number(trimmed);
  const seconds = Math.round(n * UNIT_SECONDS[unit]);
  if (!Number.isFinite(n) || n < 0 || seconds > MAX_BAN_SECONDS)
    return { error: 'A ban lasts from 0 (no ban) up to 30 days (43200 minutes, 720 hours).' };
  return { seconds };
}

/** "10 minutes", "1 hour", "2 days": a ban length for people. */
export function durationText(seconds: number): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0) return plural(seconds / 86_400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

/** An announcement as the owner typed it → the text to send, or why it cannot go. */
export function checkAnnouncement(text: string): { message: string } | { error: string } {
  const message = text.trim();
  if (!message) return { error: 'Write a message first.' };
  const chars = [...message];
  if (chars.length > MAX_ANNOUNCEMENT_CHARS)
    return { error: `An announcement is at most ${MAX_ANNOUNCEMENT_CHARS} characters (this one has ${chars.length}).` };
  // The server allows newlines and no other control characters.
  if (chars.some((c) => (c < ' ' && c !== '\n') || c === '\u007f'))
    return { error: 'Tabs and other control characters cannot be sent; use plain text and new lines.' };
  return { message };
}

/** Characters as the server counts them (code points). */
export function charCount(text: string): number {
  return [...text.trim()].length;
}
