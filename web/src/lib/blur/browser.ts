// Builds the page's BlurController: the real segmenter and pipeline (both loaded with a
// dynamic import the first time blur is switched on, so TF.js and BodyPix stay out of the main
// bundle), the blur test switches, and the `window.__swirlBlur` debug handle.

import { BlurController, type CameraSource } from './controller';
import type { PipelineStats } from './pipeline';
import { takeBlurFault, testBlurBackend, testBlurModel } from './test-switches';

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** Why this browser cannot blur, or null. */
export function blurUnsupportedReason(): string | null {
  if (typeof document === 'undefined') return 'not running in a browser';
  if (typeof HTMLCanvasElement === 'undefined' || !('captureStream' in HTMLCanvasElement.prototype))
    return 'this browser cannot send a canvas as video';
  if (typeof createImageBitmap === 'undefined') return 'this browser lacks createImageBitmap';
  if (typeof requestAnimationFrame === 'undefined') return 'this browser lacks requestAnimationFrame';
  return null;
}

export function createBlurController(camera: CameraSource): BlurController {
  const controller = new BlurController({
    camera,
    loadSegmenter: async (options) => (await import('./segmenter')).loadSegmenter(options),
    createPipeline: async (source, hooks) => new (await import('./pipeline')).BlurPipeline(source, hooks),
    model: () => testBlurModel(storage()),
    forcedBackend: () => testBlurBackend(storage()),
    takeInjectedFault: () => takeBlurFault(storage()),
    unsupportedReason: blurUnsupportedReason,
  });
  if (typeof window !== 'undefined') installBlurDebugHandle(controller);
  return controller;
}

/** `window.__swirlBlur`: what blur is doing, read-only, for browser tests and the benchmark. */
export type BlurDebugView = {
  status: string;
  wanted: boolean;
  backend: string | null;
  backendReason: string | null;
  where: string | null;
  reason: string | null;
  notice: string | null;
  restarts: number;
  switches: number;
  stats: PipelineStats | null;
};

function installBlurDebugHandle(c: BlurController): void {
  const view = (): BlurDebugView => ({
    status: c.status,
    wanted: c.wanted,
    backend: c.backend,
    backendReason: c.backendReason,
    where: c.where,
    reason: c.reason,
    notice: c.notice,
    restarts: c.restarts,
    switches: c.switches,
    stats: c.stats,
  });
  Object.defineProperty(globalThis, '__swirlBlur', { get: view, configurable: true, enumerable: false });
}
