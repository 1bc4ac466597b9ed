// The overview drawing's lines (edge-overview.tsx) start and end at the handles React Flow would use,
// including for steps inside containers, whose positions are relative to the container.
import { describe, expect, it } from "vitest";
import type { StepConfig } from "@/core/dsl";
import { overviewPaths } from "./edge-overview";
import { handleBounds, stepHandleSpecs, TRIGGER_HANDLES } from "./geometry";
import type { DEdge, DNode } from "./model";

function step(id: string, cfg: StepConfig, position: { x: number; y: number }, extra: Partial<DNode> = {}): DNode {
  const container = cfg.type === "foreach" || cfg.type === "parallel";
  const [w, h] = container ? [300, 160] : [220, 72];
  return {
    id,
    type: cfg.type,
    position,
    data: { kind: "step", step: cfg },
    measured: { width: w, height: h },
    handles: handleBounds(stepHandleSpecs(cfg), w, h, container ? 2 : 1),
    ...extra,
  };
}

describe("overviewPaths", () => {
  it("draws a line per edge from the exit handle to the entry handle, grouped by kind, with nested steps placed inside their container", () => {
    const trigger: DNode = {
      id: "trigger",
      type: "trigger",
      position: { x: 0, y: 0 },
      data: { kind: "trigger", trigger: { type: "manual" } },
      measured: { width: 220, height: 72 },
      handles: handleBounds(TRIGGER_HANDLES, 220, 72, 1),
    };
    const inner = step(
      "inner",
      { id: "inner", type: "map", output: {} } as unknown as StepConfig,
      { x: 40, y: 60 },
      { parentId: "loop" },
    );
    const oops = step("oops", { id: "oops", type: "fail", code: "X", message: "'m'" } as unknown as StepConfig, {
      x: 700,
      y: 200,
    });
    const edges: DEdge[] = [
      { id: "trigger:start", source: "trigger", target: "loop", sourceHandle: "start", data: { kind: "start" } },
      { id: "loop:body", source: "loop", target: "inner", sourceHandle: "body", data: { kind: "body" } },
      {
        id: "loop:catch-0",
        source: "loop",
        target: "oops",
        sourceHandle: "catch-0",
        data: { kind: "catch", index: 0 },
      },
    ];
    const loop = step(
      "loop",
      {
        id: "loop",
        type: "foreach",
        items: "$trigger.items",
        body: { steps: [] },
        catch: [{ errors: ["any"], next: "oops" }],
      } as unknown as StepConfig,
      { x: 300, y: 0 },
    );
    const paths = overviewPaths([trigger, loop, inner, oops], edges);
    // trigger "start": right side of a 1px-bordered card, centred → (224, 36); loop entry: (300 - 3, 80).
    // loop "body": on top, 24 px in from the 2px border → (300 + 26, -3); inner entry: (300 + 40 - 4, 0 + 60 + 36).
    expect(paths.get("weft-edge-next")).toBe("M224.0 36.0L297.0 80.0M326.0 -3.0L336.0 96.0");
    // catch-0 on the bottom of a 2px-bordered 300×160 container, 18% along: x = 300 + 2 + 296 × 0.18, y = 160 - 2 + 5.
    expect(paths.get("weft-edge-catch")).toBe(`M${(300 + 2 + 296 * 0.18).toFixed(1)} 163.0L696.0 236.0`);
  });
});
