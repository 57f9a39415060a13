// The running blur: the camera track plays in a hidden video element; on each animation frame
// (throttled to MAX_BLUR_FPS) the frame is drawn with the latest mask, and, when the segmenter
// is idle, a small copy of it goes to be segmented. Drawing never waits for segmentation, so a
// slow segmenter makes the mask older, not the outgoing video slower. The canvas's
// captureStream() track is what peers receive.

import { FrameThrottle, MAX_BLUR_FPS } from './frame-throttle';
import { BlurCompositor } from './compositor';
import { SEGMENT_WIDTH } from './model';
import type { Segmenter, SegmentResult } from './segmenter';

/** Rolling figures over the last STATS_WINDOW_MS, for the debug handle and the benchmark. */
export const STATS_WINDOW_MS = 3_000;

export type PipelineStats = {
  framesDrawn: number;
  segmentations: number;
  /** Frames drawn / masks made per second over the last STATS_WINDOW_MS. */
  drawFps: number;
  segmentFps: number;
  /** Mean inference time and mean draw time over the same window, ms. */
  segmentMs: number;
  drawMs: number;
  tensors: number;
  tensorBytes: number;
};

export type PipelineHooks = {
  /** Segmentation failed: the pipeline keeps drawing with its last mask until told otherwise. */
  onError: (error: Error) => void;
  /** The first mask arrived: the output is now worth sending. */
  onFirstMask: () => void;
  /** Test switch: fail the next segmentation (read once per frame sent to segment). */
  takeInjectedFault: () => boolean;
};

class Window {
  private readonly items: { at: number; value: number }[] = [];
  add(at: number, value: number): void {
    this.items.push({ at, value });
    while (this.items.length > 0 && at - this.items[0]!.at > STATS_WINDOW_MS) this.items.shift();
  }
  rate(now: number): number {
    const recent = this.items.filter((i) => now - i.at <= STATS_WINDOW_MS);
    if (recent.length < 2) return 0;
    return ((recent.length - 1) * 1000) / Math.max(1, recent[recent.length - 1]!.at - recent[0]!.at);
  }
  mean(now: number): number {
    const recent = this.items.filter((i) => now - i.at <= STATS_WINDOW_MS);
    return recent.length === 0 ? 0 : recent.reduce((a, i) => a + i.value, 0) / recent.length;
  }
}

export class BlurPipeline {
  readonly canvas: HTMLCanvasElement;
  readonly track: MediaStreamTrack;
  private readonly video: HTMLVideoElement;
  private readonly compositor: BlurCompositor;
  private readonly throttle = new FrameThrottle(1000 / MAX_BLUR_FPS);
  private segmenter: Segmenter | null = null;
  private inFlight = false;
  private frameHandle: number | null = null;
  private clock: Worker | null = null;
  private readonly requestFrames: boolean;
  private stopped = false;
  private firstMaskSeen = false;
  private readonly draws = new Window();
  private readonly segments = new Window();
  private counters = { framesDrawn: 0, segmentations: 0, tensors: 0, tensorBytes: 0 };

  constructor(
    source: MediaStreamTrack,
    private readonly hooks: PipelineHooks,
  ) {
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.playsInline = true;
    this.canvas = document.createElement('canvas');
    const settings = source.getSettings();
    this.canvas.width = settings.width ?? 640;
    this.canvas.height = settings.height ?? 480;
    this.compositor = new BlurCompositor(this.canvas);
    // Frame rate 0: a frame is captured exactly when requestFrame() asks, once per drawn frame.
    // Left to capture by itself, Chromium here sent 16-19 fps out of 24 drawn.
    this.requestFrames = typeof CanvasCaptureMediaStreamTrack !== 'undefined' && 'requestFrame' in CanvasCaptureMediaStreamTrack.prototype;
    const stream = this.canvas.captureStream(this.requestFrames ? 0 : MAX_BLUR_FPS);
    const track = stream.getVideoTracks()[0];
    if (!track) throw new Error('this browser cannot send a canvas as video (captureStream)');
    // A camera's motion, not a slide: when the encoder is short of CPU or bandwidth, WebRTC
    // lowers the resolution and keeps the frame rate (a canvas track otherwise keeps the
    // resolution and drops frames, measured here: 4 fps sent out of 20 drawn).
    track.contentHint = 'motion';
    this.track = track;
    this.setSource(source);
    this.frameHandle = requestAnimationFrame(this.tick);
    document.addEventListener('visibilitychange', this.followVisibility);
    this.followVisibility();
  }

