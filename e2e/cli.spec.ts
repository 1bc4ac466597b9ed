// The CLI against the running app: a designer creates an API token in Settings, then `weft import` and
// `weft export` use it over HTTP; a revoked token is refused; the DSL's JSON Schema is served for editors.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "./test";
import { signIn } from "./helpers";

const run = promisify(execFile);

async function weft(
  baseURL: string,
  token: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run("tsx", ["scripts/cli.ts", ...args], {
      env: { ...process.env, WEFT_URL: baseURL, WEFT_TOKEN: token },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

test("a designer's API token drives weft import and weft export; revoking it locks the CLI out", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await signIn(page, "designer");
  await page.goto("/settings");
  await page.getByLabel("Token name").fill("e2e laptop");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  expect(token).toMatch(/^weft_pat_/);
  await expect(page.getByRole("cell", { name: "e2e laptop", exact: true })).toBeVisible();

  const dir = await mkdtemp(path.join(os.tmpdir(), "weft-cli-"));
  const example = JSON.parse(await readFile("examples/approved-time-to-invoice.weft.json", "utf8")) as Record<
    string,
    unknown
  >;
  const file = path.join(dir, "flow.weft.json");
  await writeFile(
    file,
    JSON.stringify({ ...example, key: "cli-time-to-invoice", name: "Time to invoice (from git)" }, null, 2),
  );

  const imported = await weft(baseURL!, token, ["import", file]);
  expect(imported.stderr).toBe("");
  expect(imported.stdout).toContain("cli-time-to-invoice created");
  expect((await weft(baseURL!, token, ["import", file])).stdout).toContain("cli-time-to-invoice unchanged");

  const exported = await weft(baseURL!, token, ["export", "cli-time-to-invoice"]);
  expect(exported.code).toBe(0);
  const doc = JSON.parse(exported.stdout) as Record<string, unknown>;
  expect(doc.$schema).toBe(`${baseURL}/api/dsl/schema.json`);
  expect(doc.name).toBe("Time to invoice (from git)");
  // The same draft as a Step Functions state machine (issue 18's round trip), with what ASL cannot express on
  // standard error: the connector calls other than HTTP are refused, named, and kept in the graph.
  const aslFile = path.join(dir, "flow.asl.json");
  const asl = await weft(baseURL!, token, ["export", "cli-time-to-invoice", "--to", "asl", "-o", aslFile]);
  expect(asl.code, asl.stderr).toBe(0);
  expect(asl.stderr).toMatch(/Flow "cli-time-to-invoice": \d+\/\d+ steps exported to ASL as they are/);
  expect(asl.stderr).toContain("→ refused");
  const machine = JSON.parse(await readFile(aslFile, "utf8")) as {
    QueryLanguage: string;
    StartAt: string;
    States: Record<string, unknown>;
  };
  expect(machine.QueryLanguage).toBe("JSONata");
  expect(Object.keys(machine.States)).toContain(machine.StartAt);

  // An invalid file: exit 1, the problem named by path and step, no stack trace.
  await writeFile(file, JSON.stringify({ ...example, key: "cli-time-to-invoice", steps: [{ id: "x", type: "call" }] }));
  const bad = await weft(baseURL!, token, ["import", file]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/not a valid flow/);
  expect(bad.stderr).toMatch(/steps\[0\]/);
  expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/);

  // The flow is in the app.
  await page.goto("/flows");
  await expect(page.getByText("Time to invoice (from git)")).toBeVisible();

  await page.goto("/settings");
  await page.getByRole("button", { name: "Revoke e2e laptop" }).click();
  await expect(page.getByRole("cell", { name: /revoked/ })).toBeVisible();
  const refused = await weft(baseURL!, token, ["export", "cli-time-to-invoice"]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("The token was refused");
});

test("a viewer's token can export but not import; the DSL JSON Schema is public", async ({
  page,
  baseURL,
  request,
}) => {
  await signIn(page, "viewer");
  await page.goto("/settings");
  await page.getByLabel("Token name").fill("viewer script");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  const exported = await weft(baseURL!, token, ["export", "time-to-invoice"]);
  expect(exported.code).toBe(0);
  expect(JSON.parse(exported.stdout)).toMatchObject({ key: "time-to-invoice" });
  const dir = await mkdtemp(path.join(os.tmpdir(), "weft-cli-"));
  const file = path.join(dir, "f.json");
  await writeFile(file, exported.stdout);
  const refused = await weft(baseURL!, token, ["import", file]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("This needs the designer role");

  const schema = await request.get("/api/dsl/schema.json");
  expect(schema.ok()).toBe(true);
  const json = (await schema.json()) as { $schema?: string; properties?: Record<string, unknown> };
  expect(json.properties).toHaveProperty("steps");
  expect((await request.get("/api/v1/flows/time-to-invoice")).status()).toBe(401);
});
