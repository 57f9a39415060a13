// A network namespace of the test's own, for cutting the media path while signaling stays up.
// The spec re-runs itself inside the namespace (`ip netns exec`), so the server, the browser and
// the test all share its private loopback; `MediaCut` then adds an nftables table there that
// drops UDP (WebRTC media and ICE) and any TCP that is not the server's port (ICE-TCP), so the
// WebSocket and HTTP go on. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN), iproute2 and nftables
// (scripts/setup.sh test installs both).

import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Set in the child process: the name of the namespace it runs in. */
export const NETNS_ENV = 'SWIRL_E2E_NETNS';
/** The nftables table the cut lives in (inside the namespace only). */
const TABLE = 'swirl_media_cut';

export function insideNetns() {
  return !!process.env[NETNS_ENV];
}

/**
 * Runs the test file `file` inside a fresh namespace with loopback up and returns
 * {code, output}. The namespace is deleted afterwards whatever happened, the child killed first
 * if it is still running.
 */
export async function runInFreshNetns(file, { timeoutMs }) {
  const name = `swirl-e2e-${process.pid}-${Date.now() % 100000}`;
  await run('ip', ['netns', 'add', name]);
  let child;
  try {
    await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    // Run as a plain script (its tests run and report all the same); NODE_TEST_CONTEXT would
    // make it think it is a child of our own runner and skip everything.
    const env = { ...process.env, [NETNS_ENV]: name };
    delete env.NODE_TEST_CONTEXT;
    child = spawn('ip', ['netns', 'exec', name, process.execPath, '--test-reporter=spec', file], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? `signal ${signal}` : 1))));
    clearTimeout(timer);
    return { code, output, name };
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    // Processes still inside (a browser the child left behind) would keep the namespace's
    // interfaces alive but not its name; kill them so nothing outlives the test.
    const pids = await run('ip', ['netns', 'pids', name]).then((r) => r.stdout.split(/\s+/).filter(Boolean), () => []);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await run('ip', ['netns', 'delete', name]);
  }
}

/** The cut itself, inside the namespace: media (UDP, ICE-TCP) dropped, `keepTcpPort` kept. */
export class MediaCut {
  constructor(keepTcpPort) {
    this.port = keepTcpPort;
    this.active = false;
  }

  async cut() {
    const p = String(this.port);
    await run('nft', ['add', 'table', 'inet', TABLE]);
    // On the input hook: a packet is sent and then lost, as on a real broken path (dropping
    // on output would fail the sender's sendto() with EPERM, which no real network does).
    await run('nft', ['add', 'chain', 'inet', TABLE, 'in', '{ type filter hook input priority 0 ; policy accept ; }']);
    // The server's port is accepted first, each direction by a rule of its own; then UDP and
    // all other TCP go. Not one `tcp dport != P tcp sport != P drop`: nft 1.0.6 (Debian 12)
    // merges the two matches into one compare of the port pair, which drops the server's
    // traffic too (the WebSocket then stalls in TCP backoff until after the cut).
    await run('nft', ['add', 'rule', 'inet', TABLE, 'in', 'tcp', 'dport', p, 'accept']);
    await run('nft', ['add', 'rule', 'inet', TABLE, 'in', 'tcp', 'sport', p, 'accept']);
    await run('nft', ['add', 'rule', 'inet', TABLE, 'in', 'meta', 'l4proto', '{ tcp, udp }', 'drop']);
    this.active = true;
  }

  async restore() {
    if (!this.active) return;
    await run('nft', ['delete', 'table', 'inet', TABLE]);
    this.active = false;
  }

  /** The rules in force, for the test's report. */
  async describe() {
    return (await run('nft', ['list', 'table', 'inet', TABLE]).catch(() => ({ stdout: '(none)' }))).stdout.trim();
  }
}
