// Where the blur's model and the TF.js WASM binaries come from: always our own origin. The
// quantized model is vendored in web/public/models/ (see its NOTICE.md); the float one is
// only served when the server's --model-dir points at a folder holding it (benchmarks).

/** Folder names under /models/bodypix/ that the client may load. */
export const BLUR_MODELS = ['mobilenet-quant2-050-stride16', 'mobilenet-float-050-stride16'] as const;
export type BlurModelName = (typeof BLUR_MODELS)[number];

/**
 * The default: MobileNetV1 0.50 at output stride 16 with 2-byte weights. 1.2 MB to download,
 * the same speed and practically the same masks as the 2.4 MB float model (docs/benchmarks.md).
 */
export const DEFAULT_BLUR_MODEL: BlurModelName = 'mobilenet-quant2-050-stride16';

export type ModelSpec = { name: BlurModelName; url: string; quantBytes: 2 | 4 };

export function modelSpec(name: BlurModelName = DEFAULT_BLUR_MODEL): ModelSpec {
  return { name, url: `/models/bodypix/${name}/model.json`, quantBytes: name.includes('quant2') ? 2 : 4 };
}

export function isBlurModelName(value: string | null | undefined): value is BlurModelName {
  return (BLUR_MODELS as readonly string[]).includes(value ?? '');
}

/** The folder setWasmPaths() gets: /tfjs/<installed version>/ (tfjs-wasm-plugin.mjs). */
export const TFJS_WASM_PATH: string = __SWIRL_TFJS_WASM_PATH__;

/**
 * Size of the picture segmented (the camera frame is scaled to it before it leaves the main
 * thread). BodyPix then works at half of it internally ('medium'): 160x120 at stride 16 gives
 * a 10x8 grid of outputs, upsampled to this size; the mask is drawn smoothed over the frame.
 */
export const SEGMENT_WIDTH = 320;
export const SEGMENT_HEIGHT = 240;
export const INTERNAL_RESOLUTION = 'medium';
/** A pixel is "person" from this probability on. */
export const SEGMENTATION_THRESHOLD = 0.6;
