// Contract tests: Workday operations against the Workday sandbox — refresh-token auth, limit/offset
// paging, skills, a RaaS report with prompts (basic auth and bearer), error format, 429 and expiry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "../sdk/errors";
import { startHarness, type Harness } from "../sdk/testing";
import { workday } from "./client";
import { createWorkdaySandbox } from "./sandbox";

let h: Harness;
beforeAll(async () => {
  h = await startHarness(workday, () => createWorkdaySandbox());
});
afterAll(async () => h?.close());

type R = Record<string, unknown>;
async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe("workday", () => {
  it("pages all workers with limit/offset", async () => {
    const before = h.sandbox.apiCalls;
    const r = (await h.run("listWorkers", { limit: 40 })) as { items: R[]; total: number };
    expect(r.total).toBeGreaterThanOrEqual(80);
    expect(r.items).toHaveLength(r.total);
    expect(h.sandbox.apiCalls - before).toBe(Math.ceil(r.total / 40));
    expect(r.items[0]).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      descriptor: expect.any(String),
      primarySupervisoryOrganization: { id: expect.any(String) },
      location: { descriptor: expect.any(String) },
    });
  });

  it("reads one worker and their skills", async () => {
    const list = (await h.run("listWorkers", { limit: 1, allPages: false })) as { items: R[] };
    const id = list.items[0]!.id as string;
    expect(await h.run("getWorker", { id })).toMatchObject({ id, businessTitle: expect.any(String) });
    const skills = (await h.run("getWorkerSkills", { id })) as { items: R[] };
    expect(skills.items.length).toBeGreaterThanOrEqual(2);
    expect(skills.items[0]).toMatchObject({
      skillItem: { id: expect.stringMatching(/^SKILL-/) },
      skillSources: [{ descriptor: "Worker Profile and Skills" }],
    });
  });

  it("runs the RaaS capacity report with prompts, as the ISU and with the bearer token", async () => {
    const all = (await h.run("runReport", { owner: "ISU_Weft", report: "Consultant_Capacity" })) as { entries: R[] };
    expect(all.entries.length).toBeGreaterThanOrEqual(80);
    expect(all.entries[0]).toMatchObject({
      Cost_Center_ID: expect.stringMatching(/^CC-/),
      Weekly_Scheduled_Hours: expect.any(String),
      Default_Bill_Rate: expect.stringMatching(/^\d+\.\d\d$/),
    });
    const data = (await h.run(
      "runReport",
      { owner: "ISU_Weft", report: "Consultant_Capacity", prompts: { Cost_Center: "CC-1200" } },
      { connection: { secrets: { isuUsername: "", isuPassword: "" } } },
    )) as { entries: R[] };
    expect(data.entries.length).toBeGreaterThan(0);
    expect(data.entries.every((e) => e.Cost_Center_ID === "CC-1200")).toBe(true);
  });

  it("classifies errors: unknown worker → not_found, bad refresh token → auth", async () => {
    expect(await failure(h.run("getWorker", { id: "nope" }))).toMatchObject({
      errorClass: "validation",
      reason: "not_found",
      status: 404,
    });
    const e = await failure(
      h.run("listWorkers", {}, { connection: { secrets: { refreshToken: "stale-refresh-token" } } }),
    );
    expect(e).toMatchObject({ errorClass: "auth", code: "invalid_grant" });
    expect(JSON.stringify(e)).not.toContain("stale-refresh-token");
  });

  it("retries a 429 and survives token expiry", async () => {
    await h.faults({ next: [{ status: 429, retryAfterSeconds: 1 }] });
    expect(((await h.run("listWorkers", { limit: 5, allPages: false })) as { items: R[] }).items).toHaveLength(5);
    await h.faults({ expireTokens: true });
    expect(((await h.run("listWorkers", { limit: 5, allPages: false })) as { items: R[] }).items).toHaveLength(5);
  });
});

