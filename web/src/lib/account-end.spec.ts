import { describe, expect, it } from 'vitest';
import { AccountEnd, accountEndForClose } from './account-end';
import { ClosedReason } from './signaling';

describe('accountEndForClose', () => {
  it('4001 means signed out everywhere, 4002 account deleted', () => {
    expect(accountEndForClose(ClosedReason.SignedOut)).toBe(AccountEnd.SignedOutEverywhere);
    expect(accountEndForClose(ClosedReason.AccountDeleted)).toBe(AccountEnd.Deleted);
  });
  it('no other close ends the account', () => {
    for (const reason of Object.values(ClosedReason).filter((r) => r !== ClosedReason.SignedOut && r !== ClosedReason.AccountDeleted)) {
      expect(accountEndForClose(reason)).toBeNull();
    }
    expect(accountEndForClose(undefined)).toBeNull();
  });
});
