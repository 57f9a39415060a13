// Human wording for every error an owner action can get (docs/http-api.md, "Owner endpoints",
// plus what any endpoint may answer): the panel never shows the server's own message text.

import { retryHint } from './error-text';
import { ErrorReason, SwirlError } from './errors';
import { NUMERIC_SETTINGS, allowedText } from './owner-limits';

/** The owner action that failed, for wording that fits it. */
export type OwnerAction = 'settings' | 'kick' | 'lock' | 'announce' | 'close' | 'transfer' | 'end_match' | 'state' | 'dismiss' | 'unban';

function settingsText(serverMessage: string): string {
  // The server's message starts with the field name ("round_seconds: …"); say what is allowed.
  const field = serverMessage.split(':', 1)[0]?.trim();
  if (field === 'group_size') return 'People per conversation must be 2, 3 or 4.';
  const setting = NUMERIC_SETTINGS.find((s) => s.key === field);
  if (setting) return `The server did not accept that. ${allowedText(setting)}`;
  return 'The server did not accept these settings. Reload the page and try again.';
}

/** What to tell the owner when `action` failed with `err`. */
export function explainOwnerError(err: unknown, action: OwnerAction): string {
  if (!(err instanceof SwirlError)) return 'Something went wrong. Try again.';
  if (err.status === 429) return `Too many changes in a short time. ${retryHint(err)}`;
  switch (err.reason) {
    case ErrorReason.InvalidSettings:
      return settingsText(err.message);
    case ErrorReason.InvalidUserId:
      return action === 'kick' ? 'You cannot remove yourself.' : 'That person cannot be chosen.';
    case ErrorReason.InvalidBanSeconds:
      return 'A ban lasts at most 30 days.';
    case ErrorReason.InvalidMessage:
      return 'That announcement cannot be sent: up to 500 characters of plain text and new lines.';
    case ErrorReason.MemberNotFound:
      return action === 'kick' ? 'That person is no longer in the lobby.' : 'That person is not in the lobby.';
    case ErrorReason.TooManyBans:
      return 'This lobby already holds as many bans as it can. Remove without a ban, or wait for a ban to end.';
    case ErrorReason.UserNotFound:
      return 'That person no longer has an account here.';
    case ErrorReason.ReportNotFound:
      return 'That report was dismissed already.';
    case ErrorReason.BanNotFound:
      return 'That ban has ended or was lifted already.';
    case ErrorReason.MatchNotFound:
      return 'That conversation has already ended.';
    case ErrorReason.LobbyClosed:
      return 'The lobby is closed; it cannot be changed any more.';
    case ErrorReason.NotOwner:
      return 'You are not the owner of this lobby any more.';
    case ErrorReason.LobbyNotFound:
      return 'This lobby no longer exists.';
    case ErrorReason.MissingToken:
    case ErrorReason.InvalidToken:
      return 'This browser is no longer signed in. Reload the page.';
    case ErrorReason.NotFound:
    case ErrorReason.MethodNotAllowed:
      return 'This server does not support that yet.';
    case ErrorReason.BodyTooLarge:
      return 'That is too long to send.';
    case ErrorReason.Network:
      return 'Could not reach the server. Check your connection and try again.';
    case ErrorReason.Internal:
    case ErrorReason.DatabaseUnavailable:
    case ErrorReason.Overloaded:
    case ErrorReason.LobbyUnavailable:
      return 'The server could not do that just now. Try again in a moment.';
    default:
      return 'The server refused that. Reload the page and try again.';
  }
}

/** Errors after which this browser must stop acting as the owner (hide the panel). */
export function endsOwnership(err: unknown): boolean {
  return err instanceof SwirlError && (err.reason === ErrorReason.NotOwner || err.reason === ErrorReason.LobbyNotFound);
}
