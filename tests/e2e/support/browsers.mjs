// Launching the two browsers the way the tests need them: Debian's Chromium through
// playwright-core (CDP) and Firefox ESR through puppeteer-core (WebDriver BiDi), both with
// fake cameras and microphones so WebRTC has real media to send over loopback.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { CHROMIUM, FIREFOX } from './paths.mjs';

/** Chromium flags: headless, quiet, no network side traffic, fake media, loopback ICE. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

/** Time for a browser to start (cold start on a loaded two-core machine included). */
export const LAUNCH_TIMEOUT_MS = 60_000;

/**
 * Chromium with fake devices (`extraArgs`: more flags, e.g. a file as the fake camera). `fakeUi: false` drops `--use-fake-ui-for-media-stream`, so the
 * permission answer comes from the context's `permissions` (what is not granted is denied).
 */
export function launchChromium({ fakeUi = true, extraArgs = [] } = {}) {
  const args = fakeUi ? CHROMIUM_ARGS : CHROMIUM_ARGS.filter((a) => a !== '--use-fake-ui-for-media-stream');
  return chromium.launch({ executablePath: CHROMIUM, args: [...args, ...extraArgs], headless: true, timeout: LAUNCH_TIMEOUT_MS });
}

/**
 * Firefox ESR over WebDriver BiDi, allowed to use its fake camera and microphone on `origin`.
 * The persistent permission (permissions.manager.defaultsUrl) matters beyond the prompt: without
 * it Firefox gathers only its default-route address, and ICE over loopback fails.
 * Returns the browser with a `cleanup()` that also removes the permissions file.
 */
export async function launchFirefox(origin) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swirl-e2e-ff-'));
  const permissions = path.join(dir, 'permissions.txt');
  await writeFile(permissions, `origin\tcamera\t1\t${origin}\norigin\tmicrophone\t1\t${origin}\n`);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      'media.peerconnection.ice.loopback': true,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'permissions.manager.defaultsUrl': pathToFileURL(permissions).href,
    },
  });
  browser.cleanup = async () => {
    await browser.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  return browser;
}
