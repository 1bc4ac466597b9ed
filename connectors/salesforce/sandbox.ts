// Salesforce sandbox: OAuth2 client-credentials token endpoint, REST API v62.0 layout (/services/data/vXX.X),
// SOQL with nextRecordsUrl paging (Sforce-Query-Options: batchSize), sObject get/create/update and upsert
// by external id for Account, Opportunity and Contact, composite requests with @{ref.id} references and
// allOrNone, /limits, the error-array format, and Sforce-Limit-Info on every response. Seeded from the
// shared firm: Accounts are the firm's customers (Customer_Number__c = the NetSuite entity id).
// Sandbox extension: POST creates honour an Idempotency-Key header (real Salesforce ignores it; use
// upsert by external id there) so runtime tests can prove an effect happens once.
import { randomUUID } from "node:crypto";
import { firm, sfId, type FirmConsultant } from "../sandbox-kit/firm";
import { parseSelect, runSelect, SqlError } from "../sandbox-kit/mini-sql";
import { header, json, Sandbox, type SandboxInfo, type SbRequest, type SbResponse } from "../sandbox-kit/server";
import { changeEventPublisher } from "./change-events";

type FieldType = "id" | "string" | "boolean" | "number" | "date" | "datetime" | "reference" | "picklist";
interface FieldDef {
  type: FieldType;
  readOnly?: boolean;
  required?: boolean;
  externalId?: boolean;
  /** For references: the relationship name used in SOQL (Account for AccountId). */
  relationship?: string;
  /** The describe type where it is more specific than the storage type (currency, percent for numbers). */
  describeType?: string;
  label?: string;
}

const COMMON: Record<string, FieldDef> = {
  Id: { type: "id", readOnly: true },
  OwnerId: { type: "reference", relationship: "Owner" },
  CreatedDate: { type: "datetime", readOnly: true },
  LastModifiedDate: { type: "datetime", readOnly: true },
  SystemModstamp: { type: "datetime", readOnly: true },
  IsDeleted: { type: "boolean", readOnly: true },
  CurrencyIsoCode: { type: "picklist" },
};

export const SOBJECTS: Record<string, { prefix: string; fields: Record<string, FieldDef> }> = {
  Account: {
    prefix: "001",
    fields: {
      ...COMMON,
      Name: { type: "string", required: true },
      Type: { type: "picklist" },
      Industry: { type: "picklist" },
      ParentId: { type: "reference", relationship: "Parent" },
      BillingStreet: { type: "string" },
      BillingCity: { type: "string" },
      BillingCountry: { type: "string" },
      Website: { type: "string" },
      Phone: { type: "string" },
      Customer_Number__c: { type: "string", externalId: true },
      Tax_Number__c: { type: "string" },
      Payment_Terms_Days__c: { type: "number" },
      NetSuite_Id__c: { type: "string", externalId: true },
    },
  },
  Contact: {
    prefix: "003",
    fields: {
      ...COMMON,
      AccountId: { type: "reference", relationship: "Account" },
      FirstName: { type: "string" },
      LastName: { type: "string", required: true },
      Email: { type: "string" },
      Title: { type: "string" },
      External_Id__c: { type: "string", externalId: true },
    },
  },
  Opportunity: {
    prefix: "006",
    fields: {
      ...COMMON,
      AccountId: { type: "reference", relationship: "Account" },
      Name: { type: "string", required: true },
      StageName: { type: "picklist", required: true },
      CloseDate: { type: "date", required: true },
      Amount: { type: "number", describeType: "currency" },
      Probability: { type: "number", describeType: "percent" },
      IsClosed: { type: "boolean", readOnly: true },
      IsWon: { type: "boolean", readOnly: true },
      Type: { type: "picklist" },
      Description: { type: "string" },
      Billing_Type__c: { type: "picklist" },
      Project_Code__c: { type: "string" },
      External_Id__c: { type: "string", externalId: true },
    },
  },
  User: {
    prefix: "005",
    fields: {
      Id: { type: "id", readOnly: true },
      Name: { type: "string" },
      Email: { type: "string" },
      Title: { type: "string" },
      IsActive: { type: "boolean" },
      LastModifiedDate: { type: "datetime", readOnly: true },
      CreatedDate: { type: "datetime", readOnly: true },
    },
  },
};

const STAGES: Record<string, { probability: number; closed: boolean; won: boolean }> = {
  Prospecting: { probability: 10, closed: false, won: false },
  Qualification: { probability: 20, closed: false, won: false },
  "Needs Analysis": { probability: 35, closed: false, won: false },
  "Proposal/Price Quote": { probability: 60, closed: false, won: false },
  "Negotiation/Review": { probability: 80, closed: false, won: false },
  "Closed Won": { probability: 100, closed: true, won: true },
  "Closed Lost": { probability: 0, closed: true, won: false },
};

