// Local camera and microphone: which devices exist, which are chosen, the current tracks,
// live switching, and falling back when a device is unplugged. Calls are told about track
// changes through the `track` event and swap them in with replaceTrack.

import { Emitter } from './emitter';
import { describeMediaError, insecureContextProblem, noDevicesProblem, type MediaProblem, type RequestedMedia } from './media-errors';

/** The part of navigator.mediaDevices used here (tests pass a fake). */
export interface MediaDevicesLike {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  addEventListener(type: 'devicechange', listener: () => void): void;
  removeEventListener(type: 'devicechange', listener: () => void): void;
}

export type DeviceLists = {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
};

export type DeviceEvents = {
  /** Anything the UI shows changed (lists, selection, tracks, problem). */
  change: void;
  /** The track of this kind is now `track` (null: none). Calls replace their senders' tracks. */
  track: { kind: 'audio' | 'video'; track: MediaStreamTrack | null };
  /** Something worth telling the user happened by itself (a device went away). */
  notice: string;
};

/** Preferred capture: modest resolution, since calls are small tiles and often on mobile. */
const VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 },
};

const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/** Splits enumerateDevices() output by kind, dropping entries without an id. */
export function groupDevices(devices: MediaDeviceInfo[]): DeviceLists {
  const usable = devices.filter((d) => d.deviceId !== '' || d.label !== '');
  return {
    cameras: usable.filter((d) => d.kind === 'videoinput'),
    microphones: usable.filter((d) => d.kind === 'audioinput'),
    speakers: usable.filter((d) => d.kind === 'audiooutput'),
  };
}

/** A readable name for a device, also before permission is granted (labels are empty then). */
export function deviceLabel(device: MediaDeviceInfo, index: number): string {
  if (device.label) return device.label;
  const noun = device.kind === 'videoinput' ? 'Camera' : device.kind === 'audioinput' ? 'Microphone' : 'Speaker';
  return `${noun} ${index + 1}`;
}

function constraintFor(base: MediaTrackConstraints, deviceId: string | null): MediaTrackConstraints {
  return deviceId ? { ...base, deviceId: { exact: deviceId } } : { ...base };
}

/** The local media of this tab. */
export class DeviceManager extends Emitter<DeviceEvents> {
  lists: DeviceLists = { cameras: [], microphones: [], speakers: [] };
  cameraId: string | null = null;
  microphoneId: string | null = null;
  speakerId: string | null = null;
  audioTrack: MediaStreamTrack | null = null;
  videoTrack: MediaStreamTrack | null = null;
  /** Whether the user wants to send sound / video (mute and camera-off buttons). */
  microphoneOn = true;
  cameraOn = true;
  problem: MediaProblem | null = null;
  /** A stream holding the current tracks, for the local preview. */
  readonly stream: MediaStream | null;

  private readonly onDeviceChange = () => void this.refreshDevices(true);
  private watching = false;

  constructor(private readonly media: MediaDevicesLike | undefined = globalThis.navigator?.mediaDevices) {
    super();
    this.stream = typeof MediaStream === 'undefined' ? null : new MediaStream();
  }

  get available(): boolean {
    return this.media !== undefined;
  }

  /** Whether the browser can route audio to a chosen speaker (HTMLMediaElement.setSinkId). */
  static get canChooseSpeaker(): boolean {
    return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
  }

