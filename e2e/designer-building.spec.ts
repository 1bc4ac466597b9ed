// Building on the canvas the way a newcomer does: steps added with Ctrl+K land after the last step (or the
// selected one) and are connected, a step dropped on a connection is inserted into it, a small flow keeps
// its labelled cards after Layout and Fit, and Esc closes the keyboard-shortcuts sheet.
import { expect, test, type Page } from "./test";
import { addByCommand, autoLayout, canvasNode, signIn, screenshots } from "./helpers";
import { trpcMutation, trpcQuery } from "./triage-helpers";

test.use({ viewport: { width: 1600, height: 1000 } });
test.describe.configure({ timeout: 180_000 });

const shot = screenshots("designer", { env: "DESIGNER_SHOTS" });
const node = canvasNode;
const edge = (page: Page, id: string) => page.getByTestId(`rf__edge-${id}`);

async function openNew(page: Page, key: string, draft?: Record<string, unknown>) {
  expect(
    (
      await trpcMutation(page.request, "flows.create", {
        key,
        name: `Building ${key}`,
        domain: "project",
        ownerTeamKey: "pmo",
      })
    ).error,
  ).toBeUndefined();
  if (draft) {
    const { draft: d } = await trpcQuery<{ draft: Record<string, unknown> }>(page.request, "flows.get", {
      flowKey: key,
    });
    expect(
      (
        await trpcMutation(page.request, "flows.saveDraft", {
          flowKey: key,
          baseRevision: 1,
          draft: { ...d, ...draft },
        })
      ).error,
    ).toBeUndefined();
  }
  await page.goto(`/flows/${key}`);
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
}

const overlaps = (
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const zoomOf = (page: Page) =>
  page.evaluate(
    `new DOMMatrixReadOnly(getComputedStyle(document.querySelector(".react-flow__viewport")).transform).a`,
  ) as Promise<number>;

test("Ctrl+K adds each step after the last one and connects it; a step dropped on a connection is inserted into it", async ({
  page,
}) => {
  await signIn(page, "designer");
  const key = `building-${Date.now().toString(36)}`;
  await openNew(page, key);
  const pane = page.locator(".react-flow__pane");

  // Nothing selected: the first step follows the trigger (beside it, not on top of it), connected.
  await pane.click({ position: { x: 20, y: 20 } });
  await addByCommand(page, "Logic Wait");
  await expect(node(page, "wait")).toBeVisible();
  await expect(edge(page, "trigger:start")).toHaveCount(1);
  expect(overlaps((await node(page, "trigger").boundingBox())!, (await node(page, "wait").boundingBox())!)).toBe(false);
  // Still nothing selected: the next one goes after the last step of the path.
  await pane.click({ position: { x: 20, y: 20 } });
  await addByCommand(page, "Logic Map");
  await expect(edge(page, "wait:next")).toHaveCount(1);
  await page.getByRole("button", { name: "Zoom to fit (Shift 1)" }).click();
  await shot(page, "building-01-added-and-connected");

  // Drop an Emit step from the palette onto the trigger → wait connection: trigger → emit → wait. The zoom
  // animates: measure the connection once it has stopped moving (a loaded machine draws it late).
  const edgePath = edge(page, "trigger:start").locator(".react-flow__edge-path");
  let last = "";
  await expect
    .poll(
      async () => {
        const now = JSON.stringify(await edgePath.boundingBox());
        const still = now === last;
        last = now;
        return still;
      },
      { intervals: [300] },
    )
    .toBe(true);
  const path = (await edgePath.boundingBox())!;
  const paneBox = (await pane.boundingBox())!;
  await page.locator('[data-testid="palette-item"][data-item="logic:emit"]').dragTo(pane, {
    targetPosition: { x: path.x + path.width / 2 - paneBox.x, y: path.y + path.height / 2 - paneBox.y },
  });
  await expect(node(page, "emit")).toBeVisible();
  await expect(edge(page, "trigger:start")).toHaveCount(1);
  await expect(edge(page, "emit:next")).toHaveCount(1);
  const saved = page.getByTestId("save-state");
  await expect(saved).toHaveAttribute("data-state", "saved", { timeout: 15_000 });
  await expect
    .poll(async () => {
      const { draft } = await trpcQuery<{ draft: { start?: string; steps: Array<{ id: string; next?: string }> } }>(
        page.request,
        "flows.get",
        { flowKey: key },
      );
      return { start: draft.start, next: Object.fromEntries(draft.steps.map((s) => [s.id, s.next ?? null])) };
    })
    .toEqual({ start: "emit", next: { emit: "wait", wait: "map", map: null } });
  await shot(page, "building-02-dropped-on-edge");
});

test("the New flow dialog says under the Key field that a key is taken, until the key changes", async ({ page }) => {
  await signIn(page, "designer");
  await page.goto("/flows");
  await page.getByRole("button", { name: "+ New flow" }).click();
  const dialog = page.getByRole("dialog", { name: "New flow" });
  await dialog.getByLabel("Name").fill("Another time to invoice");
  const keyField = dialog.getByRole("textbox", { name: "Key" });
  await keyField.fill("time-to-invoice");
  await dialog.getByRole("button", { name: "Create and open" }).click();
  await expect(keyField).toHaveAttribute("aria-invalid", "true");
  await expect(keyField).toHaveAccessibleDescription(/A flow with the key "time-to-invoice" already exists/);
  await keyField.fill(`time-to-invoice-${Date.now().toString(36)}`);
  await expect(keyField).not.toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByRole("alert")).toHaveCount(0);
});

