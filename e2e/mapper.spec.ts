// The data mapper of the map step, in the real designer: drag and click-to-map, functions, element-free
// target fields, live preview on the pinned trigger sample, the JSONata view in sync both ways, custom
// expressions kept verbatim, and nothing lost on reopen. Screenshots land in test-results/mapper.
import { expect, test, type Page } from "./test";
import { autoLayout, signIn, screenshots, selectNode } from "./helpers";

test.use({ viewport: { width: 1600, height: 1000 } });

const shot = screenshots("mapper");
const node = (page: Page, id: string) => page.locator(`[data-testid="canvas-node"][data-node-id="${id}"]`);

async function newFlowFromExample(page: Page, name: string, example: string): Promise<string> {
  await page.goto("/flows");
  await page.getByRole("button", { name: "+ New flow" }).click();
  const dialog = page.getByRole("dialog", { name: "New flow" });
  const select = dialog.locator("label", { hasText: /^Example/ }).locator("select");
  // The examples load with the dialog: choosing "An example" before they arrive does nothing yet.
  await expect(async () => {
    await dialog.getByText("An example").click();
    await expect(select).toBeVisible({ timeout: 1_000 });
  }).toPass();
  await select.selectOption(example);
  await dialog.getByLabel("Name").fill(name);
  const key = await dialog.getByLabel("Key").inputValue();
  await dialog.getByRole("button", { name: "Create and open" }).click();
  await expect(page).toHaveURL(new RegExp(`/flows/${key}$`));
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  return key;
}

const saved = (page: Page) =>
  expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "saved", { timeout: 15_000 });

