// Test-only client switches (docs/web-client.md, "Test switches"), read from localStorage so a
// browser test can set them before the page loads without changing any URL. None is set in
// normal use; an unknown value is ignored.

/** localStorage key: `relay` makes every RTCPeerConnection relay-only (iceTransportPolicy). */
export const ICE_POLICY_KEY = 'swirl.test.iceTransportPolicy';

/**
 * The ICE transport policy a test asked for, or undefined. With `relay` and no TURN server in
 * `welcome.ice_servers` the browser gathers no candidates, so the connection never carries
 * media: the way the browser tests make a match in which media never flows.
 */
export function testIceTransportPolicy(storage: Pick<Storage, 'getItem'> | null | undefined): RTCIceTransportPolicy | undefined {
  try {
    const v = storage?.getItem(ICE_POLICY_KEY);
    return v === 'relay' || v === 'all' ? v : undefined;
  } catch {
    return undefined; // storage refused (privacy mode): no switch
  }
}
