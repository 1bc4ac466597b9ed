// NetSuite sandbox (SuiteTalk REST): OAuth 2.0 machine-to-machine token endpoint that verifies the JWT
// client assertion (ES256/PS256, kid = certificate id, aud = token URL, exp ≤ iat + 1 h), records at
// /services/rest/record/v1 — customer, job (project), timebill, invoice, employee — with 204 + Location
// on create, PATCH updates, PUT upsert by external id (eid:…), offset-paged lists, SuiteQL with
// limit/offset paging (Prefer: transient), the {type,title,status,o:errorDetails} error format,
// X-NetSuite-Idempotency-Key on writes, and account concurrency governance (429 above the limit).
// Seeded from the shared firm: customers = Salesforce Accounts, jobs = PSA workspaces, employees =
// Workday workers, time bills = approved PSA time already synced, invoices = PSA invoices. Integration fields
// as a PSA connector sets them: custentity_kantata_workspace on jobs, custcol_kantata_time_entry and
// custcol_service_date on invoice lines. SuiteQL also reads the currency and subsidiary lists, transactionline (one row per invoice line) and the
// customer's default billing city and country (billcity, billcountry: the address book's default billing line,
// writable as the addressBook sublist). Data faults (POST /__sandbox/inject):
// drop-invoice-line, invoice-line-amount, invoice-line-hours, rename-customer.
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { addDays, firm, sfId } from "../sandbox-kit/firm";
import { parseSelect, runSelect, SqlError } from "../sandbox-kit/mini-sql";
import {
  header,
  InjectError,
  json,
  Sandbox,
  type SandboxInfo,
  type SbRequest,
  type SbResponse,
} from "../sandbox-kit/server";

/** The sandbox's test key pair (never used anywhere real): connections get the private half. */
export const NETSUITE_SANDBOX_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWU9ryHwjILrZhjfs
1UTdEHtwe3ni66oyT08GeCXJFGahRANCAARPWTcNWgf5t5LRTf6v20Ff/T1QANXd
jm2wWHTh4Kl7Mj0+qHWPb8b0O/QhkwgTkjio/0P3Il4An6EoiphslPkr
-----END PRIVATE KEY-----
`;
const PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAET1k3DVoH+beS0U3+r9tBX/09UADV
3Y5tsFh04eCpezI9Pqh1j2/G9Dv0IZMIE5I4qP9D9yJeAJ+hKIqYbJT5Kw==
-----END PUBLIC KEY-----
`;

export const RECORD_TYPES = ["customer", "job", "timebill", "invoice", "employee"] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

type Rec = Record<string, unknown>;
const ref = (id: string | number, refName?: string) => ({ id: String(id), ...(refName ? { refName } : {}) });

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Which fields a create must have, which reference which record type, and which are writable. */
const SPEC: Record<
  RecordType,
  {
    required: string[];
    refs: Record<string, RecordType | "subsidiary" | "currency" | "terms" | "item" | "status">;
    fields: string[];
  }
> = {
  customer: {
    required: ["companyName", "subsidiary"],
    refs: { subsidiary: "subsidiary", currency: "currency", terms: "terms", parent: "customer" },
    fields: [
      "entityId",
      "companyName",
      "externalId",
      "email",
      "phone",
      "url",
      "vatRegNumber",
      "isInactive",
      "comments",
      "subsidiary",
      "currency",
      "terms",
      "parent",
      "defaultAddress",
      "creditHoldOverride",
      "addressBook",
    ],
  },
  job: {
    required: ["companyName", "parent"],
    refs: {
      parent: "customer",
      subsidiary: "subsidiary",
      currency: "currency",
      entityStatus: "status",
      projectManager: "employee",
    },
    fields: [
      "entityId",
      "companyName",
      "externalId",
      "parent",
      "subsidiary",
      "currency",
      "jobType",
      "entityStatus",
      "startDate",
      "projectedEndDate",
      "endDate",
      "percentComplete",
      "estimatedRevenue",
      "projectExpenseType",
      "projectManager",
      "jobBillingType",
      "comments",
      "custentity_kantata_workspace",
    ],
  },
  timebill: {
    required: ["employee", "hours"],
    refs: { employee: "employee", customer: "job", item: "item", approvalStatus: "status" },
    fields: [
      "employee",
      "customer",
      "item",
      "hours",
      "tranDate",
      "isBillable",
      "approvalStatus",
      "memo",
      "rate",
      "externalId",
      "caseTaskEvent",
    ],
  },
  invoice: {
    required: ["entity", "item"],
    refs: { entity: "customer", job: "job", currency: "currency", terms: "terms" },
    fields: [
      "entity",
      "job",
      "tranId",
      "tranDate",
      "dueDate",
      "currency",
      "terms",
      "memo",
      "otherRefNum",
      "externalId",
      "item",
    ],
  },
  employee: {
    required: ["firstName", "lastName", "subsidiary"],
    refs: { subsidiary: "subsidiary", supervisor: "employee" },
    fields: [
      "entityId",
      "firstName",
      "lastName",
      "email",
      "title",
      "externalId",
      "subsidiary",
      "laborCost",
      "supervisor",
      "isInactive",
    ],
  },
};

const ITEMS: Record<string, string> = {
  "5": "Professional Services",
  "6": "Reimbursable Expenses",
  "7": "Milestone Billing",
};
/**
 * The account's subsidiaries, one per currency it books in (the same ids, by construction): the records' references
 * and SuiteQL's subsidiary and currency lists.
 */
