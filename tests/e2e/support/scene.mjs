// One test's world: the pages and browsers it opened, closed afterwards whatever happened, and
// on failure a screenshot of every page (and the server's recent log) in test-artifacts/.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium } from './browsers.mjs';
import { ARTIFACTS_DIR } from './paths.mjs';
import { startServer } from './server.mjs';
import { TestPage } from './test-page.mjs';

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

/** Viewport for every page: small enough to screenshot cheaply, wide enough for the layout. */
export const VIEWPORT = { width: 960, height: 640 };

export class Scene {
  constructor(name, server) {
    this.name = name;
    this.server = server;
    this.pages = [];
    this.closers = [];
  }

  /** Runs `close` when the scene ends (last registered, first run). */
  defer(close) {
    this.closers.push(close);
  }

  /** A new Chromium context (its own storage, hence its own Swirl user) and page. */
  async chromiumPage(browser, label, contextOptions = {}) {
    const context = await browser.newContext({ viewport: VIEWPORT, ...contextOptions });
    this.defer(() => context.close());
    const page = await context.newPage();
    const tp = new TestPage(page, 'playwright', label);
    this.pages.push(tp);
    return tp;
  }

  /** The first tab of a puppeteer (Firefox) browser. */
  async puppeteerPage(browser, label) {
    const [existing] = await browser.pages();
    const page = existing ?? (await browser.newPage());
    await page.setViewport(VIEWPORT);
    const tp = new TestPage(page, 'puppeteer', label);
    this.pages.push(tp);
    return tp;
  }

  async saveFailureArtifacts(error) {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const base = slug(this.name);
    for (const tp of this.pages) {
      const file = path.join(ARTIFACTS_DIR, `${base}--${slug(tp.label)}.png`);
      await tp.screenshot(file).catch((err) => console.error(`# screenshot of ${tp.label} failed: ${err.message}`));
    }
    const report = [
      `test: ${this.name}`,
      `error: ${error?.stack ?? error}`,
      ...this.pages.map((tp) => `console errors of ${tp.label}:\n  ${tp.errors.join('\n  ') || '(none)'}`),
      `server log (tail):\n${this.server?.log() ?? '(no server)'}`,
    ].join('\n\n');
    await writeFile(path.join(ARTIFACTS_DIR, `${base}.log`), report);
  }

  async close() {
    for (const close of this.closers.reverse()) await Promise.resolve().then(close).catch(() => undefined);
  }
}

/**
 * Declares a test whose body gets a Scene; on failure every page is screenshotted into
 * test-artifacts/ before the scene is torn down. `getServer` is read when the test starts.
 */
export function scenario(name, getServer, body, options = {}) {
  return test(name, options, async (t) => {
    const scene = new Scene(name, getServer());
    try {
      await body(scene, t);
    } catch (err) {
      await scene.saveFailureArtifacts(err);
      throw err;
    } finally {
      await scene.close();
    }
  });
}

/**
 * The usual fixture of a spec file: one fresh server (startServer's options) and one Chromium
 * for all its tests, started before the first and stopped after the last. The returned object
 * holds `server` and `browser` once the file's `before` hook has run.
 */
export function serverAndChromium(serverOptions) {
  const env = { server: undefined, browser: undefined };
  before(async () => {
    env.server = await startServer(serverOptions);
    env.browser = await launchChromium();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
