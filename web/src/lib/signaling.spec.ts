import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReconnectPolicy } from './reconnect-policy';
import {
  CONNECT_TIMEOUT_MS,
  ClosedReason,
  ConnectionState,
  MAX_PENDING_SIGNALS,
  SignalingClient,
  lobbySocketUrl,
  type StateChange,
} from './signaling';
import { PROTOCOL_VERSION, type ServerMessage, type WelcomeMessage } from './protocol';
import { FakeWebSocket } from './fake-websocket.testing';

function welcome(overrides: Partial<WelcomeMessage> = {}): WelcomeMessage {
  return {
    type: 'welcome',
    protocol: 1,
    user: { id: 'u1', display_name: 'Ada' },
    lobby: { id: 'L1', name: 'Friday', status: 'open', settings: { group_size: 2 } },
    ice_servers: [{ urls: ['stun:stun.example.org:3478'] }],
    ice_expires_at: null,
    resumed: false,
    you: { ready: false, match: null },
    limits: { max_message_bytes: 16384, messages_per_second: 50, burst: 100, resume_grace_seconds: 20 },
    ...overrides,
  };
}

const match = {
  type: 'match' as const,
  match_id: 'm1',
  created_at: '2026-01-01T00:00:00Z',
  peers: [{ id: 'u2', display_name: 'Bo', offerer: 'u1', polite: 'u2' }],
};

/** A policy that records its calls and answers from a script. */
class ScriptedPolicy implements ReconnectPolicy {
  calls: { retryCount: number; elapsedMs: number; closeCode: number }[] = [];
  constructor(private readonly delays: (number | null)[]) {}
  nextRetryDelayMs(ctx: { retryCount: number; elapsedMs: number; closeCode: number }): number | null {
    this.calls.push(ctx);
    return this.delays[ctx.retryCount] ?? null;
  }
}

function setup(options: { delays?: (number | null)[]; probe?: () => Promise<{ code: string; message: string } | null> } = {}) {
  const policy = new ScriptedPolicy(options.delays ?? [100, 200, 400]);
  const client = new SignalingClient({
    url: 'ws://host/api/lobbies/L1/ws',
    token: 'tok',
    policy,
    createSocket: (url, protocols) => new FakeWebSocket(url, protocols),
    ...(options.probe ? { probe: options.probe } : {}),
  });
  const states: StateChange[] = [];
  const messages: ServerMessage[] = [];
  const lost: number[] = [];
  client.on('state', (s) => states.push(s));
  client.on('message', (m) => messages.push(m));
  client.on('signalsLost', ({ count }) => lost.push(count));
  return { client, policy, states, messages, lost };
}

function connected(client: SignalingClient, w = welcome()): FakeWebSocket {
  client.connect();
  const socket = FakeWebSocket.latest();
  socket.open();
  socket.receive(w);
  return socket;
}

