// The vendor APIs the firm simulator (and the push tests) call, over HTTP like any client of the real
// systems: OAuth tokens from each sandbox's token endpoint, then its REST API; plus the sandboxes' admin API
// (`/__sandbox`) for what no vendor API does — fault injection, push subscriptions, reading whole collections.
import "server-only";
import { sfId } from "../firm";
import { clientAssertion } from "../../netsuite/client";
import { NETSUITE_SANDBOX_PRIVATE_KEY } from "../../netsuite/sandbox";

/** Base URLs of the four sandboxes. */
export interface SandboxTargets {
  salesforce: string;
  psa: string;
  workday: string;
  netsuite: string;
}

/** The systems in the order the sandboxes start (connectors/sandboxes.ts: the dev server's ports follow it). */
export const SANDBOX_SYSTEMS = ["salesforce", "psa", "workday", "netsuite"] as const;

export function sandboxTargets(url: (system: keyof SandboxTargets, index: number) => string): SandboxTargets {
  const [salesforce, psa, workday, netsuite] = SANDBOX_SYSTEMS.map((s, i) => url(s, i).replace(/\/$/, ""));
  return { salesforce: salesforce!, psa: psa!, workday: workday!, netsuite: netsuite! };
}

// The sandboxes' default credentials (connectors/*/sandbox.ts): the simulator drives sandboxes started
// without options — its own, `npm run sandboxes`, or the dev server's.
const SF = { clientId: "3MVG9Weft.Sandbox.Salesforce.ConsumerKey", clientSecret: "weft-sandbox-sf-secret-7f3a9c" };
const PSA = { clientId: "weft-sandbox-kantata-app", clientSecret: "weft-sandbox-kantata-secret-41d2" };
const WD = {
  tenant: "meridian_impl1",
  clientId: "weft-sandbox-workday-client",
  clientSecret: "weft-sandbox-wd-secret-93be",
  refreshToken: "weft-sandbox-wd-refresh-5c1e0f",
};
const NS = {
  accountId: "TSTDRV1234567",
  clientId: "weft-sandbox-netsuite-integration",
  certificateId: "weft-sandbox-cert-1",
};
const SF_API = "/services/data/v62.0";

/** Kantata ids of the firm's records, as the PSA sandbox seeds them (connectors/kantata/sandbox.ts). */
export const psaId = {
  workspace: (projectN: number) => String(10000 + projectN),
  story: (storyN: number) => String(20000 + storyN),
  user: (consultantN: number) => String(30000 + consultantN),
};
export { sfId };

