// Environments (docs/environments.md) in the browser: a designer deploys a version to test, a newer one is
// published (which deploys it to test) and run there,
// requests its promotion (the diff against production is shown), another user of the owning team approves
// it, production shows it; then production is rolled back to the version before.
import { expect, test, type Browser } from "./test";
import { signIn } from "./helpers";
import { trpcMutation, trpcQuery } from "./triage-helpers";

// Owned by Platform Engineering: the designer and the admin are members, so the admin is the second pair of eyes.
const FLOW = "invoice-to-reporting";

async function as(browser: Browser, who: "admin" | "designer") {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, who);
  return { ctx, page };
}

test("a version is deployed to test, runs there, is promoted with four-eyes, and production is rolled back", async ({
  browser,
}) => {
  test.setTimeout(360_000);
  const designer = await as(browser, "designer");
  const d = designer.page;
  await d.goto(`/catalog/${FLOW}`);
  const panel = d.getByRole("region", { name: "Environments" });
  const production = panel.getByRole("article", { name: "Environment Production" });
  const testEnv = panel.getByRole("article", { name: "Environment Test" });
  const live = (await production.getByText(/^live: v/).textContent())!.replace("live: v", "");
  await expect(testEnv).toContainText("nothing deployed");

  // Deploying the live version to test pins production to it (the flow's first deployment).
  await panel.getByRole("button", { name: `Deploy v${live} to test` }).click();
  await expect(testEnv).toContainText(`live: v${live}`);

  // A newer version is published the usual way (request, then four-eyes approval by the admin).
  const exported = await trpcQuery<{ flow: Record<string, unknown> }>(d.request, "flowFiles.export", {
    flowKey: FLOW,
    version: live,
  });
  const [maj, min] = live.split(".").map(Number);
  const next = `${maj}.${min! + 1}.0`;
  const requested = await trpcMutation<{ ok: boolean; versionId: string }>(d.request, "governance.versions.request", {
    flowKey: FLOW,
    version: next,
    dsl: { ...exported.flow, version: next },
    changelog: "Same mapping, re-published to try environments.",
  });
  expect(requested.error).toBeUndefined();
  expect(requested.data?.ok).toBe(true);
  const admin = await as(browser, "admin");
  expect(
    (await trpcMutation(admin.page.request, "governance.versions.approve", { versionId: requested.data!.versionId }))
      .error,
  ).toBeUndefined();

  // Production did not change on approval; publication deployed the new version to test, where it is run.
  await d.reload();
  await expect(production).toContainText(`live: v${live}`);
  await expect(testEnv).toContainText(`live: v${next}`);
  await panel.getByLabel("Version").selectOption(next);
  await testEnv.getByRole("button", { name: `Run v${next} in Test` }).click();
  await expect(testEnv.getByRole("link", { name: "Open the run" })).toBeVisible();
  // The run of test's version, in the runs list's test environment (shown with its error if it fails).
  await expect
    .poll(
      async () => {
        const { items } = await trpcQuery<{
          items: Array<{ status: string; error: unknown; flowVersion: { version: string } | null }>;
        }>(d.request, "runs.list", { flowKey: FLOW, environment: "test", limit: 5 });
        const r = items.find((i) => i.flowVersion?.version === next);
        return r ? `${r.status}${r.error ? ` ${JSON.stringify(r.error)}` : ""}` : "none";
      },
      // The demo queues its reconciliations' first runs at start: on a loaded machine the run may wait behind them.
      { timeout: 240_000, intervals: [3_000] },
    )
    .toBe("succeeded");
  await expect(panel.getByLabel("Version").locator("option", { hasText: `v${next} (succeeded in test)` })).toHaveCount(
    1,
    { timeout: 90_000 },
  );

  await panel.getByRole("button", { name: `Request promotion of v${next} to production` }).click();
  const request = panel.getByRole("article", { name: `Promotion of v${next}` });
  await expect(request).toContainText("requested by designer@weft.local");
  await expect(request).toContainText("Changes against production");
  await expect(request).toContainText("Header:");
  await expect(request).toContainText(`"${next}"`);
  await expect(request).toContainText("Another approver of the owning team must approve it (four-eyes).");
  await expect(request.getByRole("button", { name: /Approve promotion/ })).toHaveCount(0);
  await d.screenshot({ path: "test-results/environments-requested.png", fullPage: true });

  const a = admin.page;
  await a.goto(`/catalog/${FLOW}`);
  const adminPanel = a.getByRole("region", { name: "Environments" });
  await adminPanel.getByRole("button", { name: `Approve promotion of v${next}` }).click();
  const adminProd = adminPanel.getByRole("article", { name: "Environment Production" });
  await expect(adminProd).toContainText(`live: v${next}`);
  await expect(adminProd).toContainText(`before: v${live}`);

  await adminProd.getByLabel("Reason to roll back Production").fill("Rolling back to check the rollback path.");
  await adminProd.getByRole("button", { name: `Roll back Production to v${live}` }).click();
  await expect(adminProd).toContainText(`live: v${live}`);
  await expect(adminProd).toContainText("rollback");
  await a.screenshot({ path: "test-results/environments-rolled-back.png", fullPage: true });
  await designer.ctx.close();
  await admin.ctx.close();
});
