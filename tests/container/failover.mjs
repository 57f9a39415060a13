// The compose cluster's failover, checked from outside through nginx (scripts/container/
// smoke-cluster.sh runs it against docker/compose.cluster.yaml): three users in one lobby; Ada
// and Bo are matched; the node running the lobby is stopped (`--stop-cmd`, SIGTERM: a drain);
// both are closed with 1001, reconnect through nginx (a 503 lobby_elsewhere is retried after
// its Retry-After) and are welcomed by the lobby on another node (`--holder-cmd` names the node
// holding the lease, before and after); then Cy joins and is matched with one of them — never
// Ada with Bo again, the match history came along through PostgreSQL.
//
//   node failover.mjs --url https://127.0.0.1:8443 --holder-cmd CMD --stop-cmd CMD
// CMD runs under sh with LOBBY (and for --stop-cmd NODE) in its environment; --holder-cmd
// prints the node id holding LOBBY's lease. Exit 0 when every step passed.

import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

/** Time for one HTTP request, for a WebSocket to open, or for an awaited message. */
const TIMEOUT_MS = 15_000;
/** Longest wait for the lobby to run again after its node stopped (drain, or the 10 s lease TTL). */
const FAILOVER_DEADLINE_MS = 60_000;
/** A 503's Retry-After is honoured up to this, so the measured handover is the server's. */
const RETRY_CAP_MS = 500;

const { values: opts } = parseArgs({
  options: { url: { type: 'string' }, 'holder-cmd': { type: 'string' }, 'stop-cmd': { type: 'string' } },
});
if (!opts.url || !opts['holder-cmd'] || !opts['stop-cmd']) {
  console.error('usage: node failover.mjs --url https://HOST:PORT --holder-cmd CMD --stop-cmd CMD');
  process.exit(2);
}
const base = opts.url.replace(/\/$/, '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sh(cmd, env) {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', cmd], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message} ${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

async function post(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** One user's WebSocket to the lobby: every message recorded; reconnects on demand. */
class Member {
  constructor(name, user, lobbyId) {
    Object.assign(this, { name, user, lobbyId, messages: [], waiters: [] });
  }

  /** Opens (retrying 503 lobby_elsewhere until `deadline`) and resolves on the welcome. */
  async connect(deadline) {
    for (;;) {
      const status = await this.open();
      if (status === 'open') return this.next('welcome', (m) => m.type === 'welcome', this.messages.length);
      if (status.code !== 503 || Date.now() > deadline) throw new Error(`${this.name}: upgrade answered ${status.code}`);
      await sleep(Math.min(RETRY_CAP_MS, 1000 * Number(status.retryAfter || 1)));
    }
  }

  open() {
    const url = `${base.replace(/^http/, 'ws')}/api/lobbies/${this.lobbyId}/ws`;
    const ws = new WebSocket(url, ['swirl.v1', `swirl.token.${this.user.token}`]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (ws.terminate(), reject(new Error(`${this.name}: WebSocket did not open`))), TIMEOUT_MS);
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        res.resume();
        ws.terminate();
        resolve({ code: res.statusCode, retryAfter: res.headers['retry-after'] });
      });
      ws.once('error', (err) => (clearTimeout(timer), reject(err)));
      ws.once('open', () => {
        clearTimeout(timer);
        this.ws = ws;
        this.closed = new Promise((r) => ws.on('close', (code) => r(code)));
        ws.on('message', (data) => {
          this.messages.push(JSON.parse(data.toString('utf8')));
          this.waiters = this.waiters.filter((w) => !w.check());
        });
        resolve('open');
      });
    });
  }

  /** The first message from index `from` on (received or to come) matching `pred`. */
  next(what, pred, from = 0) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.messages.slice(from).find(pred);
        if (!m) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.check !== check);
        reject(new Error(`${this.name}: no ${what} within ${TIMEOUT_MS} ms (got ${this.messages.map((m) => m.type).join(', ')})`));
      }, TIMEOUT_MS);
      if (!check()) this.waiters.push({ check });
    });
  }

  ready() {
    this.ws.send(JSON.stringify({ type: 'ready', ready: true }));
  }
}

