// What a Salesforce record looks like, for the designer: from the org's sObject Describe
// (`GET /services/data/vXX.X/sobjects/<Object>/describe`) when the designer has one, else from the canonical
// shapes below (the standard fields of Account, Opportunity and Contact). Browser-safe: zod only.
import { z } from "zod";

/** The part of a DescribeSObjectResult the designer needs (Salesforce sends much more; the rest passes through). */
export const SObjectDescribe = z.looseObject({
  name: z.string(),
  label: z.string().optional(),
  keyPrefix: z.string().nullable().optional(),
  fields: z.array(
    z.looseObject({
      name: z.string(),
      label: z.string().optional(),
      type: z.string(),
      nillable: z.boolean().optional(),
      createable: z.boolean().optional(),
      updateable: z.boolean().optional(),
      custom: z.boolean().optional(),
      externalId: z.boolean().optional(),
      referenceTo: z.array(z.string()).optional(),
      relationshipName: z.string().nullable().optional(),
      picklistValues: z
        .array(
          z.looseObject({ value: z.string(), label: z.string().nullable().optional(), active: z.boolean().optional() }),
        )
        .optional(),
    }),
  ),
});
export type SObjectDescribe = z.infer<typeof SObjectDescribe>;

const attributes = z.object({ type: z.string(), url: z.string() }).optional();

export const AccountFields = z.looseObject({
  Id: z.string(),
  Name: z.string(),
  Type: z.string().nullable().optional(),
  Industry: z.string().nullable().optional(),
  ParentId: z.string().nullable().optional(),
  BillingStreet: z.string().nullable().optional(),
  BillingCity: z.string().nullable().optional(),
  BillingCountry: z.string().nullable().optional(),
  Website: z.string().nullable().optional(),
  Phone: z.string().nullable().optional(),
  OwnerId: z.string().optional(),
  LastModifiedDate: z.string().optional(),
});

export const OpportunityFields = z.looseObject({
  Id: z.string(),
  AccountId: z.string().nullable().optional(),
  Name: z.string(),
  StageName: z.string(),
  CloseDate: z.string(),
  Amount: z.number().nullable().optional(),
  Probability: z.number().nullable().optional(),
  IsClosed: z.boolean().optional(),
  IsWon: z.boolean().optional(),
  OwnerId: z.string().optional(),
  LastModifiedDate: z.string().optional(),
});

export const ContactFields = z.looseObject({
  Id: z.string(),
  AccountId: z.string().nullable().optional(),
  FirstName: z.string().nullable().optional(),
  LastName: z.string(),
  Email: z.string().nullable().optional(),
  Title: z.string().nullable().optional(),
  OwnerId: z.string().optional(),
  LastModifiedDate: z.string().optional(),
});

/** The canonical (standard-field) shape of each sObject the connector offers. */
export const CANONICAL_SOBJECTS: Record<string, z.ZodObject> = {
  Account: AccountFields,
  Opportunity: OpportunityFields,
  Contact: ContactFields,
};

/** A field's value type from its describe type (https://developer.salesforce.com field types: id, reference, double, currency, …). */
function fieldType(f: SObjectDescribe["fields"][number]): z.ZodType {
  let t: z.ZodType;
  switch (f.type) {
    case "boolean":
      t = z.boolean();
      break;
    case "int":
    case "long":
      t = z.number().int();
      break;
    case "double":
    case "currency":
    case "percent":
      t = z.number();
      break;
    case "address":
    case "location":
      t = z.looseObject({});
      break;
    case "anyType":
      t = z.unknown();
      break;
    default:
      t = z.string(); // id, reference, string, picklist, textarea, email, phone, url, date, datetime, time, base64, …
  }
  if (f.label) t = t.describe(f.label);
  return f.nillable ? t.nullable() : t;
}

/**
 * A record of `sobject` as the REST API returns it: `attributes` plus its fields (only `selected` ones when the
 * step names them; relationship paths such as Account.Name nest). Every field is optional: the API returns
 * what was selected.
 */
export function sobjectRecordSchema(
  sobject: string,
  description?: SObjectDescribe,
  selected?: readonly string[],
): z.ZodType {
  const all: Record<string, z.ZodType> = {};
  if (description) for (const f of description.fields) all[f.name] = fieldType(f);
  else for (const [k, v] of Object.entries(CANONICAL_SOBJECTS[sobject]?.shape ?? {})) all[k] = v as z.ZodType;
  let shape: Record<string, z.ZodType> = all;
  if (selected?.length) {
    shape = {};
    const byLower = new Map(Object.keys(all).map((k) => [k.toLowerCase(), k]));
    const related = new Map<string, string[]>();
    for (const raw of selected) {
      const [head, ...rest] = raw.split(".");
      if (!head) continue;
      if (rest.length) related.set(head, [...(related.get(head) ?? []), rest.join(".")]);
      else {
        const name = byLower.get(head.toLowerCase()) ?? head;
        shape[name] = all[name] ?? z.unknown();
      }
    }
    // Account.Name, Account.Industry: a nested record (null when the reference is empty).
    for (const [head, subs] of related)
      shape[head] = z.looseObject({ attributes, ...Object.fromEntries(subs.map((f) => [f, z.unknown()])) }).nullable();
  }
  return z.looseObject({ attributes, ...Object.fromEntries(Object.entries(shape).map(([k, t]) => [k, t.optional()])) });
}

/** The sObject and selected fields of a SOQL query (`SELECT a, b.c FROM X …`), when it is that simple. */
export function soqlTarget(soql: string): { sobject: string; fields: string[] } | undefined {
  const m = /^\s*select\s+([\s\S]+?)\s+from\s+([A-Za-z][A-Za-z0-9_]*)\b/i.exec(soql);
  if (!m || /\(\s*select/i.test(m[1]!)) return undefined;
  const fields = m[1]!
    .split(",")
    .map((f) => f.trim())
    .filter((f) => /^[A-Za-z][\w.]*$/.test(f));
  return { sobject: m[2]!, fields };
}
