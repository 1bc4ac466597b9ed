// Workday sandbox: the token endpoint /ccx/oauth2/{tenant}/token (refresh_token grant of an API client
// for integrations, client authenticated with HTTP Basic), the Staffing REST API
// /ccx/api/staffing/v6/{tenant}/workers with {data, total} and limit (≤ 100) / offset paging, a worker's
// explicit skills, and a RaaS custom report /ccx/service/customreport2/{tenant}/{owner}/{report}?format=json
// returning {Report_Entry:[…]} (cost centre, location, capacity, rates — what REST does not expose),
// reachable with ISU basic auth or a bearer token (Consultant_Capacity; Staffing_Availability with
// Start_Date/End_Date prompts: skills with levels, office, scheduled hours and time off in the window), a
// worker's time off (Absence Management), and project staffing assignments (⚠ shape not public).
// Errors: {error, errors:[{error, field}]}.
// A worker's team is their primary supervisory organisation: one per practice, named as Workday names one
// (the practice and its head, a partner); the REST worker and both reports give it. Weft's utilisation per team
// groups by it (docs/kpis.md).
// Workers are the firm's consultants (the same people as the PSA users and NetSuite employees). Data faults
// (POST /__sandbox/inject): terminate-worker (Active_Status 0 from a termination date), cost-rate.
import { firm, firmOrganization, type FirmConsultant } from "../sandbox-kit/firm";
import { firmTimeOff, type FirmTimeOff } from "../sandbox-kit/staffing";
import { basicAuth, header, InjectError, json, Sandbox, type SandboxInfo, type SbRequest } from "../sandbox-kit/server";
import { registerPayRateChanges } from "./compensation";

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
  type Org = { id: string; descriptor: string };
  let workers: Array<FirmConsultant & { terminationDate?: string; supervisoryOrganization: Org }> = [];
  let timeOff: Array<FirmTimeOff & { id: string; wid: string }> = [];
  let projectAssignments: Array<Record<string, unknown> & { id: string }> = [];
  const seed = () => {
    const all = firm().consultants;
    workers = all.map((c) => ({ ...c, supervisoryOrganization: firmOrganization(c, all) }));
    timeOff = firmTimeOff().map((t, i) => ({
      ...t,
      id: `TOE-${String(i + 1).padStart(5, "0")}`,
      wid: workers[t.consultantN - 1]!.wid,
    }));
    projectAssignments = [];
  };
  const resetPayRates = registerPayRateChanges(sb, tenant, () => workers);
  seed();
  sb.onReset(() => {
    seed();
    resetPayRates();
  });
  sb.collections.set("workers", () => workers);
  sb.collections.set("timeOff", () => timeOff);
  sb.collections.set("projectAssignments", () => projectAssignments);

  const tenantOk = (req: SbRequest) => req.params.tenant === tenant;
  const href = (path: string) => `${sb.baseUrl}/ccx/api/staffing/v6/${tenant}${path}`;
  const orgOf = (c: (typeof workers)[number]) => ({
    ...c.supervisoryOrganization,
    href: href(`/supervisoryOrganizations/${c.supervisoryOrganization.id}`),
  });
  const summary = (c: (typeof workers)[number]) => ({
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

  const DAY = /^\d{4}-\d{2}-\d{2}$/;
  const hoursOff = (wid: string, from: string, to: string) =>
    timeOff.filter((t) => t.wid === wid && t.date >= from && t.date <= to).reduce((s, t) => s + t.hours, 0);

  // RaaS "Staffing_Availability": who could be staffed between two dates — skills with levels (a nested
  // multi-instance group, as RaaS renders one in JSON), office, scheduled hours and time off in the window.
  const LEVELS = ["", "Awareness", "Working", "Practitioner", "Advanced", "Expert"];
  const staffingReport = (req: SbRequest) => {
    const from = req.query.get("Start_Date");
    const to = req.query.get("End_Date");
    for (const [name, v] of [
      ["Start_Date", from],
      ["End_Date", to],
    ] as const)
      if (!v || !DAY.test(v))
        return sb.error(400, "INVALID_PROMPT", `The prompt ${name} is required (YYYY-MM-DD)`, name);
    const loc = req.query.get("Location");
    const entries = workers
      .filter((w) => !loc || w.location.name === loc)
      .map((w) => ({
        Worker_ID: w.wid,
        Employee_ID: w.employeeId,
        Worker: `${w.firstName} ${w.lastName}`,
        Email: w.email,
        Business_Title: w.title,
        Supervisory_Organization: w.supervisoryOrganization.descriptor,
        Supervisory_Organization_ID: w.supervisoryOrganization.id,
        Location: w.location.name,
        Country: w.location.country,
        Worker_Type: w.employmentType,
        Weekly_Scheduled_Hours: String(w.weeklyCapacityHours),
        Time_Off_Hours: String(hoursOff(w.wid, from!, to!)),
        Skills_group: w.skills.map((s) => ({
          Skill: s.name,
          Skill_Level: String(s.level),
          Skill_Level_Name: LEVELS[s.level],
        })),
      }));
    return json(200, { Report_Entry: entries });
  };

  // Absence Management: a worker's approved time off between two dates.
  sb.route("GET", "/ccx/api/absenceManagement/v1/:tenant/workers/:id/timeOffDetails", (req) => {
    const w = workers.find((x) => x.wid === req.params.id);
    if (!tenantOk(req) || !w) return sb.error(404, "NOT_FOUND", `Invalid ID: ${req.params.id}`, "id");
    const p = paging(req);
    if (typeof p === "string")
      return sb.error(400, "INVALID_PARAMETER", `Invalid value for ${p}: limit must be 1–100 and offset ≥ 0`, p);
    const from = req.query.get("fromDate") ?? "0000-01-01";
    const to = req.query.get("toDate") ?? "9999-12-31";
    for (const [name, v] of [
      ["fromDate", from],
      ["toDate", to],
    ] as const)
      if (!DAY.test(v)) return sb.error(400, "INVALID_PARAMETER", `${name} must be a date (YYYY-MM-DD)`, name);
    const all = timeOff
      .filter((t) => t.wid === w.wid && t.date >= from && t.date <= to)
      .map((t) => ({
        id: t.id,
        date: t.date,
        timeOffType: { id: t.type.toUpperCase(), descriptor: t.type },
        quantity: t.hours,
        unit: { id: "HOURS", descriptor: "Hours" },
        status: { id: "APPROVED", descriptor: "Approved" },
      }));
    return json(200, { data: all.slice(p.offset, p.offset + p.limit), total: all.length });
  });

  // ⚠ Staffing on projects (Workday Projects). The shape follows Workday's REST conventions; the real API is
  // behind the Community login. One assignment per external reference: Workday refuses a duplicate.
  const assignmentHref = (id: string) => `${sb.baseUrl}/ccx/api/projects/v1/${tenant}/projectAssignments/${id}`;
  sb.route("GET", "/ccx/api/projects/v1/:tenant/projectAssignments", (req) => {
    if (!tenantOk(req)) return sb.error(404, "NOT_FOUND", "Tenant not found");
    const p = paging(req);
    if (typeof p === "string")
      return sb.error(400, "INVALID_PARAMETER", `Invalid value for ${p}: limit must be 1–100 and offset ≥ 0`, p);
    const worker = req.query.get("worker");
    const ref = req.query.get("externalReference");
    const all = projectAssignments.filter(
      (a) => (!worker || (a.worker as { id: string }).id === worker) && (!ref || a.externalReference === ref),
    );
    return json(200, { data: all.slice(p.offset, p.offset + p.limit), total: all.length });
  });
  sb.route("POST", "/ccx/api/projects/v1/:tenant/projectAssignments", (req) =>
    sb.idempotent(header(req, "idempotency-key"), () => {
      if (!tenantOk(req)) return sb.error(404, "NOT_FOUND", "Tenant not found");
      const b = (req.body ?? {}) as Record<string, unknown>;
      const wid = (b.worker as { id?: unknown } | undefined)?.id;
      const w = workers.find((x) => x.wid === wid);
      if (!w) return sb.error(400, "INVALID_REFERENCE", `Invalid ID for worker: ${String(wid ?? "")}`, "worker.id");
      const project = b.project as { id?: unknown; descriptor?: unknown } | undefined;
      if (typeof project?.descriptor !== "string" || !project.descriptor)
        return sb.error(400, "REQUIRED", "Project is required", "project.descriptor");
      for (const f of ["startDate", "endDate"])
        if (typeof b[f] !== "string" || !DAY.test(b[f]))
          return sb.error(400, "INVALID_VALUE", `${f} must be a date (YYYY-MM-DD)`, f);
      if (String(b.endDate) < String(b.startDate))
        return sb.error(400, "INVALID_VALUE", "End Date must be on or after Start Date", "endDate");
      if (typeof b.externalReference !== "string" || !b.externalReference)
        return sb.error(400, "REQUIRED", "External Reference is required", "externalReference");
      if (projectAssignments.some((a) => a.externalReference === b.externalReference))
        return sb.error(
          400,
          "DUPLICATE",
          `A project assignment with external reference ${b.externalReference} already exists`,
          "externalReference",
        );
      const id = `PA-${String(projectAssignments.length + 1).padStart(5, "0")}`;
      const rec = {
        id,
        descriptor: `${w.firstName} ${w.lastName} on ${project.descriptor}`,
        href: assignmentHref(id),
        worker: { id: w.wid, descriptor: `${w.firstName} ${w.lastName}` },
        project: { ...(typeof project.id === "string" ? { id: project.id } : {}), descriptor: project.descriptor },
        ...(b.projectRole ? { projectRole: b.projectRole } : {}),
        startDate: b.startDate,
        endDate: b.endDate,
        ...(typeof b.hoursPerWeek === "number" ? { hoursPerWeek: b.hoursPerWeek } : {}),
        externalReference: b.externalReference,
      };
      projectAssignments.push(rec);
      sb.recordWrite({
        method: "POST",
        path: req.path,
        idempotencyKey: header(req, "idempotency-key"),
        collection: "projectAssignments",
        id,
        action: "create",
      });
      return json(201, rec);
    }),
  );

  // RaaS: basic auth as the ISU, or a bearer token. Prompts filter the report.
  sb.route(
    "GET",
    "/ccx/service/customreport2/:tenant/:owner/:report",
    (req) => {
      const basic = basicAuth(req);
      const authed = basic ? basic.user === isuUsername && basic.password === isuPassword : sb.tokenValid(req);
      if (!authed) return sb.error(401, "INVALID_SESSION", "Invalid username or password");
      sb.apiCalls++;
      if (tenantOk(req) && req.params.owner === isuUsername && req.params.report === "Staffing_Availability")
        return staffingReport(req);
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
          Supervisory_Organization: w.supervisoryOrganization.descriptor,
          Supervisory_Organization_ID: w.supervisoryOrganization.id,
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
          Active_Status: w.terminationDate ? "0" : "1",
          Termination_Date: w.terminationDate ?? "",
        }));
      return json(200, { Report_Entry: entries });
    },
    { auth: false },
  );

  // --- Data faults (POST /__sandbox/inject) ------------------------------------------------------------------
  const workerOf = (p: Record<string, unknown>) => {
    const w = workers.find((x) => x.employeeId === p.employeeId || x.wid === p.workerId);
    if (!w) throw new InjectError("give employeeId (e.g. E10007) or workerId (the WID) of a worker");
    return w;
  };
  sb.dataFault("terminate-worker", {
    description: "Terminates a worker in the HRIS (the PSA user stays active until someone disables it).",
    params: { employeeId: "e.g. E10007", terminationDate: "YYYY-MM-DD (default 2026-05-08)" },
    apply: (p) => {
      const w = workerOf(p);
      w.terminationDate = typeof p.terminationDate === "string" ? p.terminationDate : "2026-05-08";
      return { worker: w.wid, employeeId: w.employeeId, terminationDate: w.terminationDate };
    },
  });
  sb.dataFault("cost-rate", {
    description: "Changes a worker's cost rate in the HRIS (the PSA keeps the old one).",
    params: { employeeId: "e.g. E10007", costRate: "decimal, e.g. 104.50" },
    apply: (p) => {
      const w = workerOf(p);
      const rate = Number(p.costRate);
      if (!Number.isFinite(rate) || rate < 0) throw new InjectError("costRate must be a non-negative number");
      const was = w.costRate;
      w.costRate = rate;
      return { worker: w.wid, employeeId: w.employeeId, was, now: rate };
    },
  });

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
