// A poll trigger's own fields: autocomplete offers what the poller binds as `$trigger` there — `{ cursor }`
// in the input, the operation's output in `records`, the record (with the pinned sample's fields) in
// cursor / recordId / version — and nothing of the run ($steps, $flow, $run).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Catalog, Trigger } from "@/core/dsl";
import { triggerFieldScope } from "./trigger-field-scope";

const catalog: Catalog = {
  connectors: {
    salesforce: {
      key: "salesforce",
      name: "Salesforce",
      operations: {
        query: {
          key: "query",
          kind: "action",
          name: "SOQL query",
          effect: "read",
          input: z.object({ soql: z.string() }),
          output: z.object({ totalSize: z.number(), records: z.array(z.object({ Id: z.string() })) }),
        },
      },
    },
  },
} as unknown as Catalog;
const poll: Trigger = {
  type: "poll",
  connector: "salesforce",
  connection: "sf",
  operation: "query",
  interval: "1m",
  input: { soql: "'SELECT Id FROM Opportunity'" },
  cursor: "SystemModstamp",
  recordId: "Id",
};
const record = { Id: "006A", Name: "Acme renewal", SystemModstamp: "2026-01-01T00:00:00.000+0000" };
const paths = (field: string) => triggerFieldScope(poll, field, catalog, record)!.paths.map((p) => p.path);

describe("poll trigger field scope", () => {
  it("the input sees { cursor }, not the record", () => {
    expect(paths("input.soql")).toEqual(["$trigger", "$trigger.cursor"]);
    expect(paths("input")).toEqual(["$trigger", "$trigger.cursor"]);
  });
  it("records sees the operation's output", () => {
    expect(paths("records")).toEqual(
      expect.arrayContaining(["$trigger.totalSize", "$trigger.records", "$trigger.records.Id"]),
    );
    expect(paths("records")).not.toContain("$trigger.Name");
  });
  it("cursor, recordId and version see the record (the pinned sample's fields)", () => {
    for (const f of ["cursor", "recordId", "version"])
      expect(paths(f)).toEqual(expect.arrayContaining(["$trigger.Id", "$trigger.Name", "$trigger.SystemModstamp"]));
    expect(paths("cursor")).not.toContain("$trigger.cursor");
  });
  it("nothing of the run is offered, and other triggers' fields keep the run's scope", () => {
    for (const f of ["input.soql", "records", "recordId"])
      expect(paths(f).some((p) => /^\$(steps|flow|run)\b/.test(p))).toBe(false);
    expect(
      triggerFieldScope(
        { type: "event", event: "opportunity.won", filter: "$trigger.amount > 0" },
        "filter",
        catalog,
        record,
      ),
    ).toBeUndefined();
    expect(triggerFieldScope(poll, "interval", catalog, record)).toBeUndefined();
  });
});
