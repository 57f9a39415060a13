// Native TLS for the browser and process tests: a certificate for 127.0.0.1 made at test time
// with the openssl tool (its own CA), swirl-server started on it with --tls-cert/--tls-key, and
// HTTPS requests from node that trust only that certificate.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { SERVER_BINARY, WEB_ROOT } from './paths.mjs';
import { eventually } from './poll.mjs';
import { freePort, START_TIMEOUT_MS, SwirlServer } from './server.mjs';

/** Time for one HTTPS request. */
const REQUEST_TIMEOUT_MS = 10_000;

/** Writes cert.pem and key.pem into `dir` (EC P-256, valid 2 days, for 127.0.0.1 and localhost). */
export function makeCertificate(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=localhost',
     '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/**
 * One HTTPS request trusting only `ca`; resolves {status, headers, text, json}. `agent`: an
 * https.Agent to reuse (keep-alive), else a fresh connection.
 */
export function httpsRequest(ca, method, url, { body, token, agent } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const req = https.request(url, { method, headers, ca, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timeout`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** swirl-server on https://127.0.0.1:PORT with a fresh certificate; `server.ca` holds it. */
export async function startTlsServer(extraArgs = []) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swirl-e2e-tls-'));
  const { cert, key } = makeCertificate(dir);
  const port = await freePort();
  const child = spawn(
    SERVER_BINARY,
    ['--listen=127.0.0.1', `--port=${port}`, `--database=sqlite:${path.join(dir, 'swirl.db')}`, `--web-root=${WEB_ROOT}`,
     '--log-level=warn', `--tls-cert=${cert}`, `--tls-key=${key}`, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const server = new SwirlServer(child, port, dir);
  server.url = `https://127.0.0.1:${port}`;
  server.ca = await readFile(cert);
  try {
    await eventually(
      async () => {
        if (server.exited) throw new Error(`server exited (${JSON.stringify(server.exited)}):\n${server.log()}`);
        const r = await httpsRequest(server.ca, 'GET', `${server.url}/api/health`);
        if (r.status !== 200) throw new Error(`health answered ${r.status}`);
      },
      { timeout: START_TIMEOUT_MS, interval: 50, what: `swirl-server on https port ${port} to answer /api/health` },
    );
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
