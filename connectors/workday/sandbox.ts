// Workday sandbox: the token endpoint /ccx/oauth2/{tenant}/token (refresh_token grant of an API client
// for integrations, client authenticated with HTTP Basic), the Staffing REST API
// /ccx/api/staffing/v6/{tenant}/workers with {data, total} and limit (≤ 100) / offset paging, a worker's
// explicit skills, and a RaaS custom report /ccx/service/customreport2/{tenant}/{owner}/{report}?format=json
// returning {Report_Entry:[…]} (cost centre, location, capacity, rates — what REST does not expose),
// reachable with ISU basic auth or a bearer token. Errors: {error, errors:[{error, field}]}.
// Workers are the firm's consultants (the same people as the PSA users and NetSuite employees).
import { firm, type FirmConsultant } from "../sandbox-kit/firm";
import { basicAuth, json, Sandbox, type SandboxInfo, type SbRequest } from "../sandbox-kit/server";

export interface WorkdaySandboxOptions {
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  isuUsername?: string;
  isuPassword?: string;
}

export function createWorkdaySandbox(opts: WorkdaySandboxOptions = {}) {
  const tenant = opts.tenant ?? "meridian_impl1";
  const clientId = opts.clientId ?? "weft-sandbox-workday-client";
  const clientSecret = opts.clientSecret ?? "weft-sandbox-wd-secret-93be";
  const refreshToken = opts.refreshToken ?? "weft-sandbox-wd-refresh-5c1e0f";
  const isuUsername = opts.isuUsername ?? "ISU_Weft";
  const isuPassword = opts.isuPassword ?? "weft-sandbox-isu-pass";
  const sb: Sandbox = new Sandbox({
    system: "workday",
    connectorKey: "workday",
    name: "Workday (sandbox)",
    errors: {
      error(status, code, message, field) {
        if (status === 401) return json(401, { error: "invalid_token", errors: [{ error: message }] });
        return json(status, { error: message, errors: [{ error: message, ...(field ? { field } : {}) }], code });
      },
    },
  });
  let workers: FirmConsultant[] = [];
  const seed = () => {
    workers = firm().consultants.map((c) => ({ ...c }));
  };
  seed();
  sb.onReset(seed);
  sb.collections.set("workers", () => workers);

  const tenantOk = (req: SbRequest) => req.params.tenant === tenant;
  const href = (path: string) => `${sb.baseUrl}/ccx/api/staffing/v6/${tenant}${path}`;
  const orgOf = (c: FirmConsultant) => ({
    id: `ORG-${c.costCenter.id}`,
    descriptor: `${c.practice} (${c.costCenter.id})`,
    href: href(`/supervisoryOrganizations/ORG-${c.costCenter.id}`),
  });
  const summary = (c: FirmConsultant) => ({
    id: c.wid,
    descriptor: `${c.firstName} ${c.lastName}`,
    href: href(`/workers/${c.wid}`),
    workerId: c.employeeId,
    primaryWorkEmail: c.email,
    primaryWorkPhone: `+1 312 555 ${String(1000 + c.n).slice(-4)}`,
    businessTitle: c.title,
    isManager: workers.some((w) => w.managerN === c.n),
    primarySupervisoryOrganization: orgOf(c),
    location: { id: c.location.id, descriptor: c.location.name },
    hireDate: c.hireDate,
    workerType: { id: c.employmentType === "Full time" ? "FT" : "PT", descriptor: `Employee - ${c.employmentType}` },
  });

  sb.route(
    "POST",
    "/ccx/oauth2/:tenant/token",
    (req) => {
      const b = (req.body ?? {}) as Record<string, string>;
      const basic = basicAuth(req);
      const id = basic?.user ?? b.client_id;
      const secret = basic?.password ?? b.client_secret;
      if (!tenantOk(req)) return json(404, { error: "invalid_request", error_description: "Unknown tenant" });
      if (id !== clientId || secret !== clientSecret)
        return json(401, { error: "invalid_client", error_description: "Invalid client credentials" });
      if (b.grant_type !== "refresh_token")
        return json(400, { error: "unsupported_grant_type", error_description: "Use grant_type=refresh_token" });
      if (b.refresh_token !== refreshToken)
        return json(400, { error: "invalid_grant", error_description: "Invalid refresh token" });
      const { token, expiresIn } = sb.issueToken(isuUsername);
      return json(200, {
        access_token: token,
        token_type: "Bearer",
        refresh_token: refreshToken,
        expires_in: expiresIn,
      });
    },
    { auth: false },
  );

  const paging = (req: SbRequest): { limit: number; offset: number } | string => {
    const limit = Number(req.query.get("limit") ?? 20);
    const offset = Number(req.query.get("offset") ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return "limit";
    if (!Number.isInteger(offset) || offset < 0) return "offset";
    return { limit, offset };
  };

  sb.route("GET", "/ccx/api/staffing/v6/:tenant/workers", (req) => {
    if (!tenantOk(req)) return sb.error(404, "NOT_FOUND", "Tenant not found");
    const p = paging(req);
    if (typeof p === "string")
      return sb.error(400, "INVALID_PARAMETER", `Invalid value for ${p}: limit must be 1–100 and offset ≥ 0`, p);
    const search = req.query.get("search")?.toLowerCase();
    const all = workers.filter(
      (w) => !search || `${w.firstName} ${w.lastName} ${w.email}`.toLowerCase().includes(search),
    );
    return json(200, { data: all.slice(p.offset, p.offset + p.limit).map(summary), total: all.length });
  });

  sb.route("GET", "/ccx/api/staffing/v6/:tenant/workers/:id", (req) => {
    const w = workers.find((x) => x.wid === req.params.id);
    if (!tenantOk(req) || !w) return sb.error(404, "NOT_FOUND", `Invalid ID: ${req.params.id}`, "id");
    return json(200, summary(w));
  });

  sb.route("GET", "/ccx/api/staffing/v6/:tenant/workers/:id/explicitSkills", (req) => {
    const w = workers.find((x) => x.wid === req.params.id);
    if (!tenantOk(req) || !w) return sb.error(404, "NOT_FOUND", `Invalid ID: ${req.params.id}`, "id");
    const data = w.skills.map((s) => ({
      id: `${w.wid.slice(0, 8)}-${s.id}`,
      descriptor: s.name,
      skillItem: { id: s.id, descriptor: s.name },
      skillLevel: {
        id: `LEVEL-${s.level}`,
        descriptor: ["", "Awareness", "Working", "Practitioner", "Advanced", "Expert"][s.level],
      },
      skillSources: [{ id: "WPS", descriptor: "Worker Profile and Skills" }],
    }));
    return json(200, { data, total: data.length });
  });

  // RaaS: basic auth as the ISU, or a bearer token. Prompts filter the report.
  sb.route(
    "GET",
    "/ccx/service/customreport2/:tenant/:owner/:report",
    (req) => {
      const basic = basicAuth(req);
      const authed = basic ? basic.user === isuUsername && basic.password === isuPassword : sb.tokenValid(req);
      if (!authed) return sb.error(401, "INVALID_SESSION", "Invalid username or password");
      sb.apiCalls++;
      if (!tenantOk(req) || req.params.owner !== isuUsername || req.params.report !== "Consultant_Capacity")
        return sb.error(404, "NOT_FOUND", `Report not found: ${req.params.owner}/${req.params.report}`);
      if ((req.query.get("format") ?? "json") !== "json")
        return { status: 200, text: "<wd:Report_Data/>", headers: { "content-type": "application/xml" } };
      const cc = req.query.get("Cost_Center");
      const loc = req.query.get("Location");
      const entries = workers
        .filter((w) => (!cc || w.costCenter.id === cc) && (!loc || w.location.name === loc))
        .map((w) => ({
          Worker_ID: w.wid,
          Employee_ID: w.employeeId,
          Worker: `${w.firstName} ${w.lastName}`,
          Email: w.email,
          Business_Title: w.title,
          Cost_Center: w.costCenter.name,
          Cost_Center_ID: w.costCenter.id,
          Location: w.location.name,
          Country: w.location.country,
          Worker_Type: w.employmentType,
          Weekly_Scheduled_Hours: String(w.weeklyCapacityHours),
          Cost_Rate: w.costRate.toFixed(2),
          Default_Bill_Rate: w.billRate.toFixed(2),
          Currency: "USD",
          Skills: w.skills.map((s) => s.name).join("; "),
          Manager_ID: w.managerN ? workers[w.managerN - 1]!.wid : "",
          Hire_Date: w.hireDate,
        }));
      return json(200, { Report_Entry: entries });
    },
    { auth: false },
  );

  const info = (): SandboxInfo => ({
    system: "workday",
    connectorKey: "workday",
    name: sb.name,
    baseUrl: sb.baseUrl,
    tenant,
    clientId,
    clientSecret,
    refreshToken,
    isuUsername,
    isuPassword,
    config: { baseUrl: sb.baseUrl, tenant },
    secrets: { clientId, clientSecret, refreshToken, isuUsername, isuPassword },
  });
  return { sandbox: sb, info };
}
