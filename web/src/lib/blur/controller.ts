// Background blur as the user sees it: one switch, a status, and the video track peers should
// receive. Presses are debounced (SettledToggle) before the outgoing track changes, so rapid
// toggles make at most one replaceTrack; the first switch on loads TF.js and the model lazily,
// with progress; a camera switch while blurred keeps blur on (the pipeline takes the new
// camera, the outgoing track stays); segmentation errors restart the segmenter with bounded
// backoff (BlurRestartPolicy) and, when they keep coming, blur turns off with a notice and the
// plain camera goes out again.

import { Emitter } from '../emitter';
import type { BackendName } from './backend-choice';
import type { LoadProgress } from './messages';
import type { BlurModelName } from './model';
import type { PipelineHooks, PipelineStats } from './pipeline';
import { BlurRestartPolicy } from './restart-policy';
import type { Segmenter, SegmenterOptions } from './segmenter';
import { SettledToggle } from './settled-toggle';

export enum BlurStatus {
  Off = 'off',
  /** Switched on; TF.js, the model or the first mask is on its way. */
  Loading = 'loading',
  On = 'on',
  /** A segmentation failed; a new segmenter starts after a backoff, frames keep the last mask. */
  Restarting = 'restarting',
  /** Could not load (see `reason`); pressing again retries. */
  Unavailable = 'unavailable',
}

/** The video track peers receive, and its changes: what a call subscribes to. */
export interface OutgoingVideo {
  readonly track: MediaStreamTrack | null;
  on(event: 'track', listener: (track: MediaStreamTrack | null) => void): () => void;
}

/** What the controller needs of a running pipeline (pipeline.ts; a fake in unit tests). */
export interface PipelineLike {
  readonly track: MediaStreamTrack;
  readonly stats: PipelineStats;
  setSource(track: MediaStreamTrack): void;
  setSegmenter(segmenter: Segmenter | null): void;
  stop(): void;
}

/** The camera: its current track and its changes (DeviceManager's `track` events). */
export interface CameraSource {
  readonly videoTrack: MediaStreamTrack | null;
  on(event: 'track', listener: (e: { kind: 'audio' | 'video'; track: MediaStreamTrack | null }) => void): () => void;
}

export type BlurControllerDeps = {
  camera: CameraSource;
  loadSegmenter: (options: SegmenterOptions) => Promise<Segmenter>;
  createPipeline: (source: MediaStreamTrack, hooks: PipelineHooks) => PipelineLike | Promise<PipelineLike>;
  model: () => BlurModelName;
  forcedBackend: () => BackendName | null;
  takeInjectedFault: () => boolean;
  /** Why this browser cannot blur at all, or null. */
  unsupportedReason: () => string | null;
  restartPolicy?: BlurRestartPolicy;
  settleMs?: number;
  now?: () => number;
};

export type BlurEvents = { change: void; track: MediaStreamTrack | null };

export class BlurController extends Emitter<BlurEvents> implements OutgoingVideo {
  status: BlurStatus = BlurStatus.Off;
  progress: LoadProgress | null = null;
  backend: BackendName | null = null;
  backendReason: string | null = null;
  where: 'worker' | 'page' | null = null;
  /** Why blur is unavailable (status Unavailable). */
  reason: string | null = null;
  /** Something to tell the user (blur stopped after repeated errors). */
  notice: string | null = null;
  restarts = 0;
  /** Times the outgoing video track changed (each one is a replaceTrack on every peer). */
  switches = 0;

  private camera: MediaStreamTrack | null;
  private outgoing: MediaStreamTrack | null;
  private pipeline: PipelineLike | null = null;
  private segmenter: Segmenter | null = null;
  private loading: Promise<Segmenter> | null = null;
  private readonly toggle: SettledToggle;
  private readonly policy: BlurRestartPolicy;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped by every settled change: async work started before it is stale. */
  private generation = 0;

  constructor(private readonly deps: BlurControllerDeps) {
    super();
    this.camera = deps.camera.videoTrack;
    this.outgoing = this.camera;
    this.policy = deps.restartPolicy ?? new BlurRestartPolicy();
    this.toggle = new SettledToggle(false, (on) => this.applySettled(on), deps.settleMs);
    deps.camera.on('track', ({ kind, track }) => {
      if (kind === 'video') this.cameraChanged(track);
    });
  }

  /** What the button shows: the user's latest choice, applied or about to be. */
  get wanted(): boolean {
    return this.toggle.wanted;
  }

  get track(): MediaStreamTrack | null {
    return this.outgoing;
  }

  /** The blurred track while it is what peers receive (for the self view), else null. */
  get blurredTrack(): MediaStreamTrack | null {
    return this.pipeline && this.outgoing === this.pipeline.track ? this.outgoing : null;
  }

  get stats(): PipelineStats | null {
    return this.pipeline?.stats ?? null;
  }

  setWanted(on: boolean): void {
    if (on) {
      const unsupported = this.deps.unsupportedReason();
      if (unsupported) {
        this.markUnavailable(unsupported);
        return;
      }
    }
    if (on && this.status === BlurStatus.Unavailable) this.status = BlurStatus.Off;
    this.notice = null;
    this.toggle.set(on);
    this.emit('change', undefined);
  }

  /** Leaving the lobby: everything stops and the worker goes away. */
  dispose(): void {
    this.toggle.force(false);
    this.generation += 1;
    this.turnOff();
    this.segmenter?.close();
    this.segmenter = null;
  }