test("map fields by drag and drop and keyboard, apply functions, edit the JSONata, preview on the pinned sample, reopen without loss", async ({
  page,
}) => {
  await signIn(page, "designer");
  const key = await newFlowFromExample(page, "Mapper e2e utilization", "timesheet-to-reporting");

  // Pin a trigger sample (through a test run) so that the mapper can preview its result.
  await page.getByRole("button", { name: "▶ Test run" }).click();
  await page
    .getByLabel("Trigger payload")
    .fill(JSON.stringify({ userId: "U-42", weekStart: "2026-11-23", weekEnd: "2026-11-29", capacityHours: 32 }));
  await page.getByLabel("Pin this input as the trigger sample").check();
  await page.getByRole("button", { name: "Run test" }).click();
  await expect(page.getByText("Pinned a sample for trigger")).toBeVisible();

  await selectNode(page, "facts");
  const mapper = page.getByRole("region", { name: "Data mapper" });
  await expect(mapper).toBeVisible();
  await mapper.getByRole("button", { name: "Full screen" }).click();
  const preview = mapper.getByTestId("mapper-preview");
  // The example's mapping, evaluated in the browser on the pinned sample.
  await expect(preview).toContainText('"resourceId": "U-42"');
  await expect(preview).toContainText('"week": "2026-11-23"');
  // Expressions the field view cannot show as rules stay custom, exactly as written.
  await expect(mapper.getByRole("button", { name: "Target totalHours", exact: true })).toContainText(
    "custom: $sum($steps.getEntries.output.items.time_in_minutes) / 60",
  );

  // Drag a source field onto the "new field" drop zone: a target field named after it.
  await mapper
    .getByRole("button", { name: "Source $trigger.weekEnd", exact: true })
    .dragTo(mapper.getByLabel("New target field"));
  const weekEnd = mapper.getByRole("button", { name: "Target weekEnd", exact: true });
  await expect(weekEnd).toContainText("← $trigger.weekEnd");
  await expect(weekEnd.getByTestId("preview-value")).toHaveText('= "2026-11-29"');
  // A line in the gutter between the trees joins each mapped source field to the target it feeds.
  const lines = mapper.getByTestId("mapping-lines");
  await expect(lines.locator('path[data-from="$trigger.weekEnd"][data-to="weekEnd"]')).toHaveCount(1);
  await expect(lines.locator('path[data-from="$trigger.userId"][data-to="resourceId"]')).toHaveCount(1);

  // A function on a mapped field: format the week as a European date.
  await mapper.getByRole("button", { name: "Target week", exact: true }).click();
  await mapper.getByLabel("Function").selectOption("formatDate");
  await mapper.getByLabel("Picture presets").selectOption("[D01]/[M01]/[Y0001]");
  await expect(mapper.getByRole("button", { name: "Target week", exact: true })).toContainText(
    "Format date($trigger.weekStart)",
  );
  await expect(preview).toContainText('"week": "23/11/2026"');

  // Keyboard only: select a source with Enter, then drop it on a target with Enter (replaces the mapping).
  await mapper.getByRole("button", { name: "Source $trigger.capacityHours", exact: true }).focus();
  await page.keyboard.press("Enter");
  await expect(mapper.getByRole("button", { name: "Source $trigger.capacityHours", exact: true })).toHaveAttribute(
    "aria-pressed",
    "true",
  );
  await mapper.getByRole("button", { name: "Target resourceId", exact: true }).focus();
  await page.keyboard.press("Enter");
  await expect(mapper.getByRole("button", { name: "Target resourceId", exact: true })).toContainText(
    "← $trigger.capacityHours",
  );
  // The line moved with the mapping, and the selected target's line stands out.
  await expect(lines.locator('path[data-to="resourceId"]')).toHaveCount(1);
  await expect(lines.locator('path[data-from="$trigger.capacityHours"][data-to="resourceId"]')).toHaveAttribute(
    "stroke",
    "#2563eb",
  );
  await expect(preview).toContainText('"resourceId": 32');
  // …and a default for it when the sample lacks it.
  await mapper.getByLabel("Function").selectOption("default");
  await mapper.getByLabel("Default value").fill("40");
  await expect(mapper.getByRole("button", { name: "Target resourceId", exact: true })).toContainText(
    "Default($trigger.capacityHours)",
  );
  await shot(page, "01-fields");

  // The JSONata view shows the same mapping; an edit there shows up in the field view.
  await mapper.getByRole("tab", { name: "JSONata" }).click();
  const code = mapper.getByLabel("Mapping JSONata");
  await expect(code).toContainText('"week": $fromMillis($toMillis($trigger.weekStart), "[D01]/[M01]/[Y0001]")');
  await expect(code).toContainText('"resourceId": $trigger.capacityHours ?? 40');
  await expect(code).toContainText('"weekEnd": $trigger.weekEnd');
  await code.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("End");
  await page.keyboard.type(', "source": $uppercase($trigger.userId)');
  await expect(mapper.getByText("In sync: the field view shows 7 mapped field(s).")).toBeVisible();
  await expect(preview).toContainText('"source": "U-42"');
  await shot(page, "02-code");
  await mapper.getByRole("tab", { name: "Fields" }).click();
  await expect(mapper.getByRole("button", { name: "Target source", exact: true })).toContainText(
    "Upper case($trigger.userId)",
  );

  // Clearing a field removes it from the mapping (and the preview).
  await mapper.getByRole("button", { name: "Clear weekEnd" }).click();
  await expect(mapper.getByRole("button", { name: "Target weekEnd", exact: true })).toHaveCount(0);
  await expect(preview).not.toContainText("weekEnd");
  await expect(lines.locator('path[data-to="weekEnd"]')).toHaveCount(0);

  // Saved, reopened: the mapping is exactly what was built.
  await mapper.getByRole("button", { name: "Close full screen" }).click();
  await saved(page);
  await page.reload();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 30_000 });
  await selectNode(page, "facts");
  const again = page.getByRole("region", { name: "Data mapper" });
  await again.getByRole("tab", { name: "JSONata" }).click();
  const reopened = again.getByLabel("Mapping JSONata");
  await expect(reopened).toContainText('"week": $fromMillis($toMillis($trigger.weekStart), "[D01]/[M01]/[Y0001]")');
  await expect(reopened).toContainText('"source": $uppercase($trigger.userId)');
  await expect(reopened).toContainText('"totalHours": ($sum($steps.getEntries.output.items.time_in_minutes) / 60)');
  await expect(reopened).not.toContainText("weekEnd");
  expect(key).toBe("mapper-e2e-utilization");
});

