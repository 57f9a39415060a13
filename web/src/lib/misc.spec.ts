import { describe, expect, it } from 'vitest';
import { rmsLevel } from './audio-level';
import { preferCodec } from './call';
import { createDebugHandle, installDebugHandle } from './debug';
import { DeviceManager, groupDevices, deviceLabel, type MediaDevicesLike } from './devices';
import { IdentityStore, MAX_OWNED_LOBBIES, MAX_REMEMBERED_BANS, type KeyValueStore } from './identity';
import { parseServerMessage } from './protocol';

class MemoryStore implements KeyValueStore {
  map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

describe('preferCodec', () => {
  it('moves VP8 first and keeps the rest in order', () => {
    const codecs = [{ mimeType: 'video/H264' }, { mimeType: 'video/rtx' }, { mimeType: 'video/VP8' }, { mimeType: 'video/VP9' }];
    expect(preferCodec(codecs, 'video/VP8').map((c) => c.mimeType)).toEqual(['video/VP8', 'video/H264', 'video/rtx', 'video/VP9']);
  });
  it('leaves the list alone when VP8 is missing', () => {
    const codecs = [{ mimeType: 'video/H264' }];
    expect(preferCodec(codecs, 'video/vp8')).toBe(codecs);
  });
});

describe('rmsLevel', () => {
  it('is 0 for silence and grows with loudness, capped at 1', () => {
    expect(rmsLevel(new Float32Array(64))).toBe(0);
    expect(rmsLevel([])).toBe(0);
    const quiet = rmsLevel(new Float32Array(64).fill(0.01));
    const loud = rmsLevel(new Float32Array(64).fill(0.2));
    expect(quiet).toBeGreaterThan(0);
    expect(loud).toBeGreaterThan(quiet);
    expect(rmsLevel(new Float32Array(64).fill(1))).toBe(1);
  });
});

describe('devices helpers', () => {
  const dev = (kind: MediaDeviceKind, deviceId: string, label = '') =>
    ({ kind, deviceId, label, groupId: '', toJSON: () => ({}) }) as MediaDeviceInfo;
  it('groups by kind and drops anonymous entries', () => {
    const lists = groupDevices([dev('videoinput', 'c1', 'Cam'), dev('audioinput', ''), dev('audioinput', 'm1'), dev('audiooutput', 's1')]);
    expect(lists.cameras.map((d) => d.deviceId)).toEqual(['c1']);
    expect(lists.microphones.map((d) => d.deviceId)).toEqual(['m1']);
    expect(lists.speakers.map((d) => d.deviceId)).toEqual(['s1']);
  });
  it('names unlabeled devices', () => {
    expect(deviceLabel(dev('videoinput', 'x'), 1)).toBe('Camera 2');
    expect(deviceLabel(dev('audioinput', 'x', 'USB mic'), 0)).toBe('USB mic');
  });
  it('forgets a permission problem once the user goes on without devices', async () => {
    const denied: MediaDevicesLike = {
      getUserMedia: () => Promise.reject(new DOMException('denied', 'NotAllowedError')),
      enumerateDevices: () => Promise.resolve([dev('videoinput', 'c1'), dev('audioinput', 'm1')]),
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    };
    const manager = new DeviceManager(denied);
    expect(await manager.start({ audio: true, video: true })).toBe(false);
    expect(manager.problem?.kind).toBe('permission_denied');
    manager.stop();
    expect(manager.problem).toBeNull();
  });
});

describe('IdentityStore', () => {
  it('remembers bans until they end, bounded', () => {
    const store = new IdentityStore(new MemoryStore());
    store.rememberBan('l1', 2_000, 1_000);
    expect(store.bannedUntil('l1', 1_500)).toBe(2_000);
    expect(store.bannedUntil('l1', 2_000)).toBeNull();
    expect(store.bannedUntil('other', 1_500)).toBeNull();
    for (let i = 0; i < MAX_REMEMBERED_BANS + 5; i++) store.rememberBan(`x${i}`, 10_000 + i, 1_000);
    expect(store.bannedUntil(`x${MAX_REMEMBERED_BANS + 4}`, 1_000)).toBe(10_000 + MAX_REMEMBERED_BANS + 4);
    expect(store.bannedUntil('x0', 1_000)).toBeNull();
  });
  it('forgets a lifted ban and keeps the others', () => {
    const store = new IdentityStore(new MemoryStore());
    store.rememberBan('l1', 5_000, 1_000);
    store.rememberBan('l2', 6_000, 1_000);
    store.forgetBan('l1');
    store.forgetBan('never');
    expect(store.bannedUntil('l1', 1_500)).toBeNull();
    expect(store.bannedUntil('l2', 1_500)).toBe(6_000);
  });
  it('saves, loads and forgets the identity', () => {
    const store = new IdentityStore(new MemoryStore());
    expect(store.load()).toBeNull();
    store.save({ id: 'u1', display_name: 'Ada', token: 't' });
    expect(store.load()).toEqual({ id: 'u1', display_name: 'Ada', token: 't' });
    store.forget();
    expect(store.load()).toBeNull();
  });
  it('treats corrupt entries as none and survives a missing storage', () => {
    const mem = new MemoryStore();
    mem.setItem('swirl.identity.v1', '{oops');
    expect(new IdentityStore(mem).load()).toBeNull();
    const none = new IdentityStore(null);
    none.save({ id: 'u', display_name: 'x', token: 't' });
    expect(none.load()).toBeNull();
  });
  it('remembers owned lobbies, newest first, bounded', () => {
    const store = new IdentityStore(new MemoryStore());
    for (let i = 0; i < MAX_OWNED_LOBBIES + 5; i++) store.addOwnedLobby(`L${i}`);
    store.addOwnedLobby('L10');
    const owned = store.ownedLobbies();
    expect(owned).toHaveLength(MAX_OWNED_LOBBIES);
    expect(owned[0]).toBe('L10');
    expect(store.owns('L0')).toBe(false);
    expect(store.owns(`L${MAX_OWNED_LOBBIES + 4}`)).toBe(true);
  });
});

describe('debug handle', () => {
  it('reads through and cannot be changed', () => {
    let at: number | null = null;
    const handle = createDebugHandle({
      peerConnections: () => [],
      lastMatchAt: () => at,
      lastMatchId: () => null,
      connectionState: () => 'connected',
      selfId: () => 'u1',
      callState: () => 'waiting',
      negotiationErrors: () => 2,
    });
    expect(handle).toMatchObject({ callState: 'waiting', negotiationErrors: 2, mediaFlowingMatchId: null });
    expect(handle.lastMatchAt).toBeNull();
    at = 42;
    expect(handle.lastMatchAt).toBe(42);
    expect(Object.isFrozen(handle)).toBe(true);
    expect(() => ((handle as { lastMatchAt: number | null }).lastMatchAt = 1)).toThrow();
    const target: { __swirl?: unknown } = {};
    installDebugHandle(
      {
        peerConnections: () => [],
        lastMatchAt: () => 7,
        lastMatchId: () => 'm',
        connectionState: () => 'x',
        selfId: () => null,
        callState: () => 'idle',
        negotiationErrors: () => 0,
      },
      target,
    );
    expect((target.__swirl as { lastMatchAt: number }).lastMatchAt).toBe(7);
  });
});

describe('parseServerMessage', () => {
  it('accepts the documented examples', () => {
    expect(parseServerMessage('{"type":"user_status","user_id":"Zq","status":"reconnecting"}')?.type).toBe('user_status');
    expect(parseServerMessage('{"type":"match_ended","match_id":"m","reason":"peer_left","ready":true}')?.type).toBe('match_ended');
    expect(parseServerMessage('{"type":"kicked","reason":"removed by the owner","ban_seconds":600}')?.type).toBe('kicked');
    expect(parseServerMessage('{"type":"lobby_closed","message":"bye"}')?.type).toBe('lobby_closed');
    expect(parseServerMessage('{"type":"error","code":"not_in_match","message":"x"}')?.type).toBe('error');
    expect(parseServerMessage('{"type":"announcement","message":"hi","at":"t"}')?.type).toBe('announcement');
    expect(parseServerMessage('{"type":"owner_changed","owner_id":"u8Jd2kLs9QmZx0Aa"}')).toEqual({
      type: 'owner_changed',
      owner_id: 'u8Jd2kLs9QmZx0Aa',
    });
  });
  it('rejects an owner_changed without an owner', () => {
    expect(parseServerMessage('{"type":"owner_changed"}')).toBeNull();
    expect(parseServerMessage('{"type":"owner_changed","owner_id":""}')).toBeNull();
    expect(parseServerMessage('{"type":"owner_changed","owner_id":7}')).toBeNull();
  });
  it('rejects a welcome whose match is malformed, and non-objects', () => {
    expect(parseServerMessage('{"type":"welcome","user":{"id":"u"},"lobby":{},"you":{"ready":false,"match":{"match_id":1}}}')).toBeNull();
    expect(parseServerMessage('[1]')).toBeNull();
    expect(parseServerMessage('{"type":"signal","from":"u"}')).toBeNull();
  });
  it('fills defaults for a minimal welcome', () => {
    const w = parseServerMessage('{"type":"welcome","user":{"id":"u"},"lobby":{"id":"L"}}');
    expect(w).toMatchObject({ type: 'welcome', ice_servers: [], you: { ready: false, match: null } });
  });
});
