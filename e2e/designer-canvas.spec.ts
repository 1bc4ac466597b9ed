// How the designer draws large flows: React Flow is told each node's size and handle places up front
// (components/designer/geometry.ts) instead of mounting and measuring every node, so opening a big flow
// mounts only the nodes in view. These tests check the two things that can go wrong with that: edges that
// do not meet the handles they leave from or arrive at (the computed places are used whenever React Flow
// re-adopts a node: selected, moved, edited), and nodes mounted although out of view.
import { expect, test, type Page } from "./test";
import { readFileSync } from "node:fs";
import path from "node:path";
import { signIn } from "./helpers";
import { trpcMutation } from "./triage-helpers";

test.use({ viewport: { width: 1600, height: 1000 } });

/** A tRPC mutation that must succeed. */
async function mutate(page: Page, proc: string, input: unknown): Promise<void> {
  const r = await trpcMutation(page.request, proc, input);
  expect(r.error, proc).toBeUndefined();
}

interface EdgeCheck {
  id: string;
  start: [number, number];
  end: [number, number];
  expectedStart: [number, number] | null;
  nearestTarget: number;
  endInView: boolean;
}

/** Every drawn edge whose source handle is on screen: where it starts and ends, and where the handles are (flow coordinates). */
async function edgeChecks(page: Page): Promise<EdgeCheck[]> {
  // A string, not a function: tsx's name-keeping helper (__name) does not exist in the page.
  return (await page.evaluate(`(() => {
    const vp = document.querySelector(".react-flow__viewport");
    const m = new DOMMatrixReadOnly(getComputedStyle(vp).transform);
    const [tx, ty, z] = [m.e, m.f, m.a];
    const origin = vp.parentElement.getBoundingClientRect();
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { x: (r.left - origin.left - tx) / z, y: (r.top - origin.top - ty) / z, w: r.width / z, h: r.height / z };
    };
    // React Flow's anchor on each side of a handle (getHandlePosition).
    const anchor = (el) => {
      const b = box(el);
      if (el.classList.contains("react-flow__handle-right")) return [b.x + b.w, b.y + b.h / 2];
      if (el.classList.contains("react-flow__handle-left")) return [b.x, b.y + b.h / 2];
      if (el.classList.contains("react-flow__handle-top")) return [b.x + b.w / 2, b.y];
      return [b.x + b.w / 2, b.y + b.h];
    };
    // The part of the drawing in view: a target handle there belongs to a mounted node.
    const inView = ([x, y]) => x > -tx / z + 20 && y > -ty / z + 20 && x < (origin.width - tx) / z - 20 && y < (origin.height - ty) / z - 20;
    const targets = [...document.querySelectorAll(".react-flow__handle.target")].map(anchor);
    return [...document.querySelectorAll(".react-flow__edge")].map((g) => {
      const id = g.getAttribute("data-id");
      const i = id.lastIndexOf(":");
      const src = document.querySelector('.react-flow__handle[data-nodeid="' + id.slice(0, i) + '"][data-handleid="' + id.slice(i + 1) + '"]');
      const n = (g.querySelector(".react-flow__edge-path").getAttribute("d").match(/-?\\d+(\\.\\d+)?/g) || []).map(Number);
      const end = [n[n.length - 2], n[n.length - 1]];
      const nearestTarget = Math.min(...targets.map(([x, y]) => Math.hypot(x - end[0], y - end[1])));
      return { id, start: [n[0], n[1]], end, expectedStart: src ? anchor(src) : null, nearestTarget, endInView: inView(end) };
    });
  })()`)) as EdgeCheck[];
}

