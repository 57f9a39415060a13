// PENDING (not in run.mjs's specs/ yet): on the loaded development machine both scenarios timed
// out on the click of "Report or block" in a call page (Playwright's 15 s click timeout; the
// page's main thread did not answer), so it has not passed once. Move it to specs/ once it does.
// Issue 17, safety for people who meet strangers: in real Chromium, a member reports their
// partner from the call ("Report or block"), the lobby's owner sees the report in the owner
// panel and bans from there; a member blocks their partner: the call ends at once with a clear
// notice, the partner is told only that they left, and the two are never matched again although
// the lobby allows repeats at once. The dialog and the panel's report list pass axe-core.

import assert from "node:assert/strict";
import { scenario, serverAndChromium } from "../support/scene.mjs";
import { ApiClient } from "../support/server.mjs";
import {
  getReady,
  joinByInvite,
  selfId,
  waitConnected,
  waitInCall,
} from "../support/swirl.mjs";
import { auditAccessibility } from "../support/ux.mjs";

const env = serverAndChromium([]);

async function apiAs(tp) {
  const identity = await tp.evaluate(() =>
    JSON.parse(localStorage.getItem("swirl.identity.v1") ?? "null"),
  );
  assert.ok(identity?.token, `${tp.label} has a token`);
  return new ApiClient(env.server.url, identity.token);
}

/** A lobby made in this browser (its owner), where met pairs may meet again at once. */
async function repeatingLobby(tp, name, lobbyName) {
  await tp.goto(`${env.server.url}/`);
  await tp.fill("display-name-input", name);
  await tp.click("name-submit");
  await tp.fill("lobby-name-input", lobbyName);
  await tp.click("create-lobby-button");
  await waitConnected(tp);
  await tp.waitForTestId("owner-panel");
  const invite = await tp.evaluate(
    () => document.querySelector('[data-testid="invite-link"]').value,
  );
  const lobbyId = invite.split("/l/")[1];
  const api = await apiAs(tp);
  await api.request("PATCH", `/api/lobbies/${lobbyId}/settings`, {
    when_exhausted: "repeat",
    repeat_after_seconds: 0,
  });
  return { invite, lobbyId, api };
}

/** The test id of the owner panel's report about `reportedId`, once it is listed. */
async function reportRow(tp, reportedId) {
  await tp.waitFor(
    (id) =>
      !!document.querySelector(
        `[data-testid^="owner-report-"][data-reported="${id}"]`,
      ),
    reportedId,
    { timeout: 10_000, what: "the report in the owner panel" },
  );
  return tp.evaluate(
    (id) =>
      document.querySelector(
        `[data-testid^="owner-report-"][data-reported="${id}"]`,
      ).dataset.testid,
    reportedId,
  );
}

