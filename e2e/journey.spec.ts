// The proof of issue 14: a new integration owner's day one, by role and visible text only, as the README's
// "Your first webhook flow" walks it. Dana (designer, Finance) builds webhook → Salesforce → Map → NetSuite
// from the palette and the data mapper while every draft save takes 1.5 s, pins a sample in the shape a
// delivery has ({ body, headers, query }), sees no problems once an admin has created the signing secret,
// test-runs it (dry run), requests publishing; Arjun approves in his own browser, which deploys it to test.
// Dana runs it in test from the flow's page and requests its promotion; Arjun approves that too, and only then
// is it live in production. The curl example copied from the trigger's inspector, run in a shell with the
// secret in its environment, starts a run that succeeds. With NetSuite refusing customers the next delivery fails; once NetSuite is back an operator
// replays it from the exception queue (the Salesforce read reused, the NetSuite write sent again) and it succeeds. No save is refused, no conflict banner ever shows,
// and after every edit a reload shows everything that was typed.
//
// Slow saves: see slowSaves (e2e/helpers.ts) — the server's own WEFT_TEST_SAVE_DELAY_MS when the run sets
// it, otherwise each save request held 1.5 s on its way, so the rest of a full run keeps fast saves.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test, type Browser, type Page } from "./test";
import { approveAs, goToStep, promoteAs, signIn, slowSaves, screenshots } from "./helpers";
import { clearFaults, injectFaults, netsuiteAdmin, signInAs } from "./triage-helpers";

test.use({ viewport: { width: 1600, height: 1000 }, permissions: ["clipboard-read", "clipboard-write"] });
test.setTimeout(540_000);

const run = promisify(execFile);
const shot = screenshots("journey", { env: "DESIGNER_SHOTS" });
const ACCOUNT = "001Wf0000000001AAA"; // a Salesforce sandbox Account (connectors/salesforce/sandbox.ts)

/** A canvas card, by its accessible name ("Trigger: webhook", "Step getRecord: …"). */
const card = (page: Page, name: RegExp) => page.getByRole("group", { name });
const saved = (page: Page) =>
  expect(page.getByRole("status", { name: "Save state" })).toHaveText(/Saved/, { timeout: 30_000 });
const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

async function openDesigner(page: Page, key: string) {
  await page.goto(`/flows/${key}`);
  await expect(page.getByRole("application")).toBeVisible({ timeout: 60_000 });
}

/** The admin creates the flow's signing secret from the trigger's inspector and copies it (shown once). */
async function adminCreatesSecret(browser: Browser, key: string): Promise<string> {
  const ctx = await browser.newContext({
    viewport: { width: 1600, height: 1000 },
    permissions: ["clipboard-read", "clipboard-write"],
  });
  const admin = await ctx.newPage();
  await signIn(admin, "admin");
  await openDesigner(admin, key);
  await goToStep(admin, "trigger");
  const secretGroup = admin.getByRole("group", { name: "Signing secret" });
  await secretGroup.getByRole("button", { name: "Create the secret" }).click();
  await expect(secretGroup.getByText("Secret created. Copy it now")).toBeVisible();
  await secretGroup.getByRole("button", { name: "Copy the secret" }).click();
  const secret = (await clipboard(admin)).trim();
  expect(secret.length).toBeGreaterThanOrEqual(40);
  await expect(secretGroup.getByText(/Stored \(encrypted\) in connection/)).toBeVisible();
  await ctx.close();
  return secret;
}

