// The page's background blur made reactive, like media.svelte.ts: the controller's `change`
// events bump `tick`, so components re-read its fields.

import { BlurController, BlurStatus } from '../lib/blur/controller';
import { createBlurController } from '../lib/blur/browser';
import { mediaState } from './media.svelte';

class BlurState {
  private tick = $state(0);

  constructor(readonly controller: BlurController) {
    controller.on('change', () => (this.tick += 1));
    controller.on('track', () => (this.tick += 1));
  }

  private read<T>(value: () => T): T {
    void this.tick;
    return value();
  }

  get status(): BlurStatus {
    return this.read(() => this.controller.status);
  }
  get wanted(): boolean {
    return this.read(() => this.controller.wanted);
  }
  get progress() {
    return this.read(() => this.controller.progress);
  }
  get backend() {
    return this.read(() => this.controller.backend);
  }
  get reason() {
    return this.read(() => this.controller.reason);
  }
  get notice() {
    return this.read(() => this.controller.notice);
  }
  /** A stream of the blurred track while peers receive it (the self view shows it), else null. */
  get preview(): MediaStream | null {
    return this.read(() => {
      const track = this.controller.blurredTrack;
      if (!track) return null;
      if (this.previewStream?.getVideoTracks()[0] !== track) this.previewStream = new MediaStream([track]);
      return this.previewStream;
    });
  }

  private previewStream: MediaStream | null = null;

  toggle(): void {
    this.controller.setWanted(!this.controller.wanted);
  }
}

export const blurState = new BlurState(createBlurController(mediaState.manager));
