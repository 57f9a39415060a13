// Which TensorFlow.js backend segments the camera: WebGL where it is hardware-accelerated,
// else WASM with SIMD, else the plain JavaScript CPU backend. A software WebGL (SwiftShader,
// llvmpipe) is 5-10x slower than WASM SIMD and stalls for seconds at the first inference, so
// it is never chosen on its own. The choice is an ordered list: when a backend fails to start,
// the next one is tried. The probe (what the browser offers) is gathered where the segmenter
// runs (the worker); the choice itself is pure.

export type BackendName = 'webgl' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['webgl', 'wasm', 'cpu'];

export type BackendProbe = {
  webgl: {
    available: boolean;
    /** The unmasked renderer string, when the browser tells it. */
    renderer: string | null;
    /** getContext(..., { failIfMajorPerformanceCaveat: true }) refused: a software rasterizer. */
    majorPerformanceCaveat: boolean;
  };
  wasm: { available: boolean; simd: boolean };
};

export type BackendChoice = {
  /** Backends to try, best first; never empty (the CPU backend always works). */
  order: BackendName[];
  /** Why the first one was chosen, for the UI and the logs. */
  reason: string;
};

const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software|basic render|mesa offscreen/i;

export function isSoftwareRenderer(renderer: string | null): boolean {
  return renderer !== null && SOFTWARE_RENDERERS.test(renderer);
}

export function webglIsAccelerated(probe: BackendProbe['webgl']): boolean {
  return probe.available && !probe.majorPerformanceCaveat && !isSoftwareRenderer(probe.renderer);
}

/**
 * The order to try backends in. `forced` (a test switch, or the benchmark) puts one backend
 * first whatever the probe says, with the automatic order behind it.
 */
export function chooseBackend(probe: BackendProbe, forced: BackendName | null = null): BackendChoice {
  const order: BackendName[] = [];
  const reasons: string[] = [];
  if (webglIsAccelerated(probe.webgl)) {
    order.push('webgl');
    reasons.push(`WebGL is hardware-accelerated (${probe.webgl.renderer ?? 'renderer not disclosed'})`);
  } else {
    reasons.push(
      !probe.webgl.available ? 'no WebGL' : `WebGL is software-rendered (${probe.webgl.renderer ?? 'major performance caveat'})`,
    );
  }
  if (probe.wasm.available && probe.wasm.simd) {
    order.push('wasm');
    if (order.length === 1) reasons.push('WASM with SIMD is available');
  } else {
    reasons.push(!probe.wasm.available ? 'no WebAssembly' : 'WebAssembly without SIMD');
  }
  order.push('cpu');
  if (forced) {
    return { order: [forced, ...order.filter((b) => b !== forced)], reason: `forced to ${forced} (test switch)` };
  }
  return { order, reason: reasons.join('; ') };
}

/** A module using one v128 instruction: WebAssembly.validate() accepts it only with SIMD. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** What this browser (window or worker) offers. */
export function probeBackends(): BackendProbe {
  const wasmAvailable = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
  let simd = false;
  try {
    simd = wasmAvailable && WebAssembly.validate(SIMD_PROBE);
  } catch {
    simd = false;
  }
  return { webgl: probeWebgl(), wasm: { available: wasmAvailable, simd } };
}

function probeWebgl(): BackendProbe['webgl'] {
  const none = { available: false, renderer: null, majorPerformanceCaveat: false };
  const canvas = makeCanvas();
  if (!canvas) return none;
  let kind: 'webgl2' | 'webgl' = 'webgl2';
  let gl = canvas.getContext(kind) as WebGLRenderingContext | null;
  if (!gl) gl = canvas.getContext((kind = 'webgl')) as WebGLRenderingContext | null;
  if (!gl) return none;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '') || null;
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  const strict = makeCanvas()?.getContext(kind, { failIfMajorPerformanceCaveat: true }) as WebGLRenderingContext | null;
  strict?.getExtension('WEBGL_lose_context')?.loseContext();
  return { available: true, renderer, majorPerformanceCaveat: strict === null };
}

function makeCanvas(): OffscreenCanvas | HTMLCanvasElement | null {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(1, 1);
  if (typeof document !== 'undefined') return document.createElement('canvas');
  return null;
}
