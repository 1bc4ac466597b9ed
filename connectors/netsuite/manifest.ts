// NetSuite (ERP) manifest: SuiteTalk REST records and SuiteQL. Browser-safe.
import { z } from "zod";
import { defineConnector } from "../sdk/define";
import { httpUrl, rateLimitSchema } from "../sdk/common";
import { withArticle } from "../sdk/text";

export const NsRecordType = z
  .enum(["customer", "job", "timebill", "invoice", "employee"])
  .describe("NetSuite record type");
const Ref = z
  .object({ id: z.string().min(1), refName: z.string().optional() })
  .describe('A reference to another record: {"id": "647"}');
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD");
export const NsRecord = z.looseObject({
  id: z.string(),
  links: z.array(z.object({ rel: z.string(), href: z.string() })).optional(),
});
const Created = z.object({ id: z.string(), location: z.string() });

export const NsCustomerBody = z.looseObject({
  companyName: z.string().min(1),
  subsidiary: Ref,
  entityId: z.string().optional(),
  externalId: z.string().optional().describe("Your id for the customer, e.g. the Salesforce Account Id"),
  email: z.string().optional(),
  currency: Ref.optional(),
  terms: Ref.optional(),
  vatRegNumber: z.string().optional(),
  parent: Ref.optional(),
});
export const NsJobBody = z.looseObject({
  companyName: z.string().min(1).describe("Project name"),
  parent: Ref.describe("The customer"),
  entityId: z.string().optional().describe("Project code"),
  externalId: z.string().optional(),
  subsidiary: Ref.optional(),
  startDate: isoDay.optional(),
  projectedEndDate: isoDay.optional(),
  estimatedRevenue: z.number().optional(),
  jobType: Ref.optional(),
  entityStatus: Ref.optional(),
  projectExpenseType: Ref.optional(),
  projectManager: Ref.optional(),
  currency: Ref.optional(),
  custentity_kantata_workspace: z
    .string()
    .optional()
    .describe("The Kantata workspace this job is (custom field a PSA integration sets; reconciliations key by it)"),
});
export const NsTimeBillBody = z.looseObject({
  employee: Ref,
  hours: z.number().positive().max(24),
  tranDate: isoDay.optional(),
  customer: Ref.optional().describe("The project (job) the time is for"),
  item: Ref.optional().describe("Service item; required when customer is set"),
  isBillable: z.boolean().optional(),
  approvalStatus: Ref.optional(),
  memo: z.string().optional(),
  rate: z.number().optional(),
  externalId: z.string().optional(),
});
export const NsInvoiceBody = z.looseObject({
  entity: Ref.describe("The customer"),
  job: Ref.optional(),
  tranDate: isoDay.optional(),
  dueDate: isoDay.optional(),
  memo: z.string().optional(),
  otherRefNum: z.string().optional().describe("PO number"),
  externalId: z.string().optional(),
  item: z.object({
    items: z
      .array(
        z.looseObject({
          item: Ref,
          quantity: z.number().optional(),
          rate: z.number().optional(),
          amount: z.number().optional(),
          description: z.string().optional(),
        }),
      )
      .min(1),
  }),
});

const createOp = <B extends z.ZodType>(what: string, body: B) => ({
  kind: "action" as const,
  name: `Create ${what}`,
  description: `Creates ${withArticle(what)} record (204 + Location); sends X-NetSuite-Idempotency-Key.`,
  effect: "write" as const,
  input: z.object({ body }),
  output: Created,
});

