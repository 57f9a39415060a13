import { describe, expect, it } from 'vitest';
import { lobbyIdFromInvite, parseRoute } from './router';

describe('parseRoute', () => {
  it('knows home and lobby routes', () => {
    expect(parseRoute('/')).toEqual({ name: 'home' });
    expect(parseRoute('')).toEqual({ name: 'home' });
    expect(parseRoute('/l/k3J9sQ2mXa7Lp0Zt')).toEqual({ name: 'lobby', lobbyId: 'k3J9sQ2mXa7Lp0Zt' });
    expect(parseRoute('/l/abc/')).toEqual({ name: 'lobby', lobbyId: 'abc' });
  });
  it('rejects other paths and bad ids', () => {
    expect(parseRoute('/x').name).toBe('not_found');
    expect(parseRoute('/l/').name).toBe('not_found');
    expect(parseRoute('/l/a%2Fb').name).toBe('not_found');
    expect(parseRoute('/l/%E0%A4%A').name).toBe('not_found');
  });
});

describe('lobbyIdFromInvite', () => {
  it('accepts full links, paths and bare ids', () => {
    expect(lobbyIdFromInvite('https://swirl.example/l/abc123')).toBe('abc123');
    expect(lobbyIdFromInvite(' /l/abc123 ')).toBe('abc123');
    expect(lobbyIdFromInvite('abc123')).toBe('abc123');
  });
  it('rejects anything else', () => {
    expect(lobbyIdFromInvite('')).toBeNull();
    expect(lobbyIdFromInvite('https://swirl.example/other')).toBeNull();
    expect(lobbyIdFromInvite('not an id!')).toBeNull();
  });
});
