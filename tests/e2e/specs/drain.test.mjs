// Shutdown and faults, black-box against the real swirl-server binary (no browser):
//   an HTTP request in flight at SIGTERM gets its whole answer while new connections are refused
//   and /readyz fails, on plain HTTP and on native TLS; SIGTERM under load (many WebSockets in
//   several lobbies) closes every one with 1001 and exits 0 within the drain time; a member whose
//   process stops (SIGSTOP: no FIN, no pong) is dropped by the ping timeout and its partner told;
//   PostgreSQL stopped mid-session leaves live lobbies working, gives new users 503 and loses
//   nothing acknowledged before. (/readyz following PostgreSQL is in ops.test.mjs.)

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { E2E_DIR, REPO_ROOT } from '../support/paths.mjs';
import { eventually } from '../support/poll.mjs';
import { ApiClient, startServer } from '../support/server.mjs';
import { httpsRequest, startTlsServer } from '../support/tls.mjs';

const run = promisify(execFile);
/** Time for a WebSocket to open or a message or close to arrive. */
const WS_TIMEOUT_MS = 10_000;
/** Allowed on top of the expected time for the process to exit after SIGTERM. */
const EXIT_SLACK_MS = 3_000;

/** GET over plain HTTP or TLS (server.ca set), with an optional keep-alive agent; {status, text, json}. */
function get(server, pathname, agent) {
  if (server.ca) return httpsRequest(server.ca, 'GET', `${server.url}${pathname}`, { agent });
  return new Promise((resolve, reject) => {
    http
      .get(`${server.url}${pathname}`, { agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;  // /metrics is text
          }
          resolve({ status: res.statusCode, text, json });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Resolves with the error code of a fresh TCP connection attempt ('' when it connected). */
function connectOutcome(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve('');
    });
    s.on('error', (err) => resolve(err.code));
  });
}

/** swirl_http_requests_in_flight from /metrics. */
async function inFlight(server) {
  const r = await get(server, '/metrics');
  const m = r.text.match(/^swirl_http_requests_in_flight (\d+)/m);
  assert.ok(m, 'no swirl_http_requests_in_flight in /metrics');
  return Number(m[1]);
}

/** A lobby member over a real WebSocket that records its messages and its close code. */
class Member {
  constructor(server, token, lobbyId) {
    this.messages = [];
    const url = `${server.url.replace(/^http/, 'ws')}/api/lobbies/${lobbyId}/ws`;
    this.ws = new WebSocket(url, ['swirl.v1', `swirl.token.${token}`], server.ca ? { ca: server.ca } : {});
    this.ws.on('message', (d) => this.messages.push(JSON.parse(d.toString('utf8'))));
    this.ws.on('error', () => undefined);  // a refused or reset socket ends in 'close' too
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
  }
  next(type, predicate = () => true, timeout = WS_TIMEOUT_MS) {
    return eventually(
      () => {
        const m = this.messages.find((x) => x.type === type && predicate(x));
        assert.ok(m, `no ${type} yet (got ${this.messages.map((x) => x.type).join(', ')})`);
        return m;
      },
      { timeout, interval: 20, what: type },
    );
  }
  send(msg) {
    this.ws.send(JSON.stringify(msg));
  }
}

for (const scheme of ['http', 'https']) {
  test(`SIGTERM over ${scheme}: a request in flight gets its whole answer, new connections are refused, /readyz fails`, async () => {
    const drainMs = 8_000;
    const slowMs = 2_000;
    const args = [`--shutdown-drain-ms=${drainMs}`, '--test-hooks=true'];
    const server = scheme === 'https' ? await startTlsServer(args) : await startServer(args);
    const Agent = scheme === 'https' ? https.Agent : http.Agent;
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: server.ca });
    try {
      assert.equal((await get(server, '/readyz', agent)).status, 200);
      const t0 = Date.now();
      const slow = get(server, `/api/test/slow?ms=${slowMs}`);
      // The slow request is being handled (the /metrics request itself counts one more).
      await eventually(async () => assert.ok((await inFlight(server)) >= 2), { what: 'the slow request in flight' });

      const exited = once(server.child, 'exit');
      const tTerm = Date.now();
      server.child.kill('SIGTERM');
      await eventually(async () => assert.equal(await connectOutcome(server.port), 'ECONNREFUSED'), {
        what: 'new connections refused',
      });
      const draining = await get(server, '/readyz', agent);
      assert.equal(draining.status, 503);
      assert.equal(draining.json.status, 'draining');

      const answer = await slow;
      assert.equal(answer.status, 200, answer.text.slice(0, 200));
      assert.equal(answer.json.slept_ms, slowMs);
      assert.equal(answer.json.padding.length, 256 * 1024);
      const [code, signal] = await exited;
      const elapsed = Date.now() - tTerm;
      assert.equal(signal, null);
      assert.equal(code, 0, server.log());
      assert.ok(Date.now() - t0 >= slowMs, 'the answer came after the request had taken its time');
      // The drain ended because the request finished, not because the drain time ran out.
      assert.ok(elapsed < drainMs, `exited ${elapsed} ms after SIGTERM (drain ${drainMs} ms)`);
    } finally {
      agent.destroy();
      await server.stop();
    }
  });
}

