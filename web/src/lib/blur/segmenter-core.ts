// BodyPix on TensorFlow.js: loads the backend and the model, then turns frames into person
// masks. The only module that imports TF.js; it runs inside the worker (blur.worker.ts), or
// on the page where workers cannot (inline-segmenter.ts). Both load it lazily.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as bodyPix from '@tensorflow-models/body-pix';
import { chooseBackend, probeBackends, type BackendName } from './backend-choice';
import type { LoadProgress, PersonMask, SegmentTiming } from './messages';
import { INTERNAL_RESOLUTION, SEGMENTATION_THRESHOLD, modelSpec, type BlurModelName } from './model';

export type CoreOptions = {
  model: BlurModelName;
  wasmPath: string;
  forcedBackend: BackendName | null;
  onProgress: (progress: LoadProgress) => void;
};

export type Segmentation = { mask: PersonMask; timing: SegmentTiming };

/** One loaded model on one backend. */
export class SegmenterCore {
  private constructor(
    private readonly net: bodyPix.BodyPix,
    readonly backend: BackendName,
    readonly reason: string,
  ) {}

  static async load(options: CoreOptions): Promise<SegmenterCore> {
    options.onProgress({ stage: 'backend', fraction: null });
    // Never threads: they need cross-origin isolation and gave nothing on two cores.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths(options.wasmPath);
    const choice = chooseBackend(probeBackends(), options.forcedBackend);
    const backend = await startFirstBackend(choice.order);

    const spec = modelSpec(options.model);
    options.onProgress({ stage: 'model', fraction: 0 });
    const handler = tf.io.http(spec.url, { onProgress: (fraction) => options.onProgress({ stage: 'model', fraction }) });
    const net = await bodyPix.load({
      architecture: 'MobileNetV1',
      outputStride: 16,
      multiplier: 0.5,
      quantBytes: spec.quantBytes,
      // body-pix hands modelUrl to loadGraphModel as is, which also takes an IOHandler: ours
      // reports download progress.
      modelUrl: handler as unknown as string,
    });
    const core = new SegmenterCore(net, backend, choice.reason);
    // The first inference compiles shaders / kernels (seconds on software WebGL): do it now,
    // while the user sees "warming up", not in the first frames.
    options.onProgress({ stage: 'warmup', fraction: null });
    await core.segment(new ImageData(64, 48));
    return core;
  }

  /**
   * Person mask of `frame`, at its size. Uses BodyPix's activation step only: segmentPerson()
   * would also read back four more tensors to decode poses we do not use. Every tensor made
   * here is disposed before returning, so memory stays flat while blur runs.
   */
  async segment(frame: ImageBitmap | ImageData): Promise<Segmentation> {
    const started = performance.now();
    const input = tf.browser.fromPixels(frame);
    let result: ReturnType<bodyPix.BodyPix['segmentPersonActivation']> | null = null;
    try {
      result = this.net.segmentPersonActivation(input, INTERNAL_RESOLUTION, SEGMENTATION_THRESHOLD);
      const [height, width] = result.segmentation.shape;
      // The mask tensor is int32 (0 or 1): one byte per pixel is enough to send it back.
      const data = Uint8Array.from(await result.segmentation.data());
      const memory = tf.memory();
      return {
        mask: { width: width ?? 0, height: height ?? 0, data },
        timing: { inferenceMs: performance.now() - started, tensors: memory.numTensors, tensorBytes: memory.numBytes },
      };
    } finally {
      input.dispose();
      if (result) {
        tf.dispose([result.segmentation, result.heatmapScores, result.offsets, result.displacementFwd, result.displacementBwd]);
      }
    }
  }

  dispose(): void {
    this.net.dispose();
  }
}

async function startFirstBackend(order: BackendName[]): Promise<BackendName> {
  const failures: string[] = [];
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      failures.push(`${name}: did not start`);
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend started (${failures.join('; ')})`);
}
