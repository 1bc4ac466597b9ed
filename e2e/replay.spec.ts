// Edit & replay of a webhook run, end to end: a signed webhook creates a NetSuite customer and then fails at
// the invoice (injected fault). The operator edits the body in the run's {body, headers, query} input, sees
// which steps the replay reuses and which run again, replays, and the exception resolves — with one customer
// record in the sandbox, not two.
import { createHmac } from "node:crypto";
import { expect, test, type APIRequestContext } from "./test";
import { VENDOR_BILLING_WEBHOOK_FLOW as FLOW } from "../server/seed/vendor-billing-flow";
import {
  clearFaults,
  injectFaults,
  netsuiteAdmin,
  sandboxAdmin,
  shot,
  signInAs,
  trpcMutation,
  waitForExceptions,
} from "./triage-helpers";
import { promoteAs } from "./helpers";

const SECRET = "whsec_e2e_replay_0123456789";
const COMPANY = "E2E Replay Outfitters";

async function ok<T>(r: Promise<{ status: number; data?: T; error?: string }>, what: string): Promise<T> {
  const x = await r;
  if (!x.data) throw new Error(`${what}: ${x.status} ${x.error}`);
  return x.data;
}

/** Records of a NetSuite sandbox collection matching a predicate (the vendor-side truth). */
async function records(
  request: APIRequestContext,
  admin: string,
  type: string,
  match: (r: Record<string, unknown>) => boolean,
): Promise<number> {
  const body = (await (await sandboxAdmin(request, "GET", `${admin}/records/${type}`)).json()) as {
    records: Array<Record<string, unknown>>;
  };
  return body.records.filter(match).length;
}

