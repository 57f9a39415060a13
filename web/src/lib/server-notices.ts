// What a person is told about an `error` message on the lobby socket (docs/protocol.md, "error"):
// human words for every code, or nothing where the screen already says it (a partner who is
// reconnecting has a badge on their tile) or where the person can do nothing about it. Raw
// server text never reaches the screen. Notices are transient: each says how long it stays.

import { ErrorReason, type SwirlError } from './errors';

/** How long a transient notice stays on screen. */
export const NOTICE_MS = 6_000;

export type ServerNotice = { text: string; ttlMs: number };

/**
 * Every code the server may send in an `error` message, with what we show (null: nothing).
 * Close-with-error codes (lobby_full, banned, lobby_closed, …) get a page of their own
 * (LobbyGone); they are listed so that none is forgotten, with no transient notice.
 */
export const SOCKET_ERROR_TEXT: Readonly<Record<string, string | null>> = {
  // Our own page sent something the server did not understand: a bug, nothing the person can fix.
  [ErrorReason.InvalidJson]: 'Something went wrong on this page. If it keeps happening, reload it.',
  [ErrorReason.UnknownType]: 'This page is out of date. Reload it when you have a moment.',
  [ErrorReason.InvalidMessage]: 'Something went wrong on this page. If it keeps happening, reload it.',
  // A message crossed the end of a match, or one to a partner who is reconnecting: the call view shows it.
  [ErrorReason.NotInMatch]: null,
  [ErrorReason.PeerUnavailable]: null,
  [ErrorReason.RateLimited]: 'Slow down a little: some of your clicks were ignored.',
  [ErrorReason.LobbyFailed]: 'The lobby had a problem and restarted. Reconnecting you…',
  [ErrorReason.LobbyFull]: null,
  [ErrorReason.LobbyLocked]: null,
  [ErrorReason.Banned]: null,
  [ErrorReason.LobbyNotFound]: null,
  [ErrorReason.LobbyClosed]: null,
  [ErrorReason.LobbyUnavailable]: 'The lobby is not available right now. Reconnecting you…',
  // Multi-node only (docs/scaling.md): a 4005 close follows and the client reconnects through the load balancer.
  [ErrorReason.LobbyMoved]: 'The lobby moved to another server. Reconnecting you…',
  [ErrorReason.LobbyElsewhere]: 'The lobby is moving to another server. Reconnecting you…',
  // Blocking and reporting (the call view's "Report or block").
  [ErrorReason.NotMatched]: 'You can only report or block someone you have talked to in this lobby.',
  [ErrorReason.Blocked]: null, // a signal to someone blocked: the call with them has ended already
  [ErrorReason.TooManyBlocks]: 'You have blocked as many people as you can; this one was not blocked.',
  [ErrorReason.TooManyReports]: 'You have sent many reports in the last hour; the lobby owner has them. Try again later.',
  [ErrorReason.StorageUnavailable]: 'That could not be saved just now. Please try again in a moment.',
};

/** The notice for a socket `error`, or null when nothing should be shown. */
export function noticeForSocketError(error: SwirlError): ServerNotice | null {
  const text = Object.hasOwn(SOCKET_ERROR_TEXT, error.code)
    ? SOCKET_ERROR_TEXT[error.code]
    : 'Something went wrong. If it keeps happening, reload the page.';
  return text ? { text, ttlMs: NOTICE_MS } : null;
}