const LEDGERS = [
  { id: "1", subsidiary: "Meridian Partners Inc.", country: "US", currency: "USD", currencyName: "US Dollar" },
  { id: "2", subsidiary: "Meridian Partners UK Ltd", country: "GB", currency: "GBP", currencyName: "British pound" },
  { id: "3", subsidiary: "Meridian Partners Canada", country: "CA", currency: "CAD", currencyName: "Canadian Dollar" },
  { id: "4", subsidiary: "Meridian Partners Europe BV", country: "NL", currency: "EUR", currencyName: "Euro" },
];
const SUBSIDIARIES: Record<string, string> = Object.fromEntries(LEDGERS.map((l) => [l.id, l.subsidiary]));
const CURRENCIES: Record<string, string> = Object.fromEntries(LEDGERS.map((l) => [l.id, l.currency]));
const currencyId = (code: string) => Object.entries(CURRENCIES).find(([, c]) => c === code)?.[0] ?? "1";

interface AddressBookLine {
  defaultBilling: boolean;
  defaultShipping: boolean;
  addressBookAddress: { addr1?: string; city?: string; zip?: string; country?: string };
}
/**
 * The customer's address book sublist as REST takes it — {"items": [{"defaultBilling": true, "addressBookAddress":
 * {"city": "…", "country": "GB"}}]}; the country as its code or {"id": code} — or the reason it is refused.
 */
