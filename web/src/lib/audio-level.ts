// Microphone level for the preview meter: a pure RMS function, and a small meter that reads
// an AnalyserNode on an interval (not every animation frame: 15 Hz is plenty for a bar).

/** Root mean square of time-domain samples in [-1, 1], scaled so speech reaches ~0.5..1. */
export function rmsLevel(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? 0;
    sum += v * v;
  }
  const rms = Math.sqrt(sum / samples.length);
  // Speech RMS is roughly 0.01..0.3; a square-root curve makes quiet talk visible.
  return Math.min(1, Math.sqrt(rms * 4));
}

/** How often the meter samples the analyser. */
const LEVEL_INTERVAL_MS = 66;

/** Measures one audio track's level until stopped. */
export class AudioLevelMeter {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly track: MediaStreamTrack,
    private readonly onLevel: (level: number) => void,
  ) {}

  start(): void {
    if (this.context || typeof AudioContext === 'undefined') return;
    const context = new AudioContext();
    this.context = context;
    const source = context.createMediaStreamSource(new MediaStream([this.track]));
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const buffer = new Float32Array(analyser.fftSize);
    this.timer = setInterval(() => {
      // Autoplay rules may start the context suspended; the first user gesture resumes it.
      if (context.state === 'suspended') void context.resume().catch(() => undefined);
      analyser.getFloatTimeDomainData(buffer);
      this.onLevel(this.track.enabled ? rmsLevel(buffer) : 0);
    }, LEVEL_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    void this.context?.close().catch(() => undefined);
    this.context = null;
  }
}
