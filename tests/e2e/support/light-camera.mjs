// A small, slow fake camera for specs that need real calls but not good video. Chromium's
// built-in fake device answers the client's ideal 1280x720 at 30 fps, so every page in a call
// encodes and decodes 720p in software; with three or four pages on a loaded two-core machine
// their main threads starve and each click or evaluate waits many seconds (the safety spec
// measured 11 s for one click and 16 s for one axe run). 320x240 at 10 fps is ~1/36 of that
// work, and video still flows in every call.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** The camera's picture and rate: what the pages encode, send and decode in a call. */
export const LIGHT_CAMERA = { width: 320, height: 240, fps: 10 };

/**
 * Makes the camera: one second of ffmpeg's test pattern as a .y4m (Chromium loops it) for
 * `--use-file-for-fake-video-capture`. Returns the Chromium flag and a cleanup.
 */
export async function makeLightCamera({ width, height, fps } = LIGHT_CAMERA) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swirl-e2e-light-cam-'));
  const file = path.join(dir, 'light.y4m');
  await promisify(execFile)('ffmpeg', [
    '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}`,
    '-frames:v', String(fps), '-pix_fmt', 'yuv420p', file,
  ]).catch((err) => {
    throw new Error(`ffmpeg could not make the light camera (scripts/setup.sh test installs ffmpeg): ${err.message}`);
  });
  return { flag: `--use-file-for-fake-video-capture=${file}`, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
