// Human wording for every ErrorReason: what a person is told when something they asked for
// failed, never the server's own message text. Screens with wording of their own (the owner
// panel, the account menu, the socket notices) use theirs first and fall back to this.

import { ErrorReason, SwirlError } from './errors';

const TRY_LATER = 'Try again in a moment.';
const RELOAD = 'Reload the page and try again.';

/** One sentence (or two) per reason. A Record over the enum: a new reason without words does not compile. */
export const ERROR_TEXT: Readonly<Record<ErrorReason, string>> = {
  [ErrorReason.InvalidJson]: `Something went wrong on this page. ${RELOAD}`,
  [ErrorReason.InvalidDisplayName]: 'That name cannot be used: names are 1 to 40 characters, without control characters.',
  [ErrorReason.InvalidName]: 'That lobby name cannot be used: names are 1 to 40 characters, without control characters.',
  [ErrorReason.InvalidSettings]: 'The server did not accept these settings.',
  [ErrorReason.InvalidField]: `Something went wrong on this page. ${RELOAD}`,
  [ErrorReason.InvalidUserId]: 'That person cannot be chosen.',
  [ErrorReason.InvalidBanSeconds]: 'A ban lasts at most 30 days.',
  [ErrorReason.InvalidMessage]: 'That message cannot be sent: up to 500 characters of plain text and new lines.',
  [ErrorReason.BadRequest]: `The server could not read that request. ${RELOAD}`,
  [ErrorReason.BadPath]: 'That address is not valid. Check the link.',
  [ErrorReason.BadHost]: 'The server did not accept the address this page was opened with. Open it from the usual link.',
  [ErrorReason.BadHandshake]: `The server could not open a live connection for this page. ${RELOAD}`,
  [ErrorReason.MissingToken]: 'This browser is not signed in. Choose a name to carry on.',
  [ErrorReason.InvalidToken]: 'This browser is no longer signed in. Choose a name to carry on.',
  [ErrorReason.NotOwner]: 'Only the owner of this lobby can do that.',
  [ErrorReason.Banned]: 'The owner removed you from this lobby for a while.',
  [ErrorReason.Forbidden]: 'This server does not allow that from your address.',
  [ErrorReason.OriginNotAllowed]: 'This server only accepts connections from its own pages. Open the lobby from its invite link.',
  [ErrorReason.NotFound]: 'This server does not have that.',
  [ErrorReason.LobbyNotFound]: 'There is no such lobby. Check the invite link.',
  [ErrorReason.MemberNotFound]: 'That person is not in the lobby.',
  [ErrorReason.MatchNotFound]: 'That conversation has already ended.',
  [ErrorReason.UserNotFound]: 'That person no longer has an account here.',
  [ErrorReason.TooManyBans]: 'This lobby already holds as many bans as it can.',
  [ErrorReason.ReportNotFound]: 'That report is no longer there: it was dismissed already.',
  [ErrorReason.BanNotFound]: 'That ban is no longer running: it ended or was lifted already.',
  [ErrorReason.OwnsOpenLobbies]: 'You still own a lobby that is not closed.',
  [ErrorReason.MethodNotAllowed]: 'This server does not support that yet.',
  [ErrorReason.LobbyClosed]: 'This lobby is closed.',
  [ErrorReason.LobbyFull]: 'This lobby is full.',
  [ErrorReason.LobbyLocked]: 'This lobby is locked: nobody new can join right now.',
  [ErrorReason.BodyTooLarge]: 'That is too long to send.',
  [ErrorReason.HeadersTooLarge]: 'This browser sent more than the server accepts. Clear this site’s data and try again.',
  [ErrorReason.UnsupportedVersion]: `The server could not open a live connection for this page. ${RELOAD}`,
  [ErrorReason.RateLimited]: 'Too many requests from your address in a short time.',
  [ErrorReason.TooManyConnections]: 'Too many connections from your address are open already. Close some Swirl tabs.',
  [ErrorReason.Internal]: `The server had a problem. ${TRY_LATER}`,
  [ErrorReason.DatabaseUnavailable]: `The server cannot reach its database just now. ${TRY_LATER}`,
  [ErrorReason.Overloaded]: `The server is very busy. ${TRY_LATER}`,
  [ErrorReason.LobbyUnavailable]: `The lobby is not available just now. ${TRY_LATER}`,
  [ErrorReason.ServerFull]: 'The server has as many people connected as it can take.',
  [ErrorReason.UnknownType]: 'This page is out of date. Reload it when you have a moment.',
  [ErrorReason.NotInMatch]: 'That conversation has already ended.',
  [ErrorReason.PeerUnavailable]: 'That person is reconnecting.',
  [ErrorReason.LobbyFailed]: 'The lobby had a problem and restarted.',
  [ErrorReason.LobbyMoved]: 'The lobby moved to another server. Reconnecting…',
  [ErrorReason.LobbyElsewhere]: 'The lobby is moving between servers.',
  [ErrorReason.NotMatched]: 'You can only report or block someone you have been matched with in this lobby.',
  [ErrorReason.Blocked]: 'One of you has stopped all contact with the other: nothing was sent.',
  [ErrorReason.TooManyBlocks]: 'You have blocked as many people as an account can. Nothing was changed.',
  [ErrorReason.StorageUnavailable]: 'That could not be saved just now: nothing changed. Try again in a moment.',
  [ErrorReason.TooManyReports]: 'You have sent as many reports in this lobby as you can for now. Try again later.',
  [ErrorReason.Network]: 'Could not reach the server. Check your connection and try again.',
  [ErrorReason.UnexpectedResponse]: `The server answered something this page does not understand. ${RELOAD}`,
  [ErrorReason.Negotiation]: 'The call could not be set up with that person.',
  [ErrorReason.ProtocolMismatch]: 'This page is out of date for the server. Reload it.',
};

/** "try again in N s" when the server said how long to wait (Retry-After), else "wait a moment". */
export function retryHint(err: SwirlError): string {
  const s = err.retryAfterSeconds;
  if (s === undefined) return 'Wait a moment and try again.';
  if (s <= 1) return 'Try again in a second.';
  return `Try again in ${s} s.`;
}

/** The reasons whose answer carries Retry-After (docs/http-api.md, docs/security.md). */
const WAIT_REASONS: ReadonlySet<ErrorReason> = new Set([
  ErrorReason.RateLimited,
  ErrorReason.TooManyConnections,
  ErrorReason.ServerFull,
  ErrorReason.LobbyElsewhere,
]);

/** What to tell a person about `err` (any thrown value). */
export function describeError(err: unknown): string {
  if (!(err instanceof SwirlError)) return 'Something went wrong. Try again.';
  // A 429 is a rate limit whatever its body says.
  const reason = err.status === 429 && !WAIT_REASONS.has(err.reason) ? ErrorReason.RateLimited : err.reason;
  const text = ERROR_TEXT[reason];
  return WAIT_REASONS.has(reason) ? `${text} ${retryHint(err)}` : text;
}
