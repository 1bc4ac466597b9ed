// The designer's source schema of a Salesforce "Get record" / "SOQL query" step: the chosen sObject's fields
// (described by the org through the server, or the canonical shapes offline), so mapping a field the run
// returns (Name, a custom field) no longer warns as unknown. The description here is what the Salesforce
// sandbox's sObject Describe answers (connectors/salesforce/sandbox.ts), requested over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "@/connectors/sdk/testing";
import { salesforce } from "@/connectors/salesforce/client";
import { createSalesforceSandbox } from "@/connectors/salesforce/sandbox";
import type { StepConfig } from "@/core/dsl";
import { BUILT_IN_CATALOG, callOutputSchema, describeRequest, literalInput } from "./catalog";
import { checkMapping } from "./mapper/model";

let h: Harness;
beforeAll(async () => {
  h = await startHarness(salesforce, () => createSalesforceSandbox());
});
afterAll(async () => h?.close());

const getOpp = {
  type: "call",
  connector: "salesforce",
  operation: "getRecord",
  connection: "salesforce-prod",
  input: { sobject: "'Opportunity'", id: "$trigger.opportunityId" },
} as unknown as StepConfig;
const mapping = {
  name: "$steps.getOpp.output.Name",
  code: "$steps.getOpp.output.Project_Code__c",
  stage: "$steps.getOpp.output.StageName",
};
const unknownSources = (schema: unknown) =>
  checkMapping(mapping, [
    { ref: "$steps.getOpp.output", label: "Get opportunity", schema: schema as Record<string, unknown> },
  ])
    .filter((p) => p.code === "unknown-source")
    .map((p) => p.path);

describe("described outputs in the designer", () => {
  it("reads literal inputs and knows what to describe", () => {
    expect(
      literalInput({ sobject: "'Opportunity'", id: "$trigger.id", fields: '["Id", "Name"]', "q.limit": "5" }),
    ).toEqual({ sobject: "Opportunity", fields: ["Id", "Name"], q: { limit: 5 } });
    expect(describeRequest(getOpp)).toEqual({ key: "salesforce-prod", operation: "getRecord", subject: "Opportunity" });
    expect(
      describeRequest({ ...getOpp, input: { sobject: "$trigger.type" } } as unknown as StepConfig),
    ).toBeUndefined();
    expect(describeRequest({ ...getOpp, connection: "" } as unknown as StepConfig)).toBeUndefined();
  });

  it("maps Name and custom fields of the described sObject without unknown-field warnings", async () => {
    const description = await h.run("describeSObject", { sobject: "Opportunity" });
    expect(unknownSources(callOutputSchema(BUILT_IN_CATALOG, getOpp, description))).toEqual([]);
    // Offline: the canonical Opportunity knows Name and StageName, not the org's custom field.
    expect(unknownSources(callOutputSchema(BUILT_IN_CATALOG, getOpp))).toEqual(["code"]);
  });

  it("shapes a SOQL query's records from its FROM and SELECT list", () => {
    const q = {
      ...getOpp,
      operation: "query",
      input: { soql: "'SELECT Id, Name, Account.Name FROM Opportunity WHERE IsWon = true'" },
    } as unknown as StepConfig;
    const schema = callOutputSchema(BUILT_IN_CATALOG, q) as {
      properties: { records: { items: { properties: Record<string, unknown> } } };
    };
    expect(Object.keys(schema.properties.records.items.properties)).toEqual(["attributes", "Id", "Name", "Account"]);
  });
});
