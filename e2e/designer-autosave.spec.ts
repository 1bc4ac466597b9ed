// Work is never lost in the designer: with a slow server (every draft save takes 1.5 s) quick typing
// through the inspector and the data mapper is all saved and none of it conflicts with itself; edits not yet
// saved when the page is reloaded are offered back; two people editing one flow get a conflict that keeps
// both sides' work through a three-way merge (also from inside the full-screen mapper), or a copy.
//
// Slow saves: the server's test-only WEFT_TEST_SAVE_DELAY_MS (server/flows/drafts.ts) when the run sets it
// (playwright.config.ts passes it through); otherwise this spec holds each save request 1.5 s on its way to
// the real server, so the full suite exercises the same timing without slowing every other spec's saves.
import { expect, test, type Browser, type Page } from "./test";
import { addByCommand, canvasNode, signIn, slowSaves, screenshots } from "./helpers";
import { trpcMutation, trpcQuery } from "./triage-helpers";

test.use({ viewport: { width: 1600, height: 1000 } });
// Every save takes 1.5 s and these tests wait for several of them (two people, merges).
test.describe.configure({ timeout: 240_000 });

const shot = screenshots("designer", { env: "DESIGNER_SHOTS" });
const node = canvasNode;

interface Draft {
  name: string;
  description?: string;
  start?: string;
  steps: Array<{
    id: string;
    type: string;
    name?: string;
    description?: string;
    next?: string;
    duration?: string;
    output?: Record<string, string>;
  }>;
}

async function createFlow(page: Page, key: string, name: string, draft?: Omit<Draft, "name">): Promise<void> {
  const r = await trpcMutation(page.request, "flows.create", { key, name, domain: "project", ownerTeamKey: "pmo" });
  expect(r.error).toBeUndefined();
  if (draft) {
    const { draft: d } = await trpcQuery<{ draft: Record<string, unknown> }>(page.request, "flows.get", {
      flowKey: key,
    });
    const s = await trpcMutation(page.request, "flows.saveDraft", {
      flowKey: key,
      baseRevision: 1,
      draft: { ...d, ...draft },
    });
    expect(s.error).toBeUndefined();
  }
}

async function open(page: Page, key: string): Promise<void> {
  await page.goto(`/flows/${key}`);
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
}

/** Types like a person in a hurry: key by key, no pause between fields. */
async function typeInto(page: Page, selector: string, text: string) {
  const f = page.locator(selector);
  await f.click();
  await f.press("Control+a");
  await f.pressSequentially(text, { delay: 15 });
}

const draftOf = async (page: Page, key: string) =>
  await trpcQuery<{ draft: Draft; draftRevision: number }>(page.request, "flows.get", { flowKey: key });
const saved = (page: Page) =>
  expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "saved", { timeout: 30_000 });

const seeded: Omit<Draft, "name"> = {
  start: "review",
  steps: [
    { id: "review", type: "wait", duration: "PT1H", next: "shape" },
    { id: "shape", type: "map", output: { projectCode: "$trigger.code" } },
  ],
};

