// "A test run is what production will do", as a newcomer meets it: the demo's webhook flow opens with its
// shipped trigger sample in the shape a delivery has ({ body, headers, query }); a bare body is refused in the
// dialog, naming the field; a dry run (the default) succeeds without writing to the sandboxes, its writes
// marked simulated in the inspector and on the run page; a fixed value of the wrong type is a problem before
// any run; live mode names every connection and host before it starts.
import { expect, test } from "./test";
import path from "node:path";
import { readFileSync } from "node:fs";
import { goToStep, signIn, screenshots } from "./helpers";

test.use({ viewport: { width: 1600, height: 1000 } });
test.setTimeout(240_000);

const shot = screenshots("test-run", { env: "DESIGNER_SHOTS" });
// Steps are selected through the command menu ("Go to step …"), wherever the view is: after the run page and
// Fit (which stops at a readable zoom) a step can be outside the view, where its card is not drawn.
const select = goToStep;
const FLOW = "worker-onboarding-hris-to-psa";
const sample = (
  JSON.parse(readFileSync(`examples/${FLOW}.samples.json`, "utf8")) as {
    trigger: { body: unknown; headers: Record<string, string> };
  }
).trigger;

test("test-run the demo's webhook flow from its shipped sample: request-shaped input, dry run by default, live names its hosts", async ({
  page,
}) => {
  await signIn(page, "designer");
  await page.goto(`/flows/${FLOW}`);
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });

  // The shipped sample is pinned and is the request a delivery makes.
  await page.getByRole("button", { name: "▶ Test run" }).click();
  const dialog = page.getByRole("dialog", { name: "Test run" });
  const payload = dialog.getByLabel("Trigger payload");
  await expect(dialog).toContainText("the request a delivery makes: { body, headers, query }");
  expect(JSON.parse(await payload.inputValue())).toEqual(sample);

  // A bare body is not what a webhook produces: refused before it runs, naming the field.
  await payload.fill(JSON.stringify(sample.body, null, 2));
  await expect(dialog.getByTestId("input-problems")).toContainText(
    "'body' is required (A webhook trigger produces { body, headers, query })",
  );
  await expect(dialog.getByRole("button", { name: "Run test (dry run)" })).toBeDisabled();
  await shot(page, "01-bare-body-refused");

  // The request shape, as a dry run (the default).
  await payload.fill(JSON.stringify(sample, null, 2));
  await expect(dialog.getByTestId("input-problems")).toHaveCount(0);
  await dialog.getByRole("button", { name: "Run test (dry run)" }).click();
  const bar = page.getByTestId("run-bar");
  await expect(bar).toHaveAttribute("data-status", "succeeded", { timeout: 90_000 });
  await expect(page.getByTestId("run-mode")).toHaveText("dry run (writes simulated)");

  // The NetSuite write was not sent: the inspector says how its output was obtained.
  await select(page, "upsertEmployee");
  await expect(page.getByTestId("run-io")).toContainText("succeeded");
  await expect(page.getByTestId("simulated-note")).toContainText("dry run: not sent");
  // The Workday read was sent for real (its values are masked: the flow is restricted).
  await select(page, "getWorker");
  await expect(page.getByTestId("run-io")).toContainText("succeeded");
  await expect(page.getByTestId("simulated-note")).toHaveCount(0);
  await shot(page, "02-dry-run");

  // The run page marks the simulated steps too.
  const runPage = bar.getByRole("link", { name: "Open run" });
  const href = await runPage.getAttribute("href");
  const other = await page.context().newPage();
  await other.goto(href!);
  await expect(other.getByTestId("test-mode")).toHaveText("dry run (writes simulated)");
  await expect(other.getByTestId("simulated").first()).toBeVisible();
  await other.screenshot({
    path: path.join(process.env.DESIGNER_SHOTS ?? path.join("test-results", "test-run"), "03-run-page.png"),
  });
  await other.close();

  // A fixed value of the wrong type is a problem before any run (the validator the publish checks use).
  await select(page, "getWorker");
  const workerId = page.getByRole("textbox", { name: "Input id" });
  await workerId.fill("1");
  await expect(
    page
      .getByTestId("problem")
      .filter({ hasText: "input 'id' is the fixed value 1 (a number), but workday.getWorker expects text" }),
  ).toBeVisible();
  await shot(page, "04-literal-type-problem");
  await workerId.fill("$trigger.body.workerId");
  await expect(page.getByTestId("problem-count")).toHaveAttribute("data-errors", "0");

  // Live: the confirmation names every connection the flow calls, with its host.
  await page.getByRole("button", { name: "▶ Test run" }).click();
  await dialog.getByLabel("Live against the connections").check();
  await dialog.getByRole("button", { name: "Run test live…" }).click();
  const confirm = dialog.getByTestId("live-confirmation");
  for (const key of ["kantata-prod", "netsuite-prod", "workday-prod"]) await expect(confirm).toContainText(key);
  await expect(confirm).toContainText(/at 127\.0\.0\.1:\d+/);
  await shot(page, "05-live-confirmation");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
});