export class VendorError extends Error {
  constructor(
    readonly system: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type System = keyof SandboxTargets;

export class VendorApis {
  private tokens = new Map<System, string>();
  /** Calls made, per system (the simulator's progress report). */
  readonly calls: Record<System, number> = { salesforce: 0, psa: 0, workday: 0, netsuite: 0 };

  constructor(readonly targets: SandboxTargets) {}

  private async token(system: System): Promise<string> {
    const have = this.tokens.get(system);
    if (have) return have;
    const base = this.targets[system];
    let res: Response;
    if (system === "salesforce" || system === "psa") {
      const c = system === "salesforce" ? SF : PSA;
      res = await fetch(`${base}${system === "salesforce" ? "/services/oauth2/token" : "/oauth/token"}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: c.clientId,
          client_secret: c.clientSecret,
        }),
      });
    } else if (system === "workday") {
      res = await fetch(`${base}/ccx/oauth2/${WD.tenant}/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${WD.clientId}:${WD.clientSecret}`).toString("base64")}`,
        },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: WD.refreshToken }),
      });
    } else {
      // NetSuite's machine-to-machine flow: a client assertion signed with the integration's certificate key.
      res = await fetch(`${base}/services/rest/auth/oauth2/v1/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: clientAssertion(
            { accountId: NS.accountId, baseUrl: base, certificateId: NS.certificateId },
            { clientId: NS.clientId, privateKey: NETSUITE_SANDBOX_PRIVATE_KEY },
          ),
        }),
      });
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: string };
    if (!res.ok || !body.access_token)
      throw new VendorError(system, res.status, `${system} token: HTTP ${res.status} ${JSON.stringify(body)}`);
    this.tokens.set(system, body.access_token);
    return body.access_token;
  }

  /** One API call; a 401 fetches a new token once. Transient answers (429/5xx) are retried a few times. */
  async call<T = Record<string, unknown>>(
    system: System,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.token(system);
      this.calls[system]++;
      const res = await fetch(`${this.targets[system]}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status === 401 && attempt === 1) {
        this.tokens.delete(system);
        continue;
      }
      if ((res.status === 429 || res.status >= 500) && attempt < 4) {
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        continue;
      }
      if (!res.ok) throw new VendorError(system, res.status, `${system} ${method} ${path}: HTTP ${res.status} ${text}`);
      return (text ? JSON.parse(text) : {}) as T;
    }
  }

  /** The sandbox's admin API (`/__sandbox/<path>`). */
  async admin<T = Record<string, unknown>>(system: System, method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.targets[system]}/__sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok)
      throw new VendorError(system, res.status, `${system} admin ${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async records(system: System, collection: string): Promise<Record<string, unknown>[]> {
    return (await this.admin<{ records: Record<string, unknown>[] }>(system, "GET", `records/${collection}`)).records;
  }

  // --- Salesforce -------------------------------------------------------------------------------------
  updateOpportunity(id: string, fields: Record<string, unknown>): Promise<unknown> {
    return this.call("salesforce", "PATCH", `${SF_API}/sobjects/Opportunity/${id}`, fields);
  }
  async createRecord(sobject: string, fields: Record<string, unknown>, idempotencyKey: string): Promise<string> {
    const r = await this.call<{ id: string }>("salesforce", "POST", `${SF_API}/sobjects/${sobject}`, fields, {
      "idempotency-key": idempotencyKey,
    });
    return r.id;
  }

  // --- Kantata ----------------------------------------------------------------------------------------
  async createTimeEntry(entry: Record<string, unknown>, idempotencyKey: string): Promise<string> {
    const r = await this.call<{ results: Array<{ id: string }> }>(
      "psa",
      "POST",
      "/api/v1/time_entries.json",
      { time_entry: entry },
      { "idempotency-key": idempotencyKey },
    );
    return r.results[0]!.id;
  }
  /** Approves an entry; answers the entry as Kantata now has it. */
  async approveTimeEntry(id: string): Promise<{ id: string; updated_at: string }> {
    const r = await this.call<{ time_entries: Record<string, { id: string; updated_at: string }> }>(
      "psa",
      "PUT",
      `/api/v1/time_entries/${id}.json`,
      { time_entry: { approved: true } },
    );
    return r.time_entries[id]!;
  }
  /** The workspaces Weft's project set-up created for won deals and did not roll back (archive), by id. */
  async newWorkspaces(): Promise<Array<{ id: string }>> {
    const out: Array<{ id: string }> = [];
    for (let page = 1; ; page++) {
      const r = await this.call<{
        results: Array<{ id: string }>;
        workspaces: Record<string, Record<string, unknown>>;
      }>("psa", "GET", `/api/v1/workspaces.json?per_page=200&page=${page}`);
      for (const { id } of r.results) {
        const w = r.workspaces[id]!;
        if (String(w.description ?? "").startsWith("Salesforce opportunity ") && w.archived !== true) out.push({ id });
      }
      if (r.results.length < 200) return out;
    }
  }
  /** Creates a Kantata record (`POST /api/v1/<collection>.json`); answers its id. */
  async createPsa(collection: string, attrs: Record<string, unknown>, idempotencyKey: string): Promise<string> {
    const singular = collection.replace(/s$/, "");
    const r = await this.call<{ results: Array<{ id: string }> }>(
      "psa",
      "POST",
      `/api/v1/${collection}.json`,
      { [singular]: attrs },
      { "idempotency-key": idempotencyKey },
    );
    return r.results[0]!.id;
  }
  private skills?: Map<string, string>;
  /** Kantata's id of a skill, by name. */
  async skillId(name: string): Promise<string> {
    if (!this.skills) {
      const r = await this.call<{ results: Array<{ id: string }>; skills: Record<string, { name: string }> }>(
        "psa",
        "GET",
        "/api/v1/skills.json?per_page=200",
      );
      this.skills = new Map(r.results.map(({ id }) => [r.skills[id]!.name, id]));
    }
    const id = this.skills.get(name);
    if (!id) throw new Error(`Kantata has no skill ${name}`);
    return id;
  }
  /** The Kantata users booked on a workspace on a day (its allocations over that day, by the named resource). */
  async bookedUsers(workspaceId: string, date: string): Promise<string[]> {
    const r = await this.call<{
      results: Array<{ id: string }>;
      workspace_allocations?: Record<string, { resource_id: string; start_date: string; end_date: string }>;
      workspace_resources?: Record<string, { user_id: string | null }>;
    }>(
      "psa",
      "GET",
      `/api/v1/workspace_allocations.json?workspace_id=${workspaceId}&include=workspace_resource&per_page=200`,
    );
    const users = r.results.flatMap(({ id }) => {
      const a = r.workspace_allocations?.[id];
      const user =
        a && a.start_date <= date && a.end_date >= date ? r.workspace_resources?.[a.resource_id]?.user_id : null;
      return user ? [String(user)] : [];
    });
    return [...new Set(users)].sort();
  }
  updateStory(id: string, attrs: Record<string, unknown>): Promise<unknown> {
    return this.call("psa", "PUT", `/api/v1/stories/${id}.json`, { story: attrs });
  }

  // --- Workday ----------------------------------------------------------------------------------------
  payRateChange(workerId: string, change: Record<string, unknown>): Promise<unknown> {
    return this.call("workday", "POST", `/ccx/api/staffing/v6/${WD.tenant}/workers/${workerId}/payRateChanges`, change);
  }
}
