// The pure parts of validation as you edit: what the validator reports on a drawn document, and the
// per-node badges made from the problems and a test run.
import { describe, expect, it } from "vitest";
import { decompile, type Flow, type Problem } from "@/core/dsl";
import { BUILT_IN_CATALOG } from "./catalog";
import { connect } from "./edits";
import { fromDecompiled, TRIGGER_NODE_ID } from "./model";
import { decorationsOf, runValidation } from "./use-validation";

const flow = {
  dsl: "weft/1",
  key: "validation-test",
  version: "0.1.0",
  name: "Validation test",
  description: "",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  trigger: { type: "manual" },
  start: "a",
  steps: [
    { id: "a", type: "map", output: { x: "1" }, next: "b" },
    { id: "b", type: "wait", duration: "PT1M" },
  ],
} as unknown as Flow;

describe("validation as you edit", () => {
  it("validates the compiled document: a valid flow has no problems, a step cut off from the path is reported", () => {
    const s = fromDecompiled(decompile(flow).graph);
    expect(runValidation(s, BUILT_IN_CATALOG).problems).toEqual([]);
    const cut = runValidation(connect(s, "a", "next", null), BUILT_IN_CATALOG);
    expect(cut.problems.length).toBeGreaterThan(0);
    expect(cut.flow.steps.find((x) => x.id === "a")).not.toHaveProperty("next");
  });

  it("badges count each node's errors and warnings with the first message, and carry the test run's status", () => {
    const problems: Problem[] = [
      { stepId: "a", path: ["steps", 0], code: "x", message: "first", severity: "error" },
      { stepId: "a", path: ["steps", 0], code: "y", message: "second", severity: "warning" },
      { stepId: "a", path: ["steps", 0], code: "z", message: "third", severity: "error" },
      { path: ["name"], code: "w", message: "flow-level", severity: "error" },
    ];
    const run = {
      status: "succeeded",
      durationMs: 40,
      steps: new Map([["b", { status: "succeeded", durationMs: 12 }]]),
    };
    const m = decorationsOf(problems, run);
    expect(m.get("a")).toEqual({ errors: 2, warnings: 1, firstMessage: "first" });
    expect(m.get("b")).toEqual({ errors: 0, warnings: 0, run: { status: "succeeded", durationMs: 12 } });
    expect(m.get(TRIGGER_NODE_ID)).toEqual({ errors: 0, warnings: 0, run: { status: "succeeded", durationMs: 40 } });
    expect([...decorationsOf(problems, null).keys()]).toEqual(["a"]);
  });
});
