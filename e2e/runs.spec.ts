// The runs pages on the demo workspace: the list with its filters over the seeded week of runs, a run's
// step timeline with the retries and why, live updates while a run is in flight (a slow NetSuite through
// fault injection), and payloads of a restricted flow masked until an operator reveals them (audited).
import { expect, test } from "./test";
import {
  signInAs,
  clearFaults,
  injectFaults,
  invoiceInput,
  netsuiteAdmin,
  shot,
  startRuns,
  trpcQuery,
} from "./triage-helpers";

test.describe.configure({ mode: "serial" });

test("the runs list filters by flow, status and business key; a run shows its steps, retries and why", async ({
  page,
}) => {
  await signInAs(page, "viewer");
  await page.goto("/runs");
  await expect(page.getByRole("link", { name: /^Run / }).first()).toBeVisible();
  await shot(page, "runs-list");
  await page.getByRole("combobox", { name: /^Flow/ }).selectOption("post-invoice-to-netsuite");
  await page.getByRole("combobox", { name: /^Status/ }).selectOption("failed");
  await expect(page).toHaveURL(/flow=post-invoice-to-netsuite/);
  const rows = page.locator("tbody tr");
  await expect(rows.first()).toContainText("failed");
  for (const row of await rows.all()) await expect(row).toContainText("Approved invoice → NetSuite");
  await page.getByRole("combobox", { name: /^Version/ }).selectOption("1.0.0");
  await expect(rows.first()).toContainText("v1.0.0");
  // A run held up by NetSuite's concurrency limit: its step shows the retry and why.
  const limited = await trpcQuery<{ items: Array<{ id: string; error: { code?: string } | null }> }>(
    page.request,
    "runs.list",
    { flowKey: "post-invoice-to-netsuite", status: "failed", limit: 200 },
  );
  const run = limited.items.find((r) => r.error?.code === "http_429")!;
  await page.goto(`/runs/${run.id}`);
  const timeline = page.getByRole("list", { name: "Step timeline" });
  await expect(timeline).toContainText("Customer record in NetSuite");
  await expect(timeline).toContainText("2 attempts");
  await page.getByLabel("Step postInvoice").locator("summary").click();
  await expect(page.getByLabel("Step postInvoice")).toContainText("Retries and why");
  await expect(page.getByLabel("Step postInvoice")).toContainText("retried after 1.00 s");
  await expect(page.getByLabel("Step postInvoice")).toContainText("CONCURRENCY_LIMIT_EXCEEDED");
  await expect(page.getByRole("link", { name: /Exception \(open\)/ })).toBeVisible();
  await shot(page, "run-page");
  // Business-key filter over the list.
  const key = (run as unknown as { businessKeys: { invoice: string } }).businessKeys.invoice;
  await page.goto(`/runs?key=${key}`);
  await expect(page.locator("tbody tr")).toHaveCount(1);
});

test("a run in flight updates live until it finishes", async ({ page }) => {
  await signInAs(page, "admin");
  const admin = await netsuiteAdmin(page.request);
  await injectFaults(page.request, admin, { latencyMs: 2500 });
  try {
    const [runId] = await startRuns(page.request, [invoiceInput("INV-88001", { customer: "Live Update Ltd" })]);
    await page.goto(`/runs/${runId}`);
    await expect(page.getByText("live — refreshing every second")).toBeVisible();
    await shot(page, "run-live");
    await expect(page.getByRole("list", { name: "Step timeline" })).toContainText("Invoice in NetSuite", {
      timeout: 20_000,
    });
    await expect(page.getByText("live — refreshing every second")).toHaveCount(0, { timeout: 20_000 });
    await expect(page.locator("header, section").getByText("succeeded").first()).toBeVisible();
  } finally {
    await clearFaults(page.request, admin);
  }
});

test("restricted payloads are masked; an operator reveals them and the view is audited", async ({ page }) => {
  await signInAs(page, "operator");
  const runs = await trpcQuery<{ items: Array<{ id: string }> }>(page.request, "runs.list", {
    flowKey: "worker-onboarding-hris-to-psa",
    status: "succeeded",
  });
  await page.goto(`/runs/${runs.items[0]!.id}`);
  await expect(page.getByText("payloads are masked")).toBeVisible();
  await expect(page.getByText("•••").first()).toBeVisible();
  await page.getByRole("button", { name: "Reveal payloads (audited)" }).click();
  await expect(page.getByText("Payloads revealed")).toBeVisible();
  await expect(page.getByText("•••")).toHaveCount(0);
  await shot(page, "run-revealed");
  await signInAs(page, "admin");
  const audit = await trpcQuery<unknown>(page.request, "audit.list", { action: "run.payload_view" });
  expect(JSON.stringify(audit)).toContain(runs.items[0]!.id);
});

test("an operator's runs list opens on production; other roles see every environment", async ({ page }) => {
  await signInAs(page, "operator");
  await page.goto("/runs");
  const env = page.getByRole("combobox", { name: /^Environment/ });
  await expect(env).toHaveValue("production");
  await expect(page.getByRole("link", { name: /^Run / }).first()).toBeVisible();
  await shot(page, "runs-list-operator");
  // "All environments" must be said in the URL, where the default is production.
  await env.selectOption("all");
  await expect(page).toHaveURL(/environment=all/);
  await expect(env).toHaveValue("all");
  // The older parameter name is still read.
  await page.goto("/runs?env=test");
  await expect(env).toHaveValue("test");
  await signInAs(page, "designer");
  await page.goto("/runs");
  await expect(page.getByRole("combobox", { name: /^Environment/ })).toHaveValue("all");
});
