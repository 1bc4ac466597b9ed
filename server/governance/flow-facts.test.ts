// Flow facts read with the DSL's parser and walker and the connector manifests: calls anywhere in the
// document (foreach bodies, parallel branches, compensation steps), effect and system kind from the
// manifest, emitted events with their major and payload fields, the consumed event of an event trigger.
import { describe, expect, it } from "vitest";
import { extractFlowFacts } from "./flow-facts";
import {
  opportunityToProject,
  resourceAttributesSync,
  timesheetApprovalSync,
  timeToInvoice,
} from "../seed/governance-flows";
import timesheetToReporting from "../../examples/timesheet-to-reporting.weft.json";
import opportunityWonToProject from "../../examples/opportunity-won-to-project.weft.json";
import reconCustomerMaster from "../../examples/recon-customer-master.weft.json";

const touches = (d: unknown) =>
  extractFlowFacts(d).systems.map((s) => `${s.kind}/${s.system}.${s.operation}:${s.effect}`);

describe("flow facts", () => {
  it("a reconcile step reads the system of each side (lineage and the catalog's systems show them)", () => {
    expect(touches(reconCustomerMaster)).toEqual([
      "psa/kantata.listWorkspaceGroups:read",
      "erp/netsuite.suiteql:read",
      "crm/salesforce.query:read",
    ]);
    const sql = {
      dsl: "weft/1",
      key: "dw-recon",
      version: "1.0.0",
      name: "DW recon",
      description: "",
      domain: "invoice",
      owner: "finance",
      classification: "internal",
      trigger: { type: "manual" },
      start: "m",
      steps: [
        {
          id: "m",
          type: "reconcile",
          definition: {
            key: "dw",
            name: "DW",
            sides: [
              { name: "a", key: ["id"] },
              { name: "b", key: ["id"] },
            ],
          },
          sources: {
            a: { connection: "warehouse", sql: "SELECT id FROM a", sortKey: "id", idColumn: "id" },
            b: { connection: "warehouse", sql: "SELECT id FROM b", sortKey: "id", idColumn: "id" },
          },
        },
      ],
    };
    expect(touches(sql)).toEqual(["generic/postgres.query:read"]);
  });

  it("reads calls, emits and the event trigger of a weft/1 document", () => {
    const f = extractFlowFacts(opportunityToProject);
    expect(f.consumes).toEqual(["opportunity.won"]);
    expect(f.produces).toEqual([
      { event: "project.created", major: 1, fields: ["projectId", "opportunityId", "customerId"] },
    ]);
    expect(touches(opportunityToProject)).toEqual([
      "psa/kantata.createWorkspace:write",
      "crm/salesforce.getRecord:read",
    ]);
    // The example's compensation step (archiveProject, kantata.updateWorkspace) and foreach body are walked too.
    expect(touches(opportunityWonToProject)).toEqual([
      "psa/kantata.createExternalReference:write",
      "psa/kantata.createStory:write",
      "psa/kantata.createWorkspace:write",
      "psa/kantata.createWorkspaceGroup:write",
      "psa/kantata.listExternalReferences:read",
      "psa/kantata.listRateCards:read",
      "psa/kantata.updateWorkspace:write",
      "psa/kantata.updateWorkspaceGroup:write",
      "erp/netsuite.createJob:write",
      "erp/netsuite.suiteql:read",
      "erp/netsuite.upsertByExternalId:write",
      "crm/salesforce.getRecord:read",
      "crm/salesforce.updateRecord:write",
    ]);
  });

  it("walks foreach bodies and parallel branches", () => {
    expect(touches(resourceAttributesSync)).toEqual([
      "psa/kantata.createExternalReference:write",
      "psa/kantata.listExternalReferences:read",
      "psa/kantata.listUsers:read",
      "hris/workday.getWorkerSkills:read",
      "hris/workday.listWorkers:read",
    ]);
    expect(extractFlowFacts(resourceAttributesSync).produces).toEqual([
      { event: "resource.updated", major: 1, fields: ["workerId", "grade", "skills"] },
    ]);
    // The example's parallel: lookups and a foreach in one branch (NetSuite time bills), reporting writes in the
    // other; before it, the person's team in Workday.
    expect(touches(timesheetToReporting)).toEqual([
      "psa/kantata.listExternalReferences:read",
      "psa/kantata.listTimeEntries:read",
      "erp/netsuite.createTimeBill:write",
      "erp/netsuite.getRecord:read",
      "data/reporting.upsertRecords:write",
      "data/reporting.writeEvents:write",
      "hris/workday.listWorkers:read",
    ]);
    expect(extractFlowFacts(timesheetToReporting).consumes).toEqual(["psa.timesheet.approved"]);
  });

  it("a webhook-triggered flow consumes no event; payload fields are top-level names", () => {
    const f = extractFlowFacts(timesheetApprovalSync);
    expect(f.consumes).toEqual([]);
    expect(f.produces).toEqual([
      { event: "timesheet.approved", major: 1, fields: ["timesheetId", "projectId", "hours", "approvedAt"] },
    ]);
    const nested = {
      ...timeToInvoice,
      steps: [
        {
          id: "e",
          type: "emit",
          event: "invoice.created",
          payload: { "amount.value": "1", "amount.currency": "'EUR'", invoiceId: "'x'" },
        },
      ],
      start: "e",
    };
    expect(extractFlowFacts(nested).produces).toEqual([
      { event: "invoice.created", major: null, fields: ["amount", "invoiceId"] },
    ]);
    const opaque = { ...nested, steps: [{ id: "e", type: "emit", event: "invoice.created", payload: "$trigger" }] };
    expect(extractFlowFacts(opaque).produces[0]!.fields).toBeNull();
  });

  it("an unknown connector (e.g. a removed OpenAPI import) has no kind; its verb decides the effect", () => {
    const d = {
      ...timeToInvoice,
      start: "a",
      steps: [
        { id: "a", type: "call", connector: "billing-api", operation: "getInvoices", connection: "x", next: "b" },
        { id: "b", type: "call", connector: "billing-api", operation: "postInvoice", connection: "x" },
      ],
    };
    expect(touches(d)).toEqual(["null/billing-api.getInvoices:read", "null/billing-api.postInvoice:write"]);
  });

  it("a document that is not weft/1 has no facts (and does not throw)", () => {
    for (const bad of [
      null,
      "x",
      { steps: [{ type: "call", connection: "psa", operation: "createProject" }] },
      { dsl: "weft/2" },
    ]) {
      expect(extractFlowFacts(bad)).toEqual({ systems: [], produces: [], consumes: [] });
    }
  });
});