  private applySettled(on: boolean): void {
    this.generation += 1;
    if (on) void this.turnOn(this.generation);
    else this.turnOff();
    this.emit('change', undefined);
  }

  private async turnOn(gen: number): Promise<void> {
    this.status = BlurStatus.Loading;
    this.reason = null;
    this.emit('change', undefined);
    let segmenter: Segmenter;
    try {
      segmenter = await this.ensureSegmenter();
    } catch (err) {
      if (gen === this.generation) this.markUnavailable(describe(err));
      return;
    }
    if (gen !== this.generation) return;
    if (this.camera) await this.startPipeline(this.camera, segmenter, gen);
    else {
      // Camera off: blur is armed and starts with the camera.
      this.status = BlurStatus.On;
      this.emit('change', undefined);
    }
  }

  private turnOff(): void {
    this.cancelRestart();
    const pipeline = this.pipeline;
    this.pipeline = null;
    this.setOutgoing(this.camera);
    pipeline?.stop();
    if (this.status !== BlurStatus.Unavailable) this.status = BlurStatus.Off;
    this.progress = null;
    this.emit('change', undefined);
  }

  private ensureSegmenter(): Promise<Segmenter> {
    if (this.segmenter) return Promise.resolve(this.segmenter);
    if (!this.loading) {
      this.loading = this.deps
        .loadSegmenter({
          model: this.deps.model(),
          forcedBackend: this.deps.forcedBackend(),
          onProgress: (progress) => {
            this.progress = progress;
            this.emit('change', undefined);
          },
        })
        .then((segmenter) => {
          this.segmenter = segmenter;
          this.backend = segmenter.backend;
          this.backendReason = segmenter.reason;
          this.where = segmenter.where;
          this.progress = null;
          return segmenter;
        })
        .finally(() => (this.loading = null));
    }
    return this.loading;
  }

  private async startPipeline(camera: MediaStreamTrack, segmenter: Segmenter, gen: number): Promise<void> {
    let pipeline: PipelineLike;
    try {
      pipeline = await this.deps.createPipeline(camera, {
        onError: (error) => this.segmentationFailed(pipeline, error),
        onFirstMask: () => {
          if (this.pipeline !== pipeline || gen !== this.generation) return;
          this.status = BlurStatus.On;
          this.setOutgoing(pipeline.track);
          this.emit('change', undefined);
        },
        takeInjectedFault: () => this.deps.takeInjectedFault(),
      });
    } catch (err) {
      if (gen === this.generation) this.markUnavailable(describe(err));
      return;
    }
    if (gen !== this.generation) {
      pipeline.stop();
      return;
    }
    this.pipeline?.stop();
    this.pipeline = pipeline;
    pipeline.setSegmenter(segmenter);
  }

  private cameraChanged(track: MediaStreamTrack | null): void {
    this.camera = track;
    if (this.pipeline) {
      if (track) {
        this.pipeline.setSource(track); // blur goes on with the new camera, same outgoing track
        return;
      }
      const pipeline = this.pipeline;
      this.pipeline = null;
      this.setOutgoing(null);
      pipeline.stop();
      this.emit('change', undefined);
      return;
    }
    const armed = this.toggle.applied && (this.status === BlurStatus.On || this.status === BlurStatus.Restarting);
    if (armed && track && this.segmenter) {
      // The camera came back with blur on: peers get video again once it is blurred.
      this.status = BlurStatus.Loading;
      void this.startPipeline(track, this.segmenter, this.generation);
      this.emit('change', undefined);
      return;
    }
    // Blur off, or still loading: peers get the camera as it is until the blurred track is ready.
    this.setOutgoing(track);
  }

  private segmentationFailed(pipeline: PipelineLike, error: Error): void {
    if (this.pipeline !== pipeline) return;
    console.warn('swirl: background blur segmentation failed', error);
    this.segmenter?.close();
    this.segmenter = null;
    const delay = this.policy.nextDelayMs(this.now());
    if (delay === null) {
      this.notice = `Background blur stopped: it kept failing (${error.message}). Your camera is sent without blur.`;
      this.toggle.force(false);
      this.generation += 1;
      this.turnOff();
      return;
    }
    this.restarts += 1;
    if (this.status === BlurStatus.On) this.status = BlurStatus.Restarting;
    this.emit('change', undefined);
    const gen = this.generation;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.ensureSegmenter().then(
        (segmenter) => {
          if (gen !== this.generation || this.pipeline !== pipeline) return;
          pipeline.setSegmenter(segmenter);
          if (this.status === BlurStatus.Restarting) this.status = BlurStatus.On;
          this.emit('change', undefined);
        },
        (err: unknown) => {
          if (gen === this.generation) this.segmentationFailed(pipeline, err instanceof Error ? err : new Error(String(err)));
        },
      );
    }, delay);
  }

  private cancelRestart(): void {
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private markUnavailable(reason: string): void {
    this.toggle.force(false);
    this.generation += 1;
    this.turnOff();
    this.status = BlurStatus.Unavailable;
    this.reason = reason;
    this.emit('change', undefined);
  }

  private setOutgoing(track: MediaStreamTrack | null): void {
    if (track === this.outgoing) return;
    this.outgoing = track;
    this.switches += 1;
    this.emit('track', track);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The outgoing video of a device manager without blur (tests and pages that have no blur):
 * the camera track as it is.
 */
export function cameraVideo(camera: CameraSource): OutgoingVideo {
  return {
    get track() {
      return camera.videoTrack;
    },
    on: (_event, listener) =>
      camera.on('track', ({ kind, track }) => {
        if (kind === 'video') listener(track);
      }),
  };
}
