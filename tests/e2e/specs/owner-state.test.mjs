// The owner state endpoint, checked with the web client's own parser (web/src/lib/owner-state.ts)
// against a real server: a lobby before its actor starts, then with members joined over the
// WebSocket (one matched pair, one of them dropped and within its grace period, one waiting,
// one not ready), then locked. No browser: the members are plain WebSocket clients.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { eventually } from '../support/poll.mjs';
import { ApiClient, startServer } from '../support/server.mjs';
import { importWebModule } from '../support/web-module.mjs';

/** Time for one member's socket to say welcome, or for a message it waits for. */
const MESSAGE_TIMEOUT_MS = 10_000;

let server;
let parseLobbyState;
const sockets = [];
before(async () => {
  ({ parseLobbyState } = await importWebModule('lib/owner-state.ts'));
  server = await startServer();
});
after(async () => {
  for (const ws of sockets) ws.terminate();
  await server?.stop();
});

/** A lobby member on a WebSocket that records every message it gets. */
class Member {
  constructor(client, lobbyId) {
    this.user = client.user;
    this.messages = [];
    const url = `${server.url.replace(/^http/, 'ws')}/api/lobbies/${lobbyId}/ws`;
    this.ws = new WebSocket(url, ['swirl.v1', `swirl.token.${client.user.token}`]);
    sockets.push(this.ws);
    this.ws.on('message', (data) => this.messages.push(JSON.parse(data.toString('utf8'))));
  }

  send(message) {
    this.ws.send(JSON.stringify(message));
  }

  /** Waits for a message matching `predicate` and returns it. */
  waitFor(what, predicate) {
    return eventually(
      () => {
        const found = this.messages.find(predicate);
        assert.ok(found, `${this.user.display_name} has not received it yet (types so far: ${this.messages.map((m) => m.type).join(', ')})`);
        return found;
      },
      { timeout: MESSAGE_TIMEOUT_MS, interval: 20, what: `${this.user.display_name}: ${what}` },
    );
  }
}

async function join(api, name, lobbyId) {
  const member = new Member(await api.createUser(name), lobbyId);
  await member.waitFor('welcome', (m) => m.type === 'welcome');
  return member;
}

test('GET /api/lobbies/{id}/state parses with the client parser, idle and live', async () => {
  const api = new ApiClient(server.url);
  const owner = await api.createUser('Olga');
  const lobby = await owner.createLobby('State test', { group_size: 2 });
  const fetchState = async () => parseLobbyState(await owner.request('GET', `/api/lobbies/${lobby.id}/state`));

  // Before anyone joined there is no actor: the database answers.
  const idle = await fetchState();
  assert.equal(idle.live, false);
  assert.deepEqual(
    { id: idle.id, name: idle.name, status: idle.status, owner_id: idle.owner_id, group_size: idle.settings.group_size },
    { id: lobby.id, name: 'State test', status: 'open', owner_id: owner.user.id, group_size: 2 },
  );
  assert.deepEqual([idle.members, idle.matches], [[], []]);
  assert.equal(idle.counters.matches_made, 0);

  // Ada and Bo are matched; Bo's socket then drops (he is within his grace period).
  const ada = await join(api, 'Ada', lobby.id);
  const bo = await join(api, 'Bo', lobby.id);
  ada.send({ type: 'ready', ready: true });
  bo.send({ type: 'ready', ready: true });
  const match = await ada.waitFor('match', (m) => m.type === 'match');
  await bo.waitFor('match', (m) => m.type === 'match');
  ada.send({ type: 'call_event', match_id: match.match_id, event: 'stall' });
  bo.ws.terminate();
  await ada.waitFor('Bo reconnecting', (m) => m.type === 'user_status' && m.user_id === bo.user.id && m.status === 'reconnecting');
  // Cy is ready with nobody left to meet; Dee is only looking.
  const cy = await join(api, 'Cy', lobby.id);
  const dee = await join(api, 'Dee', lobby.id);
  cy.send({ type: 'ready', ready: true });

  const live = await eventually(
    async () => {
      const s = await fetchState();
      const cyState = s.members.find((m) => m.id === cy.user.id);
      assert.ok(cyState?.ready && cyState.waiting_seconds > 0, `Cy not waiting yet: ${JSON.stringify(cyState)}`);
      return s;
    },
    { timeout: MESSAGE_TIMEOUT_MS, interval: 50, what: 'Cy to be waiting in the owner state' },
  );
  assert.equal(live.live, true);
  const byName = Object.fromEntries(live.members.map((m) => [m.display_name, m]));
  assert.deepEqual(Object.keys(byName).sort(), ['Ada', 'Bo', 'Cy', 'Dee']);
  assert.deepEqual(
    [byName.Ada.connection, byName.Bo.connection, byName.Cy.connection, byName.Dee.connection],
    ['connected', 'reconnecting', 'connected', 'connected'],
  );
  assert.equal(byName.Ada.match_id, match.match_id);
  assert.equal(byName.Bo.match_id, match.match_id);
  assert.equal(byName.Cy.match_id, null);
  assert.equal(byName.Dee.match_id, null);
  assert.equal(byName.Dee.ready, false);
  assert.equal(byName.Dee.waiting_seconds, 0);
  assert.equal(byName.Ada.id, ada.user.id);
  assert.ok(!Number.isNaN(Date.parse(byName.Dee.joined_at)), `joined_at is a date: ${byName.Dee.joined_at}`);

  assert.equal(live.matches.length, 1);
  const [m] = live.matches;
  assert.equal(m.match_id, match.match_id);
  assert.deepEqual(m.members.map((p) => p.display_name).sort(), ['Ada', 'Bo']);
  // The panel shows a match's call health: every key is there, from 0 (Ada reported one stall).
  assert.deepEqual(m.call_events, { stall: 1, ice_restart: 0, pc_recreated: 0, recovered: 0 });
  assert.deepEqual(
    { matches_made: live.counters.matches_made, pairs_met: live.counters.pairs_met, users_remembered: live.counters.users_remembered },
    { matches_made: 1, pairs_met: 1, users_remembered: 4 },
  );

  // Locking shows in the status the panel reads.
  await owner.request('POST', `/api/lobbies/${lobby.id}/lock`);
  assert.equal((await fetchState()).status, 'locked');
  for (const member of [ada, cy, dee]) member.ws.close();
});
