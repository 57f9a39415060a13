// Helpers for the background-blur browser tests: the person fake camera, the blur debug
// handle (window.__swirlBlur), replaceTrack counting, outbound frame rate, and the sharpness
// of regions of a received frame.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { E2E_DIR } from './paths.mjs';
import { eventually } from './poll.mjs';

/**
 * A 512x512 photo of one person (NASA, public domain; the copy of ../shared/testdata/
 * person-astronaut.png committed here so CI needs nothing outside the repository).
 */
export const PERSON_IMAGE = path.join(E2E_DIR, 'fixtures', 'person-astronaut.jpg');

/**
 * Regions of that photo, as fractions of the frame (the camera stretches it to 640x480): a
 * background region full of detail (the flag's stripes and stars) and the face.
 */
export const BACKGROUND_REGION = { x: 0.01, y: 0.02, w: 0.14, h: 0.4 };
export const FACE_REGION = { x: 0.38, y: 0.19, w: 0.12, h: 0.13 };

/**
 * Makes the person camera: a short 640x480 30 fps .y4m of the photo (Chromium loops it) for
 * `--use-file-for-fake-video-capture`. Returns its path and a cleanup.
 */
export async function makePersonCamera() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swirl-e2e-cam-'));
  const file = path.join(dir, 'person.y4m');
  await promisify(execFile)('ffmpeg', [
    '-loglevel', 'error', '-y', '-loop', '1', '-i', PERSON_IMAGE,
    '-frames:v', '10', '-r', '30', '-s', '640x480', '-pix_fmt', 'yuv420p', file,
  ]).catch((err) => {
    throw new Error(`ffmpeg could not make the person camera (scripts/setup.sh test installs ffmpeg): ${err.message}`);
  });
  return { file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Counts replaceTrack calls per kind in the page (installed before the page's own scripts). */
export function countReplaceTrack(page) {
  return page.addInitScript(() => {
    window.__e2eReplaceTrack = [];
    const original = RTCRtpSender.prototype.replaceTrack;
    RTCRtpSender.prototype.replaceTrack = function (track) {
      window.__e2eReplaceTrack.push({ kind: track?.kind ?? this.track?.kind ?? null, label: track?.label ?? null, at: Date.now() });
      return original.call(this, track);
    };
  });
}

/**
 * Presses a button `times` times, `gapMs` apart, inside the page: a user's quick toggles,
 * independent of how long the test driver takes per click on a loaded machine.
 */
export function pressQuickly(tp, testId, times, gapMs = 60) {
  return tp.evaluate(
    async ({ testId, times, gapMs }) => {
      for (let i = 0; i < times; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
        document.querySelector(`[data-testid="${testId}"]`).click();
      }
    },
    { testId, times, gapMs },
  );
}

export function replaceTrackCalls(tp) {
  return tp.evaluate(() => window.__e2eReplaceTrack.filter((c) => c.kind !== 'audio').length);
}

export function blurView(tp) {
  return tp.evaluate(() => window.__swirlBlur);
}

/** Waits until blur reports `status` (the first load fetches TF.js and the model: generous). */
export function waitBlurStatus(tp, status, timeout = 90_000) {
  return tp.waitFor((status) => window.__swirlBlur?.status === status, status, {
    timeout,
    what: `blur status ${status}`,
  });
}

/** Outbound video: frames sent and the stats timestamp, summed over the live connections. */
function outbound(tp) {
  return tp.evaluate(async () => {
    let frames = 0;
    let at = 0;
    let width = 0;
    let limitation = null;
    for (const pc of window.__swirl?.peerConnections ?? []) {
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp' && (s.kind ?? s.mediaType) === 'video') {
          frames += s.framesSent ?? 0;
          at = Math.max(at, s.timestamp);
          width = Math.max(width, s.frameWidth ?? 0);
          limitation = s.qualityLimitationReason ?? limitation;
        }
      });
    }
    return { frames, at, width, limitation };
  });
}

/** The sent video frame rate over at least `frames` frames (a predicate wait, not a sleep). */
export async function sentFps(tp, frames = 60) {
  const first = await outbound(tp);
  const last = await eventually(
    async () => {
      const s = await outbound(tp);
      if (s.frames < first.frames + frames) throw new Error(`framesSent ${first.frames} -> ${s.frames}`);
      return s;
    },
    { timeout: 30_000, interval: 250, what: `${frames} more frames sent` },
  );
  return { fps: ((last.frames - first.frames) * 1000) / (last.at - first.at), width: last.width, limitation: last.limitation };
}

/**
 * Sharpness of two regions of the frame the remote <video> shows now: the mean squared
 * difference between each pixel's luma and the mean of its 3x3 neighbourhood (a local
 * variance; blur drives it towards 0).
 */
export function regionSharpness(tp, regions) {
  return tp.evaluate((regions) => {
    const video = document.querySelector('[data-testid="remote-video"]');
    const w = video.videoWidth;
    const h = video.videoHeight;
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, w, h);
    const out = { width: w, height: h };
    for (const [name, r] of Object.entries(regions)) {
      const x0 = Math.round(r.x * w);
      const y0 = Math.round(r.y * h);
      const rw = Math.round(r.w * w);
      const rh = Math.round(r.h * h);
      const px = ctx.getImageData(x0, y0, rw, rh).data;
      const luma = (x, y) => {
        const i = (y * rw + x) * 4;
        return 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
      };
      let sum = 0;
      let n = 0;
      for (let y = 1; y < rh - 1; y++) {
        for (let x = 1; x < rw - 1; x++) {
          let mean = 0;
          for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) mean += luma(x + dx, y + dy);
          const d = luma(x, y) - mean / 9;
          sum += d * d;
          n += 1;
        }
      }
      out[name] = n === 0 ? 0 : sum / n;
    }
    return out;
  }, regions);
}
