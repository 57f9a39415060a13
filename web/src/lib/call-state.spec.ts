import { describe, expect, it } from 'vitest';
import { CallState, isInCall, nextCallState, type CallEvent, type PeerLinkView } from './call-state';

const up: PeerLinkView = { connectionState: 'connected', reconnecting: false };
const negotiating: PeerLinkView = { connectionState: 'connecting', reconnecting: false };
const dropped: PeerLinkView = { connectionState: 'disconnected', reconnecting: false };
const socketDown: PeerLinkView = { connectionState: 'connected', reconnecting: true };

function run(start: CallState, ...events: CallEvent[]): CallState {
  return events.reduce(nextCallState, start);
}

describe('nextCallState', () => {
  it('follows readiness outside a match', () => {
    expect(run(CallState.Idle, { type: 'ready', ready: true })).toBe(CallState.Waiting);
    expect(run(CallState.Waiting, { type: 'ready', ready: false })).toBe(CallState.Idle);
    expect(run(CallState.Idle, { type: 'ready', ready: false })).toBe(CallState.Idle);
  });

  it('goes waiting -> connecting -> connected through a match', () => {
    expect(run(CallState.Waiting, { type: 'matched' }, { type: 'peers', peers: [negotiating] })).toBe(CallState.Connecting);
    expect(run(CallState.Waiting, { type: 'matched' }, { type: 'peers', peers: [up] })).toBe(CallState.Connected);
  });

  it('stays connecting until every peer of a group is up', () => {
    const s = run(CallState.Waiting, { type: 'matched' }, { type: 'peers', peers: [up, negotiating] });
    expect(s).toBe(CallState.Connecting);
    expect(nextCallState(s, { type: 'peers', peers: [up, up] })).toBe(CallState.Connected);
  });

  it('a drop after being connected is reconnecting, and recovers', () => {
    const connected = run(CallState.Waiting, { type: 'matched' }, { type: 'peers', peers: [up] });
    expect(nextCallState(connected, { type: 'peers', peers: [dropped] })).toBe(CallState.Reconnecting);
    expect(nextCallState(connected, { type: 'peers', peers: [socketDown] })).toBe(CallState.Reconnecting);
    expect(nextCallState(connected, { type: 'peers', peers: [negotiating] })).toBe(CallState.Reconnecting);
    expect(run(connected, { type: 'peers', peers: [dropped] }, { type: 'peers', peers: [up] })).toBe(CallState.Connected);
  });

  it('ignores readiness and an empty peer list during a match', () => {
    const connected = run(CallState.Waiting, { type: 'matched' }, { type: 'peers', peers: [up] });
    expect(nextCallState(connected, { type: 'ready', ready: false })).toBe(CallState.Connected);
    expect(nextCallState(connected, { type: 'peers', peers: [] })).toBe(CallState.Connected);
  });

  it('ignores peer changes outside a match', () => {
    expect(nextCallState(CallState.Waiting, { type: 'peers', peers: [up] })).toBe(CallState.Waiting);
    expect(nextCallState(CallState.Idle, { type: 'peers', peers: [up] })).toBe(CallState.Idle);
  });

  it('call_over goes back to the pool or to idle as the server says', () => {
    expect(nextCallState(CallState.Connected, { type: 'call_over', ready: true })).toBe(CallState.Waiting);
    expect(nextCallState(CallState.Reconnecting, { type: 'call_over', ready: false })).toBe(CallState.Idle);
    expect(nextCallState(CallState.Connecting, { type: 'call_over', ready: true })).toBe(CallState.Waiting);
  });

  it('a new match replaces the current call', () => {
    expect(nextCallState(CallState.Connected, { type: 'matched' })).toBe(CallState.Connecting);
  });

  it('closed is final from every state', () => {
    for (const s of Object.values(CallState)) {
      const ended = nextCallState(s, { type: 'closed' });
      expect(ended).toBe(CallState.Ended);
      for (const e of [{ type: 'matched' }, { type: 'ready', ready: true }, { type: 'call_over', ready: true }] as CallEvent[]) {
        expect(nextCallState(ended, e)).toBe(CallState.Ended);
      }
    }
  });

  it('isInCall covers the three match states only', () => {
    expect(Object.values(CallState).filter(isInCall)).toEqual([CallState.Connecting, CallState.Connected, CallState.Reconnecting]);
  });
});
