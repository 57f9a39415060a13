import { describe, expect, it } from 'vitest';
import { parseIceServers } from './ice';
import { parseServerMessage } from './protocol';

const turn = {
  urls: ['turn:127.0.0.1:3478?transport=udp'],
  username: '1733420000:u8Jd2kLs9QmZx0Aa',
  credential: 'eiG8DpVyGCfaCsMp6QeAi8F32Ck=',
};

describe('parseIceServers', () => {
  it('keeps STUN and TURN entries as RTCIceServers', () => {
    expect(parseIceServers([{ urls: ['stun:h:3478'] }, turn, { urls: 'stun:single:1' }])).toEqual([
      { urls: ['stun:h:3478'] },
      turn,
      { urls: 'stun:single:1' },
    ]);
  });
  it('drops malformed entries instead of letting RTCPeerConnection throw', () => {
    expect(
      parseIceServers([
        null,
        'stun:h',
        [],
        {},
        { urls: [] },
        { urls: [1] },
        { urls: ['turn:h'], username: 5, credential: 'c' },
        { urls: ['turn:h'], username: 'u', credential: {} },
        { urls: ['stun:ok'] },
      ]),
    ).toEqual([{ urls: ['stun:ok'] }]);
    expect(parseIceServers({ urls: 'stun:h' })).toBeNull();
    expect(parseIceServers(undefined)).toBeNull();
  });
});

describe('ICE servers in the protocol', () => {
  it('welcome carries ice_servers and ice_expires_at', () => {
    const w = parseServerMessage(
      JSON.stringify({
        type: 'welcome',
        user: { id: 'u' },
        lobby: { id: 'L' },
        ice_servers: [{ urls: ['stun:h:3478'] }, turn, { urls: 7 }],
        ice_expires_at: '2024-12-05T17:33:20.000Z',
      }),
    );
    expect(w).toMatchObject({
      type: 'welcome',
      ice_servers: [{ urls: ['stun:h:3478'] }, turn],
      ice_expires_at: '2024-12-05T17:33:20.000Z',
    });
  });
  it('welcome without an expiry (STUN only, or an older server) says null', () => {
    const w = parseServerMessage('{"type":"welcome","user":{"id":"u"},"lobby":{"id":"L"},"ice_servers":[],"ice_expires_at":null}');
    expect(w).toMatchObject({ ice_servers: [], ice_expires_at: null });
    expect(parseServerMessage('{"type":"welcome","user":{"id":"u"},"lobby":{"id":"L"}}')).toMatchObject({ ice_expires_at: null });
  });
  it('parses ice_servers refreshes and refuses ones without a list', () => {
    expect(
      parseServerMessage(JSON.stringify({ type: 'ice_servers', ice_servers: [turn], expires_at: '2026-12-05T18:00:00.000Z' })),
    ).toEqual({
      type: 'ice_servers',
      ice_servers: [turn],
      expires_at: '2026-12-05T18:00:00.000Z',
    });
    expect(parseServerMessage('{"type":"ice_servers","ice_servers":[{"urls":["stun:h"]}],"expires_at":null}')).toEqual({
      type: 'ice_servers',
      ice_servers: [{ urls: ['stun:h'] }],
      expires_at: null,
    });
    expect(parseServerMessage('{"type":"ice_servers","expires_at":null}')).toBeNull();
    expect(parseServerMessage('{"type":"ice_servers","ice_servers":"turn:h"}')).toBeNull();
  });
});
