// The segmentation worker: loads TF.js and BodyPix off the main thread, then answers each
// frame with a person mask. One switch on the message type; every failure is posted back
// (a failed load as id null), never thrown into the void.

import type { FromWorker, InitRequest, SegmentRequest, ToWorker } from './messages';
import { BLUR_WORKER_PROTOCOL } from './messages';
import type { SegmenterCore } from './segmenter-core';

const scope = self as unknown as { postMessage(message: FromWorker, transfer?: Transferable[]): void };
let core: SegmenterCore | null = null;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function gotInit(init: InitRequest): Promise<void> {
  if (init.protocol !== BLUR_WORKER_PROTOCOL) {
    post({ type: 'error', id: null, message: `worker protocol ${BLUR_WORKER_PROTOCOL}, page sent ${init.protocol}` });
    return;
  }
  try {
    post({ type: 'progress', progress: { stage: 'code', fraction: null } });
    const { SegmenterCore } = await import('./segmenter-core');
    core = await SegmenterCore.load({
      model: init.model,
      wasmPath: init.wasmPath,
      forcedBackend: init.forcedBackend,
      onProgress: (progress) => post({ type: 'progress', progress }),
    });
    post({ type: 'ready', backend: core.backend, reason: core.reason });
  } catch (err) {
    post({ type: 'error', id: null, message: describe(err) });
  }
}

async function gotSegment(request: SegmentRequest): Promise<void> {
  try {
    if (!core) throw new Error('segment before the model loaded');
    if (request.injectFault) throw new Error('injected segmentation fault (test switch)');
    const { mask, timing } = await core.segment(request.frame);
    post({ type: 'mask', id: request.id, mask, timing }, [mask.data.buffer]);
  } catch (err) {
    post({ type: 'error', id: request.id, message: describe(err) });
  } finally {
    request.frame.close();
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'init':
      void gotInit(message);
      break;
    case 'segment':
      void gotSegment(message);
      break;
  }
};