function addressBookOf(v: unknown): AddressBookLine[] | string {
  const items = (v as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return 'The addressBook sublist is {"items": [...]}.';
  const out: AddressBookLine[] = [];
  for (const [i, line] of items.entries()) {
    const l = (line ?? {}) as Record<string, unknown>;
    const a = l.addressBookAddress as Record<string, unknown> | undefined;
    if (!a || typeof a !== "object") return `Please enter value(s) for: addressBook.items[${i}].addressBookAddress`;
    const country = typeof a.country === "object" && a.country ? (a.country as { id?: unknown }).id : a.country;
    if (country !== undefined && country !== null && (typeof country !== "string" || !/^[A-Z]{2}$/.test(country)))
      return `Invalid value for addressBook.items[${i}].addressBookAddress.country: a two-letter country code.`;
    const text = (k: string) => (typeof a[k] === "string" && a[k] ? (a[k] as string) : undefined);
    out.push({
      defaultBilling: l.defaultBilling === true,
      defaultShipping: l.defaultShipping === true,
      addressBookAddress: {
        addr1: text("addr1"),
        city: text("city"),
        zip: text("zip"),
        country: typeof country === "string" ? country : undefined,
      },
    });
  }
  return out;
}

/** A customer record's default billing address: its address book's default billing line, or its only line. */
export function defaultBillingAddress(customer: Record<string, unknown>): AddressBookLine["addressBookAddress"] | null {
  const items = (customer.addressBook as { items?: AddressBookLine[] } | undefined)?.items ?? [];
  return (
    (items.find((l) => l.defaultBilling) ?? (items.length === 1 ? items[0] : undefined))?.addressBookAddress ?? null
  );
}

export interface NetSuiteSandboxOptions {
  accountId?: string;
  clientId?: string;
  certificateId?: string;
  publicKeyPem?: string;
  maxConcurrent?: number;
}

export function createNetSuiteSandbox(opts: NetSuiteSandboxOptions = {}) {
  const accountId = opts.accountId ?? "TSTDRV1234567";
  const clientId = opts.clientId ?? "weft-sandbox-netsuite-integration";
  const certificateId = opts.certificateId ?? "weft-sandbox-cert-1";
  const publicKey: KeyObject = createPublicKey(opts.publicKeyPem ?? PUBLIC_KEY);
  const sb: Sandbox = new Sandbox({
    system: "netsuite",
    connectorKey: "netsuite",
    name: "NetSuite (sandbox)",
    maxConcurrent: opts.maxConcurrent ?? 5,
    errors: {
      error(status, code, message, field) {
        const map: Record<string, string> = {
          INVALID_SESSION: "INVALID_LOGIN",
          NOT_FOUND: "NONEXISTENT_ID",
          REQUEST_LIMIT_EXCEEDED: "CONCURRENCY_LIMIT_EXCEEDED",
          SERVER_UNAVAILABLE: "UNEXPECTED_ERROR",
        };
        return json(status, {
          type: `https://www.rfc-editor.org/rfc/rfc9110.html#section-15.${status >= 500 ? 6 : 5}.${status >= 500 ? status - 499 : status - 399}`,
          title: STATUS_TEXT[status] ?? "Error",
          status,
          "o:errorDetails": [
            { detail: message, "o:errorCode": map[code] ?? code, ...(field ? { "o:errorPath": field } : {}) },
          ],
        });
      },
    },
  });

  const store = new Map<RecordType, Map<string, Rec>>();
  /** Each customer's default billing address (NetSuite keeps it in the address book; SuiteQL joins it). */
  const billTo = new Map<string, { city: string | null; country: string | null }>();
  const next = new Map<RecordType, number>();
  const recUrl = (type: string, id: string) => `${sb.baseUrl}/services/rest/record/v1/${type}/${id}`;

  const seed = () => {
    const f = firm();
    for (const t of RECORD_TYPES) store.set(t, new Map());
    billTo.clear();
    const stamp = "2026-01-05T09:00:00Z";
    for (const c of f.customers) {
      const id = String(100 + c.n);
      store.get("customer")!.set(id, {
        id,
        entityId: c.code,
        companyName: c.name,
        externalId: sfId("001", c.n),
        email: c.contacts[0]!.email,
        url: c.website,
        vatRegNumber: c.taxNumber,
        isInactive: false,
        subsidiary: ref(currencyId(c.currency), SUBSIDIARIES[currencyId(c.currency)]),
        currency: ref(currencyId(c.currency), c.currency),
        terms: ref(c.paymentTermsDays, `Net ${c.paymentTermsDays}`),
        parent: c.parentN ? ref(100 + c.parentN) : null,
        defaultAddress: `${c.name}\n${c.city}\n${c.country}`,
        dateCreated: "2023-02-01T10:00:00Z",
        lastModifiedDate: stamp,
      });
      billTo.set(id, { city: c.city, country: c.country });
    }
    for (const w of f.consultants) {
      const id = String(2000 + w.n);
      store.get("employee")!.set(id, {
        id,
        entityId: w.employeeId,
        firstName: w.firstName,
        lastName: w.lastName,
        email: w.email,
        title: w.title,
        externalId: w.wid,
        subsidiary: ref(currencyId(w.location.currency)),
        laborCost: w.costRate,
        supervisor: w.managerN ? ref(2000 + w.managerN) : null,
        isInactive: false,
        dateCreated: `${w.hireDate}T09:00:00Z`,
        lastModifiedDate: stamp,
      });
    }
    for (const p of f.projects) {
      const id = String(5000 + p.n);
      store.get("job")!.set(id, {
        id,
        entityId: p.code,
        companyName: p.name,
        externalId: sfId("006", p.opportunityN),
        parent: ref(100 + p.customerN, f.customers[p.customerN - 1]!.name),
        subsidiary: ref(currencyId(p.currency)),
        currency: ref(currencyId(p.currency), p.currency),
        jobType: ref(1, "Consulting"),
        jobBillingType: {
          time_and_materials: "Time and Materials",
          fixed_fee: "Fixed Bid, Interval",
          milestone: "Fixed Bid, Milestone",
          retainer: "Time and Materials",
        }[p.billingType],
        entityStatus: p.status === "active" ? ref(2, "In Progress") : ref(1, "Closed"),
        startDate: p.start,
        projectedEndDate: p.end,
        endDate: p.status === "completed" ? p.end : null,
        percentComplete:
          p.status === "completed"
            ? 100
            : Math.round(
                (100 * (Date.parse(f.asOf) - Date.parse(p.start))) / (Date.parse(p.end) - Date.parse(p.start)),
              ),
        estimatedRevenue: p.budget,
        projectExpenseType: ref(-2, "Regular"),
        projectManager: ref(2000 + p.pmN),
        custentity_kantata_workspace: String(10000 + p.n),
        dateCreated: `${p.start}T09:00:00Z`,
        lastModifiedDate: stamp,
      });
    }
    // Time already synced from the PSA: the invoiced entries (the approved-uninvoiced ones are the sync flow's job).
    for (const t of f.timeEntries.filter((t) => t.invoiceN)) {
      const id = String(90000 + t.n);
      store.get("timebill")!.set(id, {
        id,
        externalId: `kantata-time-${t.n}`,
        employee: ref(2000 + t.consultantN),
        customer: ref(5000 + t.projectN),
        item: ref(5, ITEMS["5"]),
        hours: t.minutes / 60,
        tranDate: t.date,
        isBillable: t.billable,
        approvalStatus: ref(3, "Approved"),
        memo: t.notes,
        rate: t.billRate,
        dateCreated: `${t.date}T18:00:00Z`,
        lastModifiedDate: `${addDays(t.date, 1)}T02:00:00Z`,
      });
    }
    for (const inv of f.invoices) {
      const id = String(70000 + inv.n);
      store.get("invoice")!.set(id, {
        id,
        tranId: inv.number,
        externalId: `kantata-invoice-${inv.n}`,
        entity: ref(100 + inv.customerN, f.customers[inv.customerN - 1]!.name),
        job: ref(5000 + inv.projectN),
        tranDate: inv.date,
        dueDate: inv.dueDate,
        currency: ref(currencyId(inv.currency), inv.currency),
        status: inv.status === "paid" ? ref("B", "Paid In Full") : ref("A", "Open"),
        subtotal: inv.total,
        taxTotal: 0,
        total: inv.total,
        amountRemaining: inv.balance,
        item: {
          items: inv.lines.map((l, k) => ({
            line: k + 1,
            item: ref(
              l.type === "time" ? 5 : l.type === "expense" ? 6 : 7,
              ITEMS[l.type === "time" ? "5" : l.type === "expense" ? "6" : "7"],
            ),
            description: l.description,
            quantity: l.quantity,
            rate: l.unitPrice,
            amount: l.amount,
            custcol_kantata_time_entry: l.type === "time" && l.sourceN !== undefined ? String(50000 + l.sourceN) : null,
            custcol_service_date: l.serviceDate ?? null,
          })),
        },
        dateCreated: `${inv.date}T09:00:00Z`,
        lastModifiedDate: `${inv.date}T09:00:00Z`,
      });
    }
    next.set("customer", 100 + f.customers.length + 1000);
    next.set("employee", 2000 + f.consultants.length + 1000);
    next.set("job", 5000 + f.projects.length + 1000);
    next.set("timebill", 90000 + f.timeEntries.length + 1000);
    next.set("invoice", 70000 + f.invoices.length + 1000);
  };
  seed();
  sb.onReset(seed);
  for (const t of RECORD_TYPES) sb.collections.set(t, () => [...store.get(t)!.values()]);

  // --- OAuth 2.0 client credentials with a JWT client assertion -----------------------------------------
  const tokenPath = "/services/rest/auth/oauth2/v1/token";
  sb.route(
    "POST",
    tokenPath,
    (req) => {
      const b = (req.body ?? {}) as Record<string, string>;
      const bad = (error: string, description: string) => json(400, { error, error_description: description });
      if (b.grant_type !== "client_credentials")
        return bad("unsupported_grant_type", "grant_type must be client_credentials");
      if (b.client_assertion_type !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        return bad("invalid_request", "client_assertion_type must be jwt-bearer");
      const parts = String(b.client_assertion ?? "").split(".");
      if (parts.length !== 3) return bad("invalid_request", "client_assertion is not a JWT");
      let head: { alg?: string; kid?: string; typ?: string };
      let claims: { iss?: string; scope?: string | string[]; aud?: string; iat?: number; exp?: number };
      try {
        head = JSON.parse(Buffer.from(parts[0]!, "base64url").toString()) as typeof head;
        claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString()) as typeof claims;
      } catch {
        return bad("invalid_request", "client_assertion is not a JWT");
      }
      if (head.kid !== certificateId) return bad("invalid_client", "Unknown certificate id (kid)");
      const data = Buffer.from(`${parts[0]}.${parts[1]}`);
      const sig = Buffer.from(parts[2]!, "base64url");
      let ok = false;
      if (head.alg === "ES256") ok = verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, sig);
      else if (head.alg === "PS256") ok = verify("sha256", data, { key: publicKey, padding: 6, saltLength: 32 }, sig);
      if (!ok) return bad("invalid_grant", "The client assertion signature is invalid");
      const now = Math.floor(Date.now() / 1000);
      const scopes = Array.isArray(claims.scope) ? claims.scope : String(claims.scope ?? "").split(/[ ,]/);
      if (claims.iss !== clientId) return bad("invalid_client", "Unknown client id (iss)");
      if (!scopes.includes("rest_webservices")) return bad("invalid_scope", "scope must include rest_webservices");
      if (claims.aud !== `${sb.baseUrl}${tokenPath}`) return bad("invalid_grant", "aud must be the token endpoint URL");
      if (
        typeof claims.iat !== "number" ||
        typeof claims.exp !== "number" ||
        claims.exp <= now ||
        claims.exp - claims.iat > 3600 ||
        claims.iat > now + 60
      )
        return bad("invalid_grant", "The assertion is expired or its lifetime exceeds 60 minutes");
      const { token, expiresIn } = sb.issueToken(clientId);
      return json(200, { access_token: token, expires_in: String(expiresIn), token_type: "bearer" });
    },
    { auth: false },
  );

  // --- records -------------------------------------------------------------------------------------------
  const typeOf = (t: string): RecordType | undefined => RECORD_TYPES.find((x) => x === t.toLowerCase());
  const withLinks = (type: string, r: Rec): Rec => ({
    links: [{ rel: "self", href: recUrl(type, String(r.id)) }],
    ...r,
  });
  const find = (type: RecordType, idOrEid: string): Rec | undefined => {
    if (idOrEid.startsWith("eid:"))
      return [...store.get(type)!.values()].find((r) => r.externalId === idOrEid.slice(4));
    return store.get(type)!.get(idOrEid);
  };

  /** Validates a body; returns an error response or the cleaned fields. */
  const validate = (type: RecordType, body: unknown, creating: boolean): Rec | SbResponse => {
    if (!body || typeof body !== "object" || Array.isArray(body))
      return sb.error(400, "INVALID_CONTENT", "The request body must be a JSON object.");
    const spec = SPEC[type];
    const out: Rec = {};
    for (const [k, v] of Object.entries(body as Rec)) {
      const field = spec.fields.find((f) => f.toLowerCase() === k.toLowerCase());
      if (!field)
        return sb.error(400, "INVALID_CONTENT", `Invalid field: ${k} is not a field of the ${type} record.`, k);
      const target = spec.refs[field];
      if (target && v !== null) {
        const id =
          typeof v === "object" && v && "id" in v
            ? String((v as { id: unknown }).id)
            : typeof v === "object" && v && "externalId" in v
              ? `eid:${String((v as { externalId: unknown }).externalId)}`
              : undefined;
        if (!id)
          return sb.error(
            400,
            "INVALID_CONTENT",
            `Invalid value for ${field}: expected a reference object {"id": "…"}.`,
            field,
          );
        const exists =
          target === "subsidiary"
            ? !!SUBSIDIARIES[id]
            : target === "currency"
              ? !!CURRENCIES[id]
              : target === "item"
                ? !!ITEMS[id]
                : target === "terms" || target === "status"
                  ? true
                  : !!find(target, id);
        if (!exists) return sb.error(400, "INVALID_CONTENT", `Invalid reference key ${id} for ${field}.`, field);
        const resolved =
          target !== "subsidiary" &&
          target !== "currency" &&
          target !== "item" &&
          target !== "terms" &&
          target !== "status"
            ? find(target, id)!
            : undefined;
        out[field] = resolved
          ? ref(String(resolved.id), String(resolved.companyName ?? resolved.entityId ?? ""))
          : { id };
        continue;
      }
      if (field === "hours" && (typeof v !== "number" || v <= 0 || v > 24))
        return sb.error(400, "INVALID_CONTENT", "Invalid value for hours: a number of hours between 0 and 24.", field);
      if (/Date$/.test(field) && v !== null && (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)))
        return sb.error(400, "INVALID_CONTENT", `Invalid date value for ${field}: use YYYY-MM-DD.`, field);
      if (field === "addressBook") {
        const book = addressBookOf(v);
        if (typeof book === "string") return sb.error(400, "INVALID_CONTENT", book, "addressBook.items");
        out.addressBook = { items: book };
        continue;
      }
      if (field === "item" && type === "invoice") {
        const items = (v as { items?: unknown[] } | null)?.items;
        if (!Array.isArray(items) || !items.length)
          return sb.error(
            400,
            "INVALID_CONTENT",
            'The item sublist needs at least one line: {"items": [...]}.',
            "item.items",
          );
        const lines: Rec[] = [];
        for (const [i, line] of items.entries()) {
          const l = (line ?? {}) as Rec;
          const itemId = (l.item as { id?: unknown } | undefined)?.id;
          if (itemId === undefined || !ITEMS[String(itemId)])
            return sb.error(
              400,
              "INVALID_CONTENT",
              `Invalid reference key ${String(itemId)} for item.`,
              `item.items[${i}].item`,
            );
          const quantity = typeof l.quantity === "number" ? l.quantity : 1;
          const rate = typeof l.rate === "number" ? l.rate : typeof l.amount === "number" ? l.amount / quantity : 0;
          lines.push({
            line: i + 1,
            item: ref(String(itemId), ITEMS[String(itemId)]),
            description: l.description ?? null,
            quantity,
            rate,
            amount: Math.round(quantity * rate * 100) / 100,
            custcol_kantata_time_entry:
              typeof l.custcol_kantata_time_entry === "string" ? l.custcol_kantata_time_entry : null,
            custcol_service_date:
              typeof l.custcol_service_date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(l.custcol_service_date)
                ? l.custcol_service_date
                : null,
          });
        }
        out.item = { items: lines };
        continue;
      }
      out[field] = v;
    }
    if (creating) {
      for (const r of spec.required)
        if (out[r] === undefined || out[r] === null)
          return sb.error(400, "INVALID_CONTENT", `Please enter value(s) for: ${r}`, r);
      // "item" is required on a time bill when a customer (project) is set.
      if (type === "timebill" && out.customer && !out.item)
        return sb.error(400, "INVALID_CONTENT", "Please enter value(s) for: item", "item");
    }
    return out;
  };
  const isErr = (x: Rec | SbResponse): x is SbResponse =>
    typeof (x as SbResponse).status === "number" && "body" in x && !("id" in x) && !("companyName" in x);

  const derive = (type: RecordType, r: Rec) => {
    if (type === "invoice") {
      const items = ((r.item as { items?: Rec[] } | undefined)?.items ?? []) as Rec[];
      const total = Math.round(items.reduce((s, l) => s + Number(l.amount ?? 0), 0) * 100) / 100;
      Object.assign(r, { subtotal: total, taxTotal: 0, total, amountRemaining: total });
      r.status ??= ref("A", "Open");
      r.tranDate ??= new Date().toISOString().slice(0, 10);
      r.tranId ??= `INV-26-${String(r.id).slice(-4)}`;
    }
    // NetSuite defaults an entity to active: a customer created over REST has isinactive 'F' in SuiteQL (without
    // it the customer reconciliation's `WHERE isinactive = 'F'` met a row with no such column and failed).
    if (type === "customer") {
      r.isInactive ??= false;
      // The default billing address of the address book is what SuiteQL's billcity/billcountry read.
      const a = defaultBillingAddress(r);
      if (a) {
        billTo.set(String(r.id), { city: a.city ?? null, country: a.country ?? null });
        r.defaultAddress = [r.companyName, a.addr1, a.city, a.country].filter(Boolean).join("\n");
      }
    }
    if (type === "timebill") {
      r.tranDate ??= new Date().toISOString().slice(0, 10);
      r.approvalStatus ??= ref(2, "Pending Approval");
      r.isBillable ??= true;
    }
  };

  const create = (type: RecordType, body: unknown, key: string | undefined, path: string): Promise<SbResponse> =>
    sb.idempotent(key, () => {
      const fields = validate(type, body, true);
      if (isErr(fields)) return fields;
      // A customer on credit hold takes no new invoices (NetSuite's creditHoldOverride "ON").
      if (type === "invoice") {
        const entity = store.get("customer")!.get(String((fields.entity as { id?: unknown } | undefined)?.id));
        const hold = entity?.creditHoldOverride;
        if (hold === "ON" || (hold as { id?: unknown } | undefined)?.id === "ON")
          return sb.error(
            400,
            "USER_ERROR",
            `Customer ${String(entity!.companyName)} is on credit hold: no new transactions can be entered for them.`,
            "entity",
          );
      }
      if (fields.externalId !== undefined && find(type, `eid:${String(fields.externalId)}`))
        return sb.error(
          400,
          "DUP_RCRD",
          `A ${type} record with external ID ${String(fields.externalId)} already exists.`,
          "externalId",
        );
      const id = String((next.get(type) ?? 1) + 1);
      next.set(type, Number(id));
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      const rec: Rec = { id, ...fields, dateCreated: now, lastModifiedDate: now };
      if (type === "customer" || type === "job" || type === "employee") rec.entityId ??= `${type.toUpperCase()}-${id}`;
      derive(type, rec);
      store.get(type)!.set(id, rec);
      sb.recordWrite({ method: "POST", path, idempotencyKey: key, collection: type, id, action: "create" });
      return { status: 204, headers: { location: recUrl(type, id) } };
    });

  const idem = (req: SbRequest) => header(req, "x-netsuite-idempotency-key");

  sb.route("GET", "/services/rest/record/v1/:type", (req) => {
    const type = typeOf(req.params.type!);
    if (!type) return sb.error(404, "INVALID_RCRD_TYPE", `Record type '${req.params.type}' does not exist.`);
    const limit = Math.min(1000, Number(req.query.get("limit") ?? 1000));
    const offset = Number(req.query.get("offset") ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0)
      return sb.error(400, "INVALID_PARAMETER", "limit and offset must be non-negative integers.");
    let rows = [...store.get(type)!.values()];
    const q = req.query.get("q");
    if (q) {
      // The record API's q filter: FIELD OPERATOR VALUE, e.g. companyName START_WITH "Nor", lastModifiedDate AFTER "2026-01-01".
      const m = /^(\w+)\s+(IS|IS_NOT|START_WITH|CONTAIN|AFTER|BEFORE|ON_OR_AFTER|EQUAL|GREATER)\s+"?([^"]*)"?$/i.exec(
        q.trim(),
      );
      if (!m) return sb.error(400, "INVALID_PARAMETER", `Invalid query: ${q}`);
      const [, field, op, value] = m as unknown as [string, string, string, string];
      rows = rows.filter((r) => {
        const raw = r[Object.keys(r).find((k) => k.toLowerCase() === field.toLowerCase()) ?? field];
        const v =
          raw && typeof raw === "object" && "id" in raw ? String((raw as { id: unknown }).id) : String(raw ?? "");
        switch (op.toUpperCase()) {
          case "IS":
          case "EQUAL":
            return v.toLowerCase() === value.toLowerCase();
          case "IS_NOT":
            return v.toLowerCase() !== value.toLowerCase();
          case "START_WITH":
            return v.toLowerCase().startsWith(value.toLowerCase());
          case "CONTAIN":
            return v.toLowerCase().includes(value.toLowerCase());
          case "AFTER":
          case "GREATER":
            return v > value;
          case "ON_OR_AFTER":
            return v >= value;
          default:
            return v < value;
        }
      });
    }
    const page = rows.slice(offset, offset + limit);
    const base = `${sb.baseUrl}/services/rest/record/v1/${type}`;
    const links = [{ rel: "self", href: `${base}?limit=${limit}&offset=${offset}` }];
    if (offset + limit < rows.length)
      links.push({ rel: "next", href: `${base}?limit=${limit}&offset=${offset + limit}` });
    links.push(
      { rel: "first", href: `${base}?limit=${limit}&offset=0` },
      {
        rel: "last",
        href: `${base}?limit=${limit}&offset=${Math.max(0, Math.floor((rows.length - 1) / limit) * limit)}`,
      },
    );
    return json(200, {
      links,
      count: page.length,
      hasMore: offset + limit < rows.length,
      items: page.map((r) => ({ links: [{ rel: "self", href: recUrl(type, String(r.id)) }], id: String(r.id) })),
      offset,
      totalResults: rows.length,
    });
  });

  sb.route("GET", "/services/rest/record/v1/:type/:id", (req) => {
    const type = typeOf(req.params.type!);
    if (!type) return sb.error(404, "INVALID_RCRD_TYPE", `Record type '${req.params.type}' does not exist.`);
    const r = find(type, req.params.id!);
    if (!r) return sb.error(404, "NONEXISTENT_ID", `Record ${req.params.id} of type ${type} was not found.`);
    const out = withLinks(type, r);
    // Sublists are links unless expanded, as in the real API.
    if (type === "invoice" && req.query.get("expandSubResources") !== "true")
      out.item = { links: [{ rel: "self", href: `${recUrl(type, String(r.id))}/item` }] };
    return json(200, out);
  });

  sb.route("POST", "/services/rest/record/v1/:type", (req) => {
    const type = typeOf(req.params.type!);
    if (!type || type === "employee")
      return sb.error(
        type ? 405 : 404,
        "INVALID_RCRD_TYPE",
        `Record type '${req.params.type}' cannot be created here.`,
      );
    return create(type, req.body, idem(req), req.path);
  });

  sb.route("PATCH", "/services/rest/record/v1/:type/:id", (req) =>
    sb.idempotent(idem(req), () => {
      const type = typeOf(req.params.type!);
      if (!type) return sb.error(404, "INVALID_RCRD_TYPE", `Record type '${req.params.type}' does not exist.`);
      const r = find(type, req.params.id!);
      if (!r) return sb.error(404, "NONEXISTENT_ID", `Record ${req.params.id} of type ${type} was not found.`);
      const fields = validate(type, req.body, false);
      if (isErr(fields)) return fields;
      Object.assign(r, fields, { lastModifiedDate: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") });
      derive(type, r);
      sb.recordWrite({
        method: "PATCH",
        path: req.path,
        idempotencyKey: idem(req),
        collection: type,
        id: String(r.id),
        action: "update",
      });
      return { status: 204 };
    }),
  );

  // PUT …/eid:XYZ is NetSuite's upsert by external id.
  sb.route("PUT", "/services/rest/record/v1/:type/:id", (req) =>
    sb.idempotent(idem(req), () => {
      const type = typeOf(req.params.type!);
      if (!type) return sb.error(404, "INVALID_RCRD_TYPE", `Record type '${req.params.type}' does not exist.`);
      if (!req.params.id!.startsWith("eid:"))
        return sb.error(405, "METHOD_NOT_ALLOWED", "PUT (upsert) needs an external id: …/eid:{externalId}.");
      const eid = req.params.id!.slice(4);
      const existing = find(type, req.params.id!);
      const fields = validate(type, req.body, !existing);
      if (isErr(fields)) return fields;
      if (existing) {
        Object.assign(existing, fields, { lastModifiedDate: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") });
        derive(type, existing);
        sb.recordWrite({
          method: "PUT",
          path: req.path,
          idempotencyKey: idem(req),
          collection: type,
          id: String(existing.id),
          action: "upsert",
        });
        return { status: 204, headers: { location: recUrl(type, String(existing.id)) } };
      }
      const id = String((next.get(type) ?? 1) + 1);
      next.set(type, Number(id));
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      const rec: Rec = { id, ...fields, externalId: eid, dateCreated: now, lastModifiedDate: now };
      if (type === "customer" || type === "job") rec.entityId ??= `${type.toUpperCase()}-${id}`;
      derive(type, rec);
      store.get(type)!.set(id, rec);
      sb.recordWrite({
        method: "PUT",
        path: req.path,
        idempotencyKey: idem(req),
        collection: type,
        id,
        action: "upsert",
      });
      return { status: 204, headers: { location: recUrl(type, id) } };
    }),
  );

  // --- SuiteQL ---------------------------------------------------------------------------------------------
  const usDate = (iso: string) => {
    const [y, m, d] = iso.slice(0, 10).split("-");
    return `${Number(m)}/${Number(d)}/${y}`;
  };
  /**
   * SuiteQL's view of a record: lower-case columns, references as their id, dates as M/D/YYYY strings; a field the
   * record leaves empty is a null column (SuiteQL's columns are the record type's, not the row's).
   */
  const flat = (r: Rec, type: RecordType): Rec => {
    const out: Rec = Object.fromEntries(SPEC[type].fields.map((f) => [f.toLowerCase(), null]));
    for (const [k, v] of Object.entries(r)) {
      if (k === "item" || k === "links") continue;
      out[k.toLowerCase()] =
        v && typeof v === "object" && "id" in (v as object)
          ? String((v as { id: unknown }).id)
          : typeof v === "boolean"
            ? v
              ? "T"
              : "F"
            : v;
    }
    return out;
  };
  /** One row per invoice line, as SuiteQL's transactionline (amounts positive; the line's entity is the job). */
  const transactionLines = (): Rec[] =>
    [...store.get("invoice")!.values()].flatMap((inv) =>
      (((inv.item as { items?: Rec[] } | undefined)?.items ?? []) as Rec[]).map((l) => ({
        uniquekey: String(Number(inv.id) * 1000 + Number(l.line)),
        id: Number(l.line),
        transaction: String(inv.id),
        linesequencenumber: Number(l.line),
        mainline: "F",
        item: String((l.item as { id: unknown }).id),
        entity: String((inv.job as { id?: unknown } | null)?.id ?? (inv.entity as { id: unknown }).id),
        quantity: l.quantity,
        rate: l.rate,
        foreignamount: l.amount,
        memo: l.description ?? null,
        custcol_kantata_time_entry: l.custcol_kantata_time_entry ?? null,
        custcol_service_date: l.custcol_service_date ?? null,
      })),
    );
  const TABLES: Record<string, () => Rec[]> = {
    customer: () =>
      [...store.get("customer")!.values()].map((r) => ({
        ...flat(r, "customer"),
        billcity: billTo.get(String(r.id))?.city ?? null,
        billcountry: billTo.get(String(r.id))?.country ?? null,
      })),
    transactionline: transactionLines,
    // Lists an integration looks ids up in instead of hard-coding them per account.
    currency: () =>
      LEDGERS.map((l) => ({
        id: l.id,
        symbol: l.currency,
        name: l.currencyName,
        isbasecurrency: l.id === "1" ? "T" : "F",
        isinactive: "F",
      })),
    subsidiary: () =>
      LEDGERS.map((l) => ({
        id: l.id,
        name: l.subsidiary,
        currency: l.id,
        country: l.country,
        iselimination: "F",
        isinactive: "F",
      })),
    job: () => [...store.get("job")!.values()].map((r) => flat(r, "job")),
    employee: () => [...store.get("employee")!.values()].map((r) => flat(r, "employee")),
    timebill: () => [...store.get("timebill")!.values()].map((r) => flat(r, "timebill")),
    transaction: () =>
      [...store.get("invoice")!.values()].map((r) => ({
        ...flat(r, "invoice"),
        type: "CustInvc",
        tranid: r.tranId,
        foreigntotal: r.total,
        foreignamountremaining: r.amountRemaining,
      })),
  };

  sb.route("POST", "/services/rest/query/v1/suiteql", (req) => {
    if (!/transient/i.test(header(req, "prefer") ?? ""))
      return sb.error(400, "INVALID_HEADER", "SuiteQL requests need the header Prefer: transient.");
    const q = (req.body as { q?: unknown } | undefined)?.q;
    if (typeof q !== "string" || !q.trim())
      return sb.error(400, "INVALID_CONTENT", 'The request body must be {"q": "SELECT …"}.');
    const limit = Number(req.query.get("limit") ?? 1000);
    const offset = Number(req.query.get("offset") ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return sb.error(400, "INVALID_PARAMETER", "limit must be between 1 and 1000.");
    if (!Number.isInteger(offset) || offset < 0 || offset % limit !== 0)
      return sb.error(400, "INVALID_PARAMETER", "offset must be a multiple of limit.");
    let rows: Rec[];
    try {
      const parsed = parseSelect(q);
      const table = TABLES[parsed.table.toLowerCase()];
      if (!table)
        return sb.error(400, "INVALID_SEARCH", `Invalid search query. Record '${parsed.table}' was not found.`);
      const all = table();
      const matched = runSelect(parsed, all, undefined, all[0]);
      if (parsed.fields.includes("COUNT()")) rows = [{ expr1: matched.length }];
      else
        rows = matched.map((r) => {
          const o: Rec = {};
          for (const f of parsed.fields.includes("*") ? Object.keys(r) : parsed.fields) {
            const v = r[f.toLowerCase()];
            o[f.toLowerCase()] = typeof v === "string" && /^\d{4}-\d{2}-\d{2}(T|$)/.test(v) ? usDate(v) : (v ?? null);
          }
          return o;
        });
    } catch (e) {
      if (e instanceof SqlError) return sb.error(400, "INVALID_SEARCH", `Invalid search query: ${e.message}`);
      throw e;
    }
    if (rows.length > 100_000) rows = rows.slice(0, 100_000);
    const page = rows.slice(offset, offset + limit);
    const hasMore = offset + limit < rows.length;
    const base = `${sb.baseUrl}/services/rest/query/v1/suiteql`;
    const links = [{ rel: "self", href: `${base}?limit=${limit}&offset=${offset}` }];
    if (hasMore) links.push({ rel: "next", href: `${base}?limit=${limit}&offset=${offset + limit}` });
    return json(200, {
      links,
      count: page.length,
      hasMore,
      items: page.map((r) => ({ links: [], ...r })),
      offset,
      totalResults: rows.length,
    });
  });

  // --- Data faults (POST /__sandbox/inject) ------------------------------------------------------------------
  /** The invoice line billing a PSA time entry (by the Kantata id NetSuite keeps in custcol_kantata_time_entry). */
  const lineOf = (p: Record<string, unknown>) => {
    const te = String(p.timeEntryId ?? "");
    if (!te) throw new InjectError("give timeEntryId (the Kantata time entry the line bills)");
    for (const inv of store.get("invoice")!.values()) {
      const items = (inv.item as { items: Rec[] }).items;
      const i = items.findIndex((l) => l.custcol_kantata_time_entry === te);
      if (i >= 0) return { inv, items, i };
    }
    throw new InjectError(`no invoice line bills time entry ${te}`);
  };
  const touch = (inv: Rec) => {
    derive("invoice", inv);
    inv.amountRemaining = (inv.status as { id?: string } | undefined)?.id === "B" ? 0 : inv.total;
    inv.lastModifiedDate = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  };
  const decimal = (v: unknown, what: string) => {
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw new InjectError(`${what} must be a decimal number`);
    return n;
  };
  sb.dataFault("drop-invoice-line", {
    description: "Deletes the invoice line that bills a PSA time entry (an approved hour never invoiced).",
    params: { timeEntryId: "Kantata time entry id, e.g. 50123" },
    apply: (p) => {
      const { inv, items, i } = lineOf(p);
      const [line] = items.splice(i, 1);
      items.forEach((l, k) => (l.line = k + 1));
      touch(inv);
      return { invoice: inv.id, job: (inv.job as { id: string }).id, line };
    },
  });
  sb.dataFault("invoice-line-amount", {
    description: "Changes the amount of the invoice line that bills a PSA time entry by delta (e.g. 0.02).",
    params: { timeEntryId: "Kantata time entry id", delta: "decimal, e.g. 0.02" },
    apply: (p) => {
      const { inv, items, i } = lineOf(p);
      const l = items[i]!;
      l.amount = Math.round((Number(l.amount) + decimal(p.delta, "delta")) * 100) / 100;
      touch(inv);
      return { invoice: inv.id, job: (inv.job as { id: string }).id, line: l };
    },
  });
  sb.dataFault("invoice-line-hours", {
    description: "Changes the quantity (hours) of the invoice line that bills a PSA time entry by delta.",
    params: { timeEntryId: "Kantata time entry id", delta: "hours, e.g. 0.26" },
    apply: (p) => {
      const { inv, items, i } = lineOf(p);
      const l = items[i]!;
      l.quantity = Math.round((Number(l.quantity) + decimal(p.delta, "delta")) * 10_000) / 10_000;
      inv.lastModifiedDate = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      return { invoice: inv.id, job: (inv.job as { id: string }).id, line: l };
    },
  });
  sb.dataFault("rename-customer", {
    description: "Renames a customer in NetSuite only (the CRM and PSA keep the old name).",
    params: { id: "NetSuite customer id, e.g. 101", name: "the new company name" },
    apply: (p) => {
      const c = store.get("customer")!.get(String(p.id ?? ""));
      if (!c) throw new InjectError(`no customer ${String(p.id)}`);
      if (typeof p.name !== "string" || !p.name.trim()) throw new InjectError("give the new name");
      const was = c.companyName;
      c.companyName = p.name;
      c.lastModifiedDate = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      return { customer: c.id, externalId: c.externalId, was, now: p.name };
    },
  });

  sb.route("GET", "/services/rest/system/v1/governanceLimits", () =>
    json(200, {
      accountConcurrencyLimit: opts.maxConcurrent ?? 5,
      integrationConcurrencyLimit: opts.maxConcurrent ?? 5,
    }),
  );

  const info = (): SandboxInfo => ({
    system: "netsuite",
    connectorKey: "netsuite",
    name: sb.name,
    baseUrl: sb.baseUrl,
    accountId,
    clientId,
    certificateId,
    privateKey: NETSUITE_SANDBOX_PRIVATE_KEY,
    config: { accountId, baseUrl: sb.baseUrl, certificateId },
    secrets: { clientId, privateKey: NETSUITE_SANDBOX_PRIVATE_KEY },
  });
  return { sandbox: sb, info, store };
}
