// Client routes: `/` (home) and `/l/{lobby_id}` (a lobby, also the invite link).
// The server answers index.html for both (SPA fallback).

export type Route = { name: 'home' } | { name: 'lobby'; lobbyId: string } | { name: 'not_found'; path: string };

const LOBBY_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  const m = /^\/l\/([^/]+)$/.exec(path);
  if (m && m[1]) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]);
    } catch {
      return { name: 'not_found', path };
    }
    if (LOBBY_ID.test(id)) return { name: 'lobby', lobbyId: id };
  }
  return { name: 'not_found', path };
}

/** Accepts a full invite link, a path, or a bare lobby id; returns the lobby id or null. */
export function lobbyIdFromInvite(input: string): string | null {
  const text = input.trim();
  if (!text) return null;
  if (LOBBY_ID.test(text)) return text;
  let pathname = text;
  try {
    pathname = new URL(text, 'http://x').pathname;
  } catch {
    return null;
  }
  const route = parseRoute(pathname);
  return route.name === 'lobby' ? route.lobbyId : null;
}
