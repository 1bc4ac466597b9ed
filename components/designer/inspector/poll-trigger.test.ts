// The inspector's poll trigger choices: what "Records change in a system (poll)" proposes is a valid trigger
// for the workspace's connections, and the operations offered are the connector's reads only.
import { describe, expect, it } from "vitest";
import { validate } from "@/core/dsl";
import { BUILT_IN_CATALOG } from "../catalog";
import { defaultPollTrigger, pollableOperations } from "./poll-trigger";

const doc = (trigger: unknown) => ({
  dsl: "weft/1",
  key: "poll-flow",
  version: "1.0.0",
  name: "P",
  description: "d",
  domain: "project",
  owner: "platform",
  classification: "internal",
  trigger,
  start: "s",
  steps: [{ id: "s", type: "map", output: { id: "$trigger.Id" } }],
});

describe("poll trigger in the inspector", () => {
  it("proposes closed-won opportunities over the workspace's Salesforce connection, valid as it is", () => {
    const connections = [
      { key: "kantata-prod", name: "PSA", connectorKey: "kantata" },
      { key: "salesforce-prod", name: "CRM", connectorKey: "salesforce" },
    ];
    const t = defaultPollTrigger(BUILT_IN_CATALOG, connections);
    expect(t).toMatchObject({
      connector: "salesforce",
      connection: "salesforce-prod",
      operation: "query",
      cursor: "SystemModstamp",
    });
    const r = validate(doc(t), { catalog: { ...BUILT_IN_CATALOG, connections } });
    expect(r.problems.filter((p) => p.severity === "error")).toEqual([]);
  });

  it("without Salesforce, the first connection with something to read, and a read operation of it", () => {
    const t = defaultPollTrigger(BUILT_IN_CATALOG, [{ key: "kantata-prod", name: "PSA", connectorKey: "kantata" }]);
    expect(t.connector).toBe("kantata");
    expect(pollableOperations(BUILT_IN_CATALOG, "kantata").map((o) => o.key)).toContain(t.operation);
  });

  it("offers reads only", () => {
    const ops = pollableOperations(BUILT_IN_CATALOG, "salesforce").map((o) => o.key);
    expect(ops).toEqual(expect.arrayContaining(["query", "pollChangedRecords"]));
    expect(ops).not.toContain("createRecord");
  });
});
