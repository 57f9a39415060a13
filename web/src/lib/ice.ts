// ICE servers from the server (welcome.ice_servers, ice_servers messages), checked into the
// shape RTCPeerConnection takes. (The relay-only test switch is in test-switches.ts.)

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((u) => typeof u === 'string');
}

/**
 * The entries of `v` that are well-formed RTCIceServers ({urls, username?, credential?}), or
 * null when `v` is not an array. A malformed entry is dropped rather than handed to
 * `new RTCPeerConnection()`, which would throw and break the call.
 */
export function parseIceServers(v: unknown): RTCIceServer[] | null {
  if (!Array.isArray(v)) return null;
  const out: RTCIceServer[] = [];
  for (const s of v) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) continue;
    const { urls, username, credential } = s as Record<string, unknown>;
    if (!(typeof urls === 'string' || (isStringArray(urls) && urls.length > 0))) continue;
    if (username !== undefined && typeof username !== 'string') continue;
    if (credential !== undefined && typeof credential !== 'string') continue;
    const server: RTCIceServer = { urls };
    if (username !== undefined) server.username = username;
    if (credential !== undefined) server.credential = credential;
    out.push(server);
  }
  return out;
}
