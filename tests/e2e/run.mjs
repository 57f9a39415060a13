// `npm test`: runs every spec with Node's test runner, one file at a time (each file starts
// its own server and browsers; two cores cannot run two video calls side by side), and fails
// when the runner fails or when nothing actually passed, so an empty run is never green.

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const specs = (await readdir(path.join(here, 'specs')))
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => path.join('specs', f));
if (specs.length === 0) {
  console.error('e2e: no spec files in tests/e2e/specs');
  process.exit(1);
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'swirl-e2e-run-'));
const tap = path.join(tmp, 'report.tap');
const reporter = process.stdout.isTTY ? 'spec' : 'tap';
const args = [
  '--test',
  '--test-concurrency=1',
  '--test-timeout=180000',
  `--test-reporter=${reporter}`,
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tap}`,
  ...process.argv.slice(2),
  ...specs,
];
const child = spawn(process.execPath, args, { cwd: here, stdio: 'inherit' });
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));

const report = await readFile(tap, 'utf8').catch(() => '');
await rm(tmp, { recursive: true, force: true });
const count = (name) => Number(report.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
const passed = count('pass');
if (code !== 0) process.exit(code);
if (passed === 0 || count('fail') > 0) {
  console.error(`e2e: ${passed} tests passed, ${count('fail')} failed: refusing an empty or failed run`);
  process.exit(1);
}
