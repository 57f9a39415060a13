// The two ways this browser's account ends for good: the user signed out everywhere (here, or
// on another device: the lobby socket closes with 4001) or deleted the account (4002). Either
// way the stored token is dead, nothing reconnects, and the app shows a page that says which.

import { ClosedReason } from './signaling';

export enum AccountEnd {
  /** POST /api/me/sign-out-everywhere, from this browser or another one. */
  SignedOutEverywhere = 'signed_out_everywhere',
  /** DELETE /api/me, from this browser or another one. */
  Deleted = 'account_deleted',
}

/** The account end a lobby socket's final close means, or null for any other close. */
export function accountEndForClose(reason: ClosedReason | undefined): AccountEnd | null {
  switch (reason) {
    case ClosedReason.SignedOut:
      return AccountEnd.SignedOutEverywhere;
    case ClosedReason.AccountDeleted:
      return AccountEnd.Deleted;
    default:
      return null;
  }
}
