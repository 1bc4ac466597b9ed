// The governance forms end to end on the demo workspace: SLOs (designer), ownership (approver of the
// owning team), domains and stewards (admin), team alert channel with a test alert delivered to a real
// local webhook receiver, event contracts with the compatibility check (designer), and a viewer who
// gets no edit controls. Screenshots of each form land in the test output folder.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "./test";
import { signIn } from "./helpers";

const FLOW = "/catalog/time-to-invoice"; // owned by Finance (designer, approver and operator are members)

async function shot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

test("a designer adds a latency SLO, sees its status, edits and deletes it", async ({ page }) => {
  await signIn(page, "designer");
  await page.goto(FLOW);
  await expect(page.getByRole("heading", { name: "Service level objectives" })).toBeVisible();
  await page.getByRole("button", { name: "Add SLO" }).click();
  const sheet = page.getByRole("dialog", { name: "New SLO" });
  await expect(sheet.getByLabel("Rolling window (days)")).toHaveValue("28");

  // Specific errors before anything is sent.
  await sheet.getByRole("radio", { name: /^Latency/ }).check();
  await sheet.getByLabel("Target (%)").fill("100");
  await sheet.getByRole("button", { name: "Create SLO" }).click();
  await expect(sheet).toContainText("Name the SLO");
  await expect(sheet).toContainText("a 100% target leaves no error budget");
  await sheet.getByLabel("Name", { exact: true }).fill("Invoiced within 5 minutes");
  await sheet.getByLabel("Target (%)").fill("99.5");
  await sheet.getByRole("button", { name: "Create SLO" }).click();
  await expect(sheet).toContainText("A latency SLO needs a threshold.");

  await sheet.getByLabel("Latency threshold").selectOption({ label: "5 min" });
  await sheet.getByLabel("Target (%)").fill("99.5");
  await expect(sheet).toContainText("Error budget: 5 bad runs per 1,000.");
  await shot(page, "slo-new");
  await sheet.getByRole("button", { name: "Create SLO" }).click();
  await expect(sheet).toHaveCount(0);

  const card = page.getByRole("article", { name: "SLO Invoiced within 5 minutes" });
  await expect(card).toContainText("99.5% of runs complete within 5 min over 28 days");
  await expect(card).toContainText(/healthy|no data|at risk|budget spent|alert firing/);
  await expect(card).toContainText("Attainment");
  await expect(card).toContainText("Budget left");
  await expect(card).toContainText("Burn rate");
  await expect(card.getByRole("table", { name: /Burn-rate windows/ })).toContainText("1h/5m");
  await shot(page, "slo-created");

  // A second SLO with the same name is refused by the server, with its reason.
  await page.getByRole("button", { name: "Add SLO" }).click();
  const dup = page.getByRole("dialog", { name: "New SLO" });
  await dup.getByLabel("Name", { exact: true }).fill("Invoiced within 5 minutes");
  await dup.getByRole("button", { name: "Create SLO" }).click();
  await expect(dup.getByRole("alert")).toContainText('This flow already has an SLO named "Invoiced within 5 minutes".');
  await dup.getByRole("button", { name: "Cancel" }).click();

  await card.getByRole("button", { name: "Edit SLO Invoiced within 5 minutes" }).click();
  const edit = page.getByRole("dialog", { name: "Edit SLO “Invoiced within 5 minutes”" });
  await expect(edit.getByRole("radio", { name: /^Latency/ })).toBeDisabled();
  await edit.getByLabel("Target (%)").fill("99");
  await edit.getByLabel("Rolling window (days)").fill("7");
  await edit.getByLabel("Latency threshold").selectOption({ label: "10 min" });
  await edit.getByRole("button", { name: "Save SLO" }).click();
  await expect(edit).toHaveCount(0);
  await expect(card).toContainText("99% of runs complete within 10 min over 7 days");

  await card.getByRole("button", { name: "Edit SLO Invoiced within 5 minutes" }).click();
  await edit.getByRole("button", { name: "Delete SLO…" }).click();
  await expect(edit).toContainText("Delete “Invoiced within 5 minutes” and its alert history?");
  await edit.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page.getByRole("article", { name: "SLO Invoiced within 5 minutes" })).toHaveCount(0);
});

test("an approver of the owning team changes a flow's on-call contact", async ({ page }) => {
  await signIn(page, "approver");
  await page.goto(FLOW);
  await page.getByRole("button", { name: "Edit ownership" }).click();
  const sheet = page.getByRole("dialog", { name: "Ownership and classification" });
  await expect(sheet.getByLabel("Owning team")).toHaveValue("finance");
  await sheet.getByLabel("On-call contact").fill("x".repeat(201));
  await sheet.getByRole("button", { name: "Save ownership" }).click();
  await expect(sheet).toContainText("Keep the on-call contact under 200 characters.");
  await sheet.getByLabel("On-call contact").fill("finance-night@firm.example");
  await shot(page, "ownership");
  await sheet.getByRole("button", { name: "Save ownership" }).click();
  await expect(sheet).toHaveCount(0);
  await expect(page.getByRole("main")).toContainText("finance-night@firm.example");

  await page.goto("/catalog");
  await expect(page.getByRole("row").filter({ has: page.getByText("time-to-invoice", { exact: true }) })).toContainText(
    "on call: finance-night@firm.example",
  );

  // Not an approver of Platform Engineering: that flow's ownership is read-only, with the reason.
  await page.goto("/catalog/invoice-to-reporting");
  await expect(page.getByText("Approvers of Platform Engineering or an admin change the owner")).toBeVisible();
  await expect(page.getByRole("button", { name: "Edit ownership" })).toHaveCount(0);
});

