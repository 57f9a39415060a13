// A real TURN server for one test file: Debian's coturn (scripts/setup.sh installs it in test
// mode) on 127.0.0.1 with TURN REST credentials (use-auth-secret), a random free listening
// port and a random block of 200 relay ports. It is killed when the test file ends, also when a
// test failed or the process exits early. Plus coturn's own client, to try a credential
// without a browser.

import { spawn, execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eventually } from './poll.mjs';
import { freePort } from './server.mjs';

export const TURNSERVER = process.env.SWIRL_E2E_TURNSERVER || '/usr/bin/turnserver';
export const TURN_UCLIENT = process.env.SWIRL_E2E_TURN_UCLIENT || '/usr/bin/turnutils_uclient';
/** Time for coturn to answer a STUN binding request after it was started. */
export const COTURN_START_TIMEOUT_MS = 10_000;
/** Time for coturn to exit after SIGTERM before SIGKILL. */
export const COTURN_STOP_TIMEOUT_MS = 3_000;
/** Time allowed for one turnutils_uclient run (an accepted credential takes about 6 s here). */
export const UCLIENT_TIMEOUT_MS = 30_000;
/** Relay ports per server: Chromium takes two allocations per peer, a closed page holds them 600 s. */
const RELAY_PORTS = 200;
const LOG_LINES = 300;

const running = new Set();
// Last resort: never leave a coturn behind, whatever ends this process.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** TURN REST credentials as coturn's use-auth-secret checks them: "<expiry>:<user>", base64 HMAC-SHA1. */
export function turnCredential(secret, user, expiresAtSeconds) {
  const username = `${expiresAtSeconds}:${user}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

export class Coturn {
  constructor(child, port, dir, secret) {
    this.child = child;
    this.port = port;
    this.dir = dir;
    this.secret = secret;
    this.realm = 'swirl.test';
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
    child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      running.delete(child);
    });
  }

  get url() {
    return `turn:127.0.0.1:${this.port}?transport=udp`;
  }

  log() {
    return this.lines.join('\n');
  }

  /**
   * Asks for an allocation with `username`/`credential` through coturn's own client
   * (turnutils_uclient -y: two clients relaying to each other). Resolves to {ok, code, output}:
   * ok when it exited 0 with every packet delivered.
   */
  tryCredential(username, credential) {
    const args = ['-y', '-n', '2', '-u', username, '-w', credential, '-p', String(this.port), '127.0.0.1'];
    return new Promise((resolve) => {
      execFile(TURN_UCLIENT, args, { timeout: UCLIENT_TIMEOUT_MS }, (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        const code = err ? (err.code ?? err.signal) : 0;
        resolve({ ok: code === 0 && /Total lost packets 0 /.test(output), code, output });
      });
    });
  }

  async stop() {
    if (this.exited === null) {
      const exit = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), COTURN_STOP_TIMEOUT_MS);
      await exit;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** One STUN binding request to 127.0.0.1:port; resolves when a binding success response comes. */
function stunBinding(port, timeoutMs = 500) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request, no attributes
    request.writeUInt32BE(0x2112a442, 4); // magic cookie
    randomBytes(12).copy(request, 8);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no STUN answer on port ${port}`));
    }, timeoutMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      if (msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(request.subarray(8, 20))) resolve();
      else reject(new Error(`unexpected STUN answer type ${msg.readUInt16BE(0)}`));
    });
    socket.send(request, port, '127.0.0.1');
  });
}

/** Starts coturn with a fresh random secret; resolves once it answers STUN. */
export async function startCoturn() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swirl-coturn-'));
  const port = await freePort();
  const minPort = 20_000 + Math.floor(Math.random() * 200) * RELAY_PORTS; // 20000-59999, a random block
  const secret = randomBytes(24).toString('base64');
  const conf = [
    'listening-ip=127.0.0.1',
    'relay-ip=127.0.0.1',
    `listening-port=${port}`,
    `min-port=${minPort}`,
    `max-port=${minPort + RELAY_PORTS - 1}`,
    'realm=swirl.test',
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    'fingerprint',
    'no-tls',
    'no-dtls',
    'no-tcp-relay',
    'allow-loopback-peers',
    'no-multicast-peers',
    'no-cli',
    'log-file=stdout',
    `userdb=${path.join(dir, 'turndb')}`,
    `pidfile=${path.join(dir, 'turnserver.pid')}`,
  ];
  const confFile = path.join(dir, 'turnserver.conf');
  await writeFile(confFile, `${conf.join('\n')}\n`);
  const child = spawn(TURNSERVER, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const coturn = new Coturn(child, port, dir, secret);
  child.on('error', (err) => (coturn.exited = { error: err.message })); // e.g. coturn not installed
  try {
    await eventually(
      async () => {
        if (coturn.exited) throw new Error(`coturn exited (${JSON.stringify(coturn.exited)}):\n${coturn.log()}`);
        await stunBinding(port);
      },
      { timeout: COTURN_START_TIMEOUT_MS, interval: 100, what: `coturn on port ${port} to answer STUN` },
    );
  } catch (err) {
    await coturn.stop();
    throw err;
  }
  return coturn;
}