const sfTime = (iso: string) => iso.replace(/Z$/, "+0000");
const TYPES_ERROR = (sobject: string) => `sObject type '${sobject}' is not supported.`;

export interface SalesforceSandboxOptions {
  clientId?: string;
  clientSecret?: string;
  apiVersion?: string;
  dailyApiLimit?: number;
}

export function createSalesforceSandbox(opts: SalesforceSandboxOptions = {}) {
  const clientId = opts.clientId ?? "3MVG9Weft.Sandbox.Salesforce.ConsumerKey";
  let clientSecret = opts.clientSecret ?? "weft-sandbox-sf-secret-7f3a9c";
  const dailyMax = opts.dailyApiLimit ?? 100_000;
  const sb: Sandbox = new Sandbox({
    system: "salesforce",
    connectorKey: "salesforce",
    name: "Salesforce (sandbox)",
    errors: {
      error(status, code, message, field) {
        const map: Record<string, string> = {
          INVALID_SESSION: "INVALID_SESSION_ID",
          SERVER_UNAVAILABLE: "SERVER_UNAVAILABLE",
          CONCURRENCY_LIMIT_EXCEEDED: "REQUEST_LIMIT_EXCEEDED",
        };
        return json(status, [{ message, errorCode: map[code] ?? code, fields: field ? [field] : [] }]);
      },
    },
    responseHeaders: (): Record<string, string> => ({ "sforce-limit-info": `api-usage=${sb.apiCalls}/${dailyMax}` }),
  });

  const store = new Map<string, Map<string, Record<string, unknown>>>();
  const publishChange = changeEventPublisher({
    push: sb.push,
    commitUser: sfId("005", 1),
    apiVersion: opts.apiVersion ?? "v62.0",
  });
  const counters = new Map<string, number>();
  const cursors = new Map<string, { sobject: string; rows: Array<Record<string, unknown>>; batch: number }>();
  let cursorN = 0;

  const seed = () => {
    store.clear();
    cursors.clear();
    const f = firm();
    const users = new Map<string, Record<string, unknown>>();
    const userOf = (c: FirmConsultant) => sfId("005", c.n);
    for (const c of f.consultants.filter(
      (c) => c.title === "Partner" || c.title === "Director" || c.title === "Senior Manager",
    )) {
      users.set(userOf(c), {
        Id: userOf(c),
        Name: `${c.firstName} ${c.lastName}`,
        Email: c.email,
        Title: c.title,
        IsActive: true,
        CreatedDate: sfTime("2020-01-06T09:00:00.000Z"),
        LastModifiedDate: sfTime("2025-01-06T09:00:00.000Z"),
      });
    }
    store.set("User", users);
    const accounts = new Map<string, Record<string, unknown>>();
    for (const c of f.customers) {
      const id = sfId("001", c.n);
      accounts.set(id, {
        Id: id,
        Name: c.name,
        Type: "Customer",
        Industry: c.industry,
        ParentId: c.parentN ? sfId("001", c.parentN) : null,
        BillingStreet: null,
        BillingCity: c.city,
        BillingCountry: c.country,
        Website: c.website,
        Phone: null,
        Customer_Number__c: c.code,
        Tax_Number__c: c.taxNumber,
        Payment_Terms_Days__c: c.paymentTermsDays,
        NetSuite_Id__c: String(100 + c.n),
        CurrencyIsoCode: c.currency,
        OwnerId: sfId("005", f.consultants[c.n % 6]!.n),
        CreatedDate: sfTime("2023-02-01T10:00:00.000Z"),
        LastModifiedDate: sfTime(`2024-0${1 + (c.n % 9)}-15T10:00:00.000Z`),
        SystemModstamp: sfTime(`2024-0${1 + (c.n % 9)}-15T10:00:00.000Z`),
        IsDeleted: false,
      });
    }
    store.set("Account", accounts);
    const contacts = new Map<string, Record<string, unknown>>();
    for (const c of f.customers) {
      for (const p of c.contacts) {
        const id = sfId("003", p.n);
        contacts.set(id, {
          Id: id,
          AccountId: sfId("001", c.n),
          FirstName: p.firstName,
          LastName: p.lastName,
          Email: p.email,
          Title: p.title,
          External_Id__c: null,
          OwnerId: sfId("005", 1),
          CurrencyIsoCode: c.currency,
          CreatedDate: sfTime("2023-03-01T10:00:00.000Z"),
          LastModifiedDate: sfTime("2024-03-01T10:00:00.000Z"),
          SystemModstamp: sfTime("2024-03-01T10:00:00.000Z"),
          IsDeleted: false,
        });
      }
    }
    store.set("Contact", contacts);
    const opps = new Map<string, Record<string, unknown>>();
    for (const o of f.opportunities) {
      const id = sfId("006", o.n);
      const project = f.projects.find((p) => p.opportunityN === o.n);
      opps.set(id, {
        Id: id,
        AccountId: sfId("001", o.customerN),
        Name: o.name,
        StageName: o.stage,
        CloseDate: o.closeDate,
        Amount: o.amount,
        Probability: o.probability,
        IsClosed: o.isClosed,
        IsWon: o.isWon,
        Type: o.n % 3 === 0 ? "Existing Business" : "New Business",
        Description: o.service,
        Billing_Type__c: {
          time_and_materials: "Time & Materials",
          fixed_fee: "Fixed Fee",
          milestone: "Milestone",
          retainer: "Retainer",
        }[o.billingType],
        Project_Code__c: project?.code ?? null,
        External_Id__c: null,
        CurrencyIsoCode: f.customers[o.customerN - 1]!.currency,
        OwnerId: sfId("005", o.ownerN),
        CreatedDate: sfTime(o.createdAt),
        LastModifiedDate: sfTime(o.lastModified),
        SystemModstamp: sfTime(o.lastModified),
        IsDeleted: false,
      });
    }
    store.set("Opportunity", opps);
    counters.set("001", f.customers.length);
    counters.set("003", 10 * f.customers.length + 10);
    counters.set("006", f.opportunities.length);
  };
  seed();
  sb.onReset(seed);
  for (const name of ["Account", "Contact", "Opportunity", "User"])
    sb.collections.set(name, () => [...(store.get(name)?.values() ?? [])]);

  const apiBase = () => `/services/data/${opts.apiVersion ?? "v62.0"}`;
  const attributes = (sobject: string, id: unknown) => ({
    type: sobject,
    url: `${apiBase()}/sobjects/${sobject}/${String(id)}`,
  });

  /** SOQL field access: case-insensitive, relationship paths (Account.Name) through reference fields. */
  const getter =
    (sobject: string) =>
    (row: Record<string, unknown>, path: string): { found: boolean; value: unknown } => {
      const parts = path.split(".");
      let obj = sobject;
      let cur: Record<string, unknown> | null = row;
      for (let i = 0; i < parts.length; i++) {
        const def = SOBJECTS[obj]!.fields;
        const part = parts[i]!;
        if (i < parts.length - 1) {
          const ref = Object.entries(def).find(([, d]) => d.relationship?.toLowerCase() === part.toLowerCase());
          if (!ref) return { found: false, value: undefined };
          const target = ref[0] === "OwnerId" ? "User" : ref[0] === "ParentId" ? obj : "Account";
          const id: unknown = cur?.[ref[0]];
          cur = typeof id === "string" ? (store.get(target)?.get(id) ?? null) : null;
          obj = target;
          continue;
        }
        const key = Object.keys(def).find((k) => k.toLowerCase() === part.toLowerCase());
        if (!key) return { found: false, value: undefined };
        return { found: true, value: cur ? (cur[key] ?? null) : null };
      }
      return { found: false, value: undefined };
    };

  const canonicalPath = (sobject: string, path: string): string[] => {
    const parts = path.split(".");
    const out: string[] = [];
    let obj = sobject;
    for (let i = 0; i < parts.length; i++) {
      const def = SOBJECTS[obj]!.fields;
      if (i < parts.length - 1) {
        const ref = Object.entries(def).find(([, d]) => d.relationship?.toLowerCase() === parts[i]!.toLowerCase())!;
        out.push(ref[1].relationship!);
        obj = ref[0] === "OwnerId" ? "User" : ref[0] === "ParentId" ? obj : "Account";
      } else out.push(Object.keys(def).find((k) => k.toLowerCase() === parts[i]!.toLowerCase())!);
    }
    return out;
  };

  const project = (sobject: string, row: Record<string, unknown>, fields: string[]): Record<string, unknown> => {
    const get = getter(sobject);
    const out: Record<string, unknown> = { attributes: attributes(sobject, row.Id) };
    for (const f of fields) {
      const path = canonicalPath(sobject, f);
      const value = get(row, f).value;
      if (path.length === 1) out[path[0]!] = value;
      else {
        // Relationship fields nest as {Account: {attributes, Name}}; a null reference gives null.
        let parent = out;
        let obj = sobject;
        let src: Record<string, unknown> | null = row;
        for (let i = 0; i < path.length - 1; i++) {
          const ref = Object.entries(SOBJECTS[obj]!.fields).find(([, d]) => d.relationship === path[i])!;
          obj = ref[0] === "OwnerId" ? "User" : ref[0] === "ParentId" ? obj : "Account";
          const refId: unknown = src?.[ref[0]];
          src = typeof refId === "string" ? (store.get(obj)?.get(refId) ?? null) : null;
          if (!src) {
            parent[path[i]!] = null;
            parent = {};
            break;
          }
          const existing = parent[path[i]!];
          const child = (
            existing && typeof existing === "object" ? existing : { attributes: attributes(obj, src.Id) }
          ) as Record<string, unknown>;
          parent[path[i]!] = child;
          parent = child;
        }
        parent[path[path.length - 1]!] = value;
      }
    }
    return out;
  };

  const page = (
    cursorId: string | undefined,
    sobject: string,
    rows: Array<Record<string, unknown>>,
    batch: number,
    totalSize: number,
    offset: number,
  ): SbResponse => {
    const slice = rows.slice(offset, offset + batch);
    const done = offset + batch >= rows.length;
    let next: string | undefined;
    if (!done) {
      const id = cursorId ?? `01gWf${String(++cursorN).padStart(10, "0")}`;
      cursors.set(id, { sobject, rows, batch });
      next = `${apiBase()}/query/${id}-${offset + batch}`;
    }
    return json(200, { totalSize, done, ...(next ? { nextRecordsUrl: next } : {}), records: slice });
  };

  // --- OAuth2 token endpoint -------------------------------------------------------------------------
  sb.route(
    "POST",
    "/services/oauth2/token",
    (req) => {
      const b = (req.body ?? {}) as Record<string, string>;
      if (b.grant_type !== "client_credentials")
        return json(400, { error: "unsupported_grant_type", error_description: "grant type not supported" });
      if (b.client_id !== clientId || b.client_secret !== clientSecret)
        return json(400, { error: "invalid_client", error_description: "invalid client credentials" });
      const { token } = sb.issueToken(b.client_id);
      const issued = String(Date.now());
      return json(200, {
        access_token: token,
        signature: Buffer.from(issued).toString("base64"),
        scope: "api",
        instance_url: sb.baseUrl,
        id: `${sb.baseUrl}/id/00DWf0000000001AAA/${sfId("005", 1)}`,
        token_type: "Bearer",
        issued_at: issued,
      });
    },
    { auth: false },
  );

  sb.route(
    "GET",
    "/services/data",
    () => json(200, [{ label: "Winter '25", url: apiBase(), version: (opts.apiVersion ?? "v62.0").slice(1) }]),
    { auth: false },
  );

  // --- SOQL ---------------------------------------------------------------------------------------------
  sb.route("GET", "/services/data/:v/query", (req) => {
    const q = req.query.get("q");
    if (!q) return sb.error(400, "MALFORMED_QUERY", "A query string is required (q).");
    let parsed;
    try {
      parsed = parseSelect(q);
    } catch (e) {
      return sb.error(400, "MALFORMED_QUERY", (e as Error).message);
    }
    const sobject = Object.keys(SOBJECTS).find((s) => s.toLowerCase() === parsed.table.toLowerCase());
    if (!sobject)
      return sb.error(
        400,
        "INVALID_TYPE",
        `sObject type '${parsed.table}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
      );
    const rows = [...store.get(sobject)!.values()];
    let matched;
    try {
      const get = getter(sobject);
      for (const f of parsed.fields)
        if (f !== "COUNT()" && (f === "*" || !get(rows[0] ?? { Id: null }, f).found))
          return sb.error(400, "INVALID_FIELD", `No such column '${f}' on entity '${sobject}'.`);
      matched = runSelect(parsed, rows, get, rows[0]);
    } catch (e) {
      if (e instanceof SqlError)
        return sb.error(400, e.kind === "field" ? "INVALID_FIELD" : "MALFORMED_QUERY", e.message);
      throw e;
    }
    if (parsed.fields.includes("COUNT()")) return json(200, { totalSize: matched.length, done: true, records: [] });
    const opt = /batchSize=(\d+)/.exec(header(req, "sforce-query-options") ?? "");
    const batch = Math.min(2000, Math.max(200, Number(opt?.[1] ?? 2000)));
    const projected = matched.map((r) => project(sobject, r, parsed.fields));
    return page(undefined, sobject, projected, batch, projected.length, 0);
  });

  sb.route("GET", "/services/data/:v/query/:locator", (req) => {
    const m = /^(.+)-(\d+)$/.exec(req.params.locator!);
    const c = m ? cursors.get(m[1]!) : undefined;
    if (!m || !c) return sb.error(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    return page(m[1], c.sobject, c.rows, c.batch, c.rows.length, Number(m[2]));
  });

  // --- sObjects -----------------------------------------------------------------------------------------
  const sobjectOf = (name: string): string | undefined =>
    ["Account", "Contact", "Opportunity"].includes(name) ? name : undefined;

  /** Validates a write body; returns the cleaned fields or an error response. */
  const validate = (sobject: string, body: unknown, creating: boolean): Record<string, unknown> | SbResponse => {
    if (!body || typeof body !== "object" || Array.isArray(body))
      return sb.error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object.");
    const def = SOBJECTS[sobject]!.fields;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (k === "attributes") continue;
      const key = Object.keys(def).find((f) => f.toLowerCase() === k.toLowerCase());
      if (!key) return sb.error(400, "INVALID_FIELD", `No such column '${k}' on sobject of type ${sobject}`, k);
      const d = def[key]!;
      if (d.readOnly)
        return sb.error(
          400,
          "INVALID_FIELD_FOR_INSERT_UPDATE",
          `Unable to create/update fields: ${key}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          key,
        );
      const bad =
        v !== null &&
        ((d.type === "boolean" && typeof v !== "boolean") ||
          (d.type === "number" && typeof v !== "number") ||
          (["string", "picklist", "reference", "id"].includes(d.type) && typeof v !== "string") ||
          (d.type === "date" && (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v))));
      if (bad)
        return sb.error(
          400,
          "JSON_PARSER_ERROR",
          `Cannot deserialize instance of ${d.type} from value ${JSON.stringify(v)} for field ${key}`,
          key,
        );
      if (d.type === "reference" && typeof v === "string") {
        const target = key === "OwnerId" ? "User" : key === "ParentId" ? sobject : "Account";
        if (!store.get(target)!.has(v))
          return sb.error(400, "INVALID_CROSS_REFERENCE_KEY", `invalid cross reference id: ${key}`, key);
      }
      if (key === "StageName" && typeof v === "string" && !STAGES[v])
        return sb.error(
          400,
          "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
          `Stage: bad value for restricted picklist field: ${v}`,
          key,
        );
      out[key] = v;
    }
    if (creating) {
      const missing = Object.entries(def)
        .filter(([k, d]) => d.required && (out[k] === undefined || out[k] === null || out[k] === ""))
        .map(([k]) => k);
      if (missing.length)
        return sb.error(
          400,
          "REQUIRED_FIELD_MISSING",
          `Required fields are missing: [${missing.join(", ")}]`,
          missing[0],
        );
    }
    return out;
  };

  const isResponse = (x: unknown): x is SbResponse =>
    !!x && typeof x === "object" && "status" in x && typeof (x as SbResponse).status === "number" && !("Id" in x);

  const applyStage = (rec: Record<string, unknown>) => {
    const s = STAGES[String(rec.StageName)];
    if (s) {
      rec.IsClosed = s.closed;
      rec.IsWon = s.won;
      if (rec.Probability === undefined || rec.Probability === null) rec.Probability = s.probability;
    }
  };

  const insert = (sobject: string, fields: Record<string, unknown>): Record<string, unknown> => {
    const def = SOBJECTS[sobject]!;
    const n = (counters.get(def.prefix) ?? 0) + 1;
    counters.set(def.prefix, n);
    const id = sfId(def.prefix, n);
    const now = sfTime(new Date().toISOString());
    const rec: Record<string, unknown> = Object.fromEntries(Object.keys(def.fields).map((k) => [k, null]));
    Object.assign(rec, { OwnerId: sfId("005", 1), CurrencyIsoCode: "USD", IsDeleted: false }, fields, {
      Id: id,
      CreatedDate: now,
      LastModifiedDate: now,
      SystemModstamp: now,
    });
    if (sobject === "Opportunity") {
      const s = STAGES[String(rec.StageName)];
      if (s && fields.Probability === undefined) rec.Probability = s.probability;
      applyStage(rec);
    }
    store.get(sobject)!.set(id, rec);
    publishChange(sobject, "CREATE", rec, rec);
    return rec;
  };

  const update = (sobject: string, rec: Record<string, unknown>, fields: Record<string, unknown>) => {
    const stageChanged = fields.StageName !== undefined && fields.StageName !== rec.StageName;
    const before = { ...rec };
    Object.assign(rec, fields);
    if (sobject === "Opportunity" && stageChanged) {
      if (fields.Probability === undefined)
        rec.Probability = STAGES[String(rec.StageName)]?.probability ?? rec.Probability;
      applyStage(rec);
    }
    const now = sfTime(new Date().toISOString());
    rec.LastModifiedDate = now;
    rec.SystemModstamp = now;
    const changed = Object.fromEntries(
      Object.entries(rec).filter(([k, v]) => k !== "SystemModstamp" && JSON.stringify(v) !== JSON.stringify(before[k])),
    );
    if (Object.keys(changed).some((k) => k !== "LastModifiedDate")) publishChange(sobject, "UPDATE", rec, changed);
  };

  const createHandler = (sobject: string, body: unknown, key: string | undefined, path: string): Promise<SbResponse> =>
    sb.idempotent(key, () => {
      const fields = validate(sobject, body, true);
      if (isResponse(fields)) return fields;
      const rec = insert(sobject, fields);
      sb.recordWrite({
        method: "POST",
        path,
        idempotencyKey: key,
        collection: sobject,
        id: String(rec.Id),
        action: "create",
      });
      return json(201, { id: rec.Id, success: true, errors: [] });
    });

  const getRecord = (sobject: string, id: string, fieldsParam: string | null): SbResponse => {
    const rec = store.get(sobject)!.get(id);
    if (!rec) return sb.error(404, "NOT_FOUND", "The requested resource does not exist");
    const fields = fieldsParam
      ? fieldsParam
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : Object.keys(SOBJECTS[sobject]!.fields);
    for (const f of fields)
      if (!getter(sobject)(rec, f).found)
        return sb.error(400, "INVALID_FIELD", `No such column '${f}' on sobject of type ${sobject}`);
    return json(200, project(sobject, rec, fields));
  };

  const upsertHandler = (
    sobject: string,
    field: string,
    value: string,
    body: unknown,
    key: string | undefined,
    path: string,
  ): Promise<SbResponse> =>
    sb.idempotent(key, () => {
      const def = SOBJECTS[sobject]!.fields;
      const fieldName = Object.keys(def).find((k) => k.toLowerCase() === field.toLowerCase());
      if (!fieldName || !(def[fieldName]!.externalId || fieldName === "Id"))
        return sb.error(404, "NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${field}`);
      const matches = [...store.get(sobject)!.values()].filter(
        (r) => String(r[fieldName] ?? "").toLowerCase() === value.toLowerCase(),
      );
      if (matches.length > 1)
        return json(
          300,
          matches.map((m) => `${apiBase()}/sobjects/${sobject}/${String(m.Id)}`),
        );
      const fields = validate(sobject, body, matches.length === 0);
      if (isResponse(fields)) return fields;
      if (matches.length === 1) {
        update(sobject, matches[0]!, fields);
        sb.recordWrite({
          method: "PATCH",
          path,
          idempotencyKey: key,
          collection: sobject,
          id: String(matches[0]!.Id),
          action: "upsert",
        });
        return json(200, { id: matches[0]!.Id, success: true, errors: [], created: false });
      }
      const rec = insert(sobject, { ...fields, [fieldName]: value });
      sb.recordWrite({
        method: "PATCH",
        path,
        idempotencyKey: key,
        collection: sobject,
        id: String(rec.Id),
        action: "upsert",
      });
      return json(201, { id: rec.Id, success: true, errors: [], created: true });
    });

  const patchHandler = (
    sobject: string,
    id: string,
    body: unknown,
    key: string | undefined,
    path: string,
  ): Promise<SbResponse> =>
    sb.idempotent(key, () => {
      const rec = store.get(sobject)!.get(id);
      if (!rec) return sb.error(404, "NOT_FOUND", "The requested resource does not exist");
      const fields = validate(sobject, body, false);
      if (isResponse(fields)) return fields;
      update(sobject, rec, fields);
      sb.recordWrite({ method: "PATCH", path, idempotencyKey: key, collection: sobject, id, action: "update" });
      return { status: 204 };
    });

  const idem = (req: SbRequest) => header(req, "idempotency-key");

  // sObject Describe, shaped as Salesforce answers it (a subset of DescribeSObjectResult and its Field entries):
  // the designer reads it to know which fields a record of this org has, custom ones included. Registered
  // before /sobjects/:sobject/:id, which would otherwise take "describe" for a record id.
  const describe = (sobject: string) => {
    const def = SOBJECTS[sobject]!;
    const label = (name: string) =>
      name
        .replace(/__c$/, "")
        .replace(/_/g, " ")
        .replace(/([a-z])([A-Z])/g, "$1 $2")
        .replace(/ Id$/, " ID");
    const sfType = (d: FieldDef) => d.describeType ?? (d.type === "number" ? "double" : d.type);
    return {
      name: sobject,
      label: sobject,
      labelPlural: `${sobject === "Opportunity" ? "Opportunities" : `${sobject}s`}`,
      keyPrefix: def.prefix,
      custom: false,
      createable: sobject !== "User",
      updateable: sobject !== "User",
      deletable: sobject !== "User",
      queryable: true,
      retrieveable: true,
      searchable: true,
      urls: {
        sobject: `${apiBase()}/sobjects/${sobject}`,
        describe: `${apiBase()}/sobjects/${sobject}/describe`,
        rowTemplate: `${apiBase()}/sobjects/${sobject}/{ID}`,
      },
      fields: Object.entries(def.fields).map(([name, d]) => ({
        name,
        label: d.label ?? label(name),
        type: sfType(d),
        length: d.type === "string" || d.type === "picklist" ? 255 : d.type === "id" || d.type === "reference" ? 18 : 0,
        precision: d.type === "number" ? 18 : 0,
        scale: d.type === "number" ? 2 : 0,
        nillable: !d.required && name !== "Id" && !d.readOnly,
        createable: !d.readOnly,
        updateable: !d.readOnly,
        custom: name.endsWith("__c"),
        externalId: !!d.externalId,
        unique: !!d.externalId,
        idLookup: name === "Id" || !!d.externalId,
        calculated: false,
        defaultedOnCreate: !!d.readOnly,
        picklistValues:
          name === "StageName"
            ? Object.keys(STAGES).map((v) => ({
                active: true,
                defaultValue: false,
                label: v,
                validFor: null,
                value: v,
              }))
            : [],
        referenceTo:
          d.type === "reference" ? [name === "OwnerId" ? "User" : name === "ParentId" ? sobject : "Account"] : [],
        relationshipName: d.relationship ?? null,
        soapType:
          d.type === "number"
            ? "xsd:double"
            : d.type === "boolean"
              ? "xsd:boolean"
              : d.type === "date"
                ? "xsd:date"
                : d.type === "datetime"
                  ? "xsd:dateTime"
                  : d.type === "id" || d.type === "reference"
                    ? "tns:ID"
                    : "xsd:string",
      })),
    };
  };
  sb.route("GET", "/services/data/:v/sobjects/:sobject/describe", (req) => {
    const s = SOBJECTS[req.params.sobject!] ? req.params.sobject! : undefined;
    return s ? json(200, describe(s)) : sb.error(404, "NOT_FOUND", TYPES_ERROR(req.params.sobject!));
  });

  sb.route("GET", "/services/data/:v/sobjects/:sobject/:id", (req) => {
    const s = sobjectOf(req.params.sobject!);
    return s
      ? getRecord(s, req.params.id!, req.query.get("fields"))
      : sb.error(404, "NOT_FOUND", TYPES_ERROR(req.params.sobject!));
  });
  sb.route("POST", "/services/data/:v/sobjects/:sobject", (req) => {
    const s = sobjectOf(req.params.sobject!);
    return s
      ? createHandler(s, req.body, idem(req), req.path)
      : sb.error(404, "NOT_FOUND", TYPES_ERROR(req.params.sobject!));
  });
  sb.route("PATCH", "/services/data/:v/sobjects/:sobject/:id", (req) => {
    const s = sobjectOf(req.params.sobject!);
    return s
      ? patchHandler(s, req.params.id!, req.body, idem(req), req.path)
      : sb.error(404, "NOT_FOUND", TYPES_ERROR(req.params.sobject!));
  });
  sb.route("PATCH", "/services/data/:v/sobjects/:sobject/:field/:value", (req) => {
    const s = sobjectOf(req.params.sobject!);
    return s
      ? upsertHandler(s, req.params.field!, req.params.value!, req.body, idem(req), req.path)
      : sb.error(404, "NOT_FOUND", TYPES_ERROR(req.params.sobject!));
  });

  sb.route("GET", "/services/data/:v/limits", () =>
    json(200, {
      DailyApiRequests: { Max: dailyMax, Remaining: Math.max(0, dailyMax - sb.apiCalls) },
      DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
    }),
  );

  // --- Composite ------------------------------------------------------------------------------------------
  sb.route("POST", "/services/data/:v/composite", (req) =>
    sb.idempotent(idem(req), async () => {
      const b = req.body as
        | {
            allOrNone?: boolean;
            compositeRequest?: Array<{
              method: string;
              url: string;
              referenceId: string;
              body?: unknown;
              httpHeaders?: Record<string, string>;
            }>;
          }
        | undefined;
      const subs = b?.compositeRequest;
      if (!Array.isArray(subs) || subs.length === 0)
        return sb.error(400, "JSON_PARSER_ERROR", "compositeRequest is required");
      if (subs.length > 25) return sb.error(400, "LIMIT_EXCEEDED", "Composite requests are limited to 25 subrequests");
      const snapshot = new Map([...store].map(([k, m]) => [k, new Map([...m].map(([id, r]) => [id, { ...r }]))]));
      const results: Record<string, unknown> = {};
      const out: Array<{
        body: unknown;
        httpHeaders: Record<string, string>;
        httpStatusCode: number;
        referenceId: string;
      }> = [];
      let failed = false;
      const resolveRefs = (v: unknown): unknown => {
        if (typeof v === "string") {
          return v.replace(/@\{([A-Za-z0-9_]+)\.([A-Za-z0-9_.[\]]+)\}/g, (_, ref: string, path: string) => {
            const r = results[ref] as Record<string, unknown> | undefined;
            const val = path
              .split(".")
              .reduce<unknown>(
                (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
                r,
              );
            if (val === undefined)
              throw new Error(`Invalid reference specified. No value for ${ref}.${path} found in ${ref}.`);
            return String(val);
          });
        }
        if (Array.isArray(v)) return v.map(resolveRefs);
        if (v && typeof v === "object")
          return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveRefs(x)]));
        return v;
      };
      for (const s of subs) {
        if (failed && b?.allOrNone) {
          out.push({
            body: [
              {
                errorCode: "PROCESSING_HALTED",
                message: "The transaction was rolled back since another operation in the same transaction failed.",
              },
            ],
            httpHeaders: {},
            httpStatusCode: 400,
            referenceId: s.referenceId,
          });
          continue;
        }
        let r: SbResponse;
        try {
          const url = String(resolveRefs(s.url));
          const body = resolveRefs(s.body);
          const path = new URL(url, "http://x");
          const m = /^\/services\/data\/v[\d.]+\/sobjects\/([A-Za-z]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
            path.pathname,
          );
          const sobject = m ? sobjectOf(m[1]!) : undefined;
          if (!m || !sobject) r = sb.error(400, "INVALID_URL", `Unsupported composite subrequest URL ${url}`);
          else if (s.method === "POST" && !m[2]) r = await createHandler(sobject, body, undefined, path.pathname);
          else if (s.method === "GET" && m[2] && !m[3]) r = getRecord(sobject, m[2], path.searchParams.get("fields"));
          else if (s.method === "PATCH" && m[2] && !m[3])
            r = await patchHandler(sobject, m[2], body, undefined, path.pathname);
          else if (s.method === "PATCH" && m[2] && m[3])
            r = await upsertHandler(sobject, m[2], m[3], body, undefined, path.pathname);
          else r = sb.error(405, "METHOD_NOT_ALLOWED", `HTTP Method '${s.method}' not allowed.`);
        } catch (e) {
          r = sb.error(400, "INVALID_REFERENCE", (e as Error).message);
        }
        if (r.status >= 400) failed = true;
        else results[s.referenceId] = r.body;
        out.push({
          body: r.body ?? null,
          httpHeaders: r.headers ?? {},
          httpStatusCode: r.status,
          referenceId: s.referenceId,
        });
      }
      if (failed && b?.allOrNone) {
        // Roll back: the composite request is one transaction when allOrNone is set.
        store.clear();
        for (const [k, m] of snapshot) store.set(k, m);
        for (const o of out)
          if (o.httpStatusCode < 400)
            Object.assign(o, {
              httpStatusCode: 400,
              body: [
                {
                  errorCode: "PROCESSING_HALTED",
                  message: "The transaction was rolled back since another operation in the same transaction failed.",
                },
              ],
            });
      }
      return json(200, { compositeResponse: out });
    }),
  );

  const info = (): SandboxInfo => ({
    system: "salesforce",
    connectorKey: "salesforce",
    name: sb.name,
    baseUrl: sb.baseUrl,
    clientId,
    clientSecret,
    config: { instanceUrl: sb.baseUrl, apiVersion: opts.apiVersion ?? "v62.0" },
    secrets: { clientId, clientSecret },
  });
  /**
   * Changes a record as the org itself would (a user's edit, a workflow rule): fields, stage rules and
   * LastModifiedDate/SystemModstamp — `at` sets the stamp, e.g. to the instant of a poll's newest record, as
   * a transaction that started before the poll's read but committed after it would.
   */
  const touch = (
    sobject: string,
    id: string,
    fields: Record<string, unknown>,
    at?: string,
  ): Record<string, unknown> => {
    const rec = store.get(sobject)?.get(id);
    if (!rec) throw new Error(`${sobject} ${id} does not exist`);
    update(sobject, rec, fields);
    if (at)
      rec.LastModifiedDate = rec.SystemModstamp = sfTime(
        new Date(Date.parse(at.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"))).toISOString(),
      );
    return rec;
  };
  /** An admin rotating the connected app's consumer secret: the old one is refused, tokens already issued stay valid. */
  const rotateClientSecret = (next: string) => {
    clientSecret = next;
  };
  return { sandbox: sb, info, store, touch, rotateClientSecret, newEventId: randomUUID };
}
