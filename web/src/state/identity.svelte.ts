// Who is using this browser, reactive for the components: the remembered identity, the HTTP
// client that authenticates with its token, and how the account ended when it did (signed out
// everywhere or deleted: App shows a page of its own for that).

import { AccountEnd } from '../lib/account-end';
import { Api, type Fetch } from '../lib/api';
import { SwirlError } from '../lib/errors';
import { IDENTITY_KEY, IdentityStore, type Identity } from '../lib/identity';

export type VerifyResult = 'ok' | 'invalid' | 'offline';

/** The account ended for good; `name` is the name it had, for the page that says so. */
export type EndedAccount = { kind: AccountEnd; name: string | null };

export class IdentityState {
  identity = $state<Identity | null>(null);
  /** Set when the account ended (here or on another device); cleared by startAgain(). */
  ended = $state<EndedAccount | null>(null);
  readonly api: Api;
  /** The name of an identity another tab just forgot: its 4001/4002 close may come after. */
  private forgottenName: string | null = null;

  constructor(
    private readonly store: IdentityStore = new IdentityStore(),
    fetchFn?: Fetch,
    events: Pick<Window, 'addEventListener'> | null = typeof window === 'undefined' ? null : window,
  ) {
    this.identity = store.load();
    this.api = new Api(() => this.identity?.token ?? null, fetchFn);
    // Another tab created, renamed or forgot the identity (signed out everywhere, deleted):
    // follow it, so this tab does not go on with a token that is dead.
    events?.addEventListener('storage', (e: StorageEvent) => {
      if (e.key !== IDENTITY_KEY && e.key !== null) return;
      const before = this.identity;
      this.identity = store.load();
      if (before && !this.identity) this.forgottenName = before.display_name;
    });
  }

  async create(displayName: string): Promise<Identity> {
    const user = await this.api.createUser(displayName);
    const identity = { id: user.id, display_name: user.display_name, token: user.token };
    this.store.save(identity);
    this.identity = identity;
    this.forgottenName = null;
    return identity;
  }

  async rename(displayName: string): Promise<void> {
    if (!this.identity) throw new Error('no identity to rename');
    const user = await this.api.rename(displayName);
    this.identity = { ...this.identity, display_name: user.display_name };
    this.store.save(this.identity);
  }

  /** Checks the remembered token with GET /api/me; forgets it if the server does not know it. */
  async verify(): Promise<VerifyResult> {
    if (!this.identity) return 'invalid';
    try {
      const me = await this.api.me();
      if (me.display_name !== this.identity.display_name) {
        this.identity = { ...this.identity, display_name: me.display_name };
        this.store.save(this.identity);
      }
      return 'ok';
    } catch (err) {
      if (err instanceof SwirlError && err.isUnauthorized) {
        this.forget();
        return 'invalid';
      }
      return 'offline';
    }
  }

  /**
   * POST /api/me/sign-out-everywhere: every copy of the token stops working, this one too.
   * The server hands the caller a fresh token; it is deliberately not kept, so "everywhere"
   * includes this browser (the page then offers to start again under a new name). Errors are
   * SwirlErrors; a 401 means this token was already dead, and it is forgotten.
   */
  async signOutEverywhere(): Promise<void> {
    await this.callThenEnd(() => this.api.signOutEverywhere(), AccountEnd.SignedOutEverywhere);
  }

  /**
   * DELETE /api/me. `409 owns_open_lobbies` (ErrorReason.OwnsOpenLobbies) leaves everything as it
   * was; the caller shows it. A 401 means this token was already dead, and it is forgotten.
   */
  async deleteAccount(): Promise<void> {
    await this.callThenEnd(() => this.api.deleteAccount(), AccountEnd.Deleted);
  }

  /**
   * The account ended (our own request, or a lobby socket closed with 4001/4002): the stored
   * identity and the lobbies it owned are forgotten, and `ended` says how. Idempotent, so the
   * HTTP answer and the socket's close may both report it.
   */
  accountEnded(kind: AccountEnd): void {
    if (this.ended) return;
    const name = this.identity?.display_name ?? this.forgottenName;
    this.forget();
    this.store.forgetOwnedLobbies();
    this.ended = { kind, name };
  }

  /** Leaves the "account ended" page (the person chose a new name, or went to the start page). */
  startAgain(): void {
    this.ended = null;
  }

  forget(): void {
    this.store.forget();
    this.identity = null;
  }

  owns(lobbyId: string): boolean {
    return this.store.owns(lobbyId);
  }

  /** Lobbies this browser created and still owns as far as it knows (newest first). */
  ownedLobbies(): string[] {
    return this.store.ownedLobbies();
  }

  rememberOwned(lobbyId: string): void {
    this.store.addOwnedLobby(lobbyId);
  }

  forgetOwned(lobbyId: string): void {
    this.store.removeOwnedLobby(lobbyId);
  }

  rememberBan(lobbyId: string, untilMs: number): void {
    this.store.rememberBan(lobbyId, untilMs);
  }

  forgetBan(lobbyId: string): void {
    this.store.forgetBan(lobbyId);
  }

  bannedUntil(lobbyId: string): number | null {
    return this.store.bannedUntil(lobbyId);
  }

  private async callThenEnd(call: () => Promise<unknown>, kind: AccountEnd): Promise<void> {
    if (!this.identity) throw new Error('no identity');
    try {
      await call();
    } catch (err) {
      if (err instanceof SwirlError && err.isUnauthorized) this.forget();
      throw err;
    }
    this.accountEnded(kind);
  }
}

export const identityState = new IdentityState();
