// A poll trigger on the real app: a flow polling closed-won Salesforce opportunities, published with four
// eyes and promoted to production after a run in test; the designer's trigger inspector shows its source
// (connection, operation) without problems; the flow's catalog page shows the poll waiting for its start, a
// viewer cannot start it, and a designer of the owning team starts it from now — in production; test's poll
// keeps its own state.
import { expect, test } from "./test";
import { signInAs, trpcMutation } from "./triage-helpers";
import { canvasNode, promoteAs } from "./helpers";

const KEY = `deals-won-poll-${Date.now().toString(36)}`;
const FLOW = {
  dsl: "weft/1",
  key: KEY,
  version: "1.0.0",
  name: "Deals won (poll)",
  description: "One run per opportunity that became Closed Won in Salesforce.",
  domain: "opportunity",
  owner: "finance",
  classification: "internal",
  trigger: {
    type: "poll",
    connector: "salesforce",
    connection: "salesforce-prod",
    operation: "query",
    interval: "1m",
    input: {
      soql: "'SELECT Id, Name, Amount, SystemModstamp FROM Opportunity WHERE IsWon = true AND SystemModstamp >= ' & $substring($trigger.cursor, 0, 19) & 'Z ORDER BY SystemModstamp ASC, Id ASC'",
    },
    cursor: "SystemModstamp",
    recordId: "Id",
  },
  start: "note",
  steps: [{ id: "note", type: "map", output: { opportunity: "$trigger.Id", amount: "$trigger.Amount" } }],
};

async function ok<T>(r: Promise<{ status: number; data?: T; error?: string }>, what: string): Promise<T> {
  const x = await r;
  if (!x.data) throw new Error(`${what}: ${x.status} ${x.error}`);
  return x.data;
}

test("a poll trigger: inspected in the designer, published, promoted, and started from now on the flow's page", async ({
  page,
  browser,
}) => {
  test.setTimeout(360_000); // with a run in test and a promotion (four eyes) before production
  await signInAs(page, "designer");
  await ok(
    trpcMutation(page.request, "flows.create", {
      key: KEY,
      name: FLOW.name,
      domain: FLOW.domain,
      ownerTeamKey: FLOW.owner,
    }),
    "flows.create",
  );
  await ok(
    trpcMutation(page.request, "flows.saveDraft", { flowKey: KEY, baseRevision: 1, draft: FLOW }),
    "flows.saveDraft",
  );
  const requested = await ok(
    trpcMutation<{ ok: boolean; versionId?: string }>(page.request, "governance.versions.request", {
      flowKey: KEY,
      version: "1.0.0",
      dsl: FLOW,
      changelog: "First version.",
    }),
    "versions.request",
  );
  expect(requested.ok, JSON.stringify(requested)).toBe(true);

  // The designer: the trigger's inspector names the source, and the flow has no problems.
  await page.goto(`/flows/${KEY}`);
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await expect(canvasNode(page, "trigger")).toContainText("When records change");
  await canvasNode(page, "trigger").click();
  await expect(page.locator("#f-trigger-type")).toHaveValue("poll");
  await expect(page.locator("#f-poll-connection")).toHaveValue("salesforce-prod");
  await expect(page.locator("#f-poll-operation")).toHaveValue("query");
  await expect(page.locator("#f-poll-operation option")).not.toContainText(["Create record"]);
  await expect(page.getByTestId("problem-count")).toHaveAttribute("data-errors", "0");

  await signInAs(page, "approver");
  await ok(
    trpcMutation(page.request, "governance.versions.approve", { versionId: requested.versionId }),
    "versions.approve",
  );

  // Approval deployed it to test. The designer pins a polled record as the trigger's sample, runs the version in
  // test with it and has it promoted to production (four eyes), where the poll is started.
  await signInAs(page, "designer");
  await ok(
    trpcMutation(page.request, "flows.pinSample", {
      flowKey: KEY,
      nodeId: "trigger",
      payload: { Id: "006Wf0000000001AAA", Name: "Sample deal", Amount: 1000, SystemModstamp: "2026-11-02T09:00:00Z" },
    }),
    "flows.pinSample",
  );
  await promoteAs(page, browser, KEY, "1.0.0", { runInTest: true });

  // A viewer sees the poll waiting for its start, without the controls.
  await signInAs(page, "viewer");
  await page.goto(`/catalog/${KEY}`);
  const panel = page.getByRole("region", { name: "Poll trigger" });
  await expect(panel).toContainText("Not started");
  await expect(panel).toContainText("salesforce.query");
  await expect(panel.getByRole("button", { name: "Start poll" })).toHaveCount(0);

  // A designer of the owning team starts it from now.
  await signInAs(page, "designer");
  await page.goto(`/catalog/${KEY}`);
  await panel.getByRole("button", { name: "Start poll" }).click();
  await expect(panel).toContainText("Polling");
  await expect(panel).toContainText("Cursor");
  await expect(panel.getByRole("button", { name: "Restart poll" })).toBeVisible();

  // Per environment: test (deployed on approval, run there before the promotion) has a poll state of its own,
  // not started yet.
  const environments = panel.getByRole("group", { name: "Environment" });
  await expect(environments.getByRole("button")).toHaveText([/Production\s*Polling/, /Test\s*Not started/]);
  await environments.getByRole("button", { name: /Test/ }).click();
  await expect(panel).toContainText("Test · v1.0.0");
  await expect(panel.getByRole("button", { name: "Start poll", exact: true })).toBeVisible();
  await environments.getByRole("button", { name: /Production/ }).click();
  await expect(panel.getByRole("button", { name: "Restart poll" })).toBeVisible();
});