  /**
   * Opens the requested devices. On failure, `problem` explains it and the method resolves
   * false; whatever did open is kept (e.g. the microphone when only the camera failed).
   */
  async start(requested: RequestedMedia): Promise<boolean> {
    this.watch();
    if (!this.media) {
      this.problem = insecureContextProblem();
      this.emit('change', undefined);
      return false;
    }
    this.problem = null;
    if (!requested.audio && !requested.video) {
      this.stopAll();
      this.emit('change', undefined);
      return true;
    }
    await this.refreshDevices(false);
    const lists = this.lists;
    if (lists.cameras.length === 0 && lists.microphones.length === 0 && (await this.hasNoInputs())) {
      this.problem = noDevicesProblem();
      this.emit('change', undefined);
      return false;
    }
    let ok = true;
    try {
      const stream = await this.media.getUserMedia({
        audio: requested.audio ? constraintFor(AUDIO_CONSTRAINTS, this.microphoneId) : false,
        video: requested.video ? constraintFor(VIDEO_CONSTRAINTS, this.cameraId) : false,
      });
      this.adopt('audio', stream.getAudioTracks()[0] ?? null, requested.audio);
      this.adopt('video', stream.getVideoTracks()[0] ?? null, requested.video);
    } catch (err) {
      ok = false;
      this.problem = describeMediaError(err, requested);
      // A stale saved device id must not lock the user out: forget it so a retry uses the default.
      if (this.problem.kind === 'overconstrained') {
        if (requested.video) this.cameraId = null;
        if (requested.audio) this.microphoneId = null;
      }
      if (!requested.audio) this.adopt('audio', null, true);
      if (!requested.video) this.adopt('video', null, true);
    }
    // Labels and ids become visible once permission was granted.
    await this.refreshDevices(false);
    this.emit('change', undefined);
    return ok;
  }

  /** Switches to another camera while live; the old track stops after the new one runs. */
  selectCamera(deviceId: string): Promise<boolean> {
    this.cameraId = deviceId;
    if (!this.videoTrack) {
      this.emit('change', undefined);
      return Promise.resolve(true);
    }
    return this.reopen('video');
  }

  selectMicrophone(deviceId: string): Promise<boolean> {
    this.microphoneId = deviceId;
    if (!this.audioTrack) {
      this.emit('change', undefined);
      return Promise.resolve(true);
    }
    return this.reopen('audio');
  }

  /** The speaker is applied by whoever plays audio (setSinkId); we only remember it. */
  selectSpeaker(deviceId: string): void {
    this.speakerId = deviceId;
    this.emit('change', undefined);
  }

  /** Mute / unmute: the track stays open, so unmuting is instant. */
  setMicrophoneOn(on: boolean): void {
    this.microphoneOn = on;
    if (this.audioTrack) this.audioTrack.enabled = on;
    this.emit('change', undefined);
  }

  /** Camera off releases the camera (its light goes off); on reopens it. */
  async setCameraOn(on: boolean): Promise<boolean> {
    this.cameraOn = on;
    if (!on) {
      this.adopt('video', null, true);
      this.emit('change', undefined);
      return true;
    }
    return this.reopen('video');
  }

  /**
   * Releases every device (leaving the lobby, or joining without camera and microphone).
   * Also forgets the last problem: with no device asked for, nothing is wrong with one, and
   * the preview must stop showing the error once the user chose to go on without media.
   */
  stop(): void {
    this.stopAll();
    this.problem = null;
    if (this.watching && this.media) this.media.removeEventListener('devicechange', this.onDeviceChange);
    this.watching = false;
    this.emit('change', undefined);
  }

  private async reopen(kind: 'audio' | 'video'): Promise<boolean> {
    if (!this.media) return false;
    const id = kind === 'video' ? this.cameraId : this.microphoneId;
    const constraints: MediaStreamConstraints =
      kind === 'video' ? { video: constraintFor(VIDEO_CONSTRAINTS, id) } : { audio: constraintFor(AUDIO_CONSTRAINTS, id) };
    const requested = { audio: kind === 'audio', video: kind === 'video' };
    try {
      let stream: MediaStream;
      try {
        stream = await this.media.getUserMedia(constraints);
      } catch (err) {
        // Many phones cannot open a second camera while one is open: release it, try again.
        if (errorNameOf(err) !== 'NotReadableError') throw err;
        this.adopt(kind, null, true);
        stream = await this.media.getUserMedia(constraints);
      }
      const track = (kind === 'video' ? stream.getVideoTracks() : stream.getAudioTracks())[0] ?? null;
      this.adopt(kind, track, true);
      this.problem = null;
      await this.refreshDevices(false);
      this.emit('change', undefined);
      return true;
    } catch (err) {
      this.problem = describeMediaError(err, requested);
      this.emit('change', undefined);
      return false;
    }
  }

