// Issue 14's browser checks: an accessibility audit with axe-core (npm) in the page, the two
// viewport sizes the issue names, and screenshots for docs/ (written only when asked, so a normal
// run never changes tracked files).

import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT } from './paths.mjs';

/** A laptop screen: where the issue saw the main button pushed below the fold. */
export const DESKTOP = { width: 1280, height: 800 };
/** A phone (with isMobile and hasTouch in the context). */
export const PHONE = { width: 390, height: 844 };

/** Where screens for the docs go: docs/screens/ (README shows docs/call-view.png). */
export const SCREENS_DIR = path.join(REPO_ROOT, 'docs', 'screens');

const require = createRequire(import.meta.url);
let axeSource = null;

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now and fails on any
 * serious or critical finding, listing each with the elements it names. Returns the counts.
 */
export async function auditAccessibility(tp, where) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await tp.evaluate(() => typeof window.axe !== 'undefined');
  // Evaluated as a script through the driver (not eval in the page), so a strict CSP allows it.
  if (!loaded) await tp.evaluate(axeSource);
  const result = await tp.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return {
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1, 2).join(' ') ?? ''}`),
      })),
      passes: r.passes.length,
    };
  });
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.equal(
    serious.length,
    0,
    `${tp.label}, ${where}: axe found ${serious.length} serious finding(s):\n` +
      serious.map((v) => `  ${v.impact} ${v.id} (${v.help})\n    ${v.nodes.join('\n    ')}`).join('\n'),
  );
  return { passes: result.passes, minor: result.violations.length };
}

/** Saves a screenshot as docs/screens/<name>.png when SWIRL_E2E_SCREENSHOTS=1 (and call-view to docs/). */
export async function screenshotForDocs(tp, name) {
  if (process.env.SWIRL_E2E_SCREENSHOTS !== '1') return;
  const file = name === 'call-view' ? path.join(REPO_ROOT, 'docs', 'call-view.png') : path.join(SCREENS_DIR, `${name}.png`);
  await mkdir(path.dirname(file), { recursive: true });
  await tp.screenshot(file);
}

/** Saves one element (by test id) as docs/screens/<name>.png when SWIRL_E2E_SCREENSHOTS=1. */
export async function screenshotElementForDocs(tp, testId, name) {
  if (process.env.SWIRL_E2E_SCREENSHOTS !== '1') return;
  await mkdir(SCREENS_DIR, { recursive: true });
  await tp.page.locator(`[data-testid="${testId}"]`).screenshot({ path: path.join(SCREENS_DIR, `${name}.png`) });
}
