// "A test run is what production will do": test runs of the demo's example flows through the real tRPC router,
// pg-boss workers and vendor sandboxes. A dry run sends reads and answers writes without touching the sandbox
// (marked simulated); a live run writes; a webhook test input is the request a delivery makes; every example
// runs from its shipped sample; an expression that exceeds its time limit fails at once, clearly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runSettled } from "../testing/runs";
import { startDemoRuntime, type DemoRuntime } from "../testing/demo";
import { createCaller } from "../api/root";
import type { Role } from "../../core/roles";
import { EXAMPLE_SAMPLES, EXAMPLES } from "../flows/examples";

describe("test runs", () => {
  let t: TestDatabase;
  let rt: DemoRuntime;
  const savedUrl = process.env.DATABASE_URL;
  /** Platform Engineering may run every team's flows (flows belong to their owning team). */
  let teamIds: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url; // the routers' sending boss (webBoss) joins this database
    rt = await startDemoRuntime(t);
    await t.db.user.upsert({
      where: { id: "u-tr" },
      create: { id: "u-tr", name: "Dee Signer", email: "tr@weft.local", roles: ["designer"] },
      update: {},
    });
    teamIds = [(await t.db.team.findUniqueOrThrow({ where: { key: "platform" }, select: { id: true } })).id];
  }, 180_000);
  afterAll(async () => {
    await rt?.stop();
    const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
    await (await g.__weftBoss)?.stop({ graceful: false });
    process.env.DATABASE_URL = savedUrl;
    await t?.drop();
  });

  const as = (role: Role) =>
    createCaller({
      db: t.db,
      requestId: "req-test-runs",
      user: { id: "u-tr", email: "tr@weft.local", name: "Dee Signer", roles: [role], teamIds },
    });

  const settled = (runId: string, ms = 120_000) => runSettled(t, runId, ms);
  async function records(system: string, collection: string): Promise<Record<string, unknown>[]> {
    const s = rt.sandboxes.systems.find((x) => x.system === system)!;
    const res = await fetch(`${String(s.admin)}/records/${collection}`);
    return ((await res.json()) as { records: Record<string, unknown>[] }).records;
  }
  const draftOf = async (key: string) =>
    (await t.db.flow.findUniqueOrThrow({ where: { key }, select: { draft: true } })).draft;

  it("every example runs from its shipped trigger sample (pinned in the demo) as a dry run, and the sandboxes are left as they were", async () => {
    const before = {
      invoices: (await records("netsuite", "invoice")).length,
      customers: (await records("netsuite", "customer")).length,
      workspaces: (await records("psa", "workspaces")).length,
      employees: (await records("netsuite", "employee")).length,
    };
    for (const key of Object.keys(EXAMPLES)) {
      const flow = await t.db.flow.findUniqueOrThrow({ where: { key }, select: { id: true } });
      const pinned = await t.db.flowSample.findUnique({
        where: { flowId_nodeId: { flowId: flow.id, nodeId: "trigger" } },
      });
      expect(pinned?.payload, `${key} has its trigger sample pinned`).toEqual(EXAMPLE_SAMPLES[key]!.trigger);
      const { runId, mode } = await as("designer").runs.test({
        flowKey: key,
        input: pinned!.payload,
        dsl: await draftOf(key),
      });
      expect(mode).toBe("dry-run");
      // A test run waits at an approval step like any run: a person decides its task (here an admin, in the Inbox).
      if (EXAMPLES[key]!.steps.some((s) => s.type === "approval")) {
        await expect
          .poll(async () => (await as("admin").tasks.forRun({ runId })).filter((x) => x.status === "open").length, {
            timeout: 60_000,
          })
          .toBe(1);
        const [task] = await as("admin").tasks.forRun({ runId });
        // A task that only takes a choice (staffing: one of the run's own options) is turned down instead.
        const approval = EXAMPLES[key]!.steps.find((s) => s.type === "approval") as { decisions?: string[] };
        await as("admin").tasks.decide(
          (approval.decisions?.includes("approve") ?? true)
            ? { id: task!.id, decision: "approve" }
            : { id: task!.id, decision: "reject", comment: "Dry run" },
        );
      }
      const run = await settled(runId, 240_000);
      expect(run, `${key}: ${JSON.stringify(run.error)}`).toMatchObject({
        status: "succeeded",
        isTest: true,
        testMode: "dry-run",
      });
      const view = await as("viewer").runs.timeline({ runId });
      // Writes were answered without being sent, and say so; reads really ran.
      const simulated = view.steps.filter((s) => s.simulated);
      // A reconciliation only reads (a dry run reports its breaks but opens no exception): nothing to simulate.
      const readsOnly = EXAMPLES[key]!.steps.every((s) => s.type === "reconcile");
      if (!readsOnly) expect(simulated.length, `${key} simulated something`).toBeGreaterThan(0);
      for (const s of simulated) expect(["pinned-sample", "synthesised", "not-published"]).toContain(s.simulated);
    }
    expect({
      invoices: (await records("netsuite", "invoice")).length,
      customers: (await records("netsuite", "customer")).length,
      workspaces: (await records("psa", "workspaces")).length,
      employees: (await records("netsuite", "employee")).length,
    }).toEqual(before);
  }, 900_000);

  it("a dry run answers a write with the step's pinned sample when there is one; a live run really writes", async () => {
    const key = "opportunity-won-to-project";
    const flow = await t.db.flow.findUniqueOrThrow({ where: { key }, select: { id: true } });
    await as("designer").flows.pinSample({
      flowKey: key,
      nodeId: "createProject",
      payload: { id: "pinned-ws-1", title: "Pinned workspace" },
      source: "manual",
    });
    const input = EXAMPLE_SAMPLES[key]!.trigger;
    const dry = await as("designer").runs.test({ flowKey: key, input, dsl: await draftOf(key), mode: "dry-run" });
    expect(await settled(dry.runId)).toMatchObject({ status: "succeeded" });
    const step = (await as("viewer").runs.timeline({ runId: dry.runId })).steps.find(
      (s) => s.stepId === "createProject",
    );
    expect(step).toMatchObject({ simulated: "pinned-sample", output: { id: "pinned-ws-1" } });
    await t.db.flowSample.delete({ where: { flowId_nodeId: { flowId: flow.id, nodeId: "createProject" } } });

    const workspaces = (await records("psa", "workspaces")).length;
    const live = await as("designer").runs.test({ flowKey: key, input, dsl: await draftOf(key), mode: "live" });
    expect(await settled(live.runId)).toMatchObject({ status: "succeeded", testMode: "live" });
    expect((await records("psa", "workspaces")).length).toBe(workspaces + 1);
    const timeline = await as("viewer").runs.timeline({ runId: live.runId });
    expect(timeline.steps.filter((s) => s.simulated)).toEqual([]);
    // The live run's audit entry names the connections it called.
    const audit = await t.db.auditLog.findFirst({ where: { action: "run.test", entityId: live.runId } });
    expect(audit?.after).toMatchObject({
      mode: "live",
      connections: expect.arrayContaining(["kantata-prod", "netsuite-prod", "salesforce-prod"]),
    });
  }, 300_000);

  it("a webhook test input is the request a delivery makes: a bare body is refused naming the fields, the request shape runs", async () => {
    const key = "worker-onboarding-hris-to-psa";
    const sample = EXAMPLE_SAMPLES[key]!.trigger as { body: unknown };
    await expect(
      as("designer").runs.test({ flowKey: key, input: sample.body, dsl: await draftOf(key) }),
    ).rejects.toThrow(/not what the webhook trigger produces: 'body' is required/);
    await expect(
      as("designer").runs.test({
        flowKey: key,
        input: { body: { eventType: "HIRE" }, headers: {}, query: {} },
        dsl: await draftOf(key),
      }),
    ).rejects.toThrow(/'body\.workerId' is required/);
    // Pinning a bare body as the trigger sample is refused the same way.
    await expect(
      as("designer").flows.pinSample({ flowKey: key, nodeId: "trigger", payload: sample.body, source: "manual" }),
    ).rejects.toThrow(/'body' is required/);
    const { runId } = await as("designer").runs.test({ flowKey: key, input: sample, dsl: await draftOf(key) });
    expect(await settled(runId)).toMatchObject({ status: "succeeded" });
  }, 180_000);

  it("the invoicing example groups every uninvoiced entry (what an empty schedule input used to fetch) within the expression limit", async () => {
    // With no date, listApprovedTime returns all approved, uninvoiced time; byProject used to scan the worker
    // links and employees once per entry and hit the expression time limit. It now builds lookups once.
    const { runId } = await as("designer").runs.test({
      flowKey: "approved-time-to-invoice",
      input: { firedAt: "2099-01-01T00:00:00.000Z" },
      dsl: await draftOf("approved-time-to-invoice"),
    });
    const run = await settled(runId, 300_000);
    expect(run, JSON.stringify(run.error)).toMatchObject({ status: "succeeded" });
    const byProject = (await as("viewer").runs.timeline({ runId })).steps.find((s) => s.stepId === "byProject")!;
    expect(
      (byProject.output as Array<{ entries: Array<{ employeeId?: string }> }>).flatMap((p) => p.entries).length,
    ).toBeGreaterThan(50);
  }, 400_000);

  it("an expression that exceeds its time limit fails its step once (a mapping error, not retried) with the limit and the usual cause", async () => {
    const key = "opportunity-won-to-project";
    const draft = structuredClone(await draftOf(key)) as { steps: Array<Record<string, unknown>>; defaults?: unknown };
    // Quadratic on purpose: far beyond the 1 s limit, whatever the machine.
    draft.steps.find((s) => s.id === "getOpportunity")!.input = {
      id: "$string($count($reduce([1..100000], function($a, $b) { $append($a, $b) }, [])))",
    };
    draft.defaults = { retry: { on: ["any"], maxAttempts: 3, interval: "1s" } };
    const { runId } = await as("designer").runs.test({
      flowKey: key,
      input: EXAMPLE_SAMPLES[key]!.trigger,
      dsl: draft,
    });
    const run = await settled(runId);
    expect(run).toMatchObject({
      status: "failed",
      error: { errorClass: "mapping", code: "D1012", step: "getOpportunity" },
    });
    expect((run.error as { message: string }).message).toMatch(/ran longer than its 1000 ms limit and was stopped/);
    const step = (await as("viewer").runs.timeline({ runId })).steps.find((s) => s.stepId === "getOpportunity")!;
    expect(step.attempts).toBe(1);
  }, 120_000);

  it("a schedule test with an empty input is refused (firedAt is what a tick produces)", async () => {
    await expect(
      as("designer").runs.test({
        flowKey: "approved-time-to-invoice",
        input: {},
        dsl: await draftOf("approved-time-to-invoice"),
      }),
    ).rejects.toThrow(/'firedAt' is required/);
  });
});
