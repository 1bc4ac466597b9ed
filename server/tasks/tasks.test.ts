// Approval steps end to end on real Postgres and real pg-boss workers running the DSL interpreter: a run parks
// at its approval step without a job, survives a worker restart and the publication of a new version, resumes
// exactly once when its task is decided (through the tRPC router); escalation and expiry fire on time as pg-boss
// jobs; decisions on an expired or decided task, and by the requester under four-eyes, are refused; a signed link
// opens only its task.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { TRPCError } from "@trpc/server";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runSettled } from "../testing/runs";
import { createCaller } from "../api/root";
import { runtimePool, type Pool } from "../runtime/sql";
import { ensureTeam, ensureTestSecrets, publishFlow, testBoss } from "../runtime/testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "../runtime/worker";
import { createRun } from "../runtime/runs";
import { startListener, type TestListener } from "../../connectors/sdk/testing";
import { decideByLink, taskByLink } from "./service";
import { signTaskLink } from "./link";
import { DomainError } from "../../core/domain-error";

const flow = (version: string, over: Record<string, unknown> = {}) => ({
  dsl: "weft/1",
  key: "billing-terms",
  version,
  name: "Billing terms",
  description: "",
  domain: "invoice",
  owner: "platform",
  classification: "internal",
  trigger: { type: "manual" },
  businessKeys: { customer: "$trigger.customer" },
  start: "approve",
  steps: [
    {
      id: "approve",
      type: "approval",
      assignee: { team: "finance" },
      title: "'Payment terms for ' & $trigger.customer",
      summary: "{ 'Customer': $trigger.customer, 'Days': $trigger.days }",
      form: { type: "object", properties: { days: { type: "integer", minimum: 0, maximum: 90 } } },
      fourEyes: true,
      requester: "$trigger.requestedBy",
      bulk: true,
      routes: { reject: "rejected" },
      next: "apply",
      ...over,
    },
    {
      id: "apply",
      type: "map",
      output: `{ 'version': '${version}', 'days': $exists($steps.approve.output.fields.days) ? $steps.approve.output.fields.days : $trigger.days, 'by': $steps.approve.output.decidedBy, 'decision': $steps.approve.output.decision }`,
    },
    { id: "rejected", type: "map", output: "{ 'rejected': true, 'why': $steps.approve.output.comment }" },
  ],
});

