// The messages between the page and the segmentation worker (blur.worker.ts). Frames travel
// as transferable ImageBitmaps and masks as transferred byte arrays, so nothing is copied.

import type { BackendName } from './backend-choice';
import type { BlurModelName } from './model';

/** Bumped when a message changes shape; the worker refuses an init of another version. */
export const BLUR_WORKER_PROTOCOL = 1;

export type LoadStage = 'code' | 'backend' | 'model' | 'warmup';

/** Progress while loading: `fraction` (0..1) is known for the model download only. */
export type LoadProgress = { stage: LoadStage; fraction: number | null };

/** A person mask: one byte per pixel of the segmented picture, 1 = person. */
export type PersonMask = { width: number; height: number; data: Uint8Array };

/** Figures about one segmentation, for the debug handle and the benchmark. */
export type SegmentTiming = {
  /** Time spent in BodyPix (inference and mask readback), ms. */
  inferenceMs: number;
  /** Live TF.js tensors and their bytes after the call: flat while blur runs. */
  tensors: number;
  tensorBytes: number;
};

export type InitRequest = {
  type: 'init';
  protocol: number;
  model: BlurModelName;
  wasmPath: string;
  forcedBackend: BackendName | null;
};

export type SegmentRequest = {
  type: 'segment';
  id: number;
  frame: ImageBitmap;
  /** Test switch: fail this segmentation as a real error would. */
  injectFault: boolean;
};

export type ToWorker = InitRequest | SegmentRequest;

export type ProgressMessage = { type: 'progress'; progress: LoadProgress };
export type ReadyMessage = { type: 'ready'; backend: BackendName; reason: string };
export type MaskMessage = { type: 'mask'; id: number; mask: PersonMask; timing: SegmentTiming };
/** `id` null: loading failed. */
export type ErrorMessage = { type: 'error'; id: number | null; message: string };

export type FromWorker = ProgressMessage | ReadyMessage | MaskMessage | ErrorMessage;
