// Serves TensorFlow.js's WASM backend binaries from our own origin: the build copies them
// from node_modules into dist/tfjs/<version>/ (the server gives /tfjs/ long-lived caching, and
// a new version gets a new folder), and the dev server answers the same paths. The version
// comes from the installed package, so the copy always matches the JavaScript that loads it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
const distDir = join(dirname(packageJson), 'dist');

/** The WASM binaries the backend may ask for (plain, SIMD, threaded SIMD). */
export const TFJS_WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

export const TFJS_WASM_VERSION = JSON.parse(readFileSync(packageJson, 'utf8')).version;

/** The URL folder the client passes to setWasmPaths(). */
export const TFJS_WASM_PATH = `/tfjs/${TFJS_WASM_VERSION}/`;

export function tfjsWasmPlugin() {
  return {
    name: 'swirl-tfjs-wasm',
    config() {
      return { define: { __SWIRL_TFJS_WASM_PATH__: JSON.stringify(TFJS_WASM_PATH) } };
    },
    generateBundle() {
      for (const name of TFJS_WASM_FILES) {
        this.emitFile({ type: 'asset', fileName: `tfjs/${TFJS_WASM_VERSION}/${name}`, source: readFileSync(join(distDir, name)) });
      }
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.startsWith(TFJS_WASM_PATH) ? req.url.slice(TFJS_WASM_PATH.length).split('?')[0] : null;
        if (!name || !TFJS_WASM_FILES.includes(name)) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(join(distDir, name)));
      });
    },
  };
}
