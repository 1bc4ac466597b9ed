// The visual designer, driven in Chromium against the real app (demo mode: connector sandboxes and the
// salesforce-prod / netsuite-prod connections pointing at them). Screenshots land in $DESIGNER_SHOTS (default test-results/designer).
import { expect, test, type Browser, type Page } from "./test";
import path from "node:path";
import { readFileSync } from "node:fs";
import { addByCommand, canvasNode, connect, goToStep, signIn, screenshots } from "./helpers";
import { trpcQuery } from "./triage-helpers";

test.use({ viewport: { width: 1600, height: 1000 }, permissions: ["clipboard-read", "clipboard-write"] });

// DESIGNER_SHOTS: where to keep the screenshots (other runs wipe test-results/).
const shot = screenshots("designer", { env: "DESIGNER_SHOTS" });
const node = canvasNode;
const handle = (page: Page, nodeId: string, handleId: string | null) =>
  handleId === null
    ? page.locator(`.react-flow__handle.target[data-nodeid="${nodeId}"]`)
    : page.locator(`.react-flow__handle[data-nodeid="${nodeId}"][data-handleid="${handleId}"]`);

async function newFlow(page: Page, name: string, opts: { example?: string } = {}): Promise<string> {
  await page.goto("/flows");
  await page.getByRole("button", { name: "+ New flow" }).click();
  const dialog = page.getByRole("dialog", { name: "New flow" });
  if (opts.example) {
    await dialog.getByText("An example").click();
    await dialog.getByLabel("Example", { exact: true }).selectOption(opts.example);
  }
  await dialog.getByLabel("Name").fill(name);
  const key = await dialog.getByLabel("Key").inputValue();
  await dialog.getByRole("button", { name: "Create and open" }).click();
  await expect(page).toHaveURL(new RegExp(`/flows/${key}$`));
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  return key;
}

async function dropFromPalette(page: Page, itemId: string, at: { x: number; y: number }) {
  await page
    .locator(`[data-testid="palette-item"][data-item="${itemId}"]`)
    .dragTo(page.locator(".react-flow__pane"), { targetPosition: at });
}

async function saved(page: Page) {
  await expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "saved", { timeout: 15_000 });
}

