// A 5,000-step draft without positions opens in the designer: the automatic layout used to overflow the
// stack inside ELK on it (the canvas never appeared). Above 400 nodes core/dsl/layout.ts lays the graph
// out with its own iterative layered layout.
import { expect, test } from "./test";
import { signIn } from "./helpers";
import { trpcMutation } from "./triage-helpers";

test.use({ viewport: { width: 1600, height: 1000 } });

test("a 5,000-step draft with no layout opens, laid out, in the designer", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, "designer");
  const key = "layout-5000-steps";
  const chain = (prefix: string, n: number, last?: string) =>
    Array.from({ length: n }, (_, i) => ({
      id: `${prefix}${i}`,
      type: "map",
      output: { value: `$trigger.amount * ${i}` },
      ...(i + 1 < n ? { next: `${prefix}${i + 1}` } : last ? { next: last } : {}),
    }));
  // 2,500 steps in a row, then a foreach whose body is 2,500 steps in a row (the shape ELK overflowed on).
  const steps = [
    ...chain("s", 2500, "loop"),
    { id: "loop", type: "foreach", items: "$trigger.lines", body: { start: "b0", steps: chain("b", 2500) } },
  ];
  expect(
    (
      await trpcMutation(page.request, "flows.create", {
        key,
        name: "Layout 5000 steps",
        domain: "reporting",
        ownerTeamKey: "platform",
      })
    ).error,
  ).toBeUndefined();
  const draft = {
    dsl: "weft/1",
    key,
    version: "0.1.0",
    name: "Layout 5000 steps",
    domain: "reporting",
    owner: "platform",
    classification: "internal",
    trigger: { type: "manual" },
    start: "s0",
    steps,
  };
  expect(
    (await trpcMutation(page.request, "flows.saveDraft", { flowKey: key, baseRevision: 1, draft })).error,
  ).toBeUndefined();

  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`/flows/${key}?zoom=1`);
  // The first steps of the chain, laid out left to right.
  await expect(page.getByTestId("rf__node-s0")).toBeAttached({ timeout: 180_000 });
  await expect(page.getByTestId("rf__node-s1")).toBeAttached();
  const a = (await page.getByTestId("rf__node-s0").boundingBox())!;
  const b = (await page.getByTestId("rf__node-s1").boundingBox())!;
  expect(b.x).toBeGreaterThan(a.x + a.width);
  expect(Math.abs(b.y - a.y)).toBeLessThan(a.height);
  expect(errors.filter((m) => /call stack/i.test(m))).toEqual([]);
  await page.screenshot({ path: "test-results/designer-5000-steps.png" });
});
