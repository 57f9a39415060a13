// Smoke test of a running Swirl through its published port, as an operator would check a fresh
// deployment (scripts/container/smoke.sh runs it against the container and against compose):
//   the web client loads (index.html and the script it references; the BodyPix model when the
//   repository vendors one), two users are created, a lobby, two WebSocket clients join, get
//   ready, are matched and relay a signal both ways, /healthz and /readyz answer 200.
// With --turn-uclient, the TURN credential from the welcome message is tried against the TURN
// server it names with coturn's turnutils_uclient (a relayed allocation, both ways).
//
//   node smoke.mjs --url http://127.0.0.1:8080 [--turn-uclient /usr/bin/turnutils_uclient]
//                  [--turn-host 127.0.0.1] [--expect-model PATH]
// Exit 0 when every step passed; each step prints one line with its time.

import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

/** Time for one HTTP request. */
const HTTP_TIMEOUT_MS = 10_000;
/** Time for a WebSocket to open, or for an awaited message to arrive. */
const WS_TIMEOUT_MS = 10_000;
/** Time for one turnutils_uclient run (an accepted credential takes a few seconds). */
const UCLIENT_TIMEOUT_MS = 30_000;

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    'turn-uclient': { type: 'string' },
    'turn-host': { type: 'string' },
    'expect-model': { type: 'string' },
  },
});
if (!opts.url) {
  console.error('usage: node smoke.mjs --url http://HOST:PORT [--turn-uclient PATH] [--turn-host HOST] [--expect-model PATH]');
  process.exit(2);
}
const base = opts.url.replace(/\/$/, '');

async function step(name, fn) {
  const start = performance.now();
  try {
    const detail = await fn();
    console.log(`smoke: ok   ${name} (${Math.round(performance.now() - start)} ms)${detail ? ` ${detail}` : ''}`);
  } catch (err) {
    console.log(`smoke: FAIL ${name}: ${err.message}`);
    throw err;
  }
}

async function request(method, path, { token, body, expect = 200 } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${method} ${path} answered ${res.status}, expected ${expect}: ${text.slice(0, 300)}`);
  return { res, text };
}

/** A WebSocket client that records every message and waits on predicates. */
class Member {
  constructor(name, token, lobbyId) {
    this.name = name;
    this.messages = [];
    this.waiters = [];
    const wsUrl = `${base.replace(/^http/, 'ws')}/api/lobbies/${lobbyId}/ws`;
    this.ws = new WebSocket(wsUrl, ['swirl.v1', `swirl.token.${token}`]);
    this.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString('utf8'));
      this.messages.push(msg);
      this.waiters = this.waiters.filter((w) => !w.check());
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
  }

  opened() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: WebSocket did not open`)), WS_TIMEOUT_MS);
      this.ws.once('open', () => (clearTimeout(timer), resolve()));
      this.ws.once('error', (err) => (clearTimeout(timer), reject(err)));
    });
  }

  /** Resolves with the first message (already received or to come) matching `pred`. */
  next(what, pred) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.messages.find(pred);
        if (!m) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.check !== check);
        reject(new Error(`${this.name}: no ${what} within ${WS_TIMEOUT_MS} ms (got ${this.messages.map((m) => m.type).join(', ')})`));
      }, WS_TIMEOUT_MS);
      if (!check()) this.waiters.push({ check });
    });
  }

  send(msg) {
    this.ws.send(JSON.stringify(msg));
  }
}

function uclient(binary, host, port, username, credential) {
  const args = ['-y', '-n', '2', '-u', username, '-w', credential, '-p', String(port), host];
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: UCLIENT_TIMEOUT_MS }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      resolve({ ok: !err && /Total lost packets 0 /.test(output), output });
    });
  });
}