test('SIGTERM under load: every WebSocket in several lobbies gets 1001 and the process exits 0 within the drain time', async () => {
  const drainMs = 5_000;
  const lobbies = 4;
  const perLobby = 6;
  const server = await startServer([`--shutdown-drain-ms=${drainMs}`, '--ws-rate=1000', '--ws-burst=1000']);
  const members = [];
  try {
    const api = new ApiClient(server.url);
    for (let l = 0; l < lobbies; l++) {
      const owner = await api.createUser(`Owner ${l}`);
      const lobby = await owner.createLobby(`Load ${l}`, { group_size: 2 });
      for (let i = 0; i < perLobby; i++) {
        const u = i === 0 ? owner : await api.createUser(`M${l}-${i}`);
        members.push(new Member(server, u.user.token, lobby.id));
      }
    }
    await Promise.all(members.map((m) => m.next('welcome')));
    for (const m of members) m.send({ type: 'ready', ready: true });
    await Promise.all(members.map((m) => m.next('match')));
    // Traffic while the signal comes: every member signals its peer in a loop.
    let sending = true;
    const pump = setInterval(() => {
      if (!sending) return;
      for (const m of members) {
        const match = m.messages.find((x) => x.type === 'match');
        const peer = match?.peers?.[0]?.id;
        if (peer && m.ws.readyState === WebSocket.OPEN) m.send({ type: 'signal', to: peer, data: { candidate: null } });
      }
    }, 20);
    await eventually(() => assert.ok(members.every((m) => m.messages.some((x) => x.type === 'signal'))), {
      what: 'signals flowing in every match',
    });

    const exited = once(server.child, 'exit');
    const t0 = Date.now();
    server.child.kill('SIGTERM');
    const codes = await Promise.all(members.map((m) => m.closed));
    sending = false;
    clearInterval(pump);
    assert.deepEqual(codes, members.map(() => 1001));
    const [code, signal] = await exited;
    const elapsed = Date.now() - t0;
    assert.equal(signal, null);
    assert.equal(code, 0, server.log());
    assert.ok(elapsed < drainMs, `exited ${elapsed} ms after SIGTERM: every client answered, the drain should end early`);
  } finally {
    for (const m of members) m.ws.terminate();
    await server.stop();
  }
});