test("day one: build a webhook flow from the palette and mapper on a slow server, test, publish, promote, call it with the curl, break it, replay from the queue", async ({
  page,
  browser,
}) => {
  const seen = await slowSaves(page);
  await signIn(page, "designer");

  // A new flow, owned by Finance.
  await page.goto("/flows");
  await page.getByRole("button", { name: "+ New flow" }).click();
  const dialog = page.getByRole("dialog", { name: "New flow" });
  const name = `Won account to NetSuite ${Date.now().toString(36)}`;
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Owner team").selectOption({ label: "Finance" });
  const key = await dialog.getByLabel("Key").inputValue();
  await dialog.getByRole("button", { name: "Create and open" }).click();
  await expect(page).toHaveURL(new RegExp(`/flows/${key}$`));
  await expect(page.getByRole("application")).toBeVisible({ timeout: 60_000 });

  // Started by a webhook.
  await goToStep(page, "trigger");
  await page.getByLabel("Starts when").selectOption("webhook");
  await expect(card(page, /^Trigger: webhook/)).toBeVisible();

  // The sample box checks the shape as it is typed: a bare body is not what a delivery gives the run.
  const sampleBox = page.getByRole("textbox", { name: "Sample payload" });
  await sampleBox.fill(JSON.stringify({ accountId: ACCOUNT }));
  await expect(page.getByRole("alert", { name: "Sample problems" })).toContainText(
    "'body' is required (A webhook trigger produces { body, headers, query })",
  );
  await expect(page.getByRole("button", { name: "Pin sample" })).toBeDisabled();
  await page.getByRole("button", { name: "Insert example" }).click();
  expect(JSON.parse(await sampleBox.inputValue())).toEqual({
    body: {},
    headers: { "content-type": "application/json" },
    query: {},
  });
  const sample = {
    body: { accountId: ACCOUNT, dealId: "D-1001" },
    headers: { "content-type": "application/json" },
    query: {},
  };
  await sampleBox.fill(JSON.stringify(sample, null, 2));
  await expect(page.getByRole("alert", { name: "Sample problems" })).toHaveCount(0);
  await page.getByRole("button", { name: "Pin sample" }).click();
  await expect(page.getByText("pinned (manual)")).toBeVisible();

  // From the palette: Salesforce "Get record", a Map, NetSuite "Create customer" — each after the selected step, connected.
  const palette = page.getByRole("complementary", { name: "Palette" });
  const add = async (search: string, item: RegExp) => {
    await palette.getByRole("searchbox", { name: "Search the palette" }).fill(search);
    await palette.getByRole("button", { name: item }).first().press("Enter");
  };
  await add("salesforce get record", /^Salesforce: Get record/);
  const sf = card(page, /^Step getRecord/);
  await expect(sf).toBeVisible();
  await goToStep(page, "getRecord");
  await page.getByLabel("Connection").selectOption("salesforce-prod");
  await page.getByRole("textbox", { name: "Input sobject" }).fill("'Account'");
  await page.getByRole("textbox", { name: "Input id" }).fill("$trigger.body.accountId");

  await add("map", /^Map/);
  await expect(card(page, /^Step map/)).toBeVisible();
  await add("netsuite create customer", /^NetSuite: Create customer/);
  await expect(card(page, /^Step createCustomer/)).toBeVisible();
  await goToStep(page, "createCustomer");
  await page.getByLabel("Connection").selectOption("netsuite-prod");
  // The NetSuite step's input is what the map builds.
  await expect(page.getByText("Built by map step")).toBeVisible();

  // The data mapper: the Account's name onto the customer's company name (keyboard: pick the source, drop it
  // on the target) and the subsidiary a fixed value.
  await goToStep(page, "map");
  const mapper = page.getByRole("region", { name: "Data mapper" });
  await expect(mapper).toContainText("NetSuite");
  const mapOnto = async (source: string, target: string) => {
    await mapper.getByRole("button", { name: `Source ${source}`, exact: true }).press("Enter");
    await mapper.getByRole("button", { name: `Target ${target}`, exact: true }).press("Enter");
    await expect(mapper.getByRole("button", { name: `Target ${target}`, exact: true })).toContainText(`← ${source}`);
  };
  await mapOnto("$steps.getRecord.output.Name", "body.companyName");
  // A fixed value onto a text field stays text (the subsidiary's id is "1", not the number 1).
  await mapper.getByRole("button", { name: "Target body.subsidiary.id", exact: true }).click();
  await mapper.getByRole("button", { name: "fixed value" }).click();
  await mapper.getByLabel("Fixed value").fill("1");
  await expect(mapper.getByRole("button", { name: "Target body.subsidiary.id", exact: true })).toContainText('"1"');
  await shot(page, "01-mapper");

  // No problems but the missing signing secret, which only an admin can create.
  const problems = page.getByRole("region", { name: "Problems" });
  await expect(problems.getByRole("button", { name: /Problems/ })).toContainText("1 error");
  await saved(page);

  const secret = await adminCreatesSecret(browser, key);

  // Back in Dana's designer (reloaded): every step and field is still there, and the flow has no problems.
  await page.reload();
  await expect(page.getByRole("application")).toBeVisible({ timeout: 60_000 });
  for (const n of [/^Trigger: webhook/, /^Step getRecord/, /^Step map/, /^Step createCustomer/])
    await expect(card(page, n)).toBeAttached();
  await goToStep(page, "getRecord");
  await expect(page.getByRole("textbox", { name: "Input sobject" })).toHaveText("'Account'");
  await expect(page.getByRole("textbox", { name: "Input id" })).toHaveText("$trigger.body.accountId");
  await goToStep(page, "map");
  await expect(mapper.getByRole("button", { name: "Target body.companyName", exact: true })).toContainText(
    "← $steps.getRecord.output.Name",
  );
  await expect(mapper.getByRole("button", { name: "Target body.subsidiary.id", exact: true })).toContainText('"1"');
  const problemsToggle = problems.getByRole("button", { name: /Problems/ });
  if ((await problemsToggle.getAttribute("aria-expanded")) !== "true") await problemsToggle.click();
  await expect(problems).toContainText("No problems: the flow is valid.");
  // Every save so far went through on the revision before it: the conflict banner never showed.
  expect(seen.refused(), "saves refused with 409").toBe(0);
  await expect(page.getByRole("alert").filter({ hasText: "Your edits are kept here" })).toHaveCount(0);
  await shot(page, "02-no-problems");

  // Test run (dry run by default) with the pinned sample: the request a delivery makes.
  await page.getByRole("button", { name: "▶ Test run" }).click();
  const testRun = page.getByRole("dialog", { name: "Test run" });
  expect(JSON.parse(await testRun.getByLabel("Trigger payload").inputValue())).toEqual(sample);
  await testRun.getByRole("button", { name: "Run test (dry run)" }).click();
  const result = page.getByRole("status", { name: "Test run result" });
  await expect(result).toContainText("succeeded", { timeout: 90_000 });
  await shot(page, "03-test-run");

  // Request publishing; Arjun approves in his own browser.
  await page.getByRole("tab", { name: "Versions" }).click();
  await page.getByLabel("Changelog").fill("First version: a won account becomes a NetSuite customer.");
  const version = await page.getByRole("textbox", { name: "Version" }).inputValue();
  await page.getByRole("button", { name: /^Publish v/ }).click();
  await expect(page.getByText(`v${version} is waiting for approval.`)).toBeVisible();
  await approveAs(browser, key, version);
  // Approval deployed it to test only: Dana runs it there (the pinned sample), requests its promotion, and
  // Arjun approves that as well — production never runs a version that did not run in test.
  await promoteAs(page, browser, key, version, { runInTest: true });

  // The curl example from the trigger's inspector, copied and run in a shell with the secret in its environment.
  await page.getByRole("tab", { name: "Inspector" }).click();
  await goToStep(page, "trigger");
  await page.getByRole("button", { name: "Copy curl example" }).click();
  const curl = await clipboard(page);
  expect(curl).toContain(`/api/hooks/${key}`);
  expect(curl).not.toContain(secret);
  const send = async () =>
    JSON.parse((await run("bash", ["-c", curl], { env: { ...process.env, WEFT_WEBHOOK_SECRET: secret } })).stdout) as {
      runId: string;
    };
  const first = await send();
  const firstSentAt = Date.now();
  expect(first.runId).toEqual(expect.any(String));

  // The run page: succeeded.
  const runs = await page.context().newPage();
  await runs.goto(`/runs/${first.runId}`);
  await expect(runs.getByRole("group", { name: "Status" })).toHaveText(/succeeded/, { timeout: 60_000 });
  await expect(runs.getByRole("listitem", { name: "Step createCustomer" })).toContainText("succeeded");
  await shot(runs, "04-run-succeeded");

  // Break it: NetSuite refuses customers. The next delivery fails and lands in the exception queue.
  const nsAdmin = await netsuiteAdmin(runs.request);
  await injectFaults(runs.request, nsAdmin, { errorRate: 1, errorStatus: 400, pathPattern: "customer" });
  try {
    // The curl signs with a seconds timestamp and the ingress treats the same (timestamp, body) as one delivery
    // sent twice: a second send within the same second is answered with the first run. Send in the next second.
    await runs.waitForTimeout(Math.max(0, 1_050 - (firstSentAt % 1_000)));
    const failed = await send();
    expect(failed.runId).not.toBe(first.runId);
    await runs.goto(`/runs/${failed.runId}`);
    await expect(runs.getByRole("group", { name: "Status" })).toHaveText(/failed/, { timeout: 60_000 });
    await expect(runs.getByRole("link", { name: /Exception \(open\)/ })).toContainText("createCustomer");
  } finally {
    // Fixed: NetSuite takes customers again.
    await clearFaults(runs.request, nsAdmin);
  }
  await runs.close();

  // The operator replays it from the queue: what already succeeded is reused, NetSuite is called again, it succeeds.
  await signInAs(page, "operator");
  await page.goto(`/exceptions?flowKey=${key}&view=list`);
  await expect(page.getByLabel("Matching exceptions")).toHaveText("1 open exception");
  await page
    .getByRole("row", { name: new RegExp(name) })
    .getByRole("link")
    .first()
    .click();
  await page.getByRole("button", { name: "Edit & replay" }).click();
  await expect(page.getByLabel("Replay plan")).toContainText("1 step reused from the original run, 1 runs again");
  await page.getByRole("button", { name: "Replay with this input" }).click();
  await expect(page.getByText(/Replay started as run/)).toBeVisible();
  await expect(page.getByText(/Succeeded on replay/)).toBeVisible({ timeout: 60_000 });
  await shot(page, "05-replayed");

  // Nothing was lost on the way: no save refused, and the draft is what was typed.
  expect(seen.refused(), "saves refused with 409").toBe(0);
  expect(seen.saves()).toBeGreaterThan(0);
});
