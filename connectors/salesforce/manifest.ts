// Salesforce (CRM) manifest: browser-safe schemas for the designer and the DSL validator.
import { z } from "zod";
import { defineConnector } from "../sdk/define";
import { httpUrl, pollCursor, rateLimitSchema } from "../sdk/common";
import { SObjectDescribe, soqlTarget, sobjectRecordSchema } from "./records";

export { AccountFields, ContactFields, OpportunityFields, SObjectDescribe } from "./records";

export const SObjectName = z.enum(["Account", "Opportunity", "Contact"]).describe("sObject type");

/** A record as the REST API returns it: `attributes` plus whichever fields were selected. */
export const SfRecord = z.looseObject({
  attributes: z.object({ type: z.string(), url: z.string() }).optional(),
  Id: z.string().optional(),
});

const fieldsMap = z
  .record(z.string(), z.unknown())
  .describe('Field API names and values, e.g. {"Name": "Acme", "StageName": "Closed Won"}');
const SaveResult = z.object({ id: z.string(), success: z.boolean(), errors: z.array(z.unknown()) });

// Records are shaped by the org: getRecord and query describe the sObject they read (the step's literal
// `sobject`, or the FROM of a literal SOQL query) so the designer offers the fields the org really has.
const fieldsOf = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((f) => typeof f === "string") ? (v as string[]) : undefined;
const describeSObject = { operation: "describeSObject", input: (sobject: string) => ({ sobject }) };
const describedRecord = (description: unknown) =>
  description ? SObjectDescribe.safeParse(description).data : undefined;

