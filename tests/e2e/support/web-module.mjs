// Loads one of the web client's own TypeScript modules into Node, so a test can check a real
// server's answers with the very code the browser runs. Node 20 cannot run TypeScript, and the
// client has no Node build, so the module is transpiled alone with the TypeScript compiler the
// client already installs (web/node_modules, present wherever the client is built) and imported
// from a data: URL. That only works for a module without value imports (type imports are
// erased); the loader checks this and says so instead of failing obscurely.

import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './paths.mjs';

const WEB_DIR = path.join(REPO_ROOT, 'web');

/** Imports web/src/<relPath> (a .ts file with no value imports) and returns its exports. */
export async function importWebModule(relPath) {
  const require = createRequire(path.join(WEB_DIR, 'package.json'));
  let ts;
  try {
    ts = require('typescript');
  } catch (err) {
    throw new Error(`typescript not found under ${WEB_DIR}/node_modules (run npm ci in web/): ${err.message}`);
  }
  const file = path.join(WEB_DIR, 'src', relPath);
  const source = await readFile(file, 'utf8');
  const out = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, isolatedModules: true },
  });
  if (out.diagnostics?.length) {
    const text = out.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n');
    throw new Error(`${relPath} does not transpile:\n${text}`);
  }
  if (/^\s*import\s/m.test(out.outputText)) {
    throw new Error(`${relPath} has value imports; only modules whose imports are all 'import type' can be loaded here`);
  }
  return import(`data:text/javascript;base64,${Buffer.from(out.outputText).toString('base64')}`);
}
