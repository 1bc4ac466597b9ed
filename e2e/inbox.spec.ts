// People in the loop (issue 17): a designer adds an approval step on the canvas and sets it in the inspector; a
// test run of the draft waits at it (the run page says for whom, with a link to the task); the approver finds
// the task in the Inbox with its business summary and business keys, approves it, and the waiting run continues
// to succeed. The demo's seeded billing-terms requests are in the approver's Inbox from the first start; PMO's
// resource manager picks one of the staffing request's proposed people by name and the run books them.
import { expect, test } from "./test";
import { addByCommand, canvasNode, signIn, screenshots } from "./helpers";
import { trpcMutation, trpcQuery } from "./triage-helpers";

test.use({ viewport: { width: 1600, height: 1000 } });
test.setTimeout(240_000);

const shot = screenshots("inbox", { env: "INBOX_SHOTS" });

test("a designer adds an approval step; a test run waits in the approver's Inbox; the approver approves and the run succeeds", async ({
  page,
  browser,
}) => {
  await signIn(page, "designer");
  const key = `terms-${Date.now().toString(36)}`;
  expect(
    (
      await trpcMutation(page.request, "flows.create", {
        key,
        name: `Terms ${key}`,
        domain: "invoice",
        ownerTeamKey: "finance",
      })
    ).error,
  ).toBeUndefined();
  const { draft } = await trpcQuery<{ draft: Record<string, unknown> }>(page.request, "flows.get", { flowKey: key });
  // A manual trigger whose input names a customer (the business key the Inbox shows).
  expect(
    (
      await trpcMutation(page.request, "flows.saveDraft", {
        flowKey: key,
        baseRevision: 1,
        draft: { ...draft, businessKeys: { customer: "$trigger.customer" } },
      })
    ).error,
  ).toBeUndefined();
  await page.goto(`/flows/${key}`);
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });

  // The approval step from the palette (Ctrl+K), then a map step after it.
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await addByCommand(page, "Approval");
  await expect(canvasNode(page, "approval")).toBeVisible();
  await expect(canvasNode(page, "approval")).toContainText("Approval · finance · due 2d");
  // The inspector edits it: who decides, when it is due.
  const inspector = page.getByTestId("inspector");
  await expect(inspector.locator('[data-field="assignee.team"]')).toHaveValue("finance");
  await inspector.locator('[data-field="due"]').fill("1d");
  await expect(canvasNode(page, "approval")).toContainText("due 1d");
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await addByCommand(page, "Logic Map");
  await expect(canvasNode(page, "map")).toBeVisible();
  await shot(page, "01-designer-approval-step");

  // A dry test run waits at the approval step.
  await page.getByRole("button", { name: "▶ Test run" }).click();
  const dialog = page.getByRole("dialog", { name: "Test run" });
  await dialog.getByLabel("Trigger payload").fill(JSON.stringify({ customer: "Northwind Logistics" }));
  await dialog.getByRole("button", { name: "Run test (dry run)" }).click();
  const bar = page.getByTestId("run-bar");
  await expect(bar).toHaveAttribute("data-status", "waiting", { timeout: 60_000 });
  const runHref = (await bar.getByRole("link", { name: "Open run" }).getAttribute("href"))!;

  // The approver's Inbox: the task with its business key; the run page says it waits for Finance.
  const ctx = await browser.newContext();
  const approver = await ctx.newPage();
  await signIn(approver, "approver");
  await approver.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
  await expect(approver.getByRole("heading", { level: 1, name: "Inbox" })).toBeVisible();
  // The demo's seeded billing-terms requests wait here from the first start.
  await expect(approver.getByRole("button", { name: /Payment terms for Northwind Logistics/ })).toBeVisible();
  await approver.goto(runHref);
  await expect(approver.getByTestId("run-tasks")).toContainText("Waiting for approval by Finance");
  await shot(approver, "02-run-waiting");
  await approver.getByRole("link", { name: "Open the task in your Inbox" }).click();
  const detail = approver.getByTestId("task-detail");
  await expect(detail).toContainText(`Approve Terms ${key}`);
  await expect(detail).toContainText("Northwind Logistics");
  await shot(approver, "03-inbox-task");
  await detail.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(approver.getByRole("status").filter({ hasText: "Decided: Approve —" })).toContainText(
    `Decided: Approve — Approve Terms ${key}. The run continues.`,
  );

  // The designer's test run continues and succeeds.
  await expect(bar).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await approver.goto(runHref);
  await expect(approver.getByTestId("run-tasks")).toContainText("Approve by approver@weft.local");
  await shot(approver, "04-run-succeeded");
  await ctx.close();
});

test("PMO's resource manager picks a proposed person by name, not by worker id; the run books them", async ({
  page,
}) => {
  await signIn(page, "pmo");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
  await page.getByRole("button", { name: /Staff .*\(request 46001\)/ }).click();
  const detail = page.getByTestId("task-detail");
  const pick = detail.getByLabel("Candidate");
  // The demo's staffing task offers the three best-ranked people by name and score (the flow's labelled choices).
  // Waited for: allTextContents() reads once, and the task's panel may still be loading (CI read an empty list).
  const options = pick.locator("option").filter({ hasNotText: "—" });
  await expect(options).toHaveCount(3);
  const labels = await options.allTextContents();
  for (const l of labels) expect(l).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ \(score \d\.\d\d\)$/);
  await pick.selectOption({ label: labels[0]! });
  await shot(page, "05-pmo-pick-list");
  // The run waiting behind the task (read before deciding: a decided task leaves the open list and its panel).
  const runHref = (await detail.getByRole("link", { name: /^Run / }).getAttribute("href"))!;
  const runId = runHref.split("/").pop()!;
  await detail.getByRole("button", { name: "Approve with changes" }).last().click();
  const decided = page.getByRole("status").filter({ hasText: "Decided:" }).first();
  await expect(decided).toContainText("The run continues.");
  await expect(decided.getByRole("link", { name: "Open the run" })).toHaveAttribute("href", runHref);
  // The run resumes and books the chosen person.
  await expect
    .poll(async () => (await trpcQuery<{ status: string }>(page.request, "runs.timeline", { runId })).status, {
      timeout: 90_000,
    })
    .toBe("succeeded");
});
