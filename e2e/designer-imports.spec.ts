// An OpenAPI import is usable in the designer like a built-in connector: its operations are in the palette,
// a call to one gets a form generated from the spec, and the validator knows the operation.
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "./test";
import { signIn } from "./helpers";
import { trpcMutation, trpcQuery } from "./triage-helpers";
import { billingApi } from "../connectors/openapi/fixtures/vendor-shaped";
import { openApiToConnector } from "../connectors/openapi/convert";
import { connectorCatalog } from "../connectors/registry";
import { validate } from "../core/dsl";

test("an imported API's operations appear in the designer's palette and validate as calls", async ({ page }) => {
  await signIn(page, "admin");
  const text = gunzipSync(readFileSync(path.resolve("connectors/openapi/fixtures/readme-3.1.json.gz"))).toString(
    "utf8",
  );
  const saved = await trpcMutation(page.request, "connections.saveImport", { text, key: "readmedocs" });
  expect(saved.error).toBeUndefined();
  const created = await trpcMutation(page.request, "flows.create", {
    key: "docs-sync",
    name: "Docs sync",
    domain: "reporting",
    ownerTeamKey: "platform",
  });
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

test("an imported API's typo warnings show in the Problems panel as weft validate prints them; its connection form offers the Authorization prefix", async ({
  page,
}) => {
  test.setTimeout(180_000); // two imports' conversions and two page loads on a shared machine
  await signIn(page, "admin");
  const saved = await trpcMutation(page.request, "connections.saveImport", {
    text: JSON.stringify(billingApi()),
    key: "ledgerly",
  });
  expect(saved.error).toBeUndefined();
  const conn = await trpcMutation(page.request, "connections.create", {
    key: "ledgerly-test",
    name: "Ledgerly test site",
    connectorKey: "ledgerly",
    config: { baseUrl: "https://acme-test.billing.example.com/api/v2" },
    secrets: { apiKey: "test_abc" },
  });
  expect(conn.error).toBeUndefined();
  expect(
    (
      await trpcMutation(page.request, "flows.create", {
        key: "customer-sync",
        name: "Customer sync",
        domain: "reporting",
        ownerTeamKey: "platform",
      })
    ).error,
  ).toBeUndefined();
  const flow = await trpcQuery<{ draft: Record<string, unknown>; draftRevision: number }>(page.request, "flows.get", {
    flowKey: "customer-sync",
  });
  const draft = {
    ...flow.draft,
    start: "createCustomer",
    steps: [
      {
        id: "createCustomer",
        type: "call",
        connector: "ledgerly",
        operation: "createCustomer",
        connection: "ledgerly-test",
        input: { "body.customer.idd": "'ACME-1'", "body.customer.email": "'ap@acme.test'" },
        next: "listCustomers",
      },
      {
        id: "listCustomers",
        type: "call",
        connector: "ledgerly",
        operation: "listCustomers",
        connection: "ledgerly-test",
        input: { "query.limt": "10", "headers.X-Reqest-Id": "'r1'" },
      },
    ],
  };
  expect(
    (
      await trpcMutation(page.request, "flows.saveDraft", {
        flowKey: "customer-sync",
        baseRevision: flow.draftRevision,
        draft,
      })
    ).error,
  ).toBeUndefined();
  // What the CLI (and the server's publish checks) say: the same validator over the converter's zod schemas.
  const cli = validate(draft as never, {
    catalog: connectorCatalog([openApiToConnector(billingApi(), { key: "ledgerly" }).manifest]),
  }).problems.filter((p) => p.severity === "warning");
  expect(cli.map((p) => p.code)).toEqual(["unknown-input-field", "unknown-input-field", "unknown-input-field"]);

  await page.goto("/flows/customer-sync");
  const problems = page.getByRole("region", { name: /Problems/ });
  for (const p of cli) await expect(problems).toContainText(p.message);
  await page.screenshot({ path: "test-results/openapi-typo-warnings.png" });

  await page.goto("/connections");
  await expect(page.getByRole("button", { name: "New connection" })).toBeEnabled({ timeout: 60_000 });
  await page.getByRole("button", { name: "New connection" }).click();
  const dialog = page.getByRole("dialog", { name: "New connection" });
  await dialog.getByLabel("Connector").selectOption("ledgerly");
  await expect(dialog.getByLabel("Prefix", { exact: true })).toHaveAttribute("placeholder", "Default: Token");
  await dialog.screenshot({ path: "test-results/openapi-prefix-field.png" });
});