describe("approval tasks", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers | null = null;
  let finance: string;
  let hook: TestListener;
  const saved = { url: process.env.DATABASE_URL, allow: process.env.WEFT_HTTP_ALLOWLIST };

  const start = () =>
    startRuntimeWorkers(boss, { databaseUrl: t.url, concurrency: 2, triggerSyncSeconds: 0, pollTickSeconds: 0 });

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url;
    pool = runtimePool(t.url, 6);
    boss = await testBoss(t.url, { supervise: true });
    workers = await start();
    finance = await ensureTeam(pool, "finance");
    await ensureTeam(pool, "platform");
    for (const [id, email, roles] of [
      ["u-fin", "fin@weft.local", ["approver"]],
      ["u-fin2", "fin2@weft.local", ["approver"]],
      ["u-req", "req@weft.local", ["approver"]],
      ["u-pmo", "pmo@weft.local", ["approver"]],
    ] as const)
      await t.db.user.create({ data: { id, email, name: id, roles: [...roles] } });
    hook = await startListener((_req, res) => res.end("ok"));
    process.env.WEFT_HTTP_ALLOWLIST = hook.host;
    await t.db.teamAlertChannel.create({ data: { teamId: finance, webhookUrl: `${hook.base}/alerts` } });
  });
  afterAll(async () => {
    await workers?.stop();
    await boss.stop({ graceful: false });
    const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
    await (await g.__weftBoss)?.stop({ graceful: false });
    await hook.close();
    process.env.DATABASE_URL = saved.url;
    process.env.WEFT_HTTP_ALLOWLIST = saved.allow;
    await t.drop();
  });

  const as = (id: string, email: string, teamIds: string[] = [finance]) =>
    createCaller({ db: t.db, requestId: "req-tasks", user: { id, email, name: id, roles: ["approver"], teamIds } });
  const fin = () => as("u-fin", "fin@weft.local");

  async function startRun(versionId: string, flowId: string, input: Record<string, unknown>) {
    return (await createRun(pool, boss, { flowId, flowVersionId: versionId, triggerType: "manual", input })).runId;
  }
  async function openTask(runId: string, ms = 15_000) {
    const until = Date.now() + ms;
    for (;;) {
      const task = await t.db.task.findFirst({ where: { runId } });
      const run = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
      if (task && run.status === "waiting") return task;
      if (Date.now() > until) throw new Error(`run ${runId} is ${run.status} without a parked task`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
    try {
      await p;
    } catch (e) {
      if (e instanceof TRPCError || e instanceof DomainError) return { code: e.code, message: e.message };
      throw e;
    }
    throw new Error("not refused");
  }

  it("parks without a job, survives a worker restart and a new version, resumes once on the decision", async () => {
    const v1 = await publishFlow(pool, "billing-terms", flow("1.0.0"));
    const runId = await startRun(v1.versionId, v1.flowId, {
      customer: "ACME",
      days: 45,
      requestedBy: "req@weft.local",
    });
    const task = await openTask(runId);
    expect(task).toMatchObject({
      status: "open",
      title: "Payment terms for ACME",
      decisions: ["approve", "reject", "approve-with-changes"],
    });
    // No job holds the run while it waits.
    const jobs = await pool.query(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'weft.run' AND data->>'runId' = $1 AND state IN ('created', 'retry', 'active')`,
      [runId],
    );
    expect(jobs.rows[0].n).toBe(0);

    // A worker restart and a new published version while it waits.
    await workers!.stop();
    await publishFlow(pool, "billing-terms", flow("2.0.0"));
    workers = await start();

    const inbox = await fin().tasks.list();
    expect(inbox.map((x) => x.id)).toContain(task.id);
    // The summary's labels keep the order the flow wrote them in (jsonb alone would sort them).
    expect(Object.keys(inbox.find((x) => x.id === task.id)!.summary as object)).toEqual(["Customer", "Days"]);
    expect(inbox.find((x) => x.id === task.id)).toMatchObject({
      summary: { Customer: "ACME", Days: 45 },
      businessKeys: { customer: "ACME" },
      assignee: "finance",
    });
    // Someone outside Finance neither sees nor decides it.
    expect(await as("u-pmo", "pmo@weft.local", []).tasks.list()).toEqual([]);
    expect(
      (await refusal(as("u-pmo", "pmo@weft.local", []).tasks.decide({ id: task.id, decision: "approve" }))).code,
    ).toBe("NOT_FOUND");

    // Two approvers decide at once: one wins, the other is told it was already decided.
    const results = await Promise.allSettled([
      fin().tasks.decide({ id: task.id, decision: "approve-with-changes", fields: { days: 30 } }),
      as("u-fin2", "fin2@weft.local").tasks.decide({ id: task.id, decision: "approve" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((lost.reason as TRPCError).code).toBe("CONFLICT");

    const run = await runSettled(t, runId, 20_000, 50);
    expect(run.status).toBe("succeeded");
    const out = run.output as Record<string, unknown>;
    expect(out.version).toBe("1.0.0"); // the waiting run kept its version
    const steps = await t.db.stepRun.findMany({ where: { runId }, orderBy: { path: "asc" } });
    expect(steps.map((s) => [s.path, s.status, s.attempts])).toEqual([
      ["apply", "succeeded", 1],
      ["approve", "succeeded", 1],
    ]);
    // Deciding again is refused with why.
    const again = await refusal(fin().tasks.decide({ id: task.id, decision: "reject", comment: "no" }));
    expect(again.code).toBe("CONFLICT");
    expect(again.message).toMatch(/already decided/);
    // Audited: who, what, which fields changed.
    const audit = await t.db.auditLog.findMany({ where: { action: "task.decided", entityId: task.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorEmail: expect.stringMatching(/fin2?@weft.local/) });
    // A replay with the same input reuses the decision instead of asking again.
    const replay = (
      await createRun(pool, boss, {
        flowId: v1.flowId,
        flowVersionId: v1.versionId,
        triggerType: "replay",
        replayOfId: runId,
        input: { customer: "ACME", days: 45, requestedBy: "req@weft.local" },
      })
    ).runId;
    expect((await runSettled(t, replay, 20_000, 50)).output).toEqual(run.output);
    expect(await t.db.task.count({ where: { runId: replay } })).toBe(0);
    expect(
      (await t.db.stepRun.findUniqueOrThrow({ where: { runId_path: { runId: replay, path: "approve" } } })).attemptLog,
    ).toMatchObject([{ outcome: "reused", reusedFrom: runId }]);
    expect((audit[0]!.meta as { changedFields: string[] }).changedFields).toEqual(
      out.decision === "approve-with-changes" ? ["days"] : [],
    );
  }, 60_000);

  it("four-eyes: the requester cannot decide; a bad form value names the field; reject takes its route", async () => {
    const v = await publishFlow(pool, "billing-terms", flow("3.0.0"));
    const runId = await startRun(v.versionId, v.flowId, {
      customer: "Globex",
      days: 60,
      requestedBy: "req@weft.local",
    });
    const task = await openTask(runId);
    const mine = await refusal(as("u-req", "req@weft.local").tasks.decide({ id: task.id, decision: "approve" }));
    expect(mine).toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/Four-eyes/) });
    const bad = await refusal(
      fin().tasks.decide({ id: task.id, decision: "approve-with-changes", fields: { days: 120 } }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.message).toMatch(/days/);
    await fin().tasks.decide({ id: task.id, decision: "reject", comment: "Too long" });
    const run = await runSettled(t, runId, 20_000, 50);
    expect(run.output).toEqual({ rejected: true, why: "Too long" });
  }, 60_000);

  it("choices: the form offers only the values an expression gave when the task opened; another value is a 400 naming the field", async () => {
    const doc = {
      dsl: "weft/1",
      key: "pick-candidate",
      version: "1.0.0",
      name: "Pick a candidate",
      description: "",
      domain: "resource",
      owner: "platform",
      classification: "internal",
      trigger: { type: "manual" },
      start: "rank",
      steps: [
        { id: "rank", type: "map", output: { options: "$trigger.people.{ 'id': id, 'name': name }" }, next: "choose" },
        {
          id: "choose",
          type: "approval",
          assignee: { team: "finance" },
          title: "'Staff ' & $trigger.request",
          form: {
            type: "object",
            properties: { candidate: { type: "string", minLength: 1 }, backup: { type: "string" } },
            required: ["candidate"],
          },
          // Plain values, and labelled ones: the approver reads the name, the decision carries the id.
          choices: {
            candidate: "$steps.rank.output.options.id",
            backup: "$steps.rank.output.options.{ 'value': id, 'label': name }",
          },
          decisions: ["approve-with-changes", "reject"],
          routes: { reject: "declined" },
          next: "book",
        },
        { id: "book", type: "map", output: "{ 'booked': $steps.choose.output.fields.candidate }" },
        { id: "declined", type: "map", output: "{ 'booked': null }" },
      ],
    };
    const v = await publishFlow(pool, "pick-candidate", doc);
    const runId = await startRun(v.versionId, v.flowId, {
      request: "46002",
      people: [
        { id: "W-1", name: "Ana" },
        { id: "W-2", name: "Ben" },
      ],
    });
    const task = await openTask(runId);
    expect(task.form).toMatchObject({ properties: { candidate: { type: "string", enum: ["W-1", "W-2"] } } });
    expect((task.form as { properties: Record<string, unknown> }).properties.candidate).not.toHaveProperty("oneOf");
    expect((task.form as { properties: Record<string, unknown> }).properties.backup).toEqual({
      type: "string",
      enum: ["W-1", "W-2"],
      oneOf: [
        { const: "W-1", title: "Ana" },
        { const: "W-2", title: "Ben" },
      ],
    });
    let cause: unknown;
    const wrong = await refusal(
      fin()
        .tasks.decide({ id: task.id, decision: "approve-with-changes", fields: { candidate: "W-9" } })
        .catch((e: unknown) => {
          cause = (e as { cause?: unknown }).cause;
          throw e;
        }),
    );
    expect(wrong.code).toBe("BAD_REQUEST");
    expect(wrong.message).toMatch(/candidate: must be one of \["W-1","W-2"\]/);
    expect((cause as DomainError).field).toBe("fields.candidate");
    const wrongLabel = await refusal(
      fin()
        .tasks.decide({ id: task.id, decision: "approve-with-changes", fields: { candidate: "W-1", backup: "Ana" } })
        .catch((e: unknown) => {
          cause = (e as { cause?: unknown }).cause;
          throw e;
        }),
    );
    expect(wrongLabel.code).toBe("BAD_REQUEST");
    expect((cause as DomainError).field).toBe("fields.backup");
    // Refused without deciding: the task is still open and the right value goes through.
    await fin().tasks.decide({
      id: task.id,
      decision: "approve-with-changes",
      fields: { candidate: "W-2", backup: "W-1" },
    });
    const run = await runSettled(t, runId, 20_000, 50);
    expect(run.output).toEqual({ booked: "W-2" });
  }, 60_000);

  it("escalates on time (reassigned, the team's alert channel told) and expires on time; a late decision is refused", async () => {
    const v = await publishFlow(
      pool,
      "billing-terms",
      flow("4.0.0", {
        due: "2s",
        expiresAfter: "5s",
        escalation: { reassignTo: { team: "platform" }, notify: true },
        routes: { expired: "rejected" },
      }),
    );
    const runId = await startRun(v.versionId, v.flowId, {
      customer: "Initech",
      days: 10,
      requestedBy: "req@weft.local",
    });
    const task = await openTask(runId);
    const until = Date.now() + 10_000;
    let escalated = await t.db.task.findUniqueOrThrow({ where: { id: task.id } });
    while (!escalated.escalatedAt && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      escalated = await t.db.task.findUniqueOrThrow({ where: { id: task.id } });
    }
    expect(escalated.escalatedAt).not.toBeNull();
    const late = escalated.escalatedAt!.getTime() - task.dueAt!.getTime();
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(4_000);
    expect(escalated.assigneeTeamId).toBe((await t.db.team.findUniqueOrThrow({ where: { key: "platform" } })).id);
    await expect.poll(() => hook.received.length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(JSON.parse(hook.received[0]!.body.toString())).toMatchObject({
      type: "task.overdue",
      task: { id: task.id },
      team: { key: "finance" },
    });
    // Finance no longer has it; Platform does.
    expect((await fin().tasks.list()).map((x) => x.id)).not.toContain(task.id);

    const run = await runSettled(t, runId, 15_000, 100);
    expect(run.output).toMatchObject({ rejected: true });
    const expired = await t.db.task.findUniqueOrThrow({ where: { id: task.id } });
    expect(expired.status).toBe("expired");
    const platformId = escalated.assigneeTeamId!;
    const refused = await refusal(
      as("u-fin", "fin@weft.local", [platformId]).tasks.decide({ id: task.id, decision: "approve" }),
    );
    expect(refused).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/expired/) });
  }, 60_000);

  it("a signed link opens only its task, as the person it was issued to; expired and used links are refused", async () => {
    const v = await publishFlow(pool, "billing-terms", flow("5.0.0"));
    const a = await openTask(
      await startRun(v.versionId, v.flowId, { customer: "Umbrella", days: 20, requestedBy: "req@weft.local" }),
    );
    const b = await openTask(
      await startRun(v.versionId, v.flowId, { customer: "Hooli", days: 25, requestedBy: "req@weft.local" }),
    );
    const { path } = await fin().tasks.link({ id: a.id, email: "cfo@example.com" });
    const token = path.replace(/^\/t\//, "");
    const opened = await taskByLink(t.db, token);
    expect(opened).toMatchObject({ task: { id: a.id, title: "Payment terms for Umbrella" }, email: "cfo@example.com" });

    // The token's task cannot be swapped for another one.
    const [payload, sig] = token.split(".");
    const swapped = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), t: b.id }),
    ).toString("base64url");
    expect((await refusal(taskByLink(t.db, `${swapped}.${sig}`))).code).toBe("forbidden");
    // Expired.
    const old = signTaskLink({ taskId: a.id, email: "cfo@example.com", expiresAt: new Date(Date.now() - 1000) });
    expect(await refusal(taskByLink(t.db, old))).toMatchObject({
      code: "precondition",
      message: expect.stringMatching(/expired/),
    });
    // Four-eyes holds for a link issued to the requester.
    const req = signTaskLink({ taskId: a.id, email: "req@weft.local", expiresAt: new Date(Date.now() + 60_000) });
    expect((await refusal(decideByLink({ db: t.db, boss }, req, { decision: "approve" }))).code).toBe("forbidden");

    await decideByLink({ db: t.db, boss }, token, { decision: "approve" });
    expect(await t.db.task.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({
      status: "decided",
      decidedByEmail: "cfo@example.com",
      decidedVia: "link",
    });
    expect((await refusal(decideByLink({ db: t.db, boss }, token, { decision: "approve" }))).code).toBe("conflict");
    expect((await t.db.task.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("open");
    expect((await runSettled(t, a.runId, 20_000, 50)).status).toBe("succeeded");

    // Bulk approval of what is left (the step allows it).
    const bulk = await fin().tasks.bulkApprove({ flowKey: "billing-terms" });
    expect(bulk.approved).toBeGreaterThanOrEqual(1);
    expect((await runSettled(t, b.runId, 20_000, 50)).status).toBe("succeeded");
  }, 60_000);
});