const members = [];
try {
  await step('GET /healthz', async () => {
    const { text } = await request('GET', '/healthz');
    if (JSON.parse(text).status !== 'alive') throw new Error(`unexpected body ${text}`);
  });
  await step('web client loads', async () => {
    const { res, text } = await request('GET', '/');
    if (!res.headers.get('content-type')?.startsWith('text/html')) throw new Error(`/ is ${res.headers.get('content-type')}`);
    const script = text.match(/<script[^>]+src="([^"]+)"/)?.[1];
    if (!script) throw new Error('index.html references no script (placeholder page? web client not in the image)');
    const js = await request('GET', script);
    if (!/javascript/.test(js.res.headers.get('content-type') ?? '')) throw new Error(`${script} is not JavaScript`);
    return `${script}, ${js.text.length} bytes`;
  });
  if (opts['expect-model']) {
    await step(`model ${opts['expect-model']}`, async () => {
      const { text } = await request('GET', opts['expect-model']);
      return `${text.length} bytes`;
    });
  }
  let ada, bo, lobby;
  await step('users and a lobby are created', async () => {
    ada = JSON.parse((await request('POST', '/api/users', { body: { display_name: 'Ada' }, expect: 201 })).text);
    bo = JSON.parse((await request('POST', '/api/users', { body: { display_name: 'Bo' }, expect: 201 })).text);
    lobby = JSON.parse(
      (await request('POST', '/api/lobbies', { token: ada.token, body: { name: 'Smoke', settings: { group_size: 2 } }, expect: 201 }))
        .text,
    );
    return `lobby ${lobby.id}`;
  });
  let a, b, welcome;
  await step('two WebSocket clients are matched', async () => {
    a = new Member('Ada', ada.token, lobby.id);
    b = new Member('Bo', bo.token, lobby.id);
    members.push(a, b);
    await Promise.all([a.opened(), b.opened()]);
    welcome = await a.next('welcome', (m) => m.type === 'welcome');
    await b.next('welcome', (m) => m.type === 'welcome');
    a.send({ type: 'ready', ready: true });
    b.send({ type: 'ready', ready: true });
    const [ma, mb] = await Promise.all([a.next('match', (m) => m.type === 'match'), b.next('match', (m) => m.type === 'match')]);
    if (ma.match_id !== mb.match_id || ma.peers[0].id !== bo.id) throw new Error('the two clients were not matched together');
    return `match ${ma.match_id}`;
  });
  await step('a signal is relayed both ways', async () => {
    a.send({ type: 'signal', to: bo.id, data: { description: { type: 'offer', sdp: 'v=0 smoke' } } });
    const got = await b.next('signal', (m) => m.type === 'signal');
    if (got.from !== ada.id || got.data.description.sdp !== 'v=0 smoke') throw new Error(`wrong signal ${JSON.stringify(got)}`);
    b.send({ type: 'signal', to: ada.id, data: { description: { type: 'answer', sdp: 'v=0 back' } } });
    const back = await a.next('signal', (m) => m.type === 'signal');
    if (back.from !== bo.id) throw new Error(`wrong signal ${JSON.stringify(back)}`);
  });
  await step('GET /readyz', async () => {
    const { text } = await request('GET', '/readyz');
    const body = JSON.parse(text);
    if (body.status !== 'ready') throw new Error(`unexpected body ${text}`);
    return `${body.migrations} migrations`;
  });
  if (opts['turn-uclient']) {
    await step('TURN credential accepted by the TURN server (turnutils_uclient)', async () => {
      const turn = (welcome.ice_servers ?? []).find((s) => [].concat(s.urls).some((u) => u.startsWith('turn:')));
      if (!turn) throw new Error(`welcome has no TURN server: ${JSON.stringify(welcome.ice_servers)}`);
      const url = [].concat(turn.urls).find((u) => u.startsWith('turn:'));
      const m = url.match(/^turn:([^:?]+)(?::(\d+))?/);
      const host = opts['turn-host'] ?? m[1];
      const port = Number(m[2] ?? 3478);
      const good = await uclient(opts['turn-uclient'], host, port, turn.username, turn.credential);
      if (!good.ok) throw new Error(`the credential was refused or packets were lost:\n${good.output.slice(-1500)}`);
      // And the check itself can fail: a wrong password is refused.
      const bad = await uclient(opts['turn-uclient'], host, port, turn.username, `${turn.credential}x`);
      if (bad.ok) throw new Error('a wrong credential was accepted too: the check proves nothing');
      return `${url} as ${turn.username}`;
    });
  }
  console.log('smoke: all steps passed');
} catch {
  process.exitCode = 1;
} finally {
  for (const m of members) m.ws.terminate();
}