test("quick edits while every save takes 1.5 s: all saved, none refused, the conflict banner never shows, a reload shows everything", async ({
  page,
}) => {
  await signIn(page, "designer");
  const key = `autosave-slow-${Date.now().toString(36)}`;
  await createFlow(page, key, "Slow saves", seeded);
  const seen = await slowSaves(page);
  await open(page, key);
  const banner = page.getByTestId("conflict-banner");

  // The flow's own header, then each step's name and description, typed straight through.
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await typeInto(page, '[data-field="description"]', "Kick-off once the deal is signed");
  // Its save starts (after a second without typing) and takes 1.5 s: everything below is typed while a save is in flight.
  await expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "saving");
  await node(page, "review").click();
  await typeInto(page, "#f-name", "Review the signed order");
  await typeInto(page, "#f-description", "Someone in PMO checks the order first");
  // A step added from the keyboard follows the selected one and is connected (focus back on the canvas first).
  await node(page, "review").click();
  await addByCommand(page, "Logic Wait");
  await expect(node(page, "wait")).toBeVisible();
  await expect(page.getByTestId("rf__edge-wait:next")).toHaveCount(1);
  await typeInto(page, "#f-name", "Cool-off");
  // The insert moved "shape" one column right, out of view: fit the flow to reach it.
  await page.getByRole("button", { name: "Zoom to fit (Shift 1)" }).click();
  await node(page, "shape").click();
  await typeInto(page, "#f-name", "Shape the project");

  // The data mapper, full screen: several target fields added one after another.
  const mapper = page.getByRole("region", { name: "Data mapper" });
  await mapper.getByRole("button", { name: "Full screen" }).click();
  for (const field of ["projectName", "startDate", "budget.amount", "budget.currency"]) {
    await mapper.getByLabel("New target field").fill(field);
    await mapper.getByLabel("New target field").press("Enter");
  }
  await expect(mapper.getByRole("button", { name: "Target projectName", exact: true })).toBeVisible();
  await expect(banner).toHaveCount(0);
  await mapper.getByRole("button", { name: "Close full screen" }).click();
  await typeInto(page, "#f-description", "Last edit, typed just before the save finishes");

  await saved(page);
  await expect(banner).toHaveCount(0);
  expect(seen.refused(), "saves refused with 409").toBe(0);
  // Edits made during a 1.5 s save were batched into the next save, not one save per keystroke.
  expect(seen.saves()).toBeGreaterThan(1);

  const check = (d: Draft) => {
    expect(d.description).toBe("Kick-off once the deal is signed");
    const by = Object.fromEntries(d.steps.map((s) => [s.id, s]));
    expect(by.review).toMatchObject({
      name: "Review the signed order",
      description: "Someone in PMO checks the order first",
      next: "wait",
    });
    expect(by.wait).toMatchObject({ name: "Cool-off", next: "shape" });
    expect(by.shape).toMatchObject({
      name: "Shape the project",
      description: "Last edit, typed just before the save finishes",
    });
    expect(Object.keys(by.shape!.output ?? {})).toEqual(
      expect.arrayContaining(["projectCode", "projectName", "startDate", "budget.amount", "budget.currency"]),
    );
  };
  check((await draftOf(page, key)).draft);

  // Reload: everything is there on the canvas and in the inspector, and nothing is offered for restoring.
  await page.reload();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await expect(node(page, "review")).toContainText("Review the signed order");
  await expect(node(page, "wait")).toContainText("Cool-off");
  await node(page, "shape").click();
  await expect(page.locator("#f-description")).toHaveValue("Last edit, typed just before the save finishes");
  await expect(page.getByTestId("restore-banner")).toHaveCount(0);
  await shot(page, "autosave-01-slow-saves");
});

test("edits the server never acknowledged survive a reload: offered back, restored and saved", async ({ page }) => {
  await signIn(page, "designer");
  const key = `autosave-reload-${Date.now().toString(36)}`;
  await createFlow(page, key, "Reload unsaved", seeded);
  // The server cannot be reached for saves (a dropped connection): the edit exists only in this browser.
  const offline = (url: URL) => url.pathname.includes("flows.saveDraft");
  await page.route(offline, (route) => route.abort("connectionfailed"));
  await open(page, key);
  await node(page, "review").click();
  await typeInto(page, "#f-name", "Typed while offline");
  await expect(page.getByTestId("save-error")).toContainText("Your edits are kept in this browser", {
    timeout: 20_000,
  });
  // Reload (the page asks before leaving with unsaved edits — leave).
  page.on("dialog", (d) => void d.accept());
  await page.reload();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await expect(node(page, "review")).not.toContainText("Typed while offline");
  const offer = page.getByTestId("restore-banner");
  await expect(offer).toBeVisible();
  await expect(offer).toContainText("made on revision 2");
  await shot(page, "autosave-02-restore-offer");
  // Back online: restore, and it is saved.
  await page.unroute(offline);
  await offer.getByRole("button", { name: "Restore my edits" }).click();
  await expect(node(page, "review")).toContainText("Typed while offline");
  await saved(page);
  await expect(offer).toHaveCount(0);
  await expect
    .poll(async () => (await draftOf(page, key)).draft.steps.find((s) => s.id === "review")?.name)
    .toBe("Typed while offline");
  // Acknowledged: nothing is offered any more.
  await page.reload();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await expect(node(page, "review")).toContainText("Typed while offline");
  await expect(page.getByTestId("restore-banner")).toHaveCount(0);
});

async function openAs(browser: Browser, who: "admin", key: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await ctx.newPage();
  await signIn(page, who);
  await open(page, key);
  return page;
}

