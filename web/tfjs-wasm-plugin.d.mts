import type { Plugin } from 'vite';
export declare const TFJS_WASM_FILES: string[];
export declare const TFJS_WASM_VERSION: string;
export declare const TFJS_WASM_PATH: string;
export declare function tfjsWasmPlugin(): Plugin;