describe('SignalingClient', () => {
  beforeEach(() => {
    FakeWebSocket.instances = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('connects with the protocol and token subprotocols and is connected on welcome', () => {
    const { client, states, messages } = setup();
    client.connect();
    const socket = FakeWebSocket.latest();
    expect(socket.url).toBe('ws://host/api/lobbies/L1/ws');
    expect(socket.protocols).toEqual(['swirl.v1', 'swirl.token.tok']);
    expect(client.state).toBe(ConnectionState.Connecting);
    socket.open();
    // Open is not enough: the server may still refuse; welcome is the real handshake.
    expect(client.state).toBe(ConnectionState.Connecting);
    socket.receive(welcome());
    expect(client.state).toBe(ConnectionState.Connected);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'connected']);
    expect(messages[0]?.type).toBe('welcome');
  });

  it('delivers parsed messages and ignores malformed or unknown ones', () => {
    const { client, messages } = setup();
    const socket = connected(client);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    socket.receive('not json');
    socket.receive({ type: 'from_the_future' });
    socket.receive({ type: 'match', match_id: 'm1' }); // no peers
    socket.receive(match);
    socket.receive({ type: 'signal', from: 'u2', data: { candidate: null } });
    expect(messages.map((m) => m.type)).toEqual(['welcome', 'match', 'signal']);
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it('sends JSON messages when connected', () => {
    const { client } = setup();
    const socket = connected(client);
    expect(client.send({ type: 'ready', ready: true })).toBe(true);
    expect(socket.sentMessages()).toEqual([{ type: 'ready', ready: true }]);
  });

  it('does not send before welcome', () => {
    const { client } = setup();
    client.connect();
    FakeWebSocket.latest().open();
    expect(client.send({ type: 'ready', ready: true })).toBe(false);
    expect(FakeWebSocket.latest().sent).toEqual([]);
  });

  it('reconnects after a drop with the delays the policy gives, then resumes', async () => {
    const { client, policy, states } = setup({ delays: [100, 200] });
    const first = connected(client);
    first.serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe(ConnectionState.Reconnecting);
    expect(states.at(-1)).toMatchObject({ state: 'reconnecting', retryInMs: 100, attempt: 1, closeCode: 1006 });
    expect(FakeWebSocket.instances).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(99);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances).toHaveLength(2);

    // The second attempt fails too: the policy is asked with retryCount 1 and the time lost.
    FakeWebSocket.latest().serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(policy.calls.map((c) => c.retryCount)).toEqual([0, 1]);
    expect(policy.calls[1]?.elapsedMs).toBe(100);
    await vi.advanceTimersByTimeAsync(200);
    const third = FakeWebSocket.latest();
    third.open();
    third.receive(welcome({ resumed: true, you: { ready: true, match } }));
    expect(client.state).toBe(ConnectionState.Connected);

    // A later drop starts counting from zero again.
    third.serverClose(1001);
    await vi.advanceTimersByTimeAsync(0);
    expect(policy.calls.at(-1)).toMatchObject({ retryCount: 0, elapsedMs: 0, closeCode: 1001 });
  });

  it('gives up when the policy says so', async () => {
    const { client, states } = setup({ delays: [50] });
    connected(client).serverClose(1006);
    await vi.advanceTimersByTimeAsync(50);
    FakeWebSocket.latest().serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe(ConnectionState.Closed);
    expect(states.at(-1)).toMatchObject({ state: 'closed', reason: ClosedReason.GaveUp });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it.each([
    [4003, ClosedReason.Kicked],
    [4004, ClosedReason.LobbyClosed],
    [4000, ClosedReason.Replaced],
    [4001, ClosedReason.SignedOut],
    [4002, ClosedReason.AccountDeleted],
    [1009, ClosedReason.MessageTooBig],
    [1000, ClosedReason.ServerClosed],
  ])('closes for good on %i (%s) without reconnecting', async (code, reason) => {
    const { client, policy, states } = setup();
    connected(client).serverClose(code, 'x');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(states.at(-1)).toMatchObject({ state: 'closed', reason, closeCode: code });
    expect(policy.calls).toEqual([]);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it.each([1001, 1008, 1011, 4008])('reconnects after close code %i', async (code) => {
    const { client } = setup();
    connected(client).serverClose(code);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe(ConnectionState.Reconnecting);
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('stops for good when the server speaks another protocol version', async () => {
    const { client, states, messages } = setup();
    const socket = connected(client, welcome({ protocol: PROTOCOL_VERSION + 1 }));
    expect(client.state).toBe(ConnectionState.Closed);
    expect(states.at(-1)).toMatchObject({
      reason: ClosedReason.ProtocolMismatch,
      detail: `server ${PROTOCOL_VERSION + 1}, client ${PROTOCOL_VERSION}`,
    });
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'protocol mismatch' });
    expect(messages).toEqual([]);
    expect(client.send({ type: 'ready', ready: true })).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('also when the server changed version during an outage, and without a version at all', async () => {
    const { client, states } = setup();
    connected(client).serverClose(1006);
    await vi.advanceTimersByTimeAsync(100);
    const next = FakeWebSocket.latest();
    next.open();
    const { protocol: _dropped, ...unversioned } = welcome({ resumed: true });
    next.receive(unversioned);
    expect(states.at(-1)).toMatchObject({
      state: ConnectionState.Closed,
      reason: ClosedReason.ProtocolMismatch,
      detail: `server undefined, client ${PROTOCOL_VERSION}`,
    });
  });

  it('keeps the kick reason for the UI', async () => {
    const { client, states } = setup();
    const socket = connected(client);
    socket.receive({ type: 'kicked', reason: 'removed by the owner', ban_seconds: 600 });
    socket.serverClose(4003, 'kicked');
    await vi.advanceTimersByTimeAsync(0);
    expect(client.kick).toEqual({ type: 'kicked', reason: 'removed by the owner', ban_seconds: 600 });
    expect(states.at(-1)).toMatchObject({ reason: ClosedReason.Kicked, detail: 'removed by the owner' });
  });

  it('disconnect() closes normally and stops retrying', async () => {
    const { client, states } = setup();
    const socket = connected(client);
    client.disconnect();
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'bye' });
    expect(states.at(-1)).toMatchObject({ state: 'closed', reason: ClosedReason.Left });

    // Also while waiting to retry.
    const other = setup();
    connected(other.client).serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    other.client.disconnect();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(other.client.state).toBe(ConnectionState.Closed);
  });

  it('times out a socket that never says welcome', async () => {
    const { client } = setup();
    client.connect();
    const hung = FakeWebSocket.latest();
    hung.open();
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS - 1);
    expect(client.state).toBe(ConnectionState.Connecting);
    await vi.advanceTimersByTimeAsync(1);
    expect(hung.closedWith).not.toBeNull();
    expect(client.state).toBe(ConnectionState.Reconnecting);
  });

  it('asks the probe why a socket never opened, and stops on a final refusal', async () => {
    const probe = vi.fn(async () => ({ code: 'lobby_not_found', message: 'no such lobby' }));
    const { client, states } = setup({ probe });
    client.connect();
    FakeWebSocket.latest().serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(probe).toHaveBeenCalledOnce();
    expect(states.at(-1)).toMatchObject({ state: 'closed', reason: ClosedReason.Refused, detail: 'lobby_not_found' });
  });

  it('retries when the probe finds nothing wrong (network trouble)', async () => {
    const { client } = setup({ probe: async () => null });
    client.connect();
    FakeWebSocket.latest().serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe(ConnectionState.Reconnecting);
  });

  it('holds signals during an outage and sends them after a resume', async () => {
    const { client, lost } = setup();
    connected(client, welcome({ you: { ready: true, match } })).serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.send({ type: 'signal', to: 'u2', data: { candidate: null } })).toBe(false);
    expect(client.send({ type: 'ready', ready: false })).toBe(false); // not kept
    await vi.advanceTimersByTimeAsync(100);
    const next = FakeWebSocket.latest();
    next.open();
    next.receive(welcome({ resumed: true, you: { ready: true, match } }));
    expect(next.sentMessages()).toEqual([{ type: 'signal', to: 'u2', data: { candidate: null } }]);
    expect(lost).toEqual([]);
  });

  it('drops held signals when the match did not survive, and says so', async () => {
    const { client, lost } = setup();
    connected(client).serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    client.send({ type: 'signal', to: 'u2', data: { candidate: null } });
    await vi.advanceTimersByTimeAsync(100);
    const next = FakeWebSocket.latest();
    next.open();
    next.receive(welcome({ resumed: false }));
    expect(next.sent).toEqual([]);
    expect(lost).toEqual([1]);
  });

  it('bounds the held signals', async () => {
    const { client, lost } = setup();
    connected(client).serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i <= MAX_PENDING_SIGNALS; i++) client.send({ type: 'signal', to: 'u2', data: { candidate: null } });
    expect(lost).toEqual([MAX_PENDING_SIGNALS + 1]);
  });

  it('retryNow() skips the wait', async () => {
    const { client } = setup({ delays: [5_000] });
    connected(client).serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    client.retryNow();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });
});

describe('lobbySocketUrl', () => {
  it('follows the page scheme and escapes the id', () => {
    expect(lobbySocketUrl('abc', { protocol: 'https:', host: 'swirl.example' })).toBe('wss://swirl.example/api/lobbies/abc/ws');
    expect(lobbySocketUrl('a/b', { protocol: 'http:', host: 'localhost:8080' })).toBe('ws://localhost:8080/api/lobbies/a%2Fb/ws');
  });
});
