// An OpenAPI import is usable in the designer like a built-in connector: its operations are in the palette,
// a call to one gets a form generated from the spec, and the validator knows the operation.
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";
import { trpcMutation } from "./triage-helpers";

test("an imported API's operations appear in the designer's palette and validate as calls", async ({ page }) => {
  await signIn(page, "admin");
  const text = gunzipSync(readFileSync(path.resolve("connectors/openapi/fixtures/readme-3.1.json.gz"))).toString("utf8");
  const saved = await trpcMutation(page.request, "connections.saveImport", { text, key: "readmedocs" });
  expect(saved.error).toBeUndefined();
  const created = await trpcMutation(page.request, "flows.create", { key: "docs-sync", name: "Docs sync", domain: "reporting", ownerTeamKey: "platform" });
  expect(created.error).toBeUndefined();

  await page.goto("/flows/docs-sync");
  await page.getByRole("searchbox", { name: "Search the palette" }).fill("readme");
  const items = page.locator('[data-testid="palette-item"][data-item^="call:readmedocs."]');
  await expect(items.first()).toBeVisible();
  expect(await items.count()).toBeGreaterThan(10);
  const first = await items.first().getAttribute("data-item");
  // Inside the pane at the default 1280×720 viewport (x 420 lies over the inspector, which made the drop flaky).
  await items.first().dragTo(page.locator(".react-flow__pane"), { targetPosition: { x: 200, y: 260 } });
  const [, op] = first!.slice("call:".length).split(".");
  // The validator knows the operation: what it asks for is the connection, never "unknown connector/operation".
  const problems = page.getByRole("region", { name: /Problems/ });
  await expect(page.getByTestId("problem-count")).not.toHaveAttribute("data-errors", "0");
  await expect(problems).not.toContainText(/is not installed|has no operation/);
  await expect(page.locator(`[data-testid="canvas-node"]`).filter({ hasText: op! })).toHaveCount(1);
});
