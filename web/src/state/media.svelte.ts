// The DeviceManager made reactive: components read through these getters, and every
// `change` event from the manager bumps `tick`, so Svelte re-reads them.

import { DeviceManager } from '../lib/devices';

/** What the user chose to send: still deciding, camera and microphone, audio only, or nothing. */
export type MediaChoice = 'pending' | 'full' | 'audio' | 'none';

class MediaState {
  private tick = $state(0);

  constructor(readonly manager: DeviceManager = new DeviceManager()) {
    manager.on('change', () => (this.tick += 1));
    manager.on('track', () => (this.tick += 1));
  }

  private read<T>(value: () => T): T {
    void this.tick;
    return value();
  }

  get lists() {
    return this.read(() => this.manager.lists);
  }
  get cameraId() {
    return this.read(() => this.manager.cameraId);
  }
  get microphoneId() {
    return this.read(() => this.manager.microphoneId);
  }
  get speakerId() {
    return this.read(() => this.manager.speakerId);
  }
  get audioTrack() {
    return this.read(() => this.manager.audioTrack);
  }
  get videoTrack() {
    return this.read(() => this.manager.videoTrack);
  }
  get microphoneOn() {
    return this.read(() => this.manager.microphoneOn);
  }
  get cameraOn() {
    return this.read(() => this.manager.cameraOn);
  }
  get problem() {
    return this.read(() => this.manager.problem);
  }
  get stream() {
    return this.manager.stream;
  }
}

export const mediaState = new MediaState();