scenario(
  "a report from the call reaches the owner panel, and the owner bans from there",
  () => env.server,
  async (scene) => {
    const olga = await scene.chromiumPage(env.browser, "olga-owner");
    const ada = await scene.chromiumPage(env.browser, "ada");
    const bo = await scene.chromiumPage(env.browser, "bo");
    const { invite, lobbyId, api } = await repeatingLobby(
      olga,
      "Olga",
      "Safety",
    );
    await joinByInvite(ada, invite, "Ada");
    await joinByInvite(bo, invite, "Bo");
    const boId = await selfId(bo);
    await olga.waitForTestId("owner-no-reports");

    await getReady(ada);
    await getReady(bo);
    await waitInCall(ada);
    await waitInCall(bo);

    // Ada opens "Report or block": a reason is needed to send a report.
    await ada.click("report-button");
    await ada.waitForTestId("report-dialog");
    await auditAccessibility(ada, "report dialog in a call");
    await ada.click("report-send");
    assert.match(await ada.text("report-problem"), /Choose what happened/);
    await ada.click("report-reason-harassment");
    await ada.fill("report-details", "kept insulting me");
    await ada.click("report-send");
    await ada.waitForTestId("safety-notice", { "data-kind": "reported" });
    // A report alone leaves the call as it is, and Bo hears nothing of it.
    assert.equal(await ada.attribute("call-view", "data-count"), "1");
    assert.equal(await bo.attribute("call-view", "data-count"), "1");
    assert.equal(
      await bo.evaluate(
        () => !!document.querySelector('[data-testid="safety-notice"]'),
      ),
      false,
    );

    // The owner panel lists it (newest first) with the reason, who and the details.
    const row = await reportRow(olga, boId);
    const text = await olga.text(row);
    assert.match(text, /Harassment or bullying: Bo/);
    assert.match(text, /reported by Ada/);
    assert.match(text, /during a call/);
    assert.match(text, /kept insulting me/);
    await auditAccessibility(olga, "owner panel with a report");

    // Ban from the report (7 days): Bo is removed and kept out.
    const reportId = row.slice("owner-report-".length);
    await olga.select("report-ban-length", String(7 * 24 * 3600));
    await olga.click(`report-ban-${reportId}`);
    await olga.waitForTestId("owner-feedback", { "data-ok": "true" });
    assert.match(
      await olga.text("owner-feedback"),
      /Bo is kept out for 7 days/,
    );
    await bo.waitForTestId("lobby-gone", {}, { timeout: 10_000 });
    const boApi = await apiAs(bo);
    await assert.rejects(
      boApi.request("GET", `/api/lobbies/${lobbyId}`),
      /403.*banned/,
    );
    // The report stays until dismissed; Bo is not here any more.
    await olga.waitFor(
      (t) =>
        /not here now/.test(
          document.querySelector(`[data-testid="${t}"]`)?.textContent ?? "",
        ),
      row,
      {
        what: "the report to show Bo gone",
      },
    );
    await olga.click(`report-dismiss-${reportId}`);
    await olga.waitForTestId("owner-no-reports");
    const state = await api.request("GET", `/api/lobbies/${lobbyId}/state`);
    assert.deepEqual(state.reports, []);
  },
);

scenario(
  "a block ends the call at once and the two are never matched again",
  () => env.server,
  async (scene) => {
    const olga = await scene.chromiumPage(env.browser, "olga-owner");
    const cy = await scene.chromiumPage(env.browser, "cy");
    const dan = await scene.chromiumPage(env.browser, "dan");
    const { invite } = await repeatingLobby(olga, "Olga", "Blocks");
    await joinByInvite(cy, invite, "Cy");
    await joinByInvite(dan, invite, "Dan");

    await getReady(cy);
    await getReady(dan);
    await waitInCall(cy);
    await waitInCall(dan);

    await cy.click("report-button");
    await cy.waitForTestId("report-dialog");
    await cy.click("report-block-only");
    // Cy: out of the call with a clear notice; Dan: only that their partner left.
    await cy.waitForTestId("match-ended-notice", { "data-reason": "blocked" });
    await cy.waitForTestId("safety-notice", { "data-kind": "blocked" });
    assert.match(
      await cy.text("safety-notice"),
      /Dan is blocked: you will not be matched with them again/,
    );
    assert.equal(
      await cy.evaluate(
        () => !!document.querySelector('[data-testid="call-view"]'),
      ),
      false,
    );
    await dan.waitForTestId("match-ended-notice", {
      "data-reason": "peer_left",
    });
    assert.equal(
      await dan.evaluate(
        () => !!document.querySelector('[data-testid="safety-notice"]'),
      ),
      false,
    );

    // Both are back in line, repeats are allowed at once, and still they are not matched.
    await cy.waitForTestId("waiting-reason", { "data-reason": "met_everyone" });
    await dan.waitForTestId("waiting-reason", {
      "data-reason": "met_everyone",
    });
    assert.equal(
      await cy.evaluate(() => window.__swirl.peerConnections.length),
      0,
    );
    // Someone new is matched with one of them at once: the lobby itself still matches.
    const eve = await scene.chromiumPage(env.browser, "eve");
    await joinByInvite(eve, invite, "Eve");
    await getReady(eve);
    await waitInCall(eve);
  },
);
