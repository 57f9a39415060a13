// The page's handle on segmentation: in a worker where the browser has workers and
// OffscreenCanvas, else on the page itself. Both load TF.js lazily, so nothing of it is in
// the main bundle. Every wait has a bound: loading (LOAD_TIMEOUT_MS) and each frame
// (SEGMENT_TIMEOUT_MS); going past one is an error like any other.

import type { BackendName } from './backend-choice';
import { BLUR_WORKER_PROTOCOL, type FromWorker, type LoadProgress, type PersonMask, type SegmentTiming } from './messages';
import { TFJS_WASM_PATH, type BlurModelName } from './model';

/**
 * Loading may take this long: the TF.js chunk and the model over a slow link, plus the first
 * inference, which compiles shaders (9-26 s on software WebGL, measured here).
 */
export const LOAD_TIMEOUT_MS = 60_000;
/** One frame's segmentation may take this long before it counts as failed. */
export const SEGMENT_TIMEOUT_MS = 10_000;

export type SegmenterOptions = {
  model: BlurModelName;
  forcedBackend: BackendName | null;
  onProgress: (progress: LoadProgress) => void;
};

export type SegmentResult = { mask: PersonMask; timing: SegmentTiming };

export interface Segmenter {
  readonly backend: BackendName;
  /** Why that backend (backend-choice.ts). */
  readonly reason: string;
  /** Where it runs. */
  readonly where: 'worker' | 'page';
  /** Takes ownership of `frame` (it is transferred or closed). */
  segment(frame: ImageBitmap, injectFault: boolean): Promise<SegmentResult>;
  close(): void;
}

export function workersCanSegment(): boolean {
  return typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined';
}

export function loadSegmenter(options: SegmenterOptions): Promise<Segmenter> {
  return workersCanSegment() ? WorkerSegmenter.load(options) : PageSegmenter.load(options);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Pending = { resolve: (r: SegmentResult) => void; reject: (e: Error) => void };

class WorkerSegmenter implements Segmenter {
  readonly where = 'worker' as const;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    readonly backend: BackendName,
    readonly reason: string,
  ) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.gotMessage(event.data);
    worker.onerror = (event) => this.failAll(new Error(event.message || 'the blur worker failed'));
  }

  static async load(options: SegmenterOptions): Promise<WorkerSegmenter> {
    const worker = new Worker(new URL('./blur.worker.ts', import.meta.url), { type: 'module', name: 'swirl-blur' });
    const ready = new Promise<{ backend: BackendName; reason: string }>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const m = event.data;
        if (m.type === 'progress') options.onProgress(m.progress);
        else if (m.type === 'ready') resolve(m);
        else if (m.type === 'error') reject(new Error(m.message));
      };
      worker.onerror = (event) => reject(new Error(event.message || 'the blur worker could not start'));
    });
    worker.postMessage({
      type: 'init',
      protocol: BLUR_WORKER_PROTOCOL,
      model: options.model,
      wasmPath: TFJS_WASM_PATH,
      forcedBackend: options.forcedBackend,
    });
    try {
      const { backend, reason } = await withTimeout(ready, LOAD_TIMEOUT_MS, 'loading background blur');
      return new WorkerSegmenter(worker, backend, reason);
    } catch (err) {
      worker.terminate();
      throw err;
    }
  }

  segment(frame: ImageBitmap, injectFault: boolean): Promise<SegmentResult> {
    if (this.closed) {
      frame.close();
      return Promise.reject(new Error('segmenter closed'));
    }
    const id = this.nextId++;
    const result = new Promise<SegmentResult>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ type: 'segment', id, frame, injectFault }, [frame]);
    return withTimeout(result, SEGMENT_TIMEOUT_MS, 'segmenting a frame').finally(() => this.pending.delete(id));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.terminate();
    this.failAll(new Error('segmenter closed'));
  }

  private gotMessage(message: FromWorker): void {
    switch (message.type) {
      case 'mask':
        this.pending.get(message.id)?.resolve({ mask: message.mask, timing: message.timing });
        break;
      case 'error':
        if (message.id === null) this.failAll(new Error(message.message));
        else this.pending.get(message.id)?.reject(new Error(message.message));
        break;
      case 'progress':
      case 'ready':
        break;
    }
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

class PageSegmenter implements Segmenter {
  readonly where = 'page' as const;

  private constructor(private readonly core: import('./segmenter-core').SegmenterCore) {}

  get backend(): BackendName {
    return this.core.backend;
  }
  get reason(): string {
    return this.core.reason;
  }

  static async load(options: SegmenterOptions): Promise<PageSegmenter> {
    options.onProgress({ stage: 'code', fraction: null });
    const load = import('./segmenter-core').then(({ SegmenterCore }) => SegmenterCore.load({ ...options, wasmPath: TFJS_WASM_PATH }));
    return new PageSegmenter(await withTimeout(load, LOAD_TIMEOUT_MS, 'loading background blur'));
  }

  async segment(frame: ImageBitmap, injectFault: boolean): Promise<SegmentResult> {
    try {
      if (injectFault) throw new Error('injected segmentation fault (test switch)');
      return await withTimeout(this.core.segment(frame), SEGMENT_TIMEOUT_MS, 'segmenting a frame');
    } finally {
      frame.close();
    }
  }

  close(): void {
    this.core.dispose();
  }
}
