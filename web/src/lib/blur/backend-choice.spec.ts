import { describe, expect, it } from 'vitest';
import { chooseBackend, isSoftwareRenderer, type BackendProbe } from './backend-choice';

const probe = (webgl: Partial<BackendProbe['webgl']>, wasm: Partial<BackendProbe['wasm']> = {}): BackendProbe => ({
  webgl: { available: true, renderer: 'ANGLE (NVIDIA GeForce RTX 3060)', majorPerformanceCaveat: false, ...webgl },
  wasm: { available: true, simd: true, ...wasm },
});

describe('chooseBackend', () => {
  it('takes hardware WebGL first, then WASM SIMD, then CPU', () => {
    const c = chooseBackend(probe({}));
    expect(c.order).toEqual(['webgl', 'wasm', 'cpu']);
    expect(c.reason).toContain('hardware-accelerated');
  });

  it('skips a software WebGL (SwiftShader here, llvmpipe on Linux without a GPU)', () => {
    for (const renderer of [
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'Microsoft Basic Render Driver',
    ]) {
      expect(isSoftwareRenderer(renderer)).toBe(true);
      const c = chooseBackend(probe({ renderer }));
      expect(c.order).toEqual(['wasm', 'cpu']);
      expect(c.reason).toContain('software-rendered');
    }
  });

  it('trusts the performance caveat when the renderer is hidden', () => {
    expect(chooseBackend(probe({ renderer: null, majorPerformanceCaveat: true })).order).toEqual(['wasm', 'cpu']);
    expect(chooseBackend(probe({ renderer: null })).order).toEqual(['webgl', 'wasm', 'cpu']);
    expect(isSoftwareRenderer(null)).toBe(false);
  });

  it('falls back to CPU without WebGL and without WASM SIMD', () => {
    const noSimd = chooseBackend(probe({ available: false, renderer: null }, { simd: false }));
    expect(noSimd.order).toEqual(['cpu']);
    expect(noSimd.reason).toContain('no WebGL');
    expect(noSimd.reason).toContain('without SIMD');
    expect(chooseBackend(probe({ available: false }, { available: false, simd: false })).reason).toContain('no WebAssembly');
  });

  it('a forced backend goes first, the automatic order behind it', () => {
    const c = chooseBackend(probe({ renderer: 'SwiftShader' }), 'webgl');
    expect(c.order).toEqual(['webgl', 'wasm', 'cpu']);
    expect(c.reason).toContain('forced');
    expect(chooseBackend(probe({}), 'cpu').order).toEqual(['cpu', 'webgl', 'wasm']);
  });
});
