/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { tfjsWasmPlugin } from './tfjs-wasm-plugin.mjs';

// The dev server proxies the API and the lobby WebSockets to a locally running swirl-server,
// so `npm run dev` behaves like the built client served by the server itself.
// (Declared here rather than pulling in @types/node for one line.)
declare const process: { env: Record<string, string | undefined> };
const backend = process.env.SWIRL_BACKEND ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [svelte(), tfjsWasmPlugin()],
  // The background-blur worker (src/lib/blur/) imports TensorFlow.js as an ES module.
  worker: { format: 'es' },
  server: {
    proxy: {
      '/api': { target: backend, ws: true, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No source maps in what is shipped: they would publish the client's sources (issue 19).
    sourcemap: false,
    target: 'es2022',
  },
  test: {
    include: ['src/**/*.spec.ts'],
    environment: 'node',
    restoreMocks: true,
  },
});
