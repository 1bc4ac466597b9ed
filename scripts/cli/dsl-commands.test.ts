import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCommand } from "./run-command.test-helper";
import { registerDslCommands } from "./dsl-commands";

const run = (...args: string[]) => runCommand(registerDslCommands, ...args);

afterEach(() => {
  process.exitCode = undefined;
});

describe("weft validate", () => {
  it("exits 0 on the examples, with the example catalog", async () => {
    const r = await run(
      "validate",
      "examples/opportunity-won-to-project.weft.json",
      "examples/approved-time-to-invoice.weft.json",
      "--catalog",
      "examples/catalog.ts",
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("examples/opportunity-won-to-project.weft.json: valid");
  });

  it("exits 1 with problems in human and JSON form, never a stack trace", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "weft-dsl-"));
    const bad = path.join(dir, "bad.json");
    await writeFile(
      bad,
      JSON.stringify({ dsl: "weft/1", steps: [{ id: "a", type: "map", output: "$x", retires: 1 }] }),
    );
    const notJson = path.join(dir, "x.json");
    await writeFile(notJson, "{ not json");
    const deep = path.join(dir, "deep.json");
    await writeFile(deep, `{"dsl":"weft/1","steps":${"[".repeat(200_000)}${"]".repeat(200_000)}}`);
    const human = await run("validate", bad, notJson, deep, path.join(dir, "missing.json"));
    expect(human.code).toBe(1);
    expect(human.out).toContain("has an unknown setting 'retires'");
    expect(human.out).toContain("is not JSON");
    expect(human.out).toContain("(too-deep)");
    expect(human.out).toContain("no such file");
    expect(human.out + human.err).not.toMatch(/\n\s+at /);
    const json = await run("validate", bad, "--json");
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out) as {
      ok: boolean;
      files: Array<{ problems: Array<{ code: string; path: unknown[] }> }>;
    };
    expect(parsed.ok).toBe(false);
    expect(parsed.files[0]!.problems.find((p) => p.code === "unknown-key")?.path).toEqual(["steps", 0, "retires"]);
  });

  it("reads YAML", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "weft-dsl-"));
    const file = path.join(dir, "flow.yaml");
    await writeFile(
      file,
      "dsl: weft/1\nkey: yaml-flow\nversion: 1.0.0\nname: Y\ndescription: ''\ndomain: invoice\nowner: finance\nclassification: internal\ntrigger: { type: manual }\nstart: a\nsteps:\n  - { id: a, type: map, output: $trigger }\n",
    );
    expect((await run("validate", file)).code).toBe(0);
  });
});

describe("weft compile and diff", () => {
  it("compiles a canvas and diffs two versions with the proposed bump", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "weft-dsl-"));
    const canvas = {
      flow: {
        dsl: "weft/1",
        key: "demo",
        version: "1.0.0",
        name: "Demo",
        description: "",
        domain: "invoice",
        owner: "finance",
        classification: "internal",
      },
      nodes: [
        {
          id: "trigger",
          type: "trigger",
          position: { x: 0, y: 0 },
          data: { kind: "trigger", trigger: { type: "manual" } },
        },
        {
          id: "a",
          type: "emit",
          position: { x: 200, y: 0 },
          data: {
            kind: "step",
            step: { type: "emit", event: "invoice.created", payload: { id: "$trigger.id", total: "$trigger.total" } },
          },
        },
      ],
      edges: [{ id: "e1", source: "trigger", target: "a", sourceHandle: "start" }],
    };
    const cfile = path.join(dir, "canvas.json");
    await writeFile(cfile, JSON.stringify(canvas));
    const v1 = path.join(dir, "v1.json");
    const c = await run("compile", cfile, "-o", v1);
    expect(c.code).toBe(0);
    const v2 = path.join(dir, "v2.json");
    canvas.nodes[1]!.data = {
      kind: "step",
      step: { type: "emit", event: "invoice.created", payload: { id: "$trigger.id" } },
    } as never;
    canvas.flow.version = "1.1.0";
    await writeFile(cfile, JSON.stringify(canvas));
    expect((await run("compile", cfile, "-o", v2)).code).toBe(0);
    const d = await run("diff", v1, v2);
    expect(d.code).toBe(0);
    expect(d.out).toContain("- payload.total");
    expect(d.out).toContain("emitted-field-removed");
    expect(d.out).toContain("Needs a major bump: 1.0.0 → 2.0.0");
    expect(d.out).toContain("(not enough)");
    const bad = await run("compile", path.join(dir, "nope.json"));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^weft: /);
  });
});
