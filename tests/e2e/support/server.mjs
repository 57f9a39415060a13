// A real swirl-server for one test file: a free loopback port, a fresh SQLite database in a
// temporary directory, the built web client, and a deadline on start-up and shutdown.

import { spawn } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { eventually } from './poll.mjs';
import { SERVER_BINARY, WEB_ROOT } from './paths.mjs';

/** Time for the server to migrate its database and answer /api/health. */
export const START_TIMEOUT_MS = 15_000;
/** Time for a graceful stop after SIGTERM before SIGKILL. */
export const STOP_TIMEOUT_MS = 5_000;
/** Server output kept for failure reports (lines). */
const LOG_LINES = 400;

/** Asks the kernel for a free loopback port: bind to port 0, read it back, release it. */
export async function freePort() {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return port;
}

/** One running server; `url` is its origin, e.g. http://127.0.0.1:41234. */
export class SwirlServer {
  constructor(child, port, dir) {
    this.child = child;
    this.port = port;
    this.dir = dir;
    this.url = `http://127.0.0.1:${port}`;
    this.lines = [];
    this.exited = null;
    const keep = (chunk) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.lines.push(line);
        if (this.lines.length > LOG_LINES) this.lines.shift();
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code, signal) => (this.exited = { code, signal }));
  }

  /** The server's recent output, for a failure report. */
  log() {
    return this.lines.join('\n');
  }

  async stop() {
    if (this.exited === null) {
      const exit = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exit;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Starts swirl-server and resolves once GET /api/health answers 200. */
export async function startServer(extraArgs = []) {
  await access(SERVER_BINARY).catch(() => {
    throw new Error(`swirl-server not found at ${SERVER_BINARY} (set SWIRL_SERVER_BINARY or run scripts/test.sh)`);
  });
  await access(path.join(WEB_ROOT, 'index.html')).catch(() => {
    throw new Error(`web client not built: no ${WEB_ROOT}/index.html (run npm run build in web/)`);
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swirl-e2e-'));
  const port = await freePort();
  const args = [
    '--listen=127.0.0.1',
    `--port=${port}`,
    `--database=sqlite:${path.join(dir, 'swirl.db')}`,
    `--web-root=${WEB_ROOT}`,
    '--log-level=warn',
    ...extraArgs,
  ];
  const child = spawn(SERVER_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = new SwirlServer(child, port, dir);
  try {
    await eventually(
      async () => {
        if (server.exited) throw new Error(`server exited (${JSON.stringify(server.exited)}):\n${server.log()}`);
        const res = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(1_000) });
        if (res.status !== 200) throw new Error(`health answered ${res.status}`);
      },
      { timeout: START_TIMEOUT_MS, interval: 50, what: `swirl-server on port ${port} to answer /api/health` },
    );
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** Minimal HTTP client for setting up scenes (users and lobbies created without a browser). */
export class ApiClient {
  constructor(baseUrl, token = null) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  async request(method, pathname, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const res = await fetch(this.baseUrl + pathname, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new Error(`${method} ${pathname} -> ${res.status} ${text}`);
    return json;
  }

  /** Creates a user and returns a client authenticated as them (with `.user`). */
  async createUser(displayName) {
    const user = await this.request('POST', '/api/users', { display_name: displayName });
    const client = new ApiClient(this.baseUrl, user.token);
    client.user = user;
    return client;
  }

  createLobby(name, settings = { group_size: 2 }) {
    return this.request('POST', '/api/lobbies', { name, settings });
  }
}