test("edges meet the handles they leave from and arrive at, for every kind of handle, from the computed handle places", async ({
  page,
}) => {
  // Three flows opened and panned across six times each: ~40 s on a quiet machine, so the default minute ran out
  // under load (twice this session, waiting for the first edge).
  test.setTimeout(180_000);
  await signIn(page, "designer");
  const seen = new Set<string>();
  for (const example of ["opportunity-won-to-project", "approved-time-to-invoice", "timesheet-to-reporting"]) {
    // The example's document under a key of its own, classified internal (the catalog's e2e counts the
    // confidential flows of the demo workspace).
    const key = `geometry-${example}`.slice(0, 60);
    const doc = JSON.parse(readFileSync(path.resolve(`examples/${example}.weft.json`), "utf8")) as {
      domain: string;
      owner: string;
    };
    await mutate(page, "flows.create", {
      key,
      name: `Geometry ${example}`,
      domain: doc.domain,
      ownerTeamKey: doc.owner,
    });
    await mutate(page, "flows.saveDraft", {
      flowKey: key,
      baseRevision: 1,
      draft: { ...doc, key, name: `Geometry ${example}`, classification: "internal" },
    });
    // Half size: every card is drawn in full (handles included). The drawing is wider than the view:
    // check what is on screen, pan left, check again, across the whole flow.
    await page.goto(`/flows/${key}?zoom=0.5`);
    await expect(page.locator(".react-flow__edge").first()).toBeAttached({ timeout: 60_000 });
    const pane = (await page.locator(".react-flow__pane").boundingBox())!;
    let checked = 0;
    for (let i = 0; i < 6; i++) {
      // React Flow measures a node as it mounts; a node it re-adopts (selected, moved, edited) takes its
      // handles from geometry.ts. Select all and none: every node on screen is re-adopted.
      await page.waitForTimeout(300);
      await page.keyboard.press("Control+a");
      await page.keyboard.press("Escape");
      await page.waitForTimeout(200);
      for (const c of await edgeChecks(page)) {
        if (!c.expectedStart) continue;
        const [x, y] = c.expectedStart;
        expect(
          Math.hypot(c.start[0] - x, c.start[1] - y),
          `${example}: edge ${c.id} starts at its handle (${c.start} vs ${x},${y})`,
        ).toBeLessThan(1.5);
        if (c.endInView)
          expect(c.nearestTarget, `${example}: edge ${c.id} ends at a node's entry handle`).toBeLessThan(1.5);
        seen.add(c.id.slice(c.id.lastIndexOf(":") + 1).replace(/-\d+$/, ""));
        checked++;
      }
      // Pan by dragging the empty pane below the drawing (above the minimap, which pans too).
      await page.mouse.move(pane.x + pane.width - 40, pane.y + pane.height - 200);
      await page.mouse.down();
      await page.mouse.move(pane.x + 40, pane.y + pane.height - 200, { steps: 8 });
      await page.mouse.up();
    }
    expect(checked, `edges checked in ${example}`).toBeGreaterThan(10);
  }
  // Every kind of exit was among the checked edges: next, switch cases and default, error routes,
  // compensation, a loop's body and a parallel's branches.
  expect([...seen].sort()).toEqual(
    expect.arrayContaining(["body", "branch", "case", "catch", "compensate", "default", "next", "start"]),
  );
});

test("opening a 600-node flow mounts only the nodes in view, at zoom 1 and fitted", async ({ page }) => {
  await signIn(page, "designer");
  const key = "geometry-600-nodes";
  const steps: Array<Record<string, unknown>> = [];
  const layout: Record<string, { x: number; y: number }> = { trigger: { x: 0, y: 0 } };
  for (let i = 1; i < 600; i++) {
    steps.push({
      id: `s${i}`,
      type: "map",
      output: { value: `$trigger.amount * ${i}` },
      ...(i + 1 < 600 ? { next: `s${i + 1}` } : {}),
    });
    layout[`s${i}`] = { x: (i % 25) * 280, y: Math.floor(i / 25) * 140 };
  }
  await mutate(page, "flows.create", {
    key,
    name: "Geometry 600 nodes",
    domain: "reporting",
    ownerTeamKey: "platform",
  });
  const draft = {
    dsl: "weft/1",
    key,
    version: "0.1.0",
    name: "Geometry 600 nodes",
    domain: "reporting",
    owner: "platform",
    classification: "internal",
    trigger: { type: "manual" },
    start: "s1",
    steps,
    layout: { nodes: layout },
  };
  await mutate(page, "flows.saveDraft", { flowKey: key, baseRevision: 1, draft });
  // The most nodes React Flow ever had in the page while it opened (React Flow used to mount them all to measure them).
  await page.addInitScript(`(() => {
    window.__maxNodes = 0;
    new MutationObserver(() => {
      const n = document.querySelectorAll(".react-flow__node").length;
      if (n > window.__maxNodes) window.__maxNodes = n;
    }).observe(document, { childList: true, subtree: true });
  })()`);
  await page.goto(`/flows/${key}?zoom=1`);
  await expect(page.locator(".react-flow__node").first()).toBeAttached({ timeout: 60_000 });
  await page.waitForTimeout(1000);
  const atOne = (await page.evaluate("window.__maxNodes")) as number;
  expect(atOne, "nodes mounted while opening at zoom 1").toBeLessThan(60);
  // The edges between the nodes in view are drawn.
  await expect(page.getByTestId("rf__edge-s1:next")).toBeAttached();

  // Fitted, all 600 are in view: drawn as plain blocks without handles (too small to connect), and the
  // edges as one overview drawing (a line per edge) instead of 599 React Flow edges.
  await page.goto(`/flows/${key}`);
  await expect(page.locator(".react-flow__node")).toHaveCount(600, { timeout: 60_000 });
  expect(await page.locator(".react-flow__node .react-flow__handle").count()).toBe(0);
  await expect(page.locator(".react-flow__edge")).toHaveCount(0);
  const lines = (await page.getByTestId("edge-overview").locator("path").getAttribute("d"))!.match(/M/g)!.length;
  expect(lines).toBe(599);
  // Each line runs from the source's exit handle to the target's entry handle: s1 sits at (280, 0), s2 at
  // (560, 0); a card's "next" anchor is at (224, 36) and its entry at (-4, 36).
  expect(await page.getByTestId("edge-overview").locator("path").getAttribute("d")).toContain("M504.0 36.0L556.0 36.0");
  // Zoomed back in, cards and their handles return and still connect.
  await page.goto(`/flows/${key}?zoom=1`);
  await expect(page.locator('[data-testid="canvas-node"][data-node-id="s1"] .react-flow__handle')).toHaveCount(4);
});