async function step(name, fn) {
  const start = performance.now();
  try {
    const detail = await fn();
    console.log(`failover: ok   ${name} (${Math.round(performance.now() - start)} ms)${detail ? ` ${detail}` : ''}`);
  } catch (err) {
    console.log(`failover: FAIL ${name}: ${err.message}`);
    throw err;
  }
}

const members = [];
try {
  let lobby, ada, bo, cy, holder;
  await step('three users and a lobby, created through nginx', async () => {
    const users = [];
    for (const name of ['Ada', 'Bo', 'Cy']) users.push(await post('/api/users', { display_name: name }));
    lobby = await post('/api/lobbies', { name: 'Failover', settings: { group_size: 2 } }, users[0].token);
    [ada, bo, cy] = users.map((u, i) => new Member(['Ada', 'Bo', 'Cy'][i], u, lobby.id));
    members.push(ada, bo, cy);
    return `lobby ${lobby.id}`;
  });
  await step('Ada and Bo are matched through nginx', async () => {
    await Promise.all([ada.connect(0), bo.connect(0)]);
    ada.ready();
    bo.ready();
    const m = await ada.next('match', (x) => x.type === 'match');
    if (m.peers[0].id !== bo.user.id) throw new Error(`Ada was matched with ${m.peers[0].id}`);
    // Media flowed, as browsers report it: only then does the pair count as having met.
    for (const x of [ada, bo]) x.ws.send(JSON.stringify({ type: 'media_flowing', match_id: m.match_id }));
    holder = await sh(opts['holder-cmd'], { LOBBY: lobby.id });
    if (!holder) throw new Error('no node holds the lobby lease');
    return `on ${holder}`;
  });
  let stoppedAt;
  await step('the node running the lobby is stopped (SIGTERM: drain)', async () => {
    stoppedAt = performance.now();
    await sh(opts['stop-cmd'], { LOBBY: lobby.id, NODE: holder });
    const codes = await Promise.all([ada.closed, bo.closed]);
    return `members closed with ${codes.join(', ')}`;
  });
  await step('both reconnect through nginx and the lobby runs on another node', async () => {
    const deadline = Date.now() + FAILOVER_DEADLINE_MS;
    await Promise.all([ada.connect(deadline), bo.connect(deadline)]);
    const now = await sh(opts['holder-cmd'], { LOBBY: lobby.id });
    if (!now || now === holder) throw new Error(`the lease is held by "${now}", expected a node other than ${holder}`);
    return `on ${now}, ${Math.round(performance.now() - stoppedAt)} ms after the stop began`;
  });
  await step('Cy joins and is matched with Ada or Bo, never Ada with Bo again', async () => {
    const from = [ada.messages.length, bo.messages.length];
    await cy.connect(0);
    cy.ready();
    ada.ready();
    bo.ready();
    const m = await cy.next('match', (x) => x.type === 'match').catch((err) => {
      const seen = (x) => x.messages.map((y) => y.type + (y.reason ? `(${y.reason})` : '') + (y.peers ? `(${y.peers.map((p) => p.id).join()})` : '')).join(', ');
      throw new Error(`${err.message}; Ada saw ${seen(ada)}; Bo saw ${seen(bo)}; Ada is ${ada.user.id}, Bo ${bo.user.id}`);
    });
    const peer = m.peers[0].id;
    if (peer !== ada.user.id && peer !== bo.user.id) throw new Error(`Cy was matched with ${peer}`);
    const repeat = [ada, bo].some((x, i) => x.messages.slice(from[i]).some((y) => y.type === 'match' && y.peers.some((p) => p.id === (x === ada ? bo : ada).user.id)));
    if (repeat) throw new Error('Ada and Bo were matched again: the history was lost');
    return `with ${peer === ada.user.id ? 'Ada' : 'Bo'}`;
  });
  console.log('failover: all steps passed');
} catch {
  process.exitCode = 1;
} finally {
  for (const m of members) m.ws?.terminate();
}