test("without a mouse: a step is found with Ctrl+K and connected from the inspector's Connections pickers", async ({
  page,
}) => {
  await signIn(page, "designer");
  const key = `keyboard-${Date.now().toString(36)}`;
  await openNew(page, key, {
    start: "first",
    steps: [
      { id: "first", type: "wait", duration: "PT1M" },
      { id: "second", type: "wait", duration: "PT1M" },
    ],
  });
  await expect(edge(page, "trigger:start")).toHaveCount(1);
  await expect(edge(page, "first:next")).toHaveCount(0);
  // Nothing selected: the flow's settings. An optional group left empty marks none of its fields required.
  const concurrency = page.getByTestId("inspector").getByRole("group", { name: "Concurrency (optional)" });
  await expect(concurrency).toBeVisible();
  await expect(concurrency.locator('[title="required"]')).toHaveCount(0);

  await addByCommand(page, "Go to step first");
  const connections = page.getByTestId("connections-section");
  const then = connections.getByRole("combobox", { name: "Connect first: Then" });
  await expect(then).toHaveValue("");
  // A native select: reached with Tab, chosen with the arrow keys.
  await then.focus();
  await expect(then).toBeFocused();
  await then.selectOption({ label: "Step second" });
  await expect(edge(page, "first:next")).toHaveCount(1);
  await expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "saved", { timeout: 15_000 });
  await expect
    .poll(async () => {
      const { draft } = await trpcQuery<{ draft: { steps: Array<{ id: string; next?: string }> } }>(
        page.request,
        "flows.get",
        { flowKey: key },
      );
      return draft.steps.find((s) => s.id === "first")?.next ?? null;
    })
    .toBe("second");
  // The trigger's picker names where the run starts; "(not connected)" takes the arrow away again.
  await addByCommand(page, "Go to the trigger");
  await expect(connections.getByRole("combobox", { name: "Connect the trigger: First step" })).toHaveValue("first");
  await addByCommand(page, "Go to step first");
  await then.selectOption({ label: "(not connected)" });
  await expect(edge(page, "first:next")).toHaveCount(0);
});

test("a small flow keeps labelled cards after Layout and Fit, never zoomed past readable; Esc closes the shortcuts sheet", async ({
  page,
}) => {
  await signIn(page, "designer");
  const key = `building-wide-${Date.now().toString(36)}`;
  // Twelve steps in a row: far wider than the canvas.
  const steps = Array.from({ length: 12 }, (_, i) => ({
    id: `s${i + 1}`,
    type: "wait",
    duration: "PT1M",
    ...(i < 11 ? { next: `s${i + 2}` } : {}),
  }));
  await openNew(page, key, {
    start: "s1",
    steps,
    layout: {
      nodes: Object.fromEntries([
        ["trigger", { x: 0, y: 0 }],
        ...steps.map((s, i) => [s.id, { x: (i + 1) * 280, y: 0 }]),
      ]),
    },
  });

  for (const button of ["Auto-layout (Shift L)", "Zoom to fit (Shift 1)"]) {
    if (button.startsWith("Auto-layout")) await autoLayout(page);
    else await page.getByRole("button", { name: button }).click();
    // The view glides to its zoom: read it once it holds still.
    let zoom = Number.NaN;
    await expect
      .poll(
        async () => {
          const now = await zoomOf(page);
          const still = now === zoom;
          zoom = now;
          return still;
        },
        { intervals: [300], timeout: 15_000 },
      )
      .toBe(true);
    expect(zoom, `zoom after ${button}`).toBeGreaterThanOrEqual(0.6 - 1e-6);
    await expect(page.getByTestId("edge-overview")).toHaveCount(0);
    // Cards with their titles and React Flow's edges, not plain blocks.
    await expect(page.locator('[data-testid="canvas-node"]', { hasText: "Wait PT1M" }).first()).toBeVisible();
    await expect(page.locator(".react-flow__edge").first()).toBeAttached();
  }
  // Zoomed far out by hand, a small flow still draws cards (no overview mode below 150 nodes).
  await page.getByRole("button", { name: "Zoom Out" }).click({ clickCount: 8 });
  await expect(page.getByTestId("edge-overview")).toHaveCount(0);
  await expect(node(page, "s1")).toBeAttached();
  await page.getByRole("button", { name: "Zoom to fit (Shift 1)" }).click();
  await page.waitForTimeout(600);
  await shot(page, "building-03-small-flow-fit");

  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await page.keyboard.press("?");
  const sheet = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(sheet).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(sheet).toBeHidden();
});
