import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCommand } from "./run-command.test-helper";
import { fromAsl } from "@/core/convert";
import { registerConvertCommand } from "./convert-command";

const run = (...args: string[]) => runCommand(registerConvertCommand, ...args);

afterEach(() => {
  process.exitCode = undefined;
});

describe("weft convert --from n8n", () => {
  it("converts several exports into drafts and reports in one directory, naming each placeholder to fix", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "weft-from-n8n-"));
    const r = await run(
      "convert",
      "--from",
      "n8n",
      "core/convert/fixtures/n8n/webhook-order-approval.json",
      "core/convert/fixtures/n8n/code-and-legacy.json",
      "-o",
      dir,
    );
    expect(r.code, r.err).toBe(0);
    for (const key of ["order-approval", "legacy-sync"]) {
      const flow = JSON.parse(await readFile(path.join(dir, `${key}.weft.json`), "utf8")) as {
        dsl: string;
        key: string;
      };
      expect(flow).toMatchObject({ dsl: "weft/1", key });
      const report = JSON.parse(await readFile(path.join(dir, `${key}.report.json`), "utf8")) as {
        converted: number;
        total: number;
        entries: { status: string; stepId?: string }[];
        validation: { code: string; stepId?: string; severity: string }[];
      };
      // The report's placeholders are exactly the draft's errors.
      const placeholders = report.entries.filter((e) => e.status === "placeholder").map((e) => e.stepId);
      const errors = report.validation.filter((p) => p.severity === "error");
      expect(errors.map((p) => p.stepId).sort()).toEqual(placeholders.sort());
      expect(r.out).toContain(`→ ${path.join(dir, `${key}.weft.json`)}`);
    }
    expect(r.out).toContain("Validation: 2 error(s) to fix in the designer:");
    expect(r.out).toMatch(/reshape: .*Rewrite this n8n Code node/);
    // An input that is not an n8n export is named, the others still convert, and the exit status says so.
    const notN8n = path.join(dir, "not-n8n.json");
    await writeFile(notN8n, JSON.stringify({ StartAt: "A", States: {} }));
    const mixed = await run(
      "convert",
      "--from",
      "n8n",
      notN8n,
      "core/convert/fixtures/n8n/schedule-loop.json",
      "-o",
      dir,
    );
    expect(mixed.code).toBe(1);
    expect(mixed.err).toMatch(/not-n8n\.json: .*not an n8n workflow/);
    expect(mixed.out).toContain("schedule-loop.json →");
  });
});

describe("weft convert --to asl", () => {
  it("turns a converted state machine's draft back into the same state machine", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "weft-toasl-"));
    const imported = await run(
      "convert",
      "--from",
      "asl",
      "core/convert/fixtures/asl/parallel-map.asl.json",
      "-o",
      dir,
    );
    expect(imported.code).toBe(0);
    const draft = path.join(dir, "parallel-map.weft.json");
    const exported = await run("convert", "--to", "asl", draft, "-o", dir);
    expect(exported.code).toBe(0);
    expect(exported.out).toContain(`${draft} → ${path.join(dir, "parallel-map.asl.json")}`);
    expect(exported.out).toMatch(/Flow "parallel-map": (\d+)\/\1 steps exported to ASL as they are/);
    const asl = JSON.parse(await readFile(path.join(dir, "parallel-map.asl.json"), "utf8")) as Record<string, unknown>;
    expect(asl.QueryLanguage).toBe("JSONata");
    const report = JSON.parse(await readFile(path.join(dir, "parallel-map.export-report.json"), "utf8")) as {
      exported: number;
      total: number;
    };
    expect(report.exported).toBe(report.total);
    // Once more through Weft: the same state machine.
    const again = path.join(dir, "again");
    await writeFile(path.join(dir, "round.weft.json"), JSON.stringify({ ...fromAsl(asl).flow, key: "round" }));
    expect((await run("convert", "--to", "asl", path.join(dir, "round.weft.json"), "-o", again)).code).toBe(0);
    const round = JSON.parse(await readFile(path.join(again, "round.asl.json"), "utf8")) as Record<string, unknown>;
    expect({ ...round, Comment: undefined }).toEqual({ ...asl, Comment: undefined });
  });

  it("names what it refuses, exits 1 only on unreadable inputs, and wants --from or --to", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "weft-toasl-"));
    const r = await run("convert", "--to", "asl", "examples/opportunity-won-to-project.weft.json", "-o", dir, "--json");
    expect(r.code).toBe(0);
    const [first] = JSON.parse(r.out) as { report: { entries: { status: string; notes: string[] }[] } }[];
    const refused = first!.report.entries.filter((e) => e.status === "refused");
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) expect(e.notes.join(" ")).toMatch(/ASL|refused|no ASL equivalent|only calls/);

    const notFlow = path.join(dir, "x.json");
    await writeFile(notFlow, JSON.stringify({ StartAt: "A", States: {} }));
    const bad = await run("convert", "--to", "asl", notFlow);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/x\.json: not a weft\/1 flow/);

    const neither = await run("convert", "x.json");
    expect(neither.code).toBe(1);
    expect(neither.err).toContain("--from n8n|asl (to weft/1), or --to asl");
  });
});