test("a map step feeding a call flags unmapped required input fields and type mismatches before saving", async ({
  page,
}) => {
  await signIn(page, "designer");
  await page.goto("/flows");
  await page.getByRole("button", { name: "+ New flow" }).click();
  const dialog = page.getByRole("dialog", { name: "New flow" });
  await dialog.getByLabel("Name").fill("Mapper e2e required fields");
  await dialog.getByRole("button", { name: "Create and open" }).click();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });

  // Salesforce opportunity.won → map → NetSuite create customer (palette drag, then connect the handles).
  const pane = page.locator(".react-flow__pane");
  await page
    .locator('[data-testid="palette-item"][data-item="trigger:event:opportunity.won"]')
    .dragTo(pane, { targetPosition: { x: 80, y: 120 } });
  await page
    .locator('[data-testid="palette-item"][data-item="logic:map"]')
    .dragTo(pane, { targetPosition: { x: 80, y: 380 } });
  await page.getByRole("searchbox", { name: "Search the palette" }).fill("netsuite create customer");
  await page
    .locator('[data-testid="palette-item"][data-item="call:netsuite.createCustomer"]')
    .dragTo(pane, { targetPosition: { x: 300, y: 380 } });
  await expect(node(page, "createCustomer")).toBeVisible();
  // Lay the three out so that none covers another before drawing the edges.
  await autoLayout(page);
  const connect = async (from: string, to: string) => {
    const a = (await page.locator(from).boundingBox())!;
    const b = (await page.locator(to).boundingBox())!;
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
    await page.mouse.up();
  };
  await connect(
    '.react-flow__handle[data-nodeid="trigger"][data-handleid="start"]',
    '.react-flow__handle.target[data-nodeid="map"]',
  );
  await connect(
    '.react-flow__handle[data-nodeid="map"][data-handleid="next"]',
    '.react-flow__handle.target[data-nodeid="createCustomer"]',
  );
  await expect(page.getByTestId("rf__edge-map:next")).toHaveCount(1);
  await expect(page.getByTestId("rf__edge-trigger:start")).toHaveCount(1);
  await page.getByRole("button", { name: /Auto-layout/ }).click();
  await page.waitForTimeout(800);

  await node(page, "map").click();
  const mapper = page.getByRole("region", { name: "Data mapper" });
  await mapper.getByRole("button", { name: "Full screen" }).click();
  const status = mapper.getByRole("status", { name: "Mapping problems" });
  const problems = mapper
    .getByRole("region", { name: "Mapping problems list" })
    .or(mapper.locator('[aria-label="Mapping problems list"]'));
  // The call's input schema is the target: its required fields are flagged while unmapped.
  await expect(status).toContainText("error");
  await expect(problems).toContainText("body.companyName is required by");

  // A number onto a text field: a type mismatch, with the fix named; "To text" fixes it.
  await mapper
    .getByRole("button", { name: "Source $trigger.amount", exact: true })
    .dragTo(mapper.getByRole("button", { name: "Target body.companyName", exact: true }));
  await expect(problems).not.toContainText("body.companyName is required by");
  await expect(problems).toContainText(
    'body.companyName expects a text but gets a number from $trigger.amount; apply "To text"',
  );
  // Each control of the field's rule names the field it edits.
  await mapper.getByRole("combobox", { name: "Function for body.companyName", exact: true }).selectOption("toText");
  await expect(problems).not.toContainText("body.companyName expects");
  await shot(page, "03-required");

  // Map every remaining required field from a fixed value: no errors left.
  for (let i = 0; i < 10; i++) {
    const req = mapper.locator('[aria-label="Mapping problems list"] li').filter({ hasText: "is required by" }).first();
    if ((await req.count()) === 0) break;
    const field = (await req.textContent())!.split(" is required by")[0]!.trim();
    await mapper.getByRole("button", { name: `Target ${field}`, exact: true }).click();
    await mapper.getByRole("button", { name: "fixed value" }).click();
    await mapper.getByRole("textbox", { name: `Fixed value for ${field}`, exact: true }).fill("1");
    // Onto a text field the fixed value stays text ("1"); onto a number field it is the number 1.
    await expect(mapper.getByRole("button", { name: `Target ${field}`, exact: true })).toContainText(/← "?1"?/);
  }
  await expect(status).not.toContainText("error");
});
