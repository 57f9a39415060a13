import { describe, expect, it } from 'vitest';
import { parseLobbyState } from './owner-state';

// The example of docs/http-api.md, `GET /api/lobbies/{id}/state`, with its elisions filled in.
const documented = {
  id: 'k3J9sQ2mXa7Lp0Zt',
  name: 'Friday coffee',
  status: 'open',
  owner_id: 'u8Jd2kLs9QmZx0Aa',
  settings: {
    group_size: 2,
    max_members: 200,
    when_exhausted: 'wait',
    repeat_after_seconds: 0,
    round_seconds: 0,
    idle_shutdown_seconds: 300,
  },
  live: true,
  members: [
    {
      id: 'a',
      display_name: 'Ada',
      ready: true,
      connection: 'connected',
      match_id: null,
      waiting_seconds: 12.5,
      joined_at: '2026-11-25T20:51:02.499Z',
    },
    {
      id: 'b',
      display_name: 'Bo',
      ready: true,
      connection: 'reconnecting',
      match_id: 'm4Hq',
      waiting_seconds: 0,
      joined_at: '2026-11-25T20:51:02.499Z',
    },
  ],
  matches: [
    {
      id: 'm4Hq',
      match_id: 'm4Hq',
      members: [
        { id: 'b', display_name: 'Bo' },
        { id: 'c', display_name: 'Cy' },
      ],
      age_seconds: 42.1,
      call_events: { stall: 1, ice_restart: 1, pc_recreated: 0, recovered: 1 },
    },
  ],
  counters: { matches_made: 17, repeats_avoided: 3, pairs_met: 17, users_remembered: 24 },
  // The `reports` example of the same section.
  reports: [
    {
      id: 'r8Kd0sLq2ZpXa9Mc',
      reporter: { id: 'a', display_name: 'Ada' },
      reported: { id: 'b', display_name: 'Bo', member: true },
      reason: 'harassment',
      details: 'kept insulting me',
      match_id: 'm4Hq',
      created_at: '2026-12-06T03:10:00.000Z',
    },
  ],
};

function without(path: string[]): unknown {
  const copy = structuredClone(documented) as Record<string, unknown>;
  let o = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) o = o[key] as Record<string, unknown>;
  delete o[path.at(-1) as string];
  return copy;
}

function withValue(path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(documented) as Record<string, unknown>;
  let o = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) o = o[key] as Record<string | number, unknown>;
  o[path.at(-1) as string | number] = value;
  return copy;
}

describe('parseLobbyState', () => {
  it('accepts the documented example as it is', () => {
    expect(parseLobbyState(documented)).toEqual(documented);
  });

  it('accepts a lobby without a live actor (counters from the database only)', () => {
    const idle = {
      ...documented,
      live: false,
      members: [],
      matches: [],
      counters: { matches_made: 4, repeats_avoided: 0 },
      reports: [{ ...documented.reports[0]!, match_id: null, reported: { id: 'b', display_name: 'Bo', member: false } }],
    };
    expect(parseLobbyState(idle)).toEqual(idle);
  });

  it('drops fields it does not know', () => {
    expect(parseLobbyState({ ...documented, extra: 1 })).not.toHaveProperty('extra');
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [], /body must be an object \(got an array\)/],
    ['no live flag', without(['live']), /body\.live must be true or false/],
    ['the old locked flag instead of status', { ...(without(['status']) as object), locked: true }, /body\.status must be a string/],
    ['an unknown status', withValue(['status'], 'paused'), /body\.status must be "open" or "locked" or "closed" \(got "paused"\)/],
    ['member without connection', without(['members', 0, 'connection'] as string[]), /members\[0\]\.connection/],
    ['member with the old connected flag', withValue(['members', 1, 'connection'], true), /members\[1\]\.connection must be a string/],
    ['match_id a number', withValue(['members', 0, 'match_id'], 3), /members\[0\]\.match_id must be a string or null/],
    ['negative waiting time', withValue(['members', 0, 'waiting_seconds'], -1), /waiting_seconds must be a number >= 0/],
    ['match ids that disagree', withValue(['matches', 0, 'match_id'], 'other'), /matches\[0\]\.match_id must be the same as id/],
    ['match member without a name', withValue(['matches', 0, 'members', 1], { id: 'c' }), /matches\[0\]\.members\[1\]\.display_name/],
    ['match without call_events', without(['matches', 0, 'call_events'] as string[]), /matches\[0\]\.call_events must be an object/],
    ['call_events without stall', without(['matches', 0, 'call_events', 'stall'] as string[]), /call_events\.stall must be a number/],
    ['settings without group_size', without(['settings', 'group_size']), /body\.settings\.group_size/],
    ['a bad when_exhausted', withValue(['settings', 'when_exhausted'], 'never'), /when_exhausted must be "wait" or "repeat"/],
    ['no counters', without(['counters']), /body\.counters must be an object \(got undefined\)/],
    ['no reports', without(['reports']), /body\.reports must be an array/],
    ['report without member flag', without(['reports', 0, 'reported', 'member'] as string[]), /reports\[0\]\.reported\.member/],
    ['report match_id a number', withValue(['reports', 0, 'match_id'], 1), /reports\[0\]\.match_id must be a string or null/],
    ['report without reporter', without(['reports', 0, 'reporter'] as string[]), /reports\[0\]\.reporter must be an object/],
    ['members of a lobby that is not live', withValue(['live'], false), /not live must list no members/],
  ])('rejects %s', (_name, body, message) => {
    expect(() => parseLobbyState(body)).toThrow(message);
  });
});