test("build a flow on an empty canvas, watch validation, map fields and test-run it against the sandboxes", async ({
  page,
}) => {
  await signIn(page, "designer");
  const key = await newFlow(page, "Won deal to NetSuite customer");
  await expect(page.getByTestId("canvas-node")).toHaveCount(1);
  await shot(page, "01-empty-canvas");

  // Trigger, map and NetSuite call from the palette by drag and drop.
  await dropFromPalette(page, "trigger:event:opportunity.won", { x: 300, y: 200 });
  await expect(node(page, "trigger")).toContainText("When opportunity.won");
  await page.keyboard.press("Escape");
  await dropFromPalette(page, "logic:map", { x: 200, y: 480 });
  await expect(node(page, "map")).toBeVisible();
  await page.keyboard.press("Escape");
  await page.getByRole("searchbox", { name: "Search the palette" }).fill("netsuite create customer");
  await dropFromPalette(page, "call:netsuite.createCustomer", { x: 560, y: 480 });
  await page.getByRole("searchbox", { name: "Search the palette" }).fill("");
  await expect(node(page, "createCustomer")).toBeVisible();

  // Connect trigger → map → createCustomer.
  await connect(page, handle(page, "trigger", "start"), handle(page, "map", null));
  await connect(page, handle(page, "map", "next"), handle(page, "createCustomer", null));
  await expect(page.getByTestId("rf__edge-trigger:start")).toHaveCount(1);
  await expect(page.getByTestId("rf__edge-map:next")).toHaveCount(1);

  // The map now builds the call's input ($steps.map.output) and maps nothing yet: the validator (the
  // server's, running in the browser) flags the map, naming the call's required body.
  await expect(node(page, "map").getByTestId("node-error-badge")).toBeVisible();
  await expect(
    page.getByTestId("problem").filter({ hasText: "Map step 'map' builds the input of 'createCustomer'" }).first(),
  ).toBeVisible();
  await expect(page.getByTestId("problem-count")).not.toHaveAttribute("data-errors", "0");
  await shot(page, "02-validation-error");

  // Map fields: drag the trigger's customerId onto the call's body.companyName in the data mapper.
  await node(page, "map").click();
  const mapper = page
    .getByRole("region", { name: "Data mapper" })
    .or(page.locator('[aria-label="Data mapper"]'))
    .first();
  await expect(mapper).toBeVisible();
  await mapper
    .locator('[aria-label^="Source $trigger.customerId"]')
    .first()
    .dragTo(mapper.locator('[aria-label^="Target body.companyName"]').first());
  await expect(mapper.getByTestId("mapping-chip").first()).toBeVisible();
  await shot(page, "03-mapper");

  // The call's input is the map's output, and says so; switch it to field-by-field to fill it from the
  // map's fields; a broken expression is an error on that very field…
  await node(page, "createCustomer").click();
  await expect(page.getByTestId("input-built-by")).toContainText("map");
  await page.getByRole("button", { name: "Edit field by field" }).click();
  const company = page.getByRole("textbox", { name: "Input body.companyName" });
  await company.fill("$steps.map.output.body.(");
  await expect(page.getByTestId("problem").filter({ hasText: "body.companyName" })).toBeVisible();
  // …clicking the problem focuses the node and field.
  await page.getByTestId("problem").filter({ hasText: "body.companyName" }).click();
  await expect(company).toBeFocused();
  await company.fill("$steps.map.output.body.companyName");
  await page.getByRole("textbox", { name: "Input body.subsidiary.id" }).fill("'1'");
  await expect(node(page, "createCustomer").getByTestId("node-error-badge")).toHaveCount(0);
  await expect(page.getByTestId("problem-count")).toHaveAttribute("data-errors", "0");
  await expect(page.locator("#f-connection")).toHaveValue("netsuite-prod");
  await saved(page);
  await shot(page, "04-valid");

  // Test run on the real runtime against the sandboxes; each node shows its status.
  await page.getByRole("button", { name: "▶ Test run" }).click();
  await page
    .getByLabel("Trigger payload")
    .fill(JSON.stringify({ opportunityId: "006E2E0001", customerId: "Acme Designer E2E", amount: 12000 }));
  await page.getByLabel("Pin this input as the trigger sample").check();
  await page.getByRole("button", { name: "Run test" }).click();
  await expect(page.getByTestId("run-bar")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(node(page, "createCustomer").getByTestId("node-run-status")).toHaveAttribute("data-status", "succeeded");
  await expect(node(page, "map").getByTestId("node-run-status")).toHaveAttribute("data-status", "succeeded");
  await node(page, "createCustomer").click();
  const io = page.getByTestId("run-io");
  await expect(io).toContainText("Output");
  await expect(io).toContainText('"id"');
  await io.getByRole("button", { name: "Pin output as sample" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Pinned a sample" })).toContainText(
    "Pinned a sample for createCustomer",
  );
  await shot(page, "05-test-run");

  // Reopening shows the same flow (nothing lost on reload).
  await page.reload();
  await expect(node(page, "createCustomer")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("rf__edge-map:next")).toHaveCount(1);
  expect(key).toBe("won-deal-to-netsuite-customer");
});

test("undo and redo every kind of edit", async ({ page }) => {
  await signIn(page, "designer");
  await newFlow(page, "Undo redo check");
  // Add with the keyboard only: the trigger is selected, so the step follows it.
  await node(page, "trigger").click();
  await addByCommand(page, "Logic Wait");
  await expect(node(page, "wait")).toBeVisible();
  await expect(page.getByTestId("rf__edge-trigger:start")).toHaveCount(1);
  await addByCommand(page, "Logic Fail");
  await expect(node(page, "fail")).toBeVisible();
  await expect(page.getByTestId("rf__edge-wait:next")).toHaveCount(1);

  // Undo the add (node and its connection), redo it.
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await page.keyboard.press("Control+z");
  await expect(node(page, "fail")).toHaveCount(0);
  await expect(page.getByTestId("rf__edge-wait:next")).toHaveCount(0);
  await page.keyboard.press("Control+Shift+z");
  await expect(node(page, "fail")).toBeVisible();
  await expect(page.getByTestId("rf__edge-wait:next")).toHaveCount(1);

  // An inspector edit is one undo step.
  await node(page, "wait").click();
  await page.getByLabel("Name", { exact: true }).fill("Cool-off period");
  await expect(node(page, "wait")).toContainText("Cool-off period");
  await page.getByRole("button", { name: "Undo (Ctrl Z)" }).click();
  await expect(node(page, "wait")).not.toContainText("Cool-off period");
  await page.getByRole("button", { name: "Redo (Ctrl Shift Z)" }).click();
  await expect(node(page, "wait")).toContainText("Cool-off period");

  // Moving a node is one undo step.
  const before = await node(page, "fail").boundingBox();
  await node(page, "fail").hover();
  await page.mouse.down();
  await page.mouse.move(before!.x + 40, before!.y + 200, { steps: 8 });
  await page.mouse.up();
  const moved = await node(page, "fail").boundingBox();
  expect(Math.round(moved!.y - before!.y)).toBeGreaterThan(100);
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await page.keyboard.press("Control+z");
  await expect.poll(async () => Math.round((await node(page, "fail").boundingBox())!.y)).toBe(Math.round(before!.y));

  // Delete and undo the delete.
  await node(page, "wait").click();
  await page.keyboard.press("Delete");
  await expect(node(page, "wait")).toHaveCount(0);
  await expect(page.getByTestId("rf__edge-trigger:start")).toHaveCount(0);
  await page.keyboard.press("Control+z");
  await expect(node(page, "wait")).toBeVisible();
  await expect(page.getByTestId("rf__edge-trigger:start")).toHaveCount(1);
  await shot(page, "06-undo-redo");
});

test("copy and paste a selection as DSL JSON, within a flow, between flows and from a file", async ({ page }) => {
  await signIn(page, "designer");
  await newFlow(page, "Paste source");
  await node(page, "trigger").click();
  await addByCommand(page, "Logic Map");
  await addByCommand(page, "Logic Wait");
  await expect(page.getByTestId("rf__edge-map:next")).toHaveCount(1);

  // Multi-select map and wait, copy, paste: new ids, the edge between them comes along.
  await page.getByRole("button", { name: "Zoom to fit (Shift 1)" }).click();
  await node(page, "map").click();
  await node(page, "wait").click({ modifiers: ["Control"] });
  await page.keyboard.press("Control+c");
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  const parsed = JSON.parse(clip) as { kind: string; steps: Array<{ id: string; type: string; next?: string }> };
  expect(parsed.kind).toBe("weft/steps");
  expect(parsed.steps.map((s) => s.id)).toEqual(["map", "wait"]);
  expect(parsed.steps[0]!.next).toBe("wait");
  await page.keyboard.press("Control+v");
  await page.getByRole("button", { name: "Zoom to fit (Shift 1)" }).click();
  await expect(node(page, "map2")).toBeVisible();
  await expect(node(page, "wait2")).toBeVisible();
  await expect(page.getByTestId("rf__edge-map2:next")).toHaveCount(1);
  await saved(page);

  // Paste into another flow.
  const target = await newFlow(page, "Paste target");
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await page.keyboard.press("Control+v");
  await page.getByRole("button", { name: "Zoom to fit (Shift 1)" }).click();
  await expect(node(page, "map")).toBeVisible();
  await expect(node(page, "wait")).toBeVisible();
  await expect(page.getByTestId("rf__edge-map:next")).toHaveCount(1);

  // Import steps from a file (a whole example flow): ids that exist already are renamed.
  const example = readFileSync(path.resolve("examples/opportunity-won-to-project.weft.json"), "utf8");
  await page
    .getByTestId("import-file")
    .setInputFiles({ name: "example.weft.json", mimeType: "application/json", buffer: Buffer.from(example) });
  await page.getByRole("button", { name: "Zoom to fit (Shift 1)" }).click();
  // Fitted, a flow this size keeps its labelled cards and React Flow's edges: the overview (plain blocks,
  // one drawing of all edges) is for large flows only.
  await expect(page.getByTestId("edge-overview")).toHaveCount(0);
  // (Fit stops at a readable zoom, so not every imported card need be in view: any card in view has its label.)
  await expect(page.locator('[data-testid="canvas-node"]').first()).toContainText(/\S/);
  // The imported steps' edges came along into the saved draft. Polled: the file is read asynchronously, so the
  // save state may still say "saved" from the paste before the import lands (the stop's CI read that draft).
  await expect
    .poll(
      async () => {
        const { draft } = await trpcQuery<{ draft: { steps: Array<{ id: string; next?: string }> } }>(
          page.request,
          "flows.get",
          { flowKey: target },
        );
        return draft.steps.find((s) => s.id === "getOpportunity")?.next;
      },
      { timeout: 20_000 },
    )
    .toBe("getAccount");
  await saved(page);
  await page.getByRole("button", { name: "Zoom to fit (Shift 1)" }).click();
  await shot(page, "07-pasted");
});

async function openAs(browser: Browser, who: "designer" | "admin", key: string) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  await signIn(page, who);
  await page.goto(`/flows/${key}`);
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  return page;
}

test("two people editing the same draft: the later save is refused, naming who saved, and merging keeps both people's work", async ({
  browser,
  page,
}) => {
  await signIn(page, "designer");
  const key = await newFlow(page, "Concurrent edits");
  const dana = page;
  const ada = await openAs(browser, "admin", key);

  await node(dana, "trigger").click();
  await addByCommand(dana, "Logic Wait");
  await saved(dana);
  await expect
    .poll(
      async () =>
        (await trpcQuery<{ draftRevision: number }>(dana.request, "flows.get", { flowKey: key })).draftRevision,
    )
    .toBe(2);

  await node(ada, "trigger").click();
  await addByCommand(ada, "Logic Fail");
  const banner = ada.getByTestId("conflict-banner");
  await expect(banner).toBeVisible({ timeout: 15_000 });
  await expect(banner).toContainText("Dana Designer saved revision 2");
  await expect(ada.getByTestId("save-state")).toHaveAttribute("data-state", "conflict");
  // Ada's step is still on her canvas: nothing is discarded.
  await expect(node(ada, "fail")).toBeVisible();
  await shot(ada, "08-conflict");

  // Both connected the trigger: that overlaps (Ada keeps hers); Dana's step merges in.
  await banner.getByRole("button", { name: /Merge with theirs/ }).click();
  const dialog = ada.getByRole("dialog", { name: "Merge your edits with theirs" });
  await expect(dialog.getByTestId("merge-conflict")).toHaveCount(1);
  await expect(dialog.getByTestId("merge-conflict")).toContainText('Connection "trigger:start"');
  await dialog.getByRole("button", { name: "Apply merge and save" }).click();
  await expect(node(ada, "wait")).toBeVisible({ timeout: 30_000 });
  await expect(node(ada, "fail")).toBeVisible();
  await saved(ada);
  await dana.reload();
  await expect(node(dana, "wait")).toBeVisible({ timeout: 30_000 });
  await expect(node(dana, "fail")).toBeVisible();
  await ada.context().close();
});

test("a foreach's item keys are rows of a name and an expression, saved into the document", async ({ page }) => {
  await signIn(page, "designer");
  const key = await newFlow(page, "Batch item keys", { example: "approved-time-to-invoice" });
  await goToStep(page, "invoiceProjects");
  const keys = page.locator('[data-field="itemKeys"]');
  // The example's three keys (in the order the stored document keeps them).
  const names = keys.getByRole("textbox", { name: /^Key \d+ of itemKeys$/ });
  await expect(names).toHaveCount(3);
  expect((await names.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).sort()).toEqual([
    "amount",
    "hours",
    "project",
  ]);
  // A name → expression map has no one-expression form: no switch, rows only.
  await expect(keys.getByRole("button", { name: /Switch to/ })).toHaveCount(0);
  await keys.getByRole("button", { name: "+ Add key" }).click();
  await keys.getByLabel("Key 4 of itemKeys").fill("workspace");
  await keys.getByRole("textbox", { name: "Expression for itemKeys.workspace" }).fill("$item.workspaceId");
  await saved(page);
  await shot(page, "foreach-item-keys");
  const { draft } = await trpcQuery<{ draft: { steps: Array<{ id: string; itemKeys?: Record<string, string> }> } }>(
    page.request,
    "flows.get",
    { flowKey: key },
  );
  expect(draft.steps.find((s) => s.id === "invoiceProjects")?.itemKeys).toMatchObject({
    project: "$item.workspaceId",
    workspace: "$item.workspaceId",
  });
});
