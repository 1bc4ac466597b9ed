// The approval step in the DSL: who decides, decisions and their routes, due time and expiry; the canvas keeps
// its decision routes as edges.
import { describe, expect, it } from "vitest";
import { validate } from "./validate";
import { compile, decompile } from "./graph";
import { parseFlow } from "./index";

const approval = {
  id: "approve",
  type: "approval",
  assignee: { team: "finance" },
  title: "'Billing terms for ' & $trigger.customer",
  summary: "{ 'Customer': $trigger.customer, 'Amount': $trigger.amount }",
  form: { type: "object", properties: { amount: { type: "number", title: "Adjusted amount" } } },
  due: "2d",
  expiresAfter: "7d",
  escalation: { reassignTo: { team: "platform" }, notify: true },
  fourEyes: true,
  requester: "$trigger.requestedBy",
  bulk: true,
  routes: { reject: "rejected", expired: "rejected" },
  next: "post",
};
const doc = (step: Record<string, unknown>) => ({
  dsl: "weft/1",
  key: "terms",
  version: "1.0.0",
  name: "Terms",
  description: "",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  trigger: { type: "manual" },
  start: "approve",
  steps: [
    { ...approval, ...step },
    { id: "post", type: "map", output: "$steps.approve.output.fields" },
    { id: "rejected", type: "fail", code: "terms_rejected", message: "Finance rejected the change." },
  ],
});
const errors = (d: unknown) => validate(d).problems.filter((p) => p.severity === "error");

describe("approval step", () => {
  it("accepts a step with a team, a form, times, four-eyes and decision routes", () => {
    expect(errors(doc({}))).toEqual([]);
  });

  it("names the step, field and reason of what is wrong", () => {
    expect(errors(doc({ assignee: {} }))).toContainEqual(
      expect.objectContaining({ stepId: "approve", path: ["steps", 0, "assignee"], code: "approval-needs-assignee" }),
    );
    expect(errors(doc({ form: undefined, decisions: ["approve", "approve-with-changes"] }))).toContainEqual(
      expect.objectContaining({ path: ["steps", 0, "form"], code: "approval-changes-need-form" }),
    );
    expect(errors(doc({ expiresAfter: "1d" }))).toContainEqual(
      expect.objectContaining({ path: ["steps", 0, "expiresAfter"], code: "approval-expires-before-due" }),
    );
    expect(errors(doc({ decisions: ["approve"], routes: { reject: "rejected" } }))).toContainEqual(
      expect.objectContaining({ path: ["steps", 0, "routes", "reject"], code: "route-for-unoffered-decision" }),
    );
    expect(errors(doc({ routes: { reject: "nowhere" } }))).toContainEqual(
      expect.objectContaining({ stepId: "approve", path: ["steps", 0, "routes", "reject"] }),
    );
    const typo = errors(doc({ assignee: { team: "finance", rol: "approver" } }));
    expect(typo[0]).toMatchObject({ stepId: "approve" });
    expect(typo[0]!.message).toMatch(/rol/);
  });

  it("round-trips through the canvas with its decision routes as edges", () => {
    const flow = parseFlow(doc({}));
    const { graph } = decompile(flow);
    expect(graph.edges.filter((e) => e.source === "approve").map((e) => e.sourceHandle)).toEqual([
      "next",
      "decision-1",
      "decision-3",
    ]);
    const back = compile(graph, { layout: false }).flow;
    expect(back.steps[0]).toEqual(flow.steps[0]);
  });
});
