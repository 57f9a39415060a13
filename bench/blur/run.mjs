// Background-blur benchmark: for each TF.js backend (wasm, webgl, cpu) and both BodyPix
// variants (the vendored quant2 model and the float one read from ../shared/models, never
// copied into the repository), a real two-person call in headless Chromium with the person
// fake camera, blur on at one side, then: time to blur (load + first inference), segmentation
// fps and per-frame time, canvas fps and per-frame draw time, sent fps, and TF.js tensors and
// page heap before and after (memory must stay flat).
//
//   node bench/blur/run.mjs [--smoke] [--backends wasm,webgl,cpu] [--models quant2,float] [--no-docs]
//
// Needs what scripts/setup.sh test builds (build/test/swirl-server, web/dist, tests/e2e's
// node_modules, ffmpeg). Writes bench/results/blur.json and, unless --no-docs, the "Background
// blur" section of bench/notes.md and docs/benchmarks.md (between the blur markers). --smoke
// runs one short combination and writes nothing: it only checks that the benchmark still runs.

import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { blurView, makePersonCamera, sentFps } from '../../tests/e2e/support/blur.mjs';
import { launchChromium } from '../../tests/e2e/support/browsers.mjs';
import { REPO_ROOT } from '../../tests/e2e/support/paths.mjs';
import { eventually } from '../../tests/e2e/support/poll.mjs';
import { VIEWPORT } from '../../tests/e2e/support/scene.mjs';
import { ApiClient, startServer } from '../../tests/e2e/support/server.mjs';
import { assertVideoFlowing, getReady, joinByInvite, waitInCall } from '../../tests/e2e/support/swirl.mjs';
import { TestPage } from '../../tests/e2e/support/test-page.mjs';

const MODELS = { quant2: 'mobilenet-quant2-050-stride16', float: 'mobilenet-float-050-stride16' };
const SHARED_MODELS = path.resolve(REPO_ROOT, '../shared/models');
const START = '<!-- blur-bench:start -->';
const END = '<!-- blur-bench:end -->';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const list = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1].split(',') : fallback;
};
const smoke = flag('--smoke');
const backends = list('--backends', smoke ? ['wasm'] : ['wasm', 'webgl', 'cpu']);
const models = list('--models', smoke ? ['quant2'] : ['quant2', 'float']);
/** Segmentations to average over (after the first, which includes warm-up effects). */
const SEGMENTATIONS = smoke ? 3 : 20;

for (const m of models) if (!MODELS[m]) throw new Error(`unknown model ${m} (quant2, float)`);
if (models.includes('float')) {
  await access(path.join(SHARED_MODELS, 'bodypix', MODELS.float, 'model.json')).catch(() => {
    throw new Error(`the float model is read from ${SHARED_MODELS} (see its README.md); not found`);
  });
}

// --model-dir: /models/ from ../shared/models, which holds both variants (the quant2 files are
// the same bytes as the vendored ones).
const server = await startServer(models.includes('float') ? [`--model-dir=${SHARED_MODELS}`] : []);
const camera = await makePersonCamera();
const browser = await launchChromium({ extraArgs: [`--use-file-for-fake-video-capture=${camera.file}`] });

async function page(label, init) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  if (init) await context.addInitScript(init.fn, init.arg);
  return { context, tp: new TestPage(await context.newPage(), 'playwright', label) };
}

const heap = (tp) => tp.evaluate(() => performance.memory?.usedJSHeapSize ?? null);

async function measure(backend, model) {
  const owner = await new ApiClient(server.url).createUser('Organizer');
  const lobby = await owner.createLobby(`Blur ${backend} ${model}`, { group_size: 2 });
  const invite = `${server.url}/l/${lobby.id}`;
  const ada = await page('ada', {
    fn: ({ backend, model }) => {
      localStorage.setItem('swirl.test.blurBackend', backend);
      localStorage.setItem('swirl.test.blurModel', model);
    },
    arg: { backend, model: MODELS[model] },
  });
  const bo = await page('bo');
  try {
    await Promise.all([joinByInvite(ada.tp, invite, 'Ada'), joinByInvite(bo.tp, invite, 'Bo')]);
    await getReady(ada.tp);
    await getReady(bo.tp);
    await Promise.all([waitInCall(ada.tp), waitInCall(bo.tp)]);
    await assertVideoFlowing(bo.tp);
    const plain = await sentFps(ada.tp, smoke ? 15 : 60);

    const clicked = Date.now();
    await ada.tp.click('blur-button');
    await ada.tp.waitFor(() => ['on', 'unavailable'].includes(window.__swirlBlur?.status), undefined, {
      timeout: 180_000,
      what: 'blur on (or unavailable)',
    });
    const loadMs = Date.now() - clicked;
    const loaded = await blurView(ada.tp);
    if (loaded.status !== 'on') throw new Error(`blur unavailable after ${(loadMs / 1000).toFixed(1)} s: ${loaded.reason}`);
    const first = (await blurView(ada.tp)).stats;
    const heapBefore = await heap(ada.tp);
    await eventually(
      async () => {
        const s = (await blurView(ada.tp)).stats;
        if (s.segmentations < first.segmentations + SEGMENTATIONS) throw new Error(`${s.segmentations} segmentations`);
      },
      { timeout: 300_000, interval: 500, what: `${SEGMENTATIONS} segmentations` },
    );
    const sent = await sentFps(ada.tp, smoke ? 15 : 90);
    const view = await blurView(ada.tp);
    const s = view.stats;
    return {
      backend: view.backend,
      requested: backend,
      model,
      where: view.where,
      loadMs,
      segmentFps: s.segmentFps,
      segmentMs: s.segmentMs,
      drawFps: s.drawFps,
      drawMs: s.drawMs,
      sentFps: sent.fps,
      sentFpsWithoutBlur: plain.fps,
      sentWidth: sent.width,
      sentLimitation: sent.limitation,
      tensorsBefore: first.tensors,
      tensorsAfter: s.tensors,
      tensorBytesBefore: first.tensorBytes,
      tensorBytesAfter: s.tensorBytes,
      heapBefore,
      heapAfter: await heap(ada.tp),
      segmentations: s.segmentations - first.segmentations,
    };
  } finally {
    await ada.context.close().catch(() => undefined);
    await bo.context.close().catch(() => undefined);
  }
}

