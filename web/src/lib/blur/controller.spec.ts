import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../emitter';
import { BlurController, BlurStatus, type CameraSource, type PipelineLike } from './controller';
import type { PipelineHooks, PipelineStats } from './pipeline';
import { BlurRestartPolicy } from './restart-policy';
import type { Segmenter } from './segmenter';
import { BLUR_SETTLE_MS } from './settled-toggle';

const track = (label: string) => ({ label, kind: 'video' }) as unknown as MediaStreamTrack;

class FakeCamera extends Emitter<{ track: { kind: 'audio' | 'video'; track: MediaStreamTrack | null } }> implements CameraSource {
  constructor(public videoTrack: MediaStreamTrack | null) {
    super();
  }
  switchTo(t: MediaStreamTrack | null): void {
    this.videoTrack = t;
    this.emit('track', { kind: 'video', track: t });
  }
}

class FakePipeline implements PipelineLike {
  readonly track = track('canvas');
  readonly stats = {} as PipelineStats;
  segmenter: Segmenter | null = null;
  stopped = false;
  constructor(
    public source: MediaStreamTrack,
    readonly hooks: PipelineHooks,
  ) {}
  setSource(t: MediaStreamTrack): void {
    this.source = t;
  }
  setSegmenter(s: Segmenter | null): void {
    this.segmenter = s;
  }
  stop(): void {
    this.stopped = true;
  }
}

const fakeSegmenter = (): Segmenter => ({
  backend: 'wasm',
  reason: 'test',
  where: 'worker',
  segment: () => Promise.reject(new Error('not used')),
  close: vi.fn(),
});

function setup(options: { load?: () => Promise<Segmenter>; maxRestarts?: number } = {}) {
  const camera = new FakeCamera(track('cam-1'));
  const pipelines: FakePipeline[] = [];
  const loads = { count: 0 };
  const controller = new BlurController({
    camera,
    loadSegmenter: () => {
      loads.count += 1;
      return options.load ? options.load() : Promise.resolve(fakeSegmenter());
    },
    createPipeline: (source, hooks) => {
      const p = new FakePipeline(source, hooks);
      pipelines.push(p);
      return p;
    },
    model: () => 'mobilenet-quant2-050-stride16',
    forcedBackend: () => null,
    takeInjectedFault: () => false,
    unsupportedReason: () => null,
    restartPolicy: new BlurRestartPolicy({ maxRestarts: options.maxRestarts ?? 2 }),
  });
  const sent: (MediaStreamTrack | null)[] = [];
  controller.on('track', (t) => sent.push(t));
  return { camera, controller, pipelines, sent, loads };
}

/** Lets the settle timer fire and the (already resolved) loads complete. */
async function settle(ms = BLUR_SETTLE_MS): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

