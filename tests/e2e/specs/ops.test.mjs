// Operations (issue 16), black-box against the real swirl-server binary; no browser:
//   /readyz follows the database (503 while PostgreSQL is down, 200 when it is back) while
//   /healthz stays 200; /metrics parses as Prometheus text and its counters move with a
//   scripted lobby session, and it is refused to addresses outside --metrics-allow; SIGTERM
//   during a live lobby closes WebSockets with 1001, fails /readyz, and exits 0 once the
//   drain time is over even when a client never answers its close.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { REPO_ROOT } from '../support/paths.mjs';
import { eventually } from '../support/poll.mjs';
import { ApiClient, startServer } from '../support/server.mjs';

const run = promisify(execFile);
/** Time for a WebSocket to open or a message or close to arrive. */
const WS_TIMEOUT_MS = 10_000;
/** Allowed on top of --shutdown-drain-ms for the process to exit after SIGTERM. */
const EXIT_SLACK_MS = 3_000;

async function pgCluster(command, dir) {
  const { stdout } = await run(path.join(REPO_ROOT, 'scripts/pg-cluster.sh'), [command, dir]);
  return stdout.trim();
}

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.json() };
}

async function scrape(server) {
  const res = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const parser = run(path.join(REPO_ROOT, 'tests/e2e/tools/prom-parse.py'), [], { maxBuffer: 8 << 20 });
  parser.child.stdin.end(text);
  const families = JSON.parse((await parser).stdout);
  const samples = Object.values(families).flatMap((f) => f.samples);
  /** The value of one sample, found by name and (a subset of) its labels; 0 when absent. */
  const value = (name, labels = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
  return { families, value };
}

/** A lobby member over a real WebSocket that records its messages and its close code. */
class Member {
  constructor(server, token, lobbyId) {
    this.messages = [];
    this.ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/lobbies/${lobbyId}/ws`, ['swirl.v1', `swirl.token.${token}`]);
    this.ws.on('message', (d) => this.messages.push(JSON.parse(d.toString('utf8'))));
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
  }
  next(type) {
    return eventually(
      () => {
        const m = this.messages.find((x) => x.type === type);
        assert.ok(m, `no ${type} yet (got ${this.messages.map((x) => x.type).join(', ')})`);
        return m;
      },
      { timeout: WS_TIMEOUT_MS, interval: 20, what: type },
    );
  }
  send(msg) {
    this.ws.send(JSON.stringify(msg));
  }
}

/** Two users matched in a fresh lobby; returns their members and ids. */
async function matchedPair(server) {
  const api = new ApiClient(server.url);
  const ada = await api.createUser('Ada');
  const bo = await api.createUser('Bo');
  const lobby = await ada.createLobby('Ops');
  const a = new Member(server, ada.user.token, lobby.id);
  const b = new Member(server, bo.user.token, lobby.id);
  await Promise.all([a.next('welcome'), b.next('welcome')]);
  a.send({ type: 'ready', ready: true });
  b.send({ type: 'ready', ready: true });
  const match = await a.next('match');
  await b.next('match');
  return { a, b, ada: ada.user, bo: bo.user, lobby, match, api };
}

test('/readyz is 503 while PostgreSQL is down and 200 again once it is back; /healthz stays 200', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swirl-ops-pg-'));
  const url = await pgCluster('start', dir);
  const server = await startServer([`--database=${url}`, '--db-unavailable-backoff-ms=200']);
  try {
    let r = await getJson(`${server.url}/readyz`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'ready');
    assert.ok(r.body.migrations >= 1);

    await pgCluster('pause', dir);
    r = await eventually(
      async () => {
        const x = await getJson(`${server.url}/readyz`);
        assert.equal(x.status, 503, JSON.stringify(x.body));
        return x;
      },
      { timeout: 10_000, what: '/readyz to fail with the database down' },
    );
    assert.equal(r.body.status, 'not_ready');
    assert.match(r.body.database, /database|connection/i);
    const alive = await getJson(`${server.url}/healthz`);
    assert.equal(alive.status, 200);
    assert.equal(alive.body.status, 'alive');

    await pgCluster('resume', dir);
    await eventually(
      async () => {
        const x = await getJson(`${server.url}/readyz`);
        assert.equal(x.status, 200, JSON.stringify(x.body));
      },
      { timeout: 15_000, what: '/readyz to recover with the database back' },
    );
  } finally {
    await server.stop();
    await pgCluster('stop', dir);
  }
});

test('/metrics parses as Prometheus text and its counters move with a lobby session', async () => {
  const server = await startServer();
  try {
    const before = await scrape(server);
    for (const name of [
      'swirl_websocket_connections',
      'swirl_lobbies_live',
      'swirl_lobby_members',
      'swirl_lobby_ready_members',
      'swirl_matches_made_total',
      'swirl_repeats_avoided_total',
      'swirl_signals_relayed_total',
      'swirl_slow_client_closes_total',
      'swirl_rate_limit_hits_total',
      'swirl_lobby_crashes_total',
      'swirl_resumes_total',
    ])
      assert.ok(Object.values(before.families).some((f) => f.samples.some((s) => s.name === name)), `${name} missing`);

    const { a, b, bo, lobby, match } = await matchedPair(server);
    a.send({ type: 'signal', to: bo.id, data: { description: { type: 'offer', sdp: 'v=0' } } });
    await b.next('signal');
    a.send({ type: 'call_event', match_id: match.match_id, event: 'stall' });
    // A resume: Bo connects again and takes over his place.
    const b2 = new Member(server, bo.token, lobby.id);
    await b2.next('welcome');

    const after = await eventually(
      async () => {
        const m = await scrape(server);
        assert.equal(m.value('swirl_client_call_events_total', { kind: 'stall' }) - before.value('swirl_client_call_events_total', { kind: 'stall' }), 1);
        assert.equal(m.value('swirl_lobby_members'), 2);
        return m;
      },
      { timeout: 5_000, what: 'the session to show in /metrics' },
    );
    const delta = (name, labels) => after.value(name, labels) - before.value(name, labels);
    assert.equal(delta('swirl_matches_made_total'), 1);
    assert.equal(delta('swirl_signals_relayed_total'), 1);
    assert.equal(delta('swirl_resumes_total'), 1);
    assert.equal(delta('swirl_websocket_connections_accepted_total'), 3);
    assert.equal(after.value('swirl_websocket_connections'), 2);
    assert.equal(after.value('swirl_lobbies_live'), 1);
    assert.equal(delta('swirl_http_requests_total', { route: '/api/users', status: '201' }), 2);
    assert.equal(delta('swirl_http_requests_total', { route: '/api/lobbies', status: '201' }), 1);
    assert.equal(delta('swirl_http_request_duration_seconds_count', { route: '/api/users' }), 2);
    assert.ok(delta('swirl_db_call_duration_seconds_count') >= 3, 'database calls were timed');
    for (const m of [a, b, b2]) m.ws.close();
  } finally {
    await server.stop();
  }
});

test('/metrics is refused to an address outside --metrics-allow', async () => {
  const server = await startServer(['--metrics-allow=10.0.0.0/8,::2']);
  try {
    const res = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, 'forbidden');
  } finally {
    await server.stop();
  }
});

/** GET on one kept-alive connection (made before the listener closes). */
function keptAliveGet(agent, url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(body) }));
      })
      .on('error', reject);
  });
}

test('SIGTERM during a live lobby: WebSockets close with 1001, /readyz fails, exit 0 within the drain time', async () => {
  const drainMs = 2_000;
  const server = await startServer([`--shutdown-drain-ms=${drainMs}`]);
  try {
    const { a, b, lobby, api } = await matchedPair(server);
    // A third member that stops reading: it never answers the close, so the drain runs out.
    const cy = await api.createUser('Cy');
    const c = new Member(server, cy.user.token, lobby.id);
    await c.next('welcome');
    c.ws._socket.pause();

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ready = await keptAliveGet(agent, `${server.url}/readyz`);
    assert.equal(ready.status, 200);

    const exited = once(server.child, 'exit');
    const t0 = Date.now();
    server.child.kill('SIGTERM');
    assert.deepEqual(await Promise.all([a.closed, b.closed]), [1001, 1001]);
    const draining = await keptAliveGet(agent, `${server.url}/readyz`);
    assert.equal(draining.status, 503);
    assert.equal(draining.body.status, 'draining');

    const [code, signal] = await exited;
    const elapsed = Date.now() - t0;
    assert.equal(signal, null);
    assert.equal(code, 0, server.log());
    assert.ok(elapsed >= drainMs - 100, `exited after ${elapsed} ms: the stuck client should have held it for the drain time`);
    assert.ok(elapsed < drainMs + EXIT_SLACK_MS, `exited ${elapsed} ms after SIGTERM (drain ${drainMs} ms)`);
    agent.destroy();
    c.ws.terminate();
  } finally {
    await server.stop();
  }
});

test('JSON logs: one object per line, request/connection/lobby ids as fields, no tokens, SDP or candidates', async () => {
  const server = await startServer(['--log-format=json', '--log-level=info']);
  let pair;
  try {
    pair = await matchedPair(server);
    const { a, b, ada, bo } = pair;
    const sdp = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n';
    const candidate = 'candidate:842163049 1 udp 1677729535 203.0.113.77 49203 typ srflx';
    a.send({ type: 'signal', to: bo.id, data: { description: { type: 'offer', sdp } } });
    a.send({ type: 'signal', to: bo.id, data: { candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } } });
    await eventually(() => assert.equal(b.messages.filter((m) => m.type === 'signal').length, 2), { what: 'both signals' });
    a.ws.close(1000);
    await a.closed;
    const lines = await eventually(
      () => {
        const l = server.lines.filter((x) => x.startsWith('{'));
        assert.ok(l.some((x) => x.includes('"conn"')), 'no connection log line yet');
        return l;
      },
      { what: 'the close to be logged' },
    );
    assert.equal(lines.length, server.lines.length, `every line is JSON:\n${server.log()}`);
    const records = lines.map((l) => JSON.parse(l));
    for (const r of records) {
      assert.ok(r.time && r.level && typeof r.msg === 'string', JSON.stringify(r));
    }
    assert.ok(
      records.some((r) => r.req && /^POST \/api\/users 201/.test(r.msg)),
      'an access log line carries its request id',
    );
    const close = records.find((r) => r.conn && r.lobby === pair.lobby.id && /WebSocket closed/.test(r.msg));
    assert.ok(close, `no close line with conn and lobby fields:\n${server.log()}`);
    const all = server.log();
    for (const secret of [ada.token, bo.token, 'IN IP4', '203.0.113.77', 'typ srflx'])
      assert.ok(!all.includes(secret), `the log contains ${secret}`);
  } finally {
    for (const m of pair ? [pair.a, pair.b] : []) m.ws.terminate();
    await server.stop();
  }
});
