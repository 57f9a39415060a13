// Human wording for every error "Sign out everywhere" and "Delete my account" can get
// (docs/http-api.md, `POST /api/me/sign-out-everywhere`, `DELETE /api/me`): the account menu
// never shows the server's own message text.

import { retryHint } from './error-text';
import { ErrorReason, SwirlError } from './errors';

/** The account action that failed. */
export type AccountAction = 'sign_out_everywhere' | 'delete';

/** What to tell the person when `action` failed with `err`. Every answer says whether anything changed. */
export function explainAccountError(err: unknown, action: AccountAction): string {
  const nothing = action === 'delete' ? 'Nothing was deleted.' : 'Nothing was changed.';
  if (!(err instanceof SwirlError)) return `Something went wrong. ${nothing} Try again.`;
  if (err.status === 429) return `Too many requests in a short time. ${nothing} ${retryHint(err)}`;
  switch (err.reason) {
    case ErrorReason.OwnsOpenLobbies:
      return (
        'You still own a lobby that is not closed, so your account was not deleted (nothing was changed). ' +
        "Open each lobby you own and close it, or make someone else its owner, from the lobby's owner controls; then delete your account again."
      );
    case ErrorReason.MissingToken:
    case ErrorReason.InvalidToken:
      return 'This browser was already signed out (perhaps from another device). Choose a name again to carry on.';
    case ErrorReason.Network:
      return `Could not reach the server. ${nothing} Check your connection and try again.`;
    case ErrorReason.RateLimited:
      return `Too many requests in a short time. ${nothing} Wait a moment and try again.`;
    case ErrorReason.Internal:
    case ErrorReason.DatabaseUnavailable:
    case ErrorReason.Overloaded:
      return `The server could not do that just now. ${nothing} Try again in a moment.`;
    default:
      return `The server refused that. ${nothing} Reload the page and try again.`;
  }
}
