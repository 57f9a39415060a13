// One browser tab seen the same way whichever driver opened it: playwright-core for Chromium,
// puppeteer-core (WebDriver BiDi) for Firefox. Elements are addressed by their data-testid
// (docs/web-client.md lists them). Console errors and uncaught page errors are recorded.

/** Default deadline for one UI step (an element to appear, a state to change). */
export const STEP_TIMEOUT_MS = 15_000;

export const byTestId = (id) => `[data-testid="${id}"]`;

export class TestPage {
  /**
   * @param page a playwright or puppeteer Page
   * @param driver 'playwright' | 'puppeteer'
   * @param label a short name for reports and screenshots ("ada", "firefox-bo")
   */
  constructor(page, driver, label) {
    this.page = page;
    this.driver = driver;
    this.label = label;
    /** Console messages of type error and uncaught exceptions, as text. */
    this.errors = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.errors.push(`console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.errors.push(`uncaught: ${err?.message ?? err}`));
  }

  goto(url) {
    return this.page.goto(url, { waitUntil: 'load' });
  }

  /** Clicks like a user would (a trusted event, so autoplay with sound is allowed afterwards). */
  click(testId) {
    if (this.driver === 'playwright') return this.page.locator(byTestId(testId)).click({ timeout: STEP_TIMEOUT_MS });
    return this.page.locator(byTestId(testId)).setTimeout(STEP_TIMEOUT_MS).click();
  }

  /**
   * Clicks a button or input the way its own page would (element.click(): the handlers a user's
   * click runs, as an untrusted event) once a user could click it: enabled, visible, and not
   * covered at its centre (document.elementFromPoint). For pages in a call on a loaded machine:
   * there Chromium's input round trip (the reply to Input.dispatchMouseEvent) stalled past the
   * step deadline although the click had already taken effect (the dialog it opens was on
   * screen), so `click` failed on the driver's side, not the page's.
   */
  activate(testId, { timeout = STEP_TIMEOUT_MS } = {}) {
    return this.waitFor(
      (id) => {
        const el = document.querySelector(`[data-testid="${id}"]`);
        if (!el || el.disabled) return false;
        el.scrollIntoView({ block: 'nearest' });
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility !== 'visible') return false;
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        const labels = [...(el.labels ?? [])];
        if (!hit || !(el.contains(hit) || labels.some((l) => l.contains(hit)))) return false;
        el.click();
        return true;
      },
      testId,
      { timeout, what: `[data-testid=${testId}] to be enabled, visible and uncovered, then clicked` },
    );
  }

  /** Types into a text field the way its own page would (value, then an input event); see activate. */
  typeInPage(testId, text) {
    return this.waitFor(
      ({ id, text }) => {
        const el = document.querySelector(`[data-testid="${id}"]`);
        if (!el || el.disabled) return false;
        el.focus();
        el.value = text;
        el.dispatchEvent(new Event('input', { bubbles: true }));
        return true;
      },
      { id: testId, text },
      { what: `[data-testid=${testId}] to take text` },
    );
  }

  /** Taps like a finger would (the context needs hasTouch); Chromium only. */
  tap(testId) {
    return this.page.locator(byTestId(testId)).tap({ timeout: STEP_TIMEOUT_MS });
  }

  /** Presses a key on the focused element, as a keyboard user would. */
  press(key) {
    return this.page.keyboard.press(key);
  }

  fill(testId, text) {
    if (this.driver === 'playwright') return this.page.locator(byTestId(testId)).fill(text, { timeout: STEP_TIMEOUT_MS });
    return this.page.locator(byTestId(testId)).setTimeout(STEP_TIMEOUT_MS).fill(text);
  }

  /** Picks an option of a <select> by value. */
  select(testId, value) {
    if (this.driver === 'playwright') return this.page.locator(byTestId(testId)).selectOption(value, { timeout: STEP_TIMEOUT_MS });
    return this.page.select(byTestId(testId), value);
  }

  evaluate(fn, arg) {
    return this.page.evaluate(fn, arg);
  }

  /** Waits until `fn(arg)` is truthy in the page; `what` names the wait in the error. */
  async waitFor(fn, arg, { timeout = STEP_TIMEOUT_MS, what = 'page condition', polling = 100 } = {}) {
    try {
      const handle =
        this.driver === 'playwright'
          ? await this.page.waitForFunction(fn, arg, { timeout, polling })
          : await this.page.waitForFunction(fn, { timeout, polling }, arg);
      const value = await handle.jsonValue().catch(() => undefined);
      await handle.dispose().catch(() => undefined);
      return value;
    } catch (err) {
      throw new Error(`${this.label}: timed out after ${timeout} ms waiting for ${what}`, { cause: err });
    }
  }

  /** Waits for an element with this test id (and optional attribute values) to be in the page. */
  waitForTestId(testId, attrs = {}, options = {}) {
    return this.waitFor(
      ({ testId, attrs }) => {
        const el = document.querySelector(`[data-testid="${testId}"]`);
        if (!el) return false;
        return Object.entries(attrs).every(([k, v]) => el.getAttribute(k) === v);
      },
      { testId, attrs },
      { what: `[data-testid=${testId}]${Object.entries(attrs).map(([k, v]) => `[${k}=${v}]`).join('')}`, ...options },
    );
  }

  /** The current attribute of an element by test id, or null when absent. */
  attribute(testId, name) {
    return this.evaluate(
      ({ testId, name }) => document.querySelector(`[data-testid="${testId}"]`)?.getAttribute(name) ?? null,
      { testId, name },
    );
  }

  text(testId) {
    return this.evaluate((testId) => document.querySelector(`[data-testid="${testId}"]`)?.textContent ?? null, testId);
  }

  screenshot(file) {
    return this.page.screenshot({ path: file, fullPage: false });
  }
}