export const netsuiteManifest = defineConnector({
  key: "netsuite",
  name: "NetSuite",
  system: "erp",
  icon: "ledger",
  version: "1.0.0",
  description: "Oracle NetSuite SuiteTalk REST: customers, projects (jobs), time bills, invoices, and SuiteQL.",
  docs: "OAuth 2.0 machine-to-machine: Weft signs a JWT client assertion (ES256 or PS256) with your certificate's private key. Creates answer 204 with a Location header; writes carry X-NetSuite-Idempotency-Key. NetSuite governs concurrency per account — set Max concurrent on the connection to your account's limit.",
  auth: {
    type: "oauth2_jwt_bearer",
    config: z.object({
      accountId: z.string().min(1).describe("e.g. 1234567 or 1234567_SB1"),
      baseUrl: httpUrl.optional().describe("Default: https://<account>.suitetalk.api.netsuite.com"),
      certificateId: z.string().min(1).describe("Certificate id from the OAuth 2.0 client credentials setup (JWT kid)"),
      rateLimit: rateLimitSchema.optional(),
    }),
    secrets: z.object({
      clientId: z.string().min(1).describe("Integration record client id"),
      privateKey: z.string().includes("PRIVATE KEY").describe("PEM private key of the certificate"),
    }),
  },
  operations: {
    getRecord: {
      kind: "action",
      name: "Get record",
      description: "Reads a record by internal id or by external id.",
      effect: "read",
      input: z
        .object({
          recordType: NsRecordType,
          id: z.string().optional(),
          externalId: z.string().optional(),
          expandSubResources: z.boolean().optional(),
        })
        .refine((v) => !!v.id !== !!v.externalId, { message: "Give id or externalId" }),
      output: NsRecord,
    },
    listRecords: {
      kind: "action",
      name: "List records",
      description: "Lists record ids (offset paging), optionally filtered with NetSuite's q syntax.",
      effect: "read",
      input: z.object({
        recordType: NsRecordType,
        q: z.string().optional().describe('e.g. companyName START_WITH "North"'),
        limit: z.number().int().min(1).max(1000).default(1000),
        offset: z.number().int().min(0).default(0),
      }),
      output: z.object({
        items: z.array(z.object({ id: z.string() })),
        totalResults: z.number().int(),
        count: z.number().int(),
        offset: z.number().int(),
        hasMore: z.boolean(),
      }),
    },
    createCustomer: createOp("customer", NsCustomerBody),
    createJob: createOp("project (job)", NsJobBody),
    createTimeBill: createOp("time bill", NsTimeBillBody),
    createInvoice: createOp("invoice", NsInvoiceBody),
    createRecord: {
      kind: "action",
      name: "Create record",
      description: "Creates a record of any supported type from a raw body.",
      effect: "write",
      input: z.object({ recordType: NsRecordType, body: z.record(z.string(), z.unknown()) }),
      output: Created,
    },
    updateRecord: {
      kind: "action",
      name: "Update record",
      description: "Updates fields of a record (PATCH, 204).",
      effect: "write",
      input: z.object({ recordType: NsRecordType, id: z.string().min(1), body: z.record(z.string(), z.unknown()) }),
      output: z.object({ id: z.string() }),
    },
    upsertByExternalId: {
      kind: "action",
      name: "Upsert by external id",
      description: "Creates or updates the record with this external id (PUT …/eid:{externalId}).",
      effect: "write",
      input: z.object({
        recordType: NsRecordType,
        externalId: z.string().min(1),
        body: z.record(z.string(), z.unknown()),
      }),
      output: Created,
    },
    suiteql: {
      kind: "action",
      name: "SuiteQL query",
      description: "Runs a SuiteQL query, paging by limit/offset (max 1000 rows a page).",
      effect: "read",
      input: z.object({
        q: z.string().min(1).describe("e.g. SELECT id, companyname FROM customer WHERE isinactive = 'F'"),
        pageSize: z.number().int().min(1).max(1000).default(1000),
        offset: z.number().int().min(0).default(0),
        maxRows: z.number().int().positive().optional().describe("Stop after this many rows (default: all)"),
      }),
      output: z.object({
        items: z.array(z.record(z.string(), z.unknown())),
        totalResults: z.number().int(),
        hasMore: z.boolean(),
        nextOffset: z.number().int().optional(),
      }),
      // One vendor page per call (maxRows = the page size), then the offset NetSuite says comes next.
      pages: {
        first: (input) => ({ ...input, maxRows: input.pageSize ?? 1000 }),
        next: (input, output) => {
          const o = output as { hasMore?: boolean; nextOffset?: number };
          return o.hasMore && o.nextOffset !== undefined
            ? { ...input, offset: o.nextOffset, maxRows: input.pageSize ?? 1000 }
            : null;
        },
      },
    },
  },
});