describe("workday: staffing", () => {
  type Entry = {
    Worker_ID: string;
    Time_Off_Hours: string;
    Skills_group: Array<{ Skill: string; Skill_Level: string }>;
  };

  it("the Staffing_Availability report gives skills with levels, office and time off in the window", async () => {
    const r = (await h.run("runReport", {
      owner: "ISU_Weft",
      report: "Staffing_Availability",
      prompts: { Start_Date: "2026-05-25", End_Date: "2026-06-19" },
    })) as { entries: Entry[] };
    const workers = h.sandbox.collections.get("workers")!() as Array<{ wid: string; skills: unknown[] }>;
    expect(r.entries).toHaveLength(workers.length);
    const off = h.sandbox.collections.get("timeOff")!() as Array<{ wid: string; date: string; hours: number }>;
    for (const e of r.entries) {
      const expected = off
        .filter((t) => t.wid === e.Worker_ID && t.date >= "2026-05-25" && t.date <= "2026-06-19")
        .reduce((s, t) => s + t.hours, 0);
      expect(Number(e.Time_Off_Hours)).toBe(expected);
      expect(e.Skills_group.length).toBe(workers.find((w) => w.wid === e.Worker_ID)!.skills.length);
    }
    expect(r.entries.some((e) => Number(e.Time_Off_Hours) > 0)).toBe(true);
    expect(r.entries[0]).toMatchObject({ Location: expect.any(String), Country: expect.stringMatching(/^[A-Z]{2}$/) });
  });

  it("the report names a missing prompt", async () => {
    const e = await failure(h.run("runReport", { owner: "ISU_Weft", report: "Staffing_Availability", prompts: {} }));
    expect(e.message).toMatch(/Start_Date is required/);
    expect(e.status).toBe(400);
  });

  it("reads a worker's time off between dates, paged", async () => {
    const off = h.sandbox.collections.get("timeOff")!() as Array<{ wid: string; date: string }>;
    const wid = off[0]!.wid;
    const mine = off.filter((t) => t.wid === wid);
    const r = (await h.run("getWorkerTimeOff", {
      id: wid,
      fromDate: "2026-01-01",
      toDate: "2026-12-31",
      limit: 2,
    })) as {
      items: R[];
      total: number;
    };
    expect(r.total).toBe(mine.length);
    expect(r.items.map((i) => i.date)).toEqual(mine.map((t) => t.date));
    expect(r.items[0]).toMatchObject({ unit: { descriptor: "Hours" }, status: { descriptor: "Approved" } });
    const bad = await failure(h.run("getWorkerTimeOff", { id: "nope", fromDate: "2026-01-01", toDate: "2026-12-31" }));
    expect(bad.status).toBe(404);
  });

  it("writes a project assignment once per external reference and finds it again", async () => {
    const wid = (h.sandbox.collections.get("workers")!() as Array<{ wid: string }>)[3]!.wid;
    const body = {
      worker: { id: wid },
      project: { id: "10001", descriptor: "Northwind Data Platform" },
      projectRole: { descriptor: "Senior Consultant" },
      startDate: "2026-06-01",
      endDate: "2026-07-24",
      hoursPerWeek: 20,
      externalReference: "kantata-allocation-test-1",
    };
    const created = (await h.run("createProjectAssignment", body)) as R;
    expect(created).toMatchObject({ id: expect.stringMatching(/^PA-/), worker: { id: wid }, startDate: "2026-06-01" });
    const dup = await failure(h.run("createProjectAssignment", body));
    expect(dup.message).toMatch(/already exists \(externalReference\)/);
    const found = (await h.run("listProjectAssignments", { externalReference: "kantata-allocation-test-1" })) as {
      items: R[];
    };
    expect(found.items.map((i) => i.id)).toEqual([created.id]);
    const bad = await failure(
      h.run("createProjectAssignment", { ...body, externalReference: "x", endDate: "2026-05-01" }),
    );
    expect(bad.message).toMatch(/End Date must be on or after Start Date \(endDate\)/);
  });
});
