// Who this browser is: the user created with POST /api/users, remembered on this device.
// The bearer token lives in localStorage; lobbies this browser created are remembered too, so
// the owner panel shows up again after a reload.

export type Identity = { id: string; display_name: string; token: string };

/** The part of window.localStorage used here. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Where the identity lives; another tab's change to it arrives as a `storage` event with this key. */
export const IDENTITY_KEY = 'swirl.identity.v1';
const OWNED_KEY = 'swirl.owned-lobbies.v1';
const BANS_KEY = 'swirl.bans.v1';
/** Keep the owned-lobbies list from growing without bound: the newest ones win. */
export const MAX_OWNED_LOBBIES = 50;
/** Bans remembered at most (expired ones are dropped first, then the soonest to end). */
export const MAX_REMEMBERED_BANS = 50;

export class IdentityStore {
  constructor(private readonly storage: KeyValueStore | null = safeLocalStorage()) {}

  load(): Identity | null {
    const raw = this.read(IDENTITY_KEY);
    if (!raw) return null;
    try {
      const v = JSON.parse(raw) as Partial<Identity>;
      if (typeof v.id === 'string' && typeof v.token === 'string' && typeof v.display_name === 'string') {
        return { id: v.id, token: v.token, display_name: v.display_name };
      }
    } catch {
      // fall through: a corrupt entry is as good as none
    }
    return null;
  }

  save(identity: Identity): void {
    this.write(IDENTITY_KEY, JSON.stringify(identity));
  }

  forget(): void {
    try {
      this.storage?.removeItem(IDENTITY_KEY);
    } catch {
      // storage disabled: nothing to forget
    }
  }

  ownedLobbies(): string[] {
    try {
      const v = JSON.parse(this.read(OWNED_KEY) ?? '[]') as unknown;
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  addOwnedLobby(lobbyId: string): void {
    const list = [lobbyId, ...this.ownedLobbies().filter((id) => id !== lobbyId)].slice(0, MAX_OWNED_LOBBIES);
    this.write(OWNED_KEY, JSON.stringify(list));
  }

  owns(lobbyId: string): boolean {
    return this.ownedLobbies().includes(lobbyId);
  }

  /** The account ended (signed out everywhere, deleted): its lobbies are no longer this browser's. */
  forgetOwnedLobbies(): void {
    try {
      this.storage?.removeItem(OWNED_KEY);
    } catch {
      // storage disabled: nothing to forget
    }
  }

  /** This browser no longer owns the lobby (it handed it over). */
  removeOwnedLobby(lobbyId: string): void {
    this.write(OWNED_KEY, JSON.stringify(this.ownedLobbies().filter((id) => id !== lobbyId)));
  }

  /**
   * Remembers that the owner removed us from a lobby until `untilMs`. The browser hides the
   * 403 of a refused WebSocket upgrade and the public lobby answer does not mention bans, so
   * this is how a reload can explain the refusal instead of retrying for minutes.
   */
  rememberBan(lobbyId: string, untilMs: number, now = Date.now()): void {
    const kept = Object.entries(this.bans())
      .filter(([id, until]) => id !== lobbyId && until > now)
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_REMEMBERED_BANS - 1);
    this.write(BANS_KEY, JSON.stringify(Object.fromEntries([[lobbyId, untilMs], ...kept])));
  }

  /** Forgets a remembered ban (the lobby let us in: the owner lifted it). */
  forgetBan(lobbyId: string): void {
    const bans = this.bans();
    if (!(lobbyId in bans)) return;
    delete bans[lobbyId];
    this.write(BANS_KEY, JSON.stringify(bans));
  }

  /** End of a remembered ban from this lobby that is still running, or null. */
  bannedUntil(lobbyId: string, now = Date.now()): number | null {
    const until = this.bans()[lobbyId];
    return typeof until === 'number' && until > now ? until : null;
  }

  private bans(): Record<string, number> {
    try {
      const v = JSON.parse(this.read(BANS_KEY) ?? '{}') as unknown;
      if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
      return Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => typeof e[1] === 'number'));
    } catch {
      return {};
    }
  }

  private read(key: string): string | null {
    try {
      return this.storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }

  private write(key: string, value: string): void {
    try {
      this.storage?.setItem(key, value);
    } catch {
      // Private mode or quota: the identity then lasts for this tab only.
    }
  }
}

function safeLocalStorage(): KeyValueStore | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