export const salesforceManifest = defineConnector({
  key: "salesforce",
  name: "Salesforce",
  system: "crm",
  icon: "cloud",
  version: "1.0.0",
  description:
    "Salesforce CRM over the REST API: SOQL, sObjects (Account, Opportunity, Contact), composite requests, changed-record polling.",
  docs: "Authenticates with the OAuth 2.0 client-credentials flow of a connected app (`POST /services/oauth2/token` on your My Domain). Errors come back as `[{message, errorCode, fields}]`; `Sforce-Limit-Info` is logged on every call. For exactly-once writes against real Salesforce use **Upsert by external id**.",
  auth: {
    type: "oauth2_client_credentials",
    config: z.object({
      instanceUrl: httpUrl.describe("My Domain URL, e.g. https://acme.my.salesforce.com"),
      apiVersion: z
        .string()
        .regex(/^v\d+\.\d$/)
        .default("v62.0"),
      rateLimit: rateLimitSchema.optional(),
    }),
    secrets: z.object({
      clientId: z.string().min(1).describe("Connected app consumer key"),
      clientSecret: z.string().min(1).describe("Connected app consumer secret"),
    }),
  },
  operations: {
    query: {
      kind: "action",
      name: "SOQL query",
      description: "Runs a SOQL query and follows nextRecordsUrl until done (or maxRecords).",
      effect: "read",
      input: z
        .object({
          soql: z.string().min(1).optional().describe("e.g. SELECT Id, Name FROM Account WHERE Industry = 'Retail'"),
          batchSize: z.number().int().min(200).max(2000).optional().describe("Records per page (Sforce-Query-Options)"),
          maxRecords: z
            .number()
            .int()
            .positive()
            .optional()
            .describe("Stop after this many records; nextRecordsUrl lets a later step continue"),
          nextRecordsUrl: z.string().optional().describe("Continue a previous query from this page"),
        })
        .refine((v) => v.soql !== undefined || v.nextRecordsUrl !== undefined, {
          message: "Give soql, or nextRecordsUrl to continue a query",
          path: ["soql"],
        }),
      output: z.object({
        totalSize: z.number().int(),
        done: z.boolean(),
        nextRecordsUrl: z.string().optional(),
        records: z.array(SfRecord),
      }),
      // One batch per call (maxRecords 1 stops after the first page), then the nextRecordsUrl it names.
      pages: {
        first: (input) => ({ ...input, maxRecords: 1 }),
        next: (input, output) => {
          const url = (output as { nextRecordsUrl?: string }).nextRecordsUrl;
          return url ? { nextRecordsUrl: url, batchSize: input.batchSize, maxRecords: 1 } : null;
        },
      },
      describedOutput: {
        subject: (input) => (typeof input.soql === "string" ? soqlTarget(input.soql)?.sobject : undefined),
        describe: describeSObject,
        schema: (input, description) => {
          const target = typeof input.soql === "string" ? soqlTarget(input.soql) : undefined;
          if (!target) return undefined;
          return z.object({
            totalSize: z.number().int(),
            done: z.boolean(),
            nextRecordsUrl: z.string().optional(),
            records: z.array(sobjectRecordSchema(target.sobject, describedRecord(description), target.fields)),
          });
        },
      },
    },
    getRecord: {
      kind: "action",
      name: "Get record",
      description: "Reads one sObject record by id.",
      effect: "read",
      input: z.object({ sobject: SObjectName, id: z.string().min(15).max(18), fields: z.array(z.string()).optional() }),
      output: SfRecord,
      describedOutput: {
        subject: (input) => (typeof input.sobject === "string" ? input.sobject : undefined),
        describe: describeSObject,
        schema: (input, description) =>
          typeof input.sobject === "string"
            ? sobjectRecordSchema(input.sobject, describedRecord(description), fieldsOf(input.fields))
            : undefined,
      },
    },
    describeSObject: {
      kind: "action",
      name: "Describe sObject",
      description:
        "The fields of an sObject in this org (standard and custom), with their types, as sObject Describe returns them.",
      effect: "read",
      input: z.object({
        sobject: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_]*$/)
          .max(80)
          .describe("sObject API name, e.g. Opportunity or Invoice__c"),
      }),
      output: SObjectDescribe,
    },
    createRecord: {
      kind: "action",
      name: "Create record",
      description: "Creates an Account, Opportunity or Contact.",
      effect: "write",
      input: z.object({ sobject: SObjectName, fields: fieldsMap }),
      output: SaveResult,
    },
    updateRecord: {
      kind: "action",
      name: "Update record",
      description: "Updates fields of a record (PATCH).",
      effect: "write",
      input: z.object({ sobject: SObjectName, id: z.string().min(15).max(18), fields: fieldsMap }),
      output: z.object({ id: z.string(), success: z.literal(true) }),
    },
    upsertRecord: {
      kind: "action",
      name: "Upsert by external id",
      description: "Creates or updates the record whose external-id field has this value (idempotent by construction).",
      effect: "write",
      input: z.object({
        sobject: SObjectName,
        externalIdField: z.string().min(1).describe("e.g. Customer_Number__c"),
        externalId: z.string().min(1),
        fields: fieldsMap,
      }),
      output: z.object({ id: z.string(), success: z.boolean(), created: z.boolean() }),
    },
    composite: {
      kind: "action",
      name: "Composite request",
      description: "Up to 25 subrequests in one call; later ones may refer to earlier results as @{referenceId.id}.",
      effect: "write",
      input: z.object({
        allOrNone: z.boolean().default(true),
        collateSubrequests: z.boolean().optional(),
        compositeRequest: z
          .array(
            z.object({
              method: z.enum(["GET", "POST", "PATCH", "DELETE"]),
              url: z.string().min(1),
              referenceId: z.string().regex(/^[A-Za-z0-9_]+$/),
              body: z.unknown().optional(),
              httpHeaders: z.record(z.string(), z.string()).optional(),
            }),
          )
          .min(1)
          .max(25),
      }),
      output: z.object({
        compositeResponse: z.array(
          z.object({
            body: z.unknown(),
            httpHeaders: z.record(z.string(), z.string()),
            httpStatusCode: z.number().int(),
            referenceId: z.string(),
          }),
        ),
        allSucceeded: z.boolean(),
      }),
    },
    limits: {
      kind: "action",
      name: "API limits",
      description: "Daily API request limit and remaining calls.",
      effect: "read",
      input: z.object({}),
      output: z.object({ dailyApiRequests: z.object({ max: z.number(), remaining: z.number() }) }),
    },
    pollChangedRecords: {
      kind: "trigger",
      trigger: { type: "poll" },
      name: "Changed records",
      description: "Records modified since the cursor (e.g. Opportunities that became Closed Won), oldest first.",
      docs: "Orders by LastModifiedDate, Id and resumes strictly after the last record seen, so no change is lost or delivered twice between polls even when many share a timestamp.",
      effect: "read",
      input: z.object({
        sobject: SObjectName,
        fields: z.array(z.string()).default(["Id", "Name", "LastModifiedDate"]),
        where: z.string().optional().describe("Extra SOQL condition, e.g. IsWon = true"),
        since: z
          .string()
          .optional()
          .describe("ISO timestamp to start from on the first poll (default: now minus one day)"),
        cursor: pollCursor,
        batchSize: z.number().int().min(1).max(2000).default(200),
      }),
      output: z.object({ items: z.array(SfRecord), cursor: z.string(), hasMore: z.boolean() }),
    },
  },
});
