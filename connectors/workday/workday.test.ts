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