describe('BlurController', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(console, 'warn').mockImplementation(() => {}); // the controller logs each failure
  });
  afterEach(() => vi.useRealTimers());

  it('switches the outgoing track once, when the first mask is ready', async () => {
    const { controller, pipelines, sent } = setup();
    controller.setWanted(true);
    expect(controller.wanted).toBe(true);
    expect(controller.status).toBe(BlurStatus.Off);
    await settle();
    expect(controller.status).toBe(BlurStatus.Loading);
    expect(pipelines).toHaveLength(1);
    expect(sent).toEqual([]); // no mask yet: peers keep the camera
    pipelines[0]!.hooks.onFirstMask();
    expect(controller.status).toBe(BlurStatus.On);
    expect(sent).toEqual([pipelines[0]!.track]);
    expect(controller.track).toBe(pipelines[0]!.track);
    expect(controller.blurredTrack).toBe(pipelines[0]!.track);
  });

  it('rapid toggles: one switch after the user settles; cancelling toggles: none', async () => {
    const { controller, pipelines, sent, loads } = setup();
    for (let i = 0; i < 5; i++) {
      controller.setWanted(i % 2 === 0);
      await settle(BLUR_SETTLE_MS / 4);
    }
    await settle();
    pipelines[0]!.hooks.onFirstMask();
    expect(sent).toHaveLength(1);
    expect(loads.count).toBe(1);

    controller.setWanted(false);
    await settle(50);
    controller.setWanted(true);
    await settle(BLUR_SETTLE_MS * 2);
    expect(sent).toHaveLength(1); // settled where it was
    expect(controller.switches).toBe(1);

    controller.setWanted(false);
    await settle();
    expect(sent).toEqual([pipelines[0]!.track, controller.track]);
    expect(controller.track?.label).toBe('cam-1');
    expect(pipelines[0]!.stopped).toBe(true);
    expect(controller.status).toBe(BlurStatus.Off);
  });

  it('keeps the loaded segmenter: switching on again loads nothing', async () => {
    const { controller, pipelines, loads } = setup();
    controller.setWanted(true);
    await settle();
    pipelines[0]!.hooks.onFirstMask();
    controller.setWanted(false);
    await settle();
    controller.setWanted(true);
    await settle();
    expect(loads.count).toBe(1);
    expect(pipelines).toHaveLength(2);
  });

  it('a camera switch while blurred keeps blur on and the outgoing track', async () => {
    const { controller, camera, pipelines, sent } = setup();
    controller.setWanted(true);
    await settle();
    pipelines[0]!.hooks.onFirstMask();
    camera.switchTo(track('cam-2'));
    expect(pipelines[0]!.source.label).toBe('cam-2');
    expect(sent).toHaveLength(1);
    expect(controller.status).toBe(BlurStatus.On);
  });

  it('camera off sends nothing; camera on again comes back blurred', async () => {
    const { controller, camera, pipelines, sent } = setup();
    controller.setWanted(true);
    await settle();
    pipelines[0]!.hooks.onFirstMask();
    camera.switchTo(null);
    expect(sent.at(-1)).toBeNull();
    expect(pipelines[0]!.stopped).toBe(true);
    camera.switchTo(track('cam-3'));
    await settle(0);
    expect(pipelines).toHaveLength(2);
    expect(sent.at(-1)).toBeNull(); // not the unblurred camera
    pipelines[1]!.hooks.onFirstMask();
    expect(sent.at(-1)).toBe(pipelines[1]!.track);
  });

  it('without blur, camera changes pass straight through', () => {
    const { camera, sent } = setup();
    camera.switchTo(track('cam-2'));
    camera.switchTo(null);
    expect(sent.map((t) => t?.label ?? null)).toEqual(['cam-2', null]);
  });

  it('a segmentation error restarts the segmenter after a backoff; blur stays on', async () => {
    const { controller, pipelines, sent, loads } = setup();
    controller.setWanted(true);
    await settle();
    const p = pipelines[0]!;
    p.hooks.onFirstMask();
    const first = p.segmenter;
    p.hooks.onError(new Error('boom'));
    expect(controller.status).toBe(BlurStatus.Restarting);
    expect(first?.close).toHaveBeenCalled();
    await settle(500);
    expect(loads.count).toBe(2);
    expect(p.segmenter).not.toBe(first);
    expect(controller.status).toBe(BlurStatus.On);
    expect(controller.restarts).toBe(1);
    expect(sent).toHaveLength(1); // the partner kept the blurred track throughout
  });

  it('repeated errors turn blur off with a notice and send the plain camera again', async () => {
    const { controller, pipelines, sent } = setup({ maxRestarts: 2 });
    controller.setWanted(true);
    await settle();
    const p = pipelines[0]!;
    p.hooks.onFirstMask();
    p.hooks.onError(new Error('boom 1'));
    await settle(500);
    p.hooks.onError(new Error('boom 2'));
    await settle(1_000);
    p.hooks.onError(new Error('boom 3'));
    expect(controller.status).toBe(BlurStatus.Off);
    expect(controller.wanted).toBe(false);
    expect(controller.notice).toContain('boom 3');
    expect(sent.at(-1)?.label).toBe('cam-1');
    expect(p.stopped).toBe(true);
  });

  it('a model that cannot load makes blur unavailable, says why, and pressing again retries', async () => {
    let fail = true;
    const { controller, sent, loads } = setup({
      load: () => (fail ? Promise.reject(new Error('HTTP 404 for model.json')) : Promise.resolve(fakeSegmenter())),
    });
    controller.setWanted(true);
    await settle();
    expect(controller.status).toBe(BlurStatus.Unavailable);
    expect(controller.reason).toContain('404');
    expect(controller.wanted).toBe(false);
    expect(sent).toEqual([]);
    fail = false;
    controller.setWanted(true);
    expect(controller.status).toBe(BlurStatus.Off);
    await settle();
    expect(loads.count).toBe(2);
    expect(controller.status).toBe(BlurStatus.Loading);
  });

  it('switched off while loading: nothing is sent, and the late load is kept for next time', async () => {
    let resolve: (s: Segmenter) => void = () => {};
    const { controller, pipelines, sent, loads } = setup({ load: () => new Promise((r) => (resolve = r)) });
    controller.setWanted(true);
    await settle();
    controller.setWanted(false);
    await settle();
    resolve(fakeSegmenter());
    await settle(0);
    expect(pipelines).toHaveLength(0);
    expect(sent).toEqual([]);
    controller.setWanted(true);
    await settle();
    expect(loads.count).toBe(1);
    expect(pipelines).toHaveLength(1);
  });
});
