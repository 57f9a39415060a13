// When a peer connection restarts ICE by itself (apart from the stall monitor's recovery, which
// has its own schedule in peer-health.ts). Either side may restart under perfect negotiation,
// but two restarts crossing each other make two offers, one rolled back, and checks started
// twice: so the impolite side (the offerer) restarts, and the polite side only when the
// impolite one has not done it within POLITE_STEP_OFFSET_MS more (its signaling may be the
// part that is down). A pure rule, so it is tested without a browser.

import { POLITE_STEP_OFFSET_MS } from './peer-health';

/**
 * How long a connection may stay `disconnected` before the impolite side restarts ICE.
 * Browsers often recover from short blips on their own; restarting too early costs a
 * renegotiation.
 */
export const DISCONNECTED_RESTART_MS = 4_000;

/** Why a restart is considered: ICE failed, the connection stayed disconnected, or our signaling lost messages. */
export type IceRestartReason = 'ice_failed' | 'disconnected' | 'signals_lost';

type PcState = Pick<RTCPeerConnection, 'connectionState' | 'iceConnectionState'>;

/** How long after the trigger this side restarts (if the restart is still needed then). */
export function iceRestartDelayMs(reason: IceRestartReason, polite: boolean): number {
  const base = reason === 'disconnected' ? DISCONNECTED_RESTART_MS : 0;
  return base + (polite ? POLITE_STEP_OFFSET_MS : 0);
}

/**
 * Whether the restart is still wanted when its time comes. A restart by the peer in the
 * meantime moves ICE back to `checking` (new credentials), so the polite side's late restart
 * is skipped when the impolite side did its part.
 */
export function iceRestartStillNeeded(reason: IceRestartReason, pc: PcState, polite: boolean): boolean {
  switch (reason) {
    case 'ice_failed':
      return pc.iceConnectionState === 'failed';
    case 'disconnected':
      return pc.connectionState === 'disconnected' || pc.connectionState === 'failed';
    case 'signals_lost':
      // Candidates or an offer of ours may be lost: the impolite side renegotiates at once; the
      // polite side only if the connection is still not up by its turn.
      return !polite || pc.connectionState !== 'connected';
  }
}