  /** Makes `track` the current one of its kind and stops the previous one. */
  private adopt(kind: 'audio' | 'video', track: MediaStreamTrack | null, replaceEvenIfNull: boolean): void {
    const old = kind === 'video' ? this.videoTrack : this.audioTrack;
    if (!track && !replaceEvenIfNull) return;
    if (old === track) return;
    if (track) {
      if (kind === 'audio') track.enabled = this.microphoneOn;
      track.addEventListener('ended', () => void this.trackEnded(kind, track));
      const settings = track.getSettings?.();
      if (settings?.deviceId) {
        if (kind === 'video') this.cameraId = settings.deviceId;
        else this.microphoneId = settings.deviceId;
      }
    }
    if (kind === 'video') this.videoTrack = track;
    else this.audioTrack = track;
    if (this.stream) {
      if (old) this.stream.removeTrack(old);
      if (track) this.stream.addTrack(track);
    }
    // Tell calls first so they swap senders before the old track stops producing frames.
    this.emit('track', { kind, track });
    old?.stop();
  }

  /** A device was unplugged or revoked: fall back to the default one, and say so. */
  private async trackEnded(kind: 'audio' | 'video', track: MediaStreamTrack): Promise<void> {
    const current = kind === 'video' ? this.videoTrack : this.audioTrack;
    if (current !== track) return;
    const name = track.label || (kind === 'video' ? 'camera' : 'microphone');
    if (kind === 'video') this.cameraId = null;
    else this.microphoneId = null;
    this.adopt(kind, null, true);
    await this.refreshDevices(false);
    const list = kind === 'video' ? this.lists.cameras : this.lists.microphones;
    if (list.length === 0) {
      this.emit('notice', `Your ${name} was disconnected and there is no other one to use.`);
      this.emit('change', undefined);
      return;
    }
    if (kind === 'video' && !this.cameraOn) return;
    const ok = await this.reopen(kind);
    const now = kind === 'video' ? this.videoTrack : this.audioTrack;
    this.emit(
      'notice',
      ok
        ? `${capitalize(name)} was disconnected; switched to ${now?.label || 'the default device'}.`
        : `${capitalize(name)} was disconnected.`,
    );
  }

  private async refreshDevices(fromEvent: boolean): Promise<void> {
    if (!this.media) return;
    try {
      this.lists = groupDevices(await this.media.enumerateDevices());
    } catch {
      return;
    }
    if (this.speakerId && !this.lists.speakers.some((d) => d.deviceId === this.speakerId)) {
      this.speakerId = null;
      if (fromEvent) this.emit('notice', 'The selected speaker went away; playing on the default one.');
    }
    if (fromEvent) this.emit('change', undefined);
  }

  private async hasNoInputs(): Promise<boolean> {
    // Before permission some browsers list nothing at all; only trust an empty list if it has
    // no entries of any input kind, not even anonymous ones.
    if (!this.media) return true;
    const all = await this.media.enumerateDevices().catch(() => []);
    return !all.some((d) => d.kind === 'audioinput' || d.kind === 'videoinput');
  }

  private watch(): void {
    if (this.watching || !this.media) return;
    this.media.addEventListener('devicechange', this.onDeviceChange);
    this.watching = true;
  }

  private stopAll(): void {
    this.adopt('audio', null, true);
    this.adopt('video', null, true);
  }
}

function errorNameOf(error: unknown): string {
  return error && typeof error === 'object' && 'name' in error && typeof error.name === 'string' ? error.name : '';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