// fixme: timed out (240 s) in the integration run after the first merge succeeded (Ada at rev 4 with the merged
// work); the second round (Dana behind, merging again) needs a look. The merge itself is unit-tested (model.test.ts).
test("two people edit one flow: the conflict keeps both sides' work — merged field by field, the overlap chosen, or saved as a copy", async ({
  browser,
  page,
}) => {
  await signIn(page, "designer");
  const key = `autosave-merge-${Date.now().toString(36)}`;
  await createFlow(page, key, "Two editors", seeded);
  const dana = page;
  await open(dana, key);
  const ada = await openAs(browser, "admin", key);

  // Dana: renames the review step and describes it; saved.
  await node(dana, "review").click();
  await typeInto(dana, "#f-name", "Dana's review");
  await typeInto(dana, "#f-description", "Dana wrote this");
  await saved(dana);
  await expect
    .poll(async () => (await draftOf(dana, key)).draft.steps.find((s) => s.id === "review"))
    .toMatchObject({ name: "Dana's review", description: "Dana wrote this" });

  // Ada (still on revision 2): renames the same step, maps a new field in the full-screen mapper.
  await node(ada, "review").click();
  await typeInto(ada, "#f-name", "Ada's review");
  await node(ada, "shape").click();
  const mapper = ada.getByRole("region", { name: "Data mapper" });
  await mapper.getByRole("button", { name: "Full screen" }).click();
  await mapper.getByLabel("New target field").fill("projectName");
  await mapper.getByLabel("New target field").press("Enter");
  // The conflict is shown inside the full-screen mapper too, and nothing of Ada's is thrown away.
  const inMapper = mapper.getByTestId("conflict-banner");
  await expect(inMapper).toBeVisible({ timeout: 20_000 });
  await expect(inMapper).toContainText(/Dana Designer saved revision \d+ at .* after you opened revision 2/);
  await expect(inMapper).toContainText("Your edits are kept here");
  await expect(ada.getByTestId("save-state")).toHaveAttribute("data-state", "conflict");
  await shot(ada, "autosave-03-conflict-in-mapper");

  // Merge: Dana's description and Ada's mapped field merge by themselves; the name overlaps — Ada keeps hers.
  await inMapper.getByRole("button", { name: /Merge with theirs/ }).click();
  const dialog = ada.getByRole("dialog", { name: "Merge your edits with theirs" });
  await expect(dialog).toBeVisible();
  const overlaps = dialog.getByTestId("merge-conflict");
  await expect(overlaps).toHaveCount(1);
  await expect(overlaps.first()).toContainText('Step "review" · name');
  await expect(overlaps.first()).toContainText("Dana's review");
  await expect(overlaps.first()).toContainText("Ada's review");
  await shot(ada, "autosave-04-merge-dialog");
  await dialog.getByRole("button", { name: "Apply merge and save" }).click();
  await expect(mapper.getByTestId("conflict-banner")).toHaveCount(0);
  await mapper.getByRole("button", { name: "Close full screen" }).click();
  await saved(ada);

  let d = (await draftOf(ada, key)).draft;
  expect(d.steps.find((s) => s.id === "review")).toMatchObject({
    name: "Ada's review",
    description: "Dana wrote this",
  });
  expect(Object.keys(d.steps.find((s) => s.id === "shape")!.output!)).toEqual(
    expect.arrayContaining(["projectCode", "projectName"]),
  );

  // Dana (now behind) edits again: a conflict on her side; this time she takes Ada's name on the overlap.
  await node(dana, "review").click();
  await typeInto(dana, "#f-name", "Dana again");
  await typeInto(dana, "#f-description", "Dana's second thoughts");
  const danaBanner = dana.getByTestId("conflict-banner");
  await expect(danaBanner).toBeVisible({ timeout: 20_000 });
  await danaBanner.getByRole("button", { name: /Merge with theirs/ }).click();
  const danaDialog = dana.getByRole("dialog", { name: "Merge your edits with theirs" });
  await expect(danaDialog.getByTestId("merge-conflict")).toHaveCount(1);
  await danaDialog.getByLabel(`Take theirs: Step "review" · name`).check();
  await danaDialog.getByRole("button", { name: "Apply merge and save" }).click();
  await saved(dana);
  d = (await draftOf(dana, key)).draft;
  expect(d.steps.find((s) => s.id === "review")).toMatchObject({
    name: "Ada's review",
    description: "Dana's second thoughts",
  });
  expect(Object.keys(d.steps.find((s) => s.id === "shape")!.output!)).toContain("projectName");

  // Ada edits on her stale revision once more and saves hers as a copy instead: a new flow with her version.
  await node(ada, "review").click();
  await typeInto(ada, "#f-name", "Ada's copy only");
  await expect(ada.getByTestId("conflict-banner")).toBeVisible({ timeout: 20_000 });
  await ada.getByTestId("conflict-banner").getByRole("button", { name: "Save mine as a copy" }).click();
  await expect(ada).toHaveURL(new RegExp(`/flows/${key}-copy$`), { timeout: 30_000 });
  await expect(ada.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await expect(node(ada, "review")).toContainText("Ada's copy only");
  const copy = (await draftOf(ada, `${key}-copy`)).draft;
  expect(copy.steps.find((s) => s.id === "review")?.name).toBe("Ada's copy only");
  // The original keeps the merged work.
  expect((await draftOf(dana, key)).draft.steps.find((s) => s.id === "review")?.name).toBe("Ada's review");
  await ada.context().close();
});
