// LobbySession's message switch, driven through its real SignalingClient, CallSession,
// PerfectNegotiator, DeviceManager and Api. Only what Node lacks is faked: the WebSocket (the
// test plays the server), RTCPeerConnection, MediaStream, the page location and fetch.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api, type Fetch } from '../lib/api';
import { CallState } from '../lib/call-state';
import { DeviceManager } from '../lib/devices';
import { ErrorReason } from '../lib/errors';
import { PROTOCOL_VERSION, type MatchMessage, type WelcomeMessage } from '../lib/protocol';
import { ClosedReason, ConnectionState } from '../lib/signaling';
import { LobbySession, MAX_ANNOUNCEMENTS, type BanMemory } from './lobby-session.svelte';
import { FakeWebSocket } from '../lib/fake-websocket.testing';

class FakeMediaStream {
  private tracks: MediaStreamTrack[] = [];
  getTracks(): MediaStreamTrack[] {
    return [...this.tracks];
  }
  addTrack(t: MediaStreamTrack): void {
    this.tracks.push(t);
  }
  removeTrack(t: MediaStreamTrack): void {
    this.tracks = this.tracks.filter((x) => x !== t);
  }
}

/** Enough of RTCPeerConnection for a CallSession: descriptions, connection state, close. */
class FakePeerConnection {
  static instances: FakePeerConnection[] = [];
  connectionState: RTCPeerConnectionState = 'new';
  iceConnectionState: RTCIceConnectionState = 'new';
  signalingState: RTCSignalingState = 'stable';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescriptions: RTCSessionDescriptionInit[] = [];
  ontrack: ((ev: RTCTrackEvent) => void) | null = null;
  onconnectionstatechange: ((ev: Event) => void) | null = null;
  oniceconnectionstatechange: ((ev: Event) => void) | null = null;
  onnegotiationneeded: ((ev: Event) => void) | null = null;
  onicecandidate: ((ev: RTCPeerConnectionIceEvent) => void) | null = null;
  closed = false;
  /** When set, setRemoteDescription fails with it (a broken SDP, a wrong state). */
  failRemote: Error | null = null;

  constructor(readonly config: RTCConfiguration) {
    FakePeerConnection.instances.push(this);
  }

  addTrack(): void {}
  addTransceiver(): void {}
  getTransceivers(): RTCRtpTransceiver[] {
    return [];
  }
  restartIce(): void {}

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (this.failRemote) throw this.failRemote;
    this.remoteDescriptions.push(description);
    this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
  }

  async setLocalDescription(): Promise<void> {
    await Promise.resolve();
    const type = this.signalingState === 'have-remote-offer' ? 'answer' : 'offer';
    this.localDescription = { type, sdp: `local-${type}` };
    this.signalingState = type === 'answer' ? 'stable' : 'have-local-offer';
  }

  async addIceCandidate(): Promise<void> {}

  close(): void {
    this.closed = true;
  }

  setConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.(new Event('connectionstatechange'));
  }
}

/** A DeviceManager whose notices the test can raise (as an unplugged device would). */
class NoticingDevices extends DeviceManager {
  notice(text: string): void {
    this.emit('notice', text);
  }
}

const SELF = 'u1';
const match: MatchMessage = {
  type: 'match',
  match_id: 'm1',
  created_at: '2026-11-25T20:51:02.499Z',
  peers: [{ id: 'u2', display_name: 'Bo', offerer: 'u2', polite: SELF }],
};

function welcome(overrides: Partial<WelcomeMessage> = {}): WelcomeMessage {
  return {
    type: 'welcome',
    protocol: PROTOCOL_VERSION,
    user: { id: SELF, display_name: 'Ada' },
    lobby: { id: 'L1', name: 'Friday', status: 'open', settings: { group_size: 2 } },
    ice_servers: [{ urls: ['stun:stun.example.org:3478'] }],
    ice_expires_at: null,
    resumed: false,
    you: { ready: false, match: null },
    limits: { max_message_bytes: 16384, messages_per_second: 50, burst: 100, resume_grace_seconds: 30 },
    ...overrides,
  };
}