test("an admin edits a domain's stewards on the domains page", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/catalog");
  await page.getByRole("navigation", { name: "Catalog sections" }).getByRole("link", { name: "Domains" }).click();
  const table = page.getByRole("table", { name: "Business domains with their owners and stewards" });
  await expect(table.getByRole("row")).toHaveCount(9); // header + 8 domains
  const invoice = table.getByRole("row").filter({ has: page.getByText("invoice", { exact: true }) });
  await expect(invoice).toContainText("Finance");
  await expect(invoice).toContainText("Dana Designer");

  await invoice.getByRole("button", { name: "Edit domain Invoice" }).click();
  const sheet = page.getByRole("dialog", { name: "Domain: Invoice" });
  await sheet.getByLabel("Charter").fill("Invoice policy: numbering, tax codes and credit notes");
  await sheet.getByRole("checkbox", { name: /Dana Designer/ }).uncheck();
  await sheet.getByRole("checkbox", { name: /Olu Operator/ }).check();
  await shot(page, "domain-edit");
  await sheet.getByRole("button", { name: "Save domain" }).click();
  await expect(sheet).toHaveCount(0);
  await expect(invoice).toContainText("Olu Operator");
  await expect(invoice).not.toContainText("Dana Designer");
  await expect(invoice).toContainText("Invoice policy: numbering, tax codes and credit notes");

  // Workspace standards (the platform domain's policy): defaults of new SLOs.
  await page.getByRole("button", { name: "Edit standards" }).click();
  const std = page.getByRole("dialog", { name: "Workspace standards" });
  await std.getByLabel("Default SLO window (days)").fill("0");
  await std.getByRole("button", { name: "Save standards" }).click();
  await expect(std).toContainText("At least 1 day.");
  await std.getByLabel("Default SLO window (days)").fill("30");
  await std.getByRole("button", { name: "Save standards" }).click();
  await expect(std).toHaveCount(0);
  await expect(
    page.getByRole("region", { name: "Workspace standards" }).locator("div", { hasText: /^Default SLO window/ }),
  ).toHaveText(/30 days$/);
  await shot(page, "domains");

  // Both edits are in the audit log, with the admin as actor.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  await page.getByLabel("Action").selectOption("domain.updated");
  await page.getByRole("button", { name: "Apply filters" }).click();
  const audit = page.getByRole("table", { name: "Audit log entries, newest first" });
  await expect(audit.getByRole("row").filter({ hasText: "domain.updated" })).toHaveCount(2);
  await expect(
    audit.getByRole("row").filter({ hasText: "domain.updated" }).filter({ hasText: "Invoice policy: numbering" }),
  ).toContainText("admin@weft.local");
});