test("edit & replay of a webhook run: the plan shows what runs again, the replay reuses the customer and resolves the exception", async ({
  page,
  browser,
}) => {
  test.setTimeout(360_000); // with a run in test and a promotion (four eyes) before production
  // Set-up through the product's own API: the signing secret (admin), the flow published with four eyes; then
  // promoted to production on its catalog page after a run in test.
  await signInAs(page, "admin");
  await ok(
    trpcMutation(page.request, "connections.create", {
      key: FLOW.trigger.secret,
      name: "Vendor billing webhook",
      connectorKey: "webhook",
      config: {},
      secrets: { signingSecret: SECRET },
    }),
    "connections.create",
  );
  await signInAs(page, "designer");
  await ok(
    trpcMutation(page.request, "flows.create", {
      key: FLOW.key,
      name: FLOW.name,
      domain: FLOW.domain,
      ownerTeamKey: FLOW.owner,
    }),
    "flows.create",
  );
  const requested = await ok(
    trpcMutation<{ ok: boolean; versionId?: string }>(page.request, "governance.versions.request", {
      flowKey: FLOW.key,
      version: FLOW.version,
      dsl: FLOW,
      changelog: "First version.",
    }),
    "versions.request",
  );
  expect(requested.ok, JSON.stringify(requested)).toBe(true);
  await signInAs(page, "approver");
  await ok(
    trpcMutation(page.request, "governance.versions.approve", { versionId: requested.versionId }),
    "versions.approve",
  );
  // Approval deployed it to test: one delivery there (another company, so the vendor's records of COMPANY stay
  // the replay's), then the promotion to production with four eyes, on the flow's page.
  const deliver = (body: Record<string, unknown>, query: string) => {
    const raw = JSON.stringify(body);
    const ts = Math.floor(Date.now() / 1000);
    return page.request.post(`/api/hooks/${FLOW.key}?${query}`, {
      headers: {
        "content-type": "application/json",
        "x-weft-timestamp": String(ts),
        "x-weft-signature": `v1=${createHmac("sha256", SECRET).update(`${ts}.${raw}`).digest("hex")}`,
      },
      data: raw,
    });
  };
  await signInAs(page, "designer");
  const trial = await deliver({ invoice: "INV-88000", company: "E2E Replay Trial", hours: 1, amount: 150 }, "env=test");
  expect(trial.status()).toBe(202);
  await promoteAs(page, browser, FLOW.key, FLOW.version);

  // The sender's webhook while NetSuite refuses invoices: the customer is created, the invoice fails.
  await signInAs(page, "admin");
  const admin = await netsuiteAdmin(page.request);
  await injectFaults(page.request, admin, { errorRate: 1, errorStatus: 400, pathPattern: "invoice" });
  try {
    const res = await deliver({ invoice: "INV-88001", company: COMPANY, hours: 12, amount: 1800 }, "source=e2e");
    expect(res.status()).toBe(202);
    await waitForExceptions(page.request, { q: "inv-88001" }, 1);
  } finally {
    await clearFaults(page.request, admin);
  }
  expect(await records(page.request, admin, "customer", (r) => r.companyName === COMPANY)).toBe(1);

  await signInAs(page, "operator");
  await page.goto("/exceptions?q=INV-88001&view=list");
  await page.getByTestId("exception-row").first().getByRole("link").first().click();
  await page.getByRole("button", { name: "Edit & replay" }).click();
  const editor = page.getByLabel("Run input");
  const original = await editor.inputValue();
  const input = JSON.parse(original) as {
    body: Record<string, unknown>;
    headers: Record<string, string>;
    query: Record<string, string>;
  };
  // The editor holds the run's input as the trigger produced it, and checks it as such.
  expect(input.body).toEqual({ invoice: "INV-88001", company: COMPANY, hours: 12, amount: 1800 });
  expect(input.query).toEqual({ source: "e2e" });
  const replayButton = page.getByRole("button", { name: "Replay with this input" });
  const plan = page.getByLabel("Replay plan");
  await expect(plan).toContainText("1 step reused from the original run, 1 runs again");
  await expect(replayButton).toBeEnabled();

  // The body alone (what the webhook's payload schema describes) is not the run's input: refused, named.
  await editor.fill(JSON.stringify(input.body, null, 2));
  await expect(page.getByRole("alert").filter({ hasText: "body" })).toContainText('"body" is required');
  await expect(replayButton).toBeDisabled();

  // Edit the body: 15 hours instead of 12. The customer step's input is unchanged (reused), the invoice runs.
  await editor.fill(JSON.stringify({ ...input, body: { ...input.body, hours: 15, amount: 2250 } }, null, 2));
  await expect(page.getByLabel("What changed")).toContainText("/body/hours");
  const steps = page.getByTestId("replay-plan-step");
  await expect(steps).toHaveCount(2);
  await expect(steps.nth(0)).toContainText("reused — not called again");
  await expect(steps.nth(0)).toContainText("Customer record in NetSuite");
  await expect(steps.nth(1)).toContainText("runs again");
  await expect(steps.nth(1)).toContainText("Invoice in NetSuite");
  await expect(replayButton).toBeEnabled();
  await shot(page, "replay-plan-webhook");
  await replayButton.click();
  await expect(page.getByText(/Replay started as run/)).toBeVisible();
  await expect(page.getByTestId("resolution")).toContainText("Succeeded on replay", { timeout: 30_000 });
  await expect(page.getByRole("list", { name: "History" })).toContainText(
    "reused createCustomer · ran again postInvoice",
  );
  await shot(page, "replay-webhook-resolved");
  // The replay's run page: the customer step was not executed again, it carries the original run's result.
  await page.getByRole("link", { name: /succeeded, v1\.0\.0/ }).click();
  await expect(page.getByLabel("Step createCustomer")).toContainText("reused from");
  await shot(page, "replay-run-reused-step");

  // The vendor's side: still one customer for the company, and the invoice with the edited hours.
  await signInAs(page, "admin");
  expect(await records(page.request, admin, "customer", (r) => r.companyName === COMPANY)).toBe(1);
  expect(await records(page.request, admin, "invoice", (r) => r.externalId === "INV-88001")).toBe(1);
});