class RememberedBans implements BanMemory {
  bans = new Map<string, number>();
  rememberBan(lobbyId: string, untilMs: number): void {
    this.bans.set(lobbyId, untilMs);
  }
  forgetBan(lobbyId: string): void {
    this.bans.delete(lobbyId);
  }
  bannedUntil(lobbyId: string): number | null {
    return this.bans.get(lobbyId) ?? null;
  }
}

let session: LobbySession;
let socket: FakeWebSocket;
let bans: RememberedBans;
let lobbyAnswer: { status: number; body: unknown };

/** The newest peer connection (the call's, with one peer). */
function pc(): FakePeerConnection {
  const p = FakePeerConnection.instances.at(-1);
  if (!p) throw new Error('no peer connection');
  return p;
}

/** Lets the negotiation chain and any probe run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

function connectWith(w: WelcomeMessage = welcome()): void {
  session.connect();
  socket = FakeWebSocket.latest();
  socket.open();
  socket.receive(w);
}

beforeEach(() => {
  // reset(): every test gets fresh fakes and a fresh session.
  FakeWebSocket.instances = [];
  FakePeerConnection.instances = [];
  vi.stubGlobal('WebSocket', FakeWebSocket);
  vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
  vi.stubGlobal('MediaStream', FakeMediaStream);
  vi.stubGlobal('location', { protocol: 'https:', host: 'swirl.test' });
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  lobbyAnswer = { status: 200, body: { id: 'L1', name: 'Friday', status: 'open' } };
  const fetchFn: Fetch = async () => new Response(JSON.stringify(lobbyAnswer.body), { status: lobbyAnswer.status });
  bans = new RememberedBans();
  session = new LobbySession('L1', 'tok', new DeviceManager(undefined), new Api(() => 'tok', fetchFn), bans);
});

afterEach(() => {
  session.destroy();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('LobbySession', () => {
  it('starts idle and opens the lobby socket with the token', () => {
    expect(session.callState).toBe(CallState.Idle);
    expect(session.connection.state).toBe(ConnectionState.Idle);
    session.connect();
    expect(FakeWebSocket.latest().url).toBe('wss://swirl.test/api/lobbies/L1/ws');
    expect(FakeWebSocket.latest().protocols).toEqual(['swirl.v1', 'swirl.token.tok']);
    expect(session.connection.state).toBe(ConnectionState.Connecting);
  });

  it('welcome: who we are, the lobby, readiness and limits', () => {
    connectWith(welcome({ you: { ready: true, match: null } }));
    expect(session.connection.state).toBe(ConnectionState.Connected);
    expect(session.selfId).toBe(SELF);
    expect(session.lobby).toMatchObject({ id: 'L1', name: 'Friday', status: 'open' });
    expect(session.resumeGraceSeconds).toBe(30);
    expect(session.callState).toBe(CallState.Waiting);
    expect(session.ready).toBe(true);
    expect(session.inCall).toBe(false);
  });

  it('welcome with our match starts the call with the welcome ICE servers', () => {
    connectWith(welcome({ you: { ready: false, match } }));
    expect(session.callState).toBe(CallState.Connecting);
    expect(session.match?.match_id).toBe('m1');
    expect(session.peers.map((p) => p.id)).toEqual(['u2']);
    expect(pc().config.iceServers).toEqual([{ urls: ['stun:stun.example.org:3478'] }]);
  });

  it('welcome from a server with another protocol version ends the visit', () => {
    connectWith(welcome({ protocol: PROTOCOL_VERSION + 1 }));
    expect(session.connection).toMatchObject({ state: ConnectionState.Closed, reason: ClosedReason.ProtocolMismatch });
    expect(session.callState).toBe(CallState.Ended);
    expect(session.selfId).toBeNull();
  });

  it('lobby_status: members, counts, status and our own readiness', () => {
    connectWith();
    socket.receive({
      type: 'lobby_status',
      lobby_id: 'L1',
      status: 'locked',
      member_count: 2,
      ready_count: 1,
      truncated: true,
      members: [
        { id: SELF, display_name: 'Ada', ready: true, in_match: false, connected: true },
        { id: 'u2', display_name: 'Bo', ready: false, in_match: false, connected: true },
      ],
    });
    expect(session.members.map((m) => m.display_name)).toEqual(['Ada', 'Bo']);
    expect([session.memberCount, session.readyCount, session.truncated]).toEqual([2, 1, true]);
    expect(session.lobby?.status).toBe('locked');
    expect(session.callState).toBe(CallState.Waiting);
  });

  it('setReady sends ready and follows it; nothing changes while the socket is not up', () => {
    session.setReady(true);
    expect(session.callState).toBe(CallState.Idle);
    connectWith();
    session.setReady(true);
    expect(socket.sentMessages().at(-1)).toEqual({ type: 'ready', ready: true });
    expect(session.callState).toBe(CallState.Waiting);
    session.setReady(false);
    expect(session.callState).toBe(CallState.Idle);
  });

  it('match: connecting, then connected, reconnecting and back with the peer connection', () => {
    connectWith(welcome({ you: { ready: true, match: null } }));
    socket.receive(match);
    expect(session.callState).toBe(CallState.Connecting);
    expect(session.inCall).toBe(true);
    expect(session.peers).toMatchObject([{ id: 'u2', displayName: 'Bo', polite: true }]);
    pc().setConnectionState('connected');
    expect(session.callState).toBe(CallState.Connected);
    pc().setConnectionState('disconnected');
    expect(session.callState).toBe(CallState.Reconnecting);
    pc().setConnectionState('connected');
    expect(session.callState).toBe(CallState.Connected);
  });

  it('report or block: sends the report, then the block; the server ends the call and confirms', () => {
    connectWith(welcome({ you: { ready: true, match: null } }));
    socket.receive(match);
    expect(session.reportOrBlock({ userId: 'u2', reason: 'harassment', details: ' rude ', block: true }, 'Bo')).toBe(true);
    expect(socket.sentMessages().slice(-2)).toEqual([
      { type: 'report', user_id: 'u2', reason: 'harassment', details: 'rude' },
      { type: 'block', user_id: 'u2' },
    ]);
    socket.receive({ type: 'reported', report_id: 'r1' });
    expect(session.safetyNotice?.kind).toBe('reported');
    socket.receive({ type: 'match_ended', match_id: 'm1', reason: 'blocked', ready: true });
    expect(session.inCall).toBe(false);
    expect(session.peers).toEqual([]);
    expect(session.lastMatchEnd?.reason).toBe('blocked');
    socket.receive({ type: 'blocked', user_id: 'u2' });
    expect(session.safetyNotice).toEqual({ kind: 'blocked', text: expect.stringContaining('Bo is blocked') as unknown });
    // A report that arrives after the block does not hide the block's notice.
    socket.receive({ type: 'reported', report_id: 'r2' });
    expect(session.safetyNotice?.kind).toBe('blocked');
    session.dismissSafetyNotice();
    expect(session.safetyNotice).toBeNull();
  });

  it('report or block with the socket down sends nothing and says so', () => {
    session.connect();
    expect(session.reportOrBlock({ userId: 'u2', reason: null, details: '', block: true }, 'Bo')).toBe(false);
  });

  it('a lobby_status during a match does not touch the call state', () => {
    connectWith();
    socket.receive(match);
    pc().setConnectionState('connected');
    socket.receive({
      type: 'lobby_status',
      lobby_id: 'L1',
      status: 'open',
      member_count: 2,
      ready_count: 0,
      truncated: false,
      members: [{ id: SELF, display_name: 'Ada', ready: false, in_match: true, connected: true }],
    });
    expect(session.callState).toBe(CallState.Connected);
  });

  it('signal: an offer from our peer is answered through the socket; others are ignored', async () => {
    connectWith();
    socket.receive(match);
    socket.receive({ type: 'signal', from: 'u2', data: { description: { type: 'offer', sdp: 'remote-offer' } } });
    socket.receive({ type: 'signal', from: 'stranger', data: { description: { type: 'offer', sdp: 'x' } } });
    await settle();
    expect(pc().remoteDescriptions).toEqual([{ type: 'offer', sdp: 'remote-offer' }]);
    expect(socket.sentMessages().filter((m) => m.type === 'signal')).toEqual([
      { type: 'signal', to: 'u2', data: { description: { type: 'answer', sdp: 'local-answer' } } },
    ]);
    expect(session.negotiationErrors).toBe(0);
  });

  it('a failed negotiation step is typed, counted and shown until the peer connects', async () => {
    connectWith();
    socket.receive(match);
    pc().failRemote = Object.assign(new Error('bad sdp'), { name: 'OperationError' });
    socket.receive({ type: 'signal', from: 'u2', data: { description: { type: 'offer', sdp: 'broken' } } });
    await settle();
    expect(session.negotiationErrors).toBe(1);
    expect(session.callProblem).toMatchObject({ reason: ErrorReason.Negotiation, peerId: 'u2', message: 'OperationError: bad sdp' });
    pc().setConnectionState('connected');
    expect(session.callProblem).toBeNull();
    expect(session.negotiationErrors).toBe(1);
  });

  it('user_status: reconnecting and back for a peer, left_match removes it', () => {
    connectWith();
    socket.receive({ ...match, peers: [...match.peers, { id: 'u3', display_name: 'Cy', offerer: SELF, polite: 'u3' }] });
    for (const p of FakePeerConnection.instances) p.setConnectionState('connected');
    expect(session.callState).toBe(CallState.Connected);
    socket.receive({ type: 'user_status', user_id: 'u2', status: 'reconnecting' });
    expect(session.peers.find((p) => p.id === 'u2')?.reconnecting).toBe(true);
    expect(session.callState).toBe(CallState.Reconnecting);
    socket.receive({ type: 'user_status', user_id: 'u2', status: 'back' });
    expect(session.callState).toBe(CallState.Connected);
    socket.receive({ type: 'user_status', user_id: 'u3', status: 'left_match' });
    expect(session.peers.map((p) => p.id)).toEqual(['u2']);
    expect(FakePeerConnection.instances[1]?.closed).toBe(true);
    expect(session.callState).toBe(CallState.Connected);
  });

  it('match_ended: hangs up, takes the readiness the server gives, and says why', () => {
    connectWith();
    socket.receive(match);
    socket.receive({ type: 'match_ended', match_id: 'other', reason: 'peer_left', ready: true });
    expect(session.inCall).toBe(true); // about a match we are not in
    socket.receive({ type: 'match_ended', match_id: 'm1', reason: 'peer_left', ready: true });
    expect(pc().closed).toBe(true);
    expect(session.match).toBeNull();
    expect(session.peers).toEqual([]);
    expect(session.callState).toBe(CallState.Waiting);
    expect(session.lastMatchEnd?.reason).toBe('peer_left');

    socket.receive(match);
    expect(session.lastMatchEnd).toBeNull();
    socket.receive({ type: 'match_ended', match_id: 'm1', reason: 'owner_ended', ready: false });
    expect(session.callState).toBe(CallState.Idle);
  });

  it('leaveMatch: Next goes back to waiting at once, Leave to idle', () => {
    connectWith();
    socket.receive(match);
    session.leaveMatch(true);
    expect(socket.sentMessages().at(-1)).toEqual({ type: 'leave_match', ready: true });
    expect(session.callState).toBe(CallState.Waiting);
    expect(pc().closed).toBe(true);
    // Feedback at once; the server's match_ended for our own leave does not replace it.
    expect(session.lastMatchEnd?.reason).toBe('next');
    socket.receive({ type: 'match_ended', match_id: 'm1', reason: 'left', ready: true });
    expect(session.lastMatchEnd?.reason).toBe('next');
    socket.receive({ ...match, match_id: 'm2' });
    session.leaveMatch(false);
    expect(session.callState).toBe(CallState.Idle);
    expect(session.lastMatchEnd?.reason).toBe('left');
  });

  it('leave: tells the server we are leaving for good, then closes normally', () => {
    connectWith();
    session.leave();
    expect(socket.sentMessages().at(-1)).toEqual({ type: 'leave' });
    expect(session.connection).toMatchObject({ state: ConnectionState.Closed, reason: ClosedReason.Left });
  });

  it('waiting: the reason is kept while we wait and cleared by a match or by not being ready', () => {
    connectWith(welcome({ you: { ready: true, match: null } }));
    socket.receive({ type: 'waiting', reason: 'met_everyone' });
    expect(session.waitingReason).toBe('met_everyone');
    socket.receive({
      type: 'lobby_status',
      lobby_id: 'L1',
      status: 'open',
      member_count: 2,
      ready_count: 2,
      waiting_met_everyone: 2,
      truncated: false,
      members: [],
    });
    expect(session.waitingMetEveryone).toBe(2);
    socket.receive(match);
    expect(session.waitingReason).toBeNull();
    socket.receive({ type: 'match_ended', match_id: 'm1', reason: 'peer_left', ready: true });
    socket.receive({ type: 'waiting', reason: 'nobody_ready' });
    expect(session.waitingReason).toBe('nobody_ready');
    session.setReady(false);
    expect(session.waitingReason).toBeNull();
  });

  it('last call: ready:false during the call, and the match end keeps us out of the pool', () => {
    connectWith();
    socket.receive(match);
    session.setLastCall(true);
    expect(socket.sentMessages().at(-1)).toEqual({ type: 'ready', ready: false });
    expect(session.lastCall).toBe(true);
    expect(session.inCall).toBe(true);
    socket.receive({ type: 'match_ended', match_id: 'm1', reason: 'peer_left', ready: false });
    expect(session.callState).toBe(CallState.Idle);
    expect(session.lastCall).toBe(false);
  });

  it('socket errors become human notices that expire; nothing for a reconnecting partner', () => {
    vi.useFakeTimers();
    connectWith();
    socket.receive({ type: 'error', code: 'peer_unavailable', message: 'that peer is reconnecting; the message was not delivered' });
    expect(session.serverNotice).toBeNull();
    socket.receive({ type: 'error', code: 'rate_limited', message: 'too many messages' });
    expect(session.serverNotice?.reason).toBe('rate_limited');
    expect(session.serverNotice?.text).not.toContain('too many messages');
    vi.advanceTimersByTime(6_001);
    expect(session.serverNotice).toBeNull();
  });

  it('a resumed welcome keeps the same call; any other welcome ends it', async () => {
    vi.useFakeTimers();
    connectWith();
    socket.receive(match);
    const first = pc();
    socket.serverClose(1006);
    expect(session.connection.state).toBe(ConnectionState.Reconnecting);
    await vi.advanceTimersByTimeAsync(1_000);
    const next = FakeWebSocket.latest();
    expect(next).not.toBe(socket);
    next.open();
    next.receive(welcome({ resumed: true, you: { ready: false, match } }));
    expect(first.closed).toBe(false);
    expect(session.match?.match_id).toBe('m1');
    expect(FakePeerConnection.instances).toHaveLength(1);
    next.receive(welcome({ resumed: false, you: { ready: true, match: null } }));
    expect(first.closed).toBe(true);
    expect(session.callState).toBe(CallState.Waiting);
  });

  it('error: kept as a typed error', () => {
    connectWith();
    socket.receive({ type: 'error', code: 'rate_limited', message: 'more than 50 messages per second' });
    expect(session.lastError).toMatchObject({ reason: ErrorReason.RateLimited, message: 'more than 50 messages per second' });
    socket.receive({ type: 'error', code: 'brand_new_code', message: 'from a newer server' });
    expect(session.lastError).toMatchObject({ reason: ErrorReason.UnexpectedResponse, code: 'brand_new_code' });
  });

  it('announcement: the newest MAX_ANNOUNCEMENTS are kept', () => {
    connectWith();
    for (let i = 0; i < MAX_ANNOUNCEMENTS + 3; i += 1) socket.receive({ type: 'announcement', message: `n${i}`, at: `t${i}` });
    expect(session.announcements).toHaveLength(MAX_ANNOUNCEMENTS);
    expect(session.announcements[0]?.message).toBe('n3');
    expect(session.announcements.at(-1)?.message).toBe(`n${MAX_ANNOUNCEMENTS + 2}`);
  });

  it('owner_changed: the lobby has the new owner at once, the rest of it as it was', () => {
    connectWith(welcome({ lobby: { id: 'L1', name: 'Friday', owner_id: 'olga', status: 'open', settings: { group_size: 2 } } }));
    socket.receive({ type: 'owner_changed', owner_id: SELF });
    expect(session.lobby).toMatchObject({ id: 'L1', name: 'Friday', owner_id: SELF, status: 'open' });
    socket.receive({ type: 'owner_changed', owner_id: 'bo' });
    expect(session.lobby?.owner_id).toBe('bo');
    // Malformed: ignored, the owner stays.
    socket.receive({ type: 'owner_changed' });
    expect(session.lobby?.owner_id).toBe('bo');
  });

  it('kicked: ends the call and the visit, remembers the ban, then the 4003 close says kicked', async () => {
    connectWith();
    socket.receive(match);
    const before = Date.now();
    socket.receive({ type: 'kicked', reason: 'removed by the owner', ban_seconds: 600 });
    expect(session.kicked).toEqual({ reason: 'removed by the owner', banSeconds: 600 });
    expect(session.callState).toBe(CallState.Ended);
    expect(pc().closed).toBe(true);
    expect(bans.bannedUntil('L1')).toBeGreaterThanOrEqual(before + 600_000);
    socket.serverClose(4003, 'kicked');
    await settle();
    expect(session.connection).toMatchObject({
      state: ConnectionState.Closed,
      reason: ClosedReason.Kicked,
      detail: 'removed by the owner',
    });
    expect(session.callState).toBe(CallState.Ended);
  });

  it('welcome: a ban remembered from this lobby is forgotten (the owner lifted it), others stay', () => {
    bans.rememberBan('L1', Date.now() + 600_000);
    bans.rememberBan('L2', Date.now() + 600_000);
    connectWith();
    expect(bans.bannedUntil('L1')).toBeNull();
    expect(bans.bannedUntil('L2')).not.toBeNull();
  });

  it.each([
    [4001, ClosedReason.SignedOut],
    [4002, ClosedReason.AccountDeleted],
  ])('a %i close mid-call hangs up and ends the visit without reconnecting (%s)', async (code, reason) => {
    vi.useFakeTimers();
    connectWith();
    socket.receive(match);
    socket.serverClose(code, 'x');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(session.connection).toMatchObject({ state: ConnectionState.Closed, reason, closeCode: code });
    expect(session.callState).toBe(CallState.Ended);
    expect(session.match).toBeNull();
    expect(pc().closed).toBe(true);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('lobby_closed: keeps the message and ends the visit', () => {
    connectWith();
    socket.receive({ type: 'lobby_closed', message: 'The owner closed this lobby.' });
    expect(session.lobbyClosedMessage).toBe('The owner closed this lobby.');
    expect(session.callState).toBe(CallState.Ended);
    // Nothing after the end brings a call back.
    socket.receive(match);
    expect(session.callState).toBe(CallState.Ended);
  });

  it('unknown and malformed messages change nothing', () => {
    connectWith();
    const before = { members: session.members, callState: session.callState, lastError: session.lastError };
    socket.receive({ type: 'from_the_future', x: 1 });
    socket.receive({ type: 'match', match_id: 'm9' });
    expect({ members: session.members, callState: session.callState, lastError: session.lastError }).toEqual(before);
  });

  it('a refused socket asks the API why: a banned caller is told so, not retried', async () => {
    lobbyAnswer = { status: 403, body: { error: { code: 'banned', message: 'you may rejoin in 10 minutes' } } };
    session.connect();
    FakeWebSocket.latest().serverClose(1006);
    await vi.waitFor(() => expect(session.connection.state).toBe(ConnectionState.Closed));
    expect(session.connection).toMatchObject({ reason: ClosedReason.Refused, detail: ErrorReason.Banned });
    expect(session.callState).toBe(CallState.Ended);
  });

  it('devices: a notice reaches the page and can be dismissed', () => {
    const devices = new NoticingDevices(undefined);
    const local = new LobbySession(
      'L2',
      'tok',
      devices,
      new Api(
        () => 'tok',
        async () => new Response('{}'),
      ),
    );
    devices.notice('Your camera was unplugged.');
    expect(local.notice).toBe('Your camera was unplugged.');
    local.dismissNotice();
    expect(local.notice).toBeNull();
    local.destroy();
  });

  it('destroy: closes the socket normally and ends the visit', () => {
    connectWith();
    socket.receive(match);
    session.destroy();
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'bye' });
    expect(pc().closed).toBe(true);
    expect(session.callState).toBe(CallState.Ended);
  });
});