const results = [];
try {
  for (const backend of backends) {
    for (const model of models) {
      process.stdout.write(`blur bench: ${backend} ${model} ... `);
      try {
        const r = await measure(backend, model);
        results.push(r);
        console.log(
          `${r.backend}: load ${(r.loadMs / 1000).toFixed(1)} s, segmentation ${r.segmentFps.toFixed(1)} fps ` +
            `(${r.segmentMs.toFixed(0)} ms), canvas ${r.drawFps.toFixed(1)} fps (${r.drawMs.toFixed(1)} ms), ` +
            `sent ${r.sentFps.toFixed(1)} fps at ${r.sentWidth} px (${r.sentLimitation}; without blur ${r.sentFpsWithoutBlur.toFixed(1)}), tensors ${r.tensorsBefore} -> ${r.tensorsAfter}`,
        );
      } catch (err) {
        console.log(`FAILED: ${err.message}`);
        results.push({ requested: backend, model, error: err.message });
      }
    }
  }
} finally {
  await browser.close();
  await server.stop();
  await camera.cleanup();
}

const failed = results.filter((r) => r.error);
if (smoke) process.exit(failed.length === 0 ? 0 : 1);

const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), load average ${os.loadavg()[0].toFixed(1)} at the end`;
await mkdir(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
await writeFile(path.join(REPO_ROOT, 'bench/results/blur.json'), JSON.stringify({ at: new Date().toISOString(), machine, results }, null, 2));

if (!flag('--no-docs')) {
  const fmt = (v, d = 1) => (typeof v === 'number' ? v.toFixed(d) : '–');
  const mb = (v) => (typeof v === 'number' ? (v / 1e6).toFixed(1) : '–');
  const rows = results.map((r) =>
    r.error
      ? `| ${r.requested} | ${r.model} | failed: ${r.error.replace(/\|/g, '/').slice(0, 120)} | | | | | | |`
      : `| ${r.backend}${r.backend !== r.requested ? ` (asked ${r.requested})` : ''} | ${r.model} | ${fmt(r.loadMs / 1000)} | ` +
        `${fmt(r.segmentFps)} | ${fmt(r.segmentMs, 0)} | ${fmt(r.drawFps)} / ${fmt(r.drawMs)} | ${fmt(r.sentFps)} (${fmt(r.sentFpsWithoutBlur)}) | ` +
        `${r.tensorsBefore} → ${r.tensorsAfter} | ${mb(r.heapBefore)} → ${mb(r.heapAfter)} |`,
  );
  const section = [
    START,
    '## Background blur (`node bench/blur/run.mjs`)',
    '',
    `Generated by \`bench/blur/run.mjs\` on ${new Date().toISOString().slice(0, 10)}, ${machine}. Headless Chromium`,
    '(`--disable-gpu`: WebGL is SwiftShader, in software), a two-person call on loopback, the person fake camera',
    '(640x480, 30 fps), blur on at one side; segmentation in the worker on 320x240 frames at internal resolution',
    `\`medium\`, averaged over the last 3 s after ${SEGMENTATIONS} segmentations. Sent fps is the blurred side's`,
    'outbound video (in brackets: the same call before blur). Tensors: TF.js live tensors after a segmentation,',
    'at the start and the end (flat = no leak). Heap: the page\'s used JS heap (the worker\'s is separate).',
    '',
    '| backend | model | time to blur, s | segmentation fps | ms per segmentation | canvas fps / ms per frame | sent fps (no blur) | tensors | page heap, MB |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Default: **WASM with SIMD and the quant2 model** wherever WebGL is not hardware-accelerated (here, and on',
    'most machines without a GPU in the browser); hardware WebGL first where the browser has it',
    '(`web/src/lib/blur/backend-choice.ts`). Quant2 is the only model shipped: half the download of the float',
    'one (1.2 MB) at the same speed, since the weights are dequantized at load. The rows are from one run on a',
    'shared machine: compare them with each other, not across runs.',
    END,
  ].join('\n');
  for (const file of ['bench/notes.md', 'docs/benchmarks.md']) {
    const full = path.join(REPO_ROOT, file);
    const text = await readFile(full, 'utf8');
    const i = text.indexOf(START);
    const j = text.indexOf(END);
    const next = i >= 0 && j > i ? text.slice(0, i) + section + text.slice(j + END.length) : `${text.trimEnd()}\n\n${section}\n`;
    await writeFile(full, next);
  }
  console.log('blur bench: wrote bench/results/blur.json, bench/notes.md and docs/benchmarks.md');
}
process.exit(failed.length === 0 ? 0 : 1);
