// Records real getStats() sequences from Chromium and Firefox ESR for the stall detector's unit
// tests (web/src/lib/fixtures/stats-*.json). Two RTCPeerConnections in one page talk over
// loopback with the browser's fake camera; once per second the receiving side's report is kept
// (only the entries the detector reads). The script plays three phases: video flowing, the
// sender's track replaced by null (frames stop while audio goes on: a freeze, or a camera turned
// off), and the track back (recovery).
//
//   node tools/record-stats.mjs            (from tests/e2e; writes both fixture files)

import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { once } from 'node:events';
import path from 'node:path';
import { launchChromium, launchFirefox } from '../support/browsers.mjs';
import { REPO_ROOT } from '../support/paths.mjs';

/** Seconds of each phase: flowing, frozen, flowing again. */
const PHASES = [
  ['flowing', 6],
  ['frozen', 5],
  ['recovered', 5],
];
const KEEP = new Set(['inbound-rtp', 'remote-inbound-rtp', 'candidate-pair', 'transport']);

const page = `<!doctype html><meta charset="utf-8"><title>record</title><script>
window.record = async (phases, keep) => {
  const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const senders = media.getTracks().map((t) => a.addTrack(t, media));
  b.ontrack = () => {};
  await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
  const videoSender = senders.find((s) => s.track.kind === 'video');
  const videoTrack = videoSender.track;
  // Wait for the first frame so every phase starts with video either flowing or stopped.
  for (let i = 0; i < 100; i++) {
    let frames = 0;
    (await b.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0; });
    if (frames > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const samples = [];
  for (const [phase, seconds] of phases) {
    if (phase === 'frozen') await videoSender.replaceTrack(null);
    if (phase === 'recovered') await videoSender.replaceTrack(videoTrack);
    for (let i = 0; i < seconds; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const report = [];
      (await b.getStats()).forEach((s) => { if (keep.includes(s.type)) report.push(s); });
      samples.push({ phase, connectionState: b.connectionState, report });
    }
  }
  a.close(); b.close(); media.getTracks().forEach((t) => t.stop());
  return samples;
};
</script>`;

const server = http.createServer((_, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(page));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const origin = `http://127.0.0.1:${server.address().port}`;

async function record(name, open) {
  const { tab, version, close } = await open();
  try {
    await tab.goto(origin);
    const samples = await tab.evaluate(({ phases, keep }) => window.record(phases, keep), { phases: PHASES, keep: [...KEEP] });
    const file = path.join(REPO_ROOT, 'web/src/lib/fixtures', `stats-${name}.json`);
    await writeFile(file, JSON.stringify({ browser: version, recordedBy: 'tests/e2e/tools/record-stats.mjs', samples }, null, 1) + '\n');
    console.log(`${name} (${version}): ${samples.length} samples -> ${file}`);
  } finally {
    await close();
  }
}

try {
  await record('chromium', async () => {
    const browser = await launchChromium();
    const tab = await (await browser.newContext()).newPage();
    return { tab, version: `Chromium ${browser.version()}`, close: () => browser.close() };
  });
  await record('firefox', async () => {
    const browser = await launchFirefox(origin);
    const [tab] = await browser.pages();
    const version = await browser.version();
    return {
      tab: { goto: (u) => tab.goto(u), evaluate: (fn, arg) => tab.evaluate(fn, arg) },
      version,
      close: () => browser.cleanup(),
    };
  });
} finally {
  server.close();
}
