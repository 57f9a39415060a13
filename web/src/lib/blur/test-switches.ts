// Blur's test-only switches (docs/web-client.md, "Test switches"), read from localStorage
// like the others in lib/test-switches.ts. None is set in normal use; unknown values are
// ignored.

import { BACKEND_NAMES, type BackendName } from './backend-choice';
import { DEFAULT_BLUR_MODEL, isBlurModelName, type BlurModelName } from './model';

/** `webgl`, `wasm` or `cpu`: try this backend first (the benchmark measures each). */
export const BLUR_BACKEND_KEY = 'swirl.test.blurBackend';
/** A folder name from BLUR_MODELS: load that model instead of the default. */
export const BLUR_MODEL_KEY = 'swirl.test.blurModel';
/** A count: the next N segmentations fail as a real error would (restart tests). */
export const BLUR_FAULTS_KEY = 'swirl.test.blurFaults';

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

function read(storage: StorageLike | null | undefined, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null; // storage refused (privacy mode): no switch
  }
}

export function testBlurBackend(storage: StorageLike | null | undefined): BackendName | null {
  const v = read(storage, BLUR_BACKEND_KEY);
  return (BACKEND_NAMES as readonly string[]).includes(v ?? '') ? (v as BackendName) : null;
}

export function testBlurModel(storage: StorageLike | null | undefined): BlurModelName {
  const v = read(storage, BLUR_MODEL_KEY);
  return isBlurModelName(v) ? v : DEFAULT_BLUR_MODEL;
}

/** True (and the count goes down by one) when a fault is to be injected now. */
export function takeBlurFault(storage: StorageLike | null | undefined): boolean {
  const n = Number.parseInt(read(storage, BLUR_FAULTS_KEY) ?? '', 10);
  if (!(n > 0)) return false;
  try {
    storage?.setItem(BLUR_FAULTS_KEY, String(n - 1));
  } catch {
    return false;
  }
  return true;
}
