// Who is using this browser, reactive for the components: the remembered identity and the
// HTTP client that authenticates with its token.

import { Api } from '../lib/api';
import { SwirlError } from '../lib/errors';
import { IdentityStore, type Identity } from '../lib/identity';

export type VerifyResult = 'ok' | 'invalid' | 'offline';

export class IdentityState {
  identity = $state<Identity | null>(null);
  readonly api: Api;

  constructor(private readonly store: IdentityStore = new IdentityStore()) {
    this.identity = store.load();
    this.api = new Api(() => this.identity?.token ?? null);
  }

  async create(displayName: string): Promise<Identity> {
    const user = await this.api.createUser(displayName);
    const identity = { id: user.id, display_name: user.display_name, token: user.token };
    this.store.save(identity);
    this.identity = identity;
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

  forget(): void {
    this.store.forget();
    this.identity = null;
  }

  owns(lobbyId: string): boolean {
    return this.store.owns(lobbyId);
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

  bannedUntil(lobbyId: string): number | null {
    return this.store.bannedUntil(lobbyId);
  }
}

export const identityState = new IdentityState();
