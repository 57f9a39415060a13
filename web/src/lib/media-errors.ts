// What went wrong when asking for camera or microphone, in words a person can act on.
// getUserMedia rejects with DOMExceptions whose names differ in meaning across browsers;
// this is the one place that maps them.

export enum MediaProblemKind {
  /** The user or a browser/OS setting denied access (NotAllowedError). */
  PermissionDenied = 'permission_denied',
  /** No such device (NotFoundError), or none at all. */
  NotFound = 'not_found',
  /** The device exists but cannot be opened, usually because another app uses it (NotReadableError). */
  InUse = 'in_use',
  /** The chosen device went away or cannot do what we asked (OverconstrainedError). */
  Overconstrained = 'overconstrained',
  /** Page not served over HTTPS (or localhost): the browser hides media devices entirely. */
  InsecureContext = 'insecure_context',
  /** The request was aborted or failed for another reason. */
  Unknown = 'unknown',
}

export type MediaProblem = {
  kind: MediaProblemKind;
  /** One short line. */
  title: string;
  /** What to do about it. */
  help: string;
  /** The raw error name, for bug reports. */
  errorName: string;
};

export type RequestedMedia = { audio: boolean; video: boolean };

function what({ audio, video }: RequestedMedia): string {
  if (audio && video) return 'camera and microphone';
  if (video) return 'camera';
  return 'microphone';
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string') return error.name;
  return 'Error';
}

/** Maps a getUserMedia rejection to a problem the UI can explain. */
export function describeMediaError(error: unknown, requested: RequestedMedia): MediaProblem {
  const name = errorName(error);
  const devices = what(requested);
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError': // old Chrome
      return {
        kind: MediaProblemKind.PermissionDenied,
        title: `Swirl is not allowed to use your ${devices}.`,
        help:
          "Allow access with the camera icon in the address bar (or in your browser's site settings), " +
          'check that your operating system lets the browser use the camera and microphone, then try again. ' +
          'You can also join with audio only or without camera and microphone.',
        errorName: name,
      };
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return {
        kind: MediaProblemKind.NotFound,
        title: `No ${devices} found.`,
        help: 'Plug one in (or enable it in your system settings) and try again, or join without it.',
        errorName: name,
      };
    case 'NotReadableError':
    case 'TrackStartError':
      return {
        kind: MediaProblemKind.InUse,
        title: `Your ${devices} cannot be started.`,
        help:
          'Another application or browser tab is probably using it. Close that (video calls, camera apps), ' +
          'then try again, or pick another device.',
        errorName: name,
      };
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return {
        kind: MediaProblemKind.Overconstrained,
        title: `The selected ${devices} is not available any more.`,
        help: 'Pick another device from the list, or try again to use the default one.',
        errorName: name,
      };
    case 'SecurityError':
    case 'TypeError':
      return {
        kind: MediaProblemKind.InsecureContext,
        title: 'This page cannot use the camera or microphone.',
        help: 'Browsers only allow it on secure pages: open Swirl over https:// (or on localhost).',
        errorName: name,
      };
    default:
      return {
        kind: MediaProblemKind.Unknown,
        title: `Your ${devices} could not be started.`,
        help: 'Try again, pick another device, or join without camera and microphone.',
        errorName: name,
      };
  }
}

/** The problem when there is nothing to ask for: no input device at all. */
export function noDevicesProblem(): MediaProblem {
  return {
    kind: MediaProblemKind.NotFound,
    title: 'No camera or microphone found.',
    help: 'Connect one and try again. You can still join and watch and listen to the others.',
    errorName: 'NotFoundError',
  };
}

/** When the page is not a secure context, navigator.mediaDevices is undefined. */
export function insecureContextProblem(): MediaProblem {
  return describeMediaError({ name: 'SecurityError' }, { audio: true, video: true });
}