test("a designer routes the owning team's alerts to a webhook and sends a test alert", async ({ page }) => {
  const received: Array<{ type: string; team: { key: string } }> = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/weft-alerts`;
  try {
    await signIn(page, "designer");
    await page.goto(FLOW);
    const channel = page.getByRole("region", { name: "Alert channel of Finance" });
    await expect(channel).toContainText("in-app");
    await channel.getByRole("button", { name: "Edit alert channel of Finance" }).click();
    const sheet = page.getByRole("dialog", { name: "Alert channel of Finance" });
    await sheet.getByLabel("Outgoing webhook URL").fill("not a url");
    await sheet.getByRole("button", { name: "Save channel" }).click();
    await expect(sheet).toContainText("Enter a full URL");
    await sheet.getByLabel("Outgoing webhook URL").fill(url);
    await sheet.getByRole("button", { name: "Save channel" }).click();
    await expect(sheet).toHaveCount(0);
    await expect(channel).toContainText(url);
    await expect(channel).toContainText("webhook on");
    await channel.getByRole("button", { name: "Send test alert" }).click();
    await expect(channel.getByRole("status")).toContainText("Delivered (HTTP 204).");
    expect(received).toEqual([
      expect.objectContaining({ type: "slo.alert.test", team: expect.objectContaining({ key: "finance" }) }),
    ]);
    await shot(page, "flow-page-designer");
  } finally {
    server.close();
  }
});

test("a designer registers an event contract and a breaking change is refused within its major", async ({ page }) => {
  await signIn(page, "designer");
  await page.goto("/catalog/events");
  await page.getByRole("button", { name: "Register event" }).click();
  const sheet = page.getByRole("dialog", { name: "Register an event" });
  await sheet.getByLabel("Event name").fill("Expense Approved");
  await sheet.getByRole("button", { name: "Register event" }).click();
  await expect(sheet).toContainText("Name events as “<entity>.<past-tense verb>”");
  await expect(sheet).toContainText("Choose the domain the event belongs to.");

  await sheet.getByLabel("Event name").fill("expense.approved");
  await sheet.getByLabel("Domain").selectOption("time-expense");
  await sheet.getByLabel("Owner team").selectOption({ label: "Finance" });
  await sheet.getByLabel("Description").fill("An expense claim was approved by the project manager.");
  await sheet
    .getByLabel("JSON Schema")
    .fill(
      '{ "type": "object", "required": ["expenseId", "amount"], "properties": { "expenseId": { "type": "string" }, "amount": { "type": "number" } }',
    );
  await sheet.getByRole("button", { name: "Register event" }).click();
  await expect(sheet).toContainText("Not valid JSON");
  await sheet
    .getByLabel("JSON Schema")
    .fill(
      '{ "type": "object", "required": ["expenseId", "amount"], "properties": { "expenseId": { "type": "string" }, "amount": { "type": "number" }, "note": { "type": "string" } } }',
    );
  await shot(page, "contract-register");
  await sheet.getByRole("button", { name: "Register event" }).click();
  await expect(sheet).toHaveCount(0);

  const event = page.getByRole("article", { name: "Event expense.approved" });
  await expect(event).toContainText("v1.0.0");
  await expect(event).toContainText("owned by Finance · time-expense");

  // A new required field breaks consumers reading earlier 1.x events: refused as 1.1.0.
  await event.getByRole("button", { name: "Propose a new version" }).click();
  const propose = page.getByRole("dialog", { name: "New version of expense.approved" });
  await expect(propose.getByLabel("Version")).toHaveValue("1.1.0");
  await propose
    .getByLabel("JSON Schema")
    .fill(
      '{ "type": "object", "required": ["expenseId", "amount", "currency"], "properties": { "expenseId": { "type": "string" }, "amount": { "type": "number" }, "note": { "type": "string" }, "currency": { "type": "string" } } }',
    );
  await propose.getByLabel("Changelog").fill("Adds the currency of the amount.");
  const verdict = propose.getByRole("region", { name: "Compatibility check" });
  await expect(verdict).toContainText("Refused: this is a breaking change");
  await expect(verdict).toContainText("publish it as 2.0.0");
  await expect(propose.getByRole("button", { name: "Publish version" })).toBeDisabled();
  await shot(page, "contract-breaking");

  await verdict.getByRole("button", { name: /Publish as 2\.0\.0 instead/ }).click();
  await expect(propose.getByLabel("Version")).toHaveValue("2.0.0");
  await expect(verdict).toContainText("✓ Compatible");
  await propose.getByRole("button", { name: "Publish version" }).click();
  await expect(propose).toHaveCount(0);
  await expect(event).toContainText("v2.0.0");

  // An optional field is a compatible minor change within 2.x.
  await event.getByRole("button", { name: "Propose a new version" }).click();
  await expect(propose.getByLabel("Version")).toHaveValue("2.1.0");
  await propose
    .getByLabel("JSON Schema")
    .fill(
      '{ "type": "object", "required": ["expenseId", "amount", "currency"], "properties": { "expenseId": { "type": "string" }, "amount": { "type": "number" }, "note": { "type": "string" }, "currency": { "type": "string" }, "costCentre": { "type": "string" } } }',
    );
  await expect(verdict).toContainText("✓ Compatible. This change needs at least a minor version");
  await propose.getByLabel("Changelog").fill("Adds the optional cost centre.");
  await propose.getByRole("button", { name: "Publish version" }).click();
  await expect(event).toContainText("v2.1.0");
});

test("a viewer sees governance read-only, with the reasons", async ({ page }) => {
  await signIn(page, "viewer");
  await page.goto(FLOW);
  await expect(page.getByRole("heading", { name: "Service level objectives" })).toBeVisible();
  await expect(page.getByText("Designers add, change and delete SLOs.")).toBeVisible();
  await expect(page.getByText("Approvers of Finance or an admin change the owner")).toBeVisible();
  await expect(
    page.getByText("Finance's designers and approvers, or an admin, set where its alerts go."),
  ).toBeVisible();
  for (const name of ["Add SLO", "Edit ownership", "Edit channel", "Send test alert"])
    await expect(page.getByRole("button", { name })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Edit SLO / })).toHaveCount(0);
  await shot(page, "flow-page-viewer");

  await page.goto("/catalog/domains");
  await expect(page.getByRole("table", { name: "Business domains with their owners and stewards" })).toBeVisible();
  await expect(page.getByText("Only an admin changes a domain's owning team, charter or stewards.")).toBeVisible();
  await expect(page.getByRole("button", { name: /^Edit/ })).toHaveCount(0);

  await page.goto("/catalog/events");
  await expect(page.getByRole("article").first()).toBeVisible();
  await expect(page.getByText("Designers register events and propose new versions.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Register event" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Propose a new version" })).toHaveCount(0);
});
