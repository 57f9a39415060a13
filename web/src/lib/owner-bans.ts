// The owner's list of running bans, `GET /api/lobbies/{id}/bans` (docs/http-api.md), with a
// strict parser, and the wording of a ban's time left.

/** One running ban. */
export type OwnerBan = {
  user_id: string;
  /** The user's current name ("" when their account is gone). */
  display_name: string;
  /** When it ends, ISO 8601 UTC. */
  until: string;
  /** Whole seconds left when the list was read (at least 1). */
  seconds_left: number;
};

export type OwnerBans = { bans: OwnerBan[]; max_bans: number };

function fail(path: string, wanted: string, got: unknown): never {
  throw new TypeError(`${path}: expected ${wanted}, got ${JSON.stringify(got) ?? String(got)}`);
}

function field<T>(o: Record<string, unknown>, key: string, path: string, kind: 'string' | 'number'): T {
  const v = o[key];
  if (typeof v !== kind || (kind === 'number' && !Number.isFinite(v))) fail(`${path}.${key}`, `a ${kind}`, v);
  return v as T;
}

function record(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Record<string, unknown>;
}

/** Checks a parsed body and returns it typed; throws a TypeError naming the first bad field. */
export function parseOwnerBans(body: unknown): OwnerBans {
  const o = record(body, 'body');
  if (!Array.isArray(o.bans)) fail('body.bans', 'an array', o.bans);
  const bans = (o.bans as unknown[]).map((b, i) => {
    const path = `body.bans[${i}]`;
    const r = record(b, path);
    return {
      user_id: field<string>(r, 'user_id', path, 'string'),
      display_name: field<string>(r, 'display_name', path, 'string'),
      until: field<string>(r, 'until', path, 'string'),
      seconds_left: field<number>(r, 'seconds_left', path, 'number'),
    };
  });
  return { bans, max_bans: field<number>(o, 'max_bans', 'body', 'number') };
}

/** "ends in 5 min", "ends in 3 h", "ends in 2 days" for a ban ending at `until`, seen at `nowMs`. */
export function endsText(until: string, nowMs: number): string {
  const at = Date.parse(until);
  if (!Number.isFinite(at)) return '';
  const s = Math.max(0, Math.ceil((at - nowMs) / 1000));
  if (s === 0) return 'ending now';
  if (s < 60) return 'ends in under a minute';
  if (s < 3600) return `ends in ${Math.ceil(s / 60)} min`;
  if (s < 48 * 3600) return `ends in ${Math.round(s / 3600)} h`;
  return `ends in ${Math.round(s / 86400)} days`;
}

/** The name to show for a banned user (their account may be gone). */
export function bannedName(b: OwnerBan): string {
  return b.display_name || 'someone whose account is gone';
}
