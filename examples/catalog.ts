// The connector catalog the examples are written against. A stand-in for the Catalog that connectors/
// builds from its manifests: the operations and required input fields the example flows use, so the
// tests exercise the validator's catalog checks (unknown operation, missing required field, …).
// Salesforce mirrors connectors/salesforce/manifest.ts; the others follow the canonical model.
import { z } from "zod";
import type { Catalog, OperationInfo } from "@/server/dsl/catalog";

const action = (key: string, input: z.ZodType, effect: "read" | "write" = "write", output: z.ZodType = z.record(z.string(), z.unknown())): OperationInfo => ({
  key,
  kind: "action",
  name: key,
  input,
  output,
  effect,
});
const ops = (...list: OperationInfo[]) => Object.fromEntries(list.map((o) => [o.key, o]));

export const exampleCatalog: Catalog = {
  connectors: {
    salesforce: {
      key: "salesforce",
      name: "Salesforce",
      system: "crm",
      operations: ops(
        action("getRecord", z.object({ sobject: z.string(), id: z.string().min(15).max(18), fields: z.array(z.string()).optional() }), "read"),
        action("upsertRecord", z.object({ sobject: z.string(), externalIdField: z.string(), externalId: z.string(), fields: z.record(z.string(), z.unknown()) })),
        { key: "pollChangedRecords", kind: "trigger", name: "Changed records", input: z.object({ sobject: z.string() }), output: z.unknown() },
      ),
    },
    netsuite: {
      key: "netsuite",
      name: "NetSuite",
      system: "erp",
      operations: ops(
        action("upsertCustomer", z.object({ externalId: z.string(), companyName: z.string(), subsidiaryId: z.string(), email: z.string().optional() })),
        action("createProject", z.strictObject({ entityId: z.string(), companyName: z.string(), customerId: z.string(), startDate: z.string().optional(), endDate: z.string().optional() })),
        action("createTimeBills", z.object({ projectCode: z.string(), entries: z.array(z.object({ employeeId: z.string(), hours: z.number(), date: z.string() })) })),
        action(
          "createInvoice",
          z.object({ projectCode: z.string(), customerId: z.string(), currency: z.string(), lines: z.array(z.object({ item: z.string(), quantity: z.number(), rate: z.number() })), memo: z.string().optional() }),
        ),
        action("upsertEmployee", z.object({ externalId: z.string(), name: z.string(), email: z.string(), laborCost: z.number().optional() })),
      ),
    },
    kantata: {
      key: "kantata",
      name: "Kantata OX",
      system: "psa",
      operations: ops(
        action("createProject", z.object({ title: z.string(), customerRef: z.string(), startDate: z.string(), budget: z.number().optional(), externalRef: z.string().optional() })),
        action("createMilestone", z.object({ projectId: z.string(), title: z.string(), dueDate: z.string(), amount: z.number().optional() })),
        action("setRateCard", z.object({ projectId: z.string(), rateCard: z.string() })),
        action("archiveProject", z.object({ projectId: z.string() })),
        action("listApprovedTime", z.object({ approvedBefore: z.string(), billed: z.union([z.boolean(), z.string()]).optional() }), "read"),
        action("getTimesheet", z.object({ timesheetId: z.string() }), "read"),
        action("markTimeBilled", z.object({ entryIds: z.array(z.string()), invoiceRef: z.string() })),
        action("createResource", z.object({ name: z.string(), email: z.string(), title: z.string().optional(), employmentType: z.enum(["employee", "contractor"]), externalRef: z.string() })),
        action("activateResource", z.object({ externalRef: z.string() })),
        action("deactivateResource", z.object({ externalRef: z.string() })),
      ),
    },
    workday: {
      key: "workday",
      name: "Workday",
      system: "hris",
      operations: ops(action("getWorker", z.object({ workerId: z.string() }), "read")),
    },
    warehouse: {
      key: "warehouse",
      name: "Data warehouse",
      system: "data",
      operations: ops(action("upsertRows", z.object({ table: z.string(), key: z.array(z.string()), rows: z.array(z.record(z.string(), z.unknown())) }))),
    },
  },
  connections: [
    { key: "salesforce-prod", connectorKey: "salesforce" },
    { key: "netsuite-prod", connectorKey: "netsuite" },
    { key: "kantata-prod", connectorKey: "kantata" },
    { key: "workday-prod", connectorKey: "workday" },
    { key: "warehouse", connectorKey: "warehouse" },
  ],
  flows: {
    "assign-default-skills": { versions: ["1.0.0", "1.1.0"] },
  },
};