  /** Another camera (device switch, unplug fallback): blur goes on with it. */
  setSource(source: MediaStreamTrack): void {
    this.video.srcObject = new MediaStream([source]);
    void this.video.play().catch(() => {
      // Autoplay of a muted element is always allowed; a rejection means the source ended,
      // which the device manager reports on its own.
    });
  }

  /** The segmenter to use from now on (null while it restarts: frames keep the last mask). */
  setSegmenter(segmenter: Segmenter | null): void {
    this.segmenter = segmenter;
    this.inFlight = false;
  }

  get stats(): PipelineStats {
    const now = performance.now();
    return {
      ...this.counters,
      drawFps: this.draws.rate(now),
      segmentFps: this.segments.rate(now),
      segmentMs: this.segments.mean(now),
      drawMs: this.draws.mean(now),
    };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.frameHandle !== null) cancelAnimationFrame(this.frameHandle);
    document.removeEventListener('visibilitychange', this.followVisibility);
    this.clock?.terminate();
    this.clock = null;
    this.track.stop();
    this.video.pause();
    this.video.srcObject = null;
  }

  /** Hidden page: the clock worker drives frames (see clock.worker.ts); visible: animation frames. */
  private readonly followVisibility = (): void => {
    if (this.stopped) return;
    if (!document.hidden) {
      this.clock?.postMessage({ intervalMs: null });
      return;
    }
    if (!this.clock && typeof Worker !== 'undefined') {
      try {
        this.clock = new Worker(new URL('./clock.worker.ts', import.meta.url), { type: 'module', name: 'swirl-blur-clock' });
        this.clock.onmessage = () => this.frame(performance.now());
      } catch {
        return; // no worker: frames follow the page's own (throttled) animation frames
      }
    }
    this.clock?.postMessage({ intervalMs: 1000 / MAX_BLUR_FPS });
  };

  private readonly tick = (now: number): void => {
    if (this.stopped) return;
    this.frameHandle = requestAnimationFrame(this.tick);
    this.frame(now);
  };

  private frame(now: number): void {
    if (this.stopped || !this.throttle.take(now)) return;
    const v = this.video;
    if (v.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || v.videoWidth === 0) return;
    const started = performance.now();
    this.compositor.draw(v, v.videoWidth, v.videoHeight);
    const ended = performance.now();
    this.counters.framesDrawn += 1;
    this.draws.add(ended, ended - started);
    if (this.requestFrames) (this.track as CanvasCaptureMediaStreamTrack).requestFrame();
    if (!this.inFlight && this.segmenter) this.sendForSegmentation(this.segmenter, v);
  }

  private sendForSegmentation(segmenter: Segmenter, v: HTMLVideoElement): void {
    this.inFlight = true;
    const width = SEGMENT_WIDTH;
    const height = Math.max(1, Math.round((SEGMENT_WIDTH * v.videoHeight) / v.videoWidth));
    const fault = this.hooks.takeInjectedFault();
    createImageBitmap(v, { resizeWidth: width, resizeHeight: height, resizeQuality: 'low' })
      .then((frame) => segmenter.segment(frame, fault))
      .then(
        (result) => this.gotMask(segmenter, result),
        (err: unknown) => {
          if (this.stopped || this.segmenter !== segmenter) return;
          this.segmenter = null; // no more frames to it: the owner restarts or gives up
          this.hooks.onError(err instanceof Error ? err : new Error(String(err)));
        },
      )
      .finally(() => {
        if (this.segmenter === segmenter || this.segmenter === null) this.inFlight = false;
      });
  }

  private gotMask(segmenter: Segmenter, { mask, timing }: SegmentResult): void {
    if (this.stopped || this.segmenter !== segmenter) return;
    this.compositor.setMask(mask.width, mask.height, mask.data);
    this.counters.segmentations += 1;
    this.counters.tensors = timing.tensors;
    this.counters.tensorBytes = timing.tensorBytes;
    this.segments.add(performance.now(), timing.inferenceMs);
    if (!this.firstMaskSeen) {
      this.firstMaskSeen = true;
      this.hooks.onFirstMask();
    }
  }
}
