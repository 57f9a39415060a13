/// <reference types="svelte" />
/// <reference types="vite/client" />

/** Where the TF.js WASM binaries are served from our origin (tfjs-wasm-plugin.mjs). */
declare const __SWIRL_TFJS_WASM_PATH__: string;
