// CallSession's peer-connection generations: a peer's `reset` replaces our connection to it,
// messages of an older connection are dropped, and ours carry the generation.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallSession, DISCONNECTED_RESTART_MS } from './call';
import { POLITE_STEP_OFFSET_MS } from './peer-health';
import type { MatchMessage, SignalData } from './protocol';

class FakeStream {
  private tracks: MediaStreamTrack[] = [];
  getTracks() {
    return [...this.tracks];
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  addTrack(t: MediaStreamTrack) {
    this.tracks.push(t);
  }
  removeTrack(t: MediaStreamTrack) {
    this.tracks = this.tracks.filter((x) => x !== t);
  }
}

class FakePc {
  static made: FakePc[] = [];
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  iceConnectionState: RTCIceConnectionState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  onnegotiationneeded: ((ev: Event) => unknown) | null = null;
  onicecandidate: ((ev: RTCPeerConnectionIceEvent) => unknown) | null = null;
  ontrack: unknown = null;
  onconnectionstatechange: unknown = null;
  oniceconnectionstatechange: unknown = null;
  closed = false;
  candidates: unknown[] = [];
  restarts = 0;
  constructor() {
    FakePc.made.push(this);
  }
  async setLocalDescription() {}
  async setRemoteDescription() {}
  async addIceCandidate(c?: unknown) {
    this.candidates.push(c ?? null);
  }
  async getStats() {
    return new Map();
  }
  restartIce() {
    this.restarts += 1;
  }
  addTransceiver() {}
  addTrack() {}
  getTransceivers() {
    return [];
  }
  close() {
    this.closed = true;
  }
}

const match: MatchMessage = {
  type: 'match',
  match_id: 'm1',
  created_at: '2026-12-05T00:00:00Z',
  peers: [
    { id: 'me', display_name: 'Me', offerer: 'me', polite: 'p' },
    { id: 'p', display_name: 'Pat', offerer: 'me', polite: 'p' },
  ],
};

describe('CallSession peer-connection generations', () => {
  let sent: { to: string; data: SignalData }[];
  let call: CallSession;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('MediaStream', FakeStream);
    FakePc.made = [];
    sent = [];
    call = new CallSession({
      selfId: 'me',
      match,
      iceServers: [],
      local: () => ({ audio: null, video: null }),
      send: (to, data) => sent.push({ to, data }),
      createPeerConnection: () => new FakePc() as unknown as RTCPeerConnection,
    });
  });
  afterEach(() => {
    call.close();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('follows a peer’s reset with a new connection, and drops what belonged to the old one', async () => {
    const [first] = FakePc.made;
    call.handleSignal('p', { reset: true, gen: 1 });
    expect(FakePc.made).toHaveLength(2);
    expect(first!.closed).toBe(true);
    const second = FakePc.made[1]!;
    expect(call.peerConnections).toEqual([second]);
    expect(sent).toEqual([]); // following, not announcing

    call.handleSignal('p', { candidate: null }); // generation 0: late, dropped
    call.handleSignal('p', { candidate: { candidate: 'c', sdpMid: '0' }, gen: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(second.candidates).toEqual([{ candidate: 'c', sdpMid: '0' }]);
    expect(first!.candidates).toEqual([]);

    // What the new connection sends says which generation it is.
    second.onicecandidate?.({ candidate: null } as RTCPeerConnectionIceEvent);
    expect(sent).toEqual([{ to: 'p', data: { candidate: null, gen: 1 } }]);
    expect(call.health[0]).toMatchObject({ peerId: 'p', gen: 1 });
  });

  it('a message of a newer generation without the reset before it still moves to that generation', () => {
    call.handleSignal('p', { candidate: null, gen: 2 });
    expect(FakePc.made).toHaveLength(2);
    expect(call.health[0]?.gen).toBe(2);
    call.handleSignal('p', { reset: true, gen: 1 }); // older: ignored
    expect(FakePc.made).toHaveLength(2);
  });

  it('keeps the tile (same stream) across generations and samples stats every second', async () => {
    const stream = call.peers[0]!.stream;
    call.handleSignal('p', { reset: true, gen: 1 });
    expect(call.peers[0]!.stream).toBe(stream);
    await vi.advanceTimersByTimeAsync(3_100);
    expect(call.health[0]!.samples).toBe(3);
  });

  it('reports first media once per call, from the health samples: one getStats() a second per connection', async () => {
    const pc = FakePc.made[0]!;
    let statsCalls = 0;
    let report = new Map<string, unknown>();
    pc.getStats = async () => {
      statsCalls += 1;
      return report;
    };
    const flowing: number[] = [];
    call.on('mediaFlowing', () => flowing.push(statsCalls));
    await vi.advanceTimersByTimeAsync(2_100);
    expect(flowing).toEqual([]);
    report = new Map([['a', { type: 'inbound-rtp', kind: 'audio', packetsReceived: 12 }]]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(flowing).toEqual([3]);
    expect(statsCalls).toBe(5);
  });

  it('a reloaded page taking over its match starts at the resume generation and says reset first', () => {
    const resumed = new CallSession({
      selfId: 'me',
      match,
      iceServers: [],
      local: () => ({ audio: null, video: null }),
      send: (to, data) => sent.push({ to, data }),
      createPeerConnection: () => new FakePc() as unknown as RTCPeerConnection,
      resumeGen: 3,
    });
    expect(sent).toEqual([{ to: 'p', data: { reset: true, gen: 3 } }]);
    expect(resumed.health[0]?.gen).toBe(3);
    expect(resumed.maxGen).toBe(3);
    // The peer's answer to the new connection carries that generation and is taken.
    resumed.handleSignal('p', { candidate: null, gen: 3 });
    expect(FakePc.made).toHaveLength(2); // the first session's, and this one's: no recreation
    resumed.close();
  });
});

describe('CallSession ICE restarts are coordinated (lib/ice-restart.ts)', () => {
  const sessionAs = (selfId: 'me' | 'p') =>
    new CallSession({
      selfId,
      match,
      iceServers: [],
      local: () => ({ audio: null, video: null }),
      send: () => undefined,
      createPeerConnection: () => new FakePc() as unknown as RTCPeerConnection,
    });
  const fire = (pc: FakePc, iceState: RTCIceConnectionState, connState?: RTCPeerConnectionState) => {
    pc.iceConnectionState = iceState;
    (pc.oniceconnectionstatechange as (() => void) | null)?.();
    if (connState) {
      pc.connectionState = connState;
      (pc.onconnectionstatechange as (() => void) | null)?.();
    }
  };

  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('MediaStream', FakeStream);
    FakePc.made = [];
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('on ICE failure the impolite side restarts at once, the polite side waits for it', async () => {
    const impolite = sessionAs('me');
    const polite = sessionAs('p');
    const [a, b] = FakePc.made as [FakePc, FakePc];
    fire(a, 'failed');
    fire(b, 'failed');
    expect(a.restarts).toBe(1);
    expect(b.restarts).toBe(0);
    // The impolite side's restart reaches the polite side: ICE checks again, no second restart.
    fire(b, 'checking');
    await vi.advanceTimersByTimeAsync(POLITE_STEP_OFFSET_MS + 100);
    expect(b.restarts).toBe(0);
    impolite.close();
    polite.close();
  });

  it('the polite side restarts itself when the impolite side never does', async () => {
    const polite = sessionAs('p');
    const [b] = FakePc.made as [FakePc];
    fire(b, 'failed');
    await vi.advanceTimersByTimeAsync(POLITE_STEP_OFFSET_MS - 100);
    expect(b.restarts).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(b.restarts).toBe(1);
    polite.close();
  });

  it('a disconnected connection: the impolite side after DISCONNECTED_RESTART_MS, the polite side later, once', async () => {
    const impolite = sessionAs('me');
    const polite = sessionAs('p');
    const [a, b] = FakePc.made as [FakePc, FakePc];
    fire(a, 'disconnected', 'disconnected');
    fire(b, 'disconnected', 'disconnected');
    await vi.advanceTimersByTimeAsync(DISCONNECTED_RESTART_MS + 100);
    expect([a.restarts, b.restarts]).toEqual([1, 0]);
    await vi.advanceTimersByTimeAsync(POLITE_STEP_OFFSET_MS);
    expect([a.restarts, b.restarts]).toEqual([1, 1]); // nobody brought it back: the fallback acts
    // Back before the wait is over: no restart at all.
    fire(a, 'disconnected', 'disconnected');
    fire(a, 'connected', 'connected');
    await vi.advanceTimersByTimeAsync(DISCONNECTED_RESTART_MS + 100);
    expect(a.restarts).toBe(1);
    impolite.close();
    polite.close();
  });

  it('after lost signals the impolite side restarts at once; the polite side only if still not connected', async () => {
    const impolite = sessionAs('me');
    const polite = sessionAs('p');
    const [a, b] = FakePc.made as [FakePc, FakePc];
    impolite.restartIce();
    polite.restartIce();
    expect([a.restarts, b.restarts]).toEqual([1, 0]);
    b.connectionState = 'connected';
    await vi.advanceTimersByTimeAsync(POLITE_STEP_OFFSET_MS + 100);
    expect(b.restarts).toBe(0);
    impolite.close();
    polite.close();
  });
});