test('a member whose process stops (no FIN, no pong) is dropped by the ping timeout and its partner told', async () => {
  const idleMs = 2_000;
  const graceMs = 1_500;
  const server = await startServer([`--ws-idle-timeout-ms=${idleMs}`, `--resume-grace-ms=${graceMs}`]);
  let child;
  try {
    const api = new ApiClient(server.url);
    const ada = await api.createUser('Ada');
    const bo = await api.createUser('Bo');
    const lobby = await ada.createLobby('Vanish');
    const a = new Member(server, ada.user.token, lobby.id);
    await a.next('welcome');
    // Bo is another process: it joins, gets ready, and answers pings until it is stopped.
    const script = `
      const WebSocket = require('ws');
      const ws = new WebSocket(process.argv[1], ['swirl.v1', 'swirl.token.' + process.argv[2]]);
      ws.on('message', (d) => {
        const m = JSON.parse(d);
        if (m.type === 'welcome') ws.send(JSON.stringify({ type: 'ready', ready: true }));
        if (m.type === 'match') console.log('matched');
      });`;
    child = spawn(process.execPath, ['-e', script, `${server.url.replace('http', 'ws')}/api/lobbies/${lobby.id}/ws`, bo.user.token], {
      cwd: E2E_DIR,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    a.send({ type: 'ready', ready: true });
    await a.next('match');
    await once(child.stdout, 'data');

    // Quiet but alive (it answers the server's pings) for longer than the idle timeout: kept.
    await new Promise((resolve) => setTimeout(resolve, idleMs * 1.5));
    assert.ok(!a.messages.some((m) => m.type === 'user_status' && m.user_id === bo.user.id), 'Bo was dropped while alive');

    const t0 = Date.now();
    child.kill('SIGSTOP');
    const reconnecting = await a.next('user_status', (m) => m.user_id === bo.user.id && m.status === 'reconnecting', idleMs * 4);
    const detectedMs = Date.now() - t0;
    assert.ok(reconnecting);
    assert.ok(detectedMs <= idleMs * 2, `dropped ${detectedMs} ms after it stopped (idle timeout ${idleMs} ms)`);
    const ended = await a.next('match_ended', () => true, graceMs * 4);
    assert.equal(ended.reason, 'peer_disconnected');
    assert.equal(a.ws.readyState, WebSocket.OPEN, 'Ada stays connected');
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await server.stop();
  }
});

async function pgCluster(command, dir) {
  const { stdout } = await run(path.join(REPO_ROOT, 'scripts/pg-cluster.sh'), [command, dir]);
  return stdout.trim();
}

test('PostgreSQL stopped mid-session: the call goes on, new users get 503, nothing acknowledged is lost', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swirl-drain-pg-'));
  const url = await pgCluster('start', dir);
  const server = await startServer([`--database=${url}`, '--db-unavailable-backoff-ms=200', '--token-cache-ttl-ms=0']);
  try {
    const api = new ApiClient(server.url);
    const ada = await api.createUser('Ada');
    const bo = await api.createUser('Bo');
    const lobby = await ada.createLobby('Outage');
    const renamed = await ada.request('PATCH', '/api/me', { display_name: 'Ada L.' });
    assert.equal(renamed.display_name, 'Ada L.');
    const a = new Member(server, ada.user.token, lobby.id);
    const b = new Member(server, bo.user.token, lobby.id);
    await Promise.all([a.next('welcome'), b.next('welcome')]);
    a.send({ type: 'ready', ready: true });
    b.send({ type: 'ready', ready: true });
    await Promise.all([a.next('match'), b.next('match')]);

    await pgCluster('pause', dir);
    // New users are refused with a clear answer while it is down.
    const refused = await eventually(
      async () => {
        const res = await fetch(`${server.url}/api/users`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ display_name: 'Cy' }),
          signal: AbortSignal.timeout(5_000),
        });
        assert.equal(res.status, 503);
        return res.json();
      },
      { timeout: 10_000, what: 'POST /api/users to answer 503' },
    );
    assert.equal(refused.error.code, 'database_unavailable');
    assert.ok(refused.error.message.length > 0);
    // The live call does not need the database: signals still go both ways.
    a.send({ type: 'signal', to: bo.user.id, data: { description: { type: 'offer', sdp: 'v=0 during outage' } } });
    const got = await b.next('signal', (m) => m.data?.description?.sdp === 'v=0 during outage');
    assert.equal(got.from, ada.user.id);
    b.send({ type: 'signal', to: ada.user.id, data: { candidate: null } });
    await a.next('signal', (m) => m.from === bo.user.id);
    assert.equal(a.ws.readyState, WebSocket.OPEN);
    assert.equal(b.ws.readyState, WebSocket.OPEN);

    await pgCluster('resume', dir);
    const cy = await eventually(() => api.createUser('Cy'), { timeout: 15_000, what: 'user creation to work again' });
    assert.ok(cy.user.token);
    // What was acknowledged before the outage is all there.
    const me = await ada.request('GET', '/api/me');
    assert.equal(me.display_name, 'Ada L.');
    assert.equal((await bo.request('GET', '/api/me')).id, bo.user.id);
    assert.equal((await api.request('GET', `/api/lobbies/${lobby.id}`)).id, lobby.id);
    // And the live lobby is still the same call.
    a.send({ type: 'signal', to: bo.user.id, data: { candidate: null } });
    await eventually(() => assert.ok(b.messages.filter((m) => m.type === 'signal').length >= 2), { what: 'a signal after recovery' });
    a.ws.close();
    b.ws.close();
  } finally {
    await server.stop();
    await pgCluster('stop', dir);
  }
});
