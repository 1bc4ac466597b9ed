// Environments and promotion against real Postgres, pg-boss workers and two Salesforce sandboxes standing in
// for the test and the production account: a version reaches production only after a test deployment, a
// succeeded test run and an approval by someone other than its requester; rollback restores the previous
// version and its bindings; a test run's effect lands only in the test account, a production run's only in
// production's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runtimePool, type Pool } from "../runtime/sql";
import { ensureTestSecrets, insertConnection, setWebhookSecret, testBoss } from "../runtime/testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "../runtime/worker";
import { createSalesforceSandbox } from "../../connectors/salesforce/sandbox";
import type { Sandbox } from "../../connectors/sandbox-kit/server";
import { runRowSettled } from "../testing/runs";
import { govCtx, makeUser } from "../governance/testing";
import type { SessionUser } from "../auth/session-user";
import { startManualRun } from "../runtime/operations";
import { acceptWebhook } from "../runtime/ingress";
import { loadPublishedFlow } from "../runtime/flow-source";
import { appendAudit } from "../audit/audit";
import { randomUUID } from "node:crypto";
import type { Job } from "pg-boss";
import { listCatalog } from "../governance/catalog";
import { createCaller } from "../api/root";
import { approveVersion, overrideApproval, requestVersion } from "../governance/versions";
import { handleScheduleJob, syncTriggers, type ScheduleJobData } from "../runtime/triggers";
import {
  approvePromotion,
  deployVersion,
  flowEnvironments,
  liveVersion,
  rejectPromotion,
  requestPromotion,
  rollback,
  setBinding,
} from "./service";

const SF_SECRETS = {
  clientId: "3MVG9Weft.Sandbox.Salesforce.ConsumerKey",
  clientSecret: "weft-sandbox-sf-secret-7f3a9c",
};

const doc = (version: string, label: string) => ({
  dsl: "weft/1",
  key: "account-sync",
  version,
  name: "Account sync",
  description: "Creates the account in the CRM.",
  domain: "customer",
  owner: "crm-team",
  classification: "internal",
  trigger: { type: "webhook", secret: "account-sync-signing" },
  start: "post",
  steps: [
    {
      id: "post",
      type: "call",
      connector: "salesforce",
      operation: "createRecord",
      // The logical name: bound to the test account in test, itself (the real account) in production.
      connection: "salesforce-prod",
      input: { sobject: '"Account"', "fields.Name": `$trigger.body.name & " ${label}"` },
    },
  ],
});

describe("environments and promotion", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers;
  let prodSb: Sandbox;
  let testSb: Sandbox;
  let admin: SessionUser, designer: SessionUser, approver: SessionUser, outsider: SessionUser;
  let flowId: string;
  const savedAllow = process.env.WEFT_HTTP_ALLOWLIST;
  const savedUrl = process.env.DATABASE_URL;

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url;
    pool = runtimePool(t.url, 6);
    prodSb = createSalesforceSandbox().sandbox;
    testSb = createSalesforceSandbox().sandbox;
    await prodSb.start("127.0.0.1", 0);
    await testSb.start("127.0.0.1", 0);
    process.env.WEFT_HTTP_ALLOWLIST = [prodSb.baseUrl, testSb.baseUrl].map((u) => new URL(u).host).join(",");
    await insertConnection(pool, {
      key: "salesforce-prod",
      connectorKey: "salesforce",
      config: { instanceUrl: prodSb.baseUrl },
      secrets: SF_SECRETS,
    });
    await insertConnection(pool, {
      key: "salesforce-sandbox",
      connectorKey: "salesforce",
      config: { instanceUrl: testSb.baseUrl },
      secrets: SF_SECRETS,
    });
    await setWebhookSecret(pool, "account-sync", "prod-secret", "account-sync-signing");
    await setWebhookSecret(pool, "account-sync", "test-secret", "account-sync-signing-test");
    admin = await makeUser(t.db, "admin@env.test", ["admin"], ["crm-team"]);
    designer = await makeUser(t.db, "designer@env.test", ["designer", "approver"], ["crm-team"]);
    approver = await makeUser(t.db, "approver@env.test", ["approver"], ["crm-team"]);
    outsider = await makeUser(t.db, "outsider@env.test", ["designer", "approver"], ["other-team"]);
    const team = await t.db.team.findUniqueOrThrow({ where: { key: "crm-team" } });
    flowId = (
      await t.db.flow.create({
        data: {
          key: "account-sync",
          name: "Account sync",
          domain: "customer",
          ownerTeamId: team.id,
          lifecycle: "active",
          draft: {},
        },
      })
    ).id;
    boss = await testBoss(t.url, { supervise: true });
    workers = await startRuntimeWorkers(boss, { databaseUrl: t.url, concurrency: 4, triggerSyncSeconds: 0 });
  }, 120_000);
  afterAll(async () => {
    await workers?.stop();
    await boss?.stop({ graceful: false });
    await prodSb?.close();
    await testSb?.close();
    process.env.WEFT_HTTP_ALLOWLIST = savedAllow;
    process.env.DATABASE_URL = savedUrl;
    await t?.drop();
  });

  const publish = async (version: string, label: string) => {
    await t.db.flowVersion.create({
      data: {
        flowId,
        version,
        dsl: doc(version, label),
        contentHash: `h-${version}`,
        changelog: `Version ${version} of the account sync.`,
        status: "approved",
        approvedAt: new Date(),
        authorId: designer.id,
      },
    });
  };
  const accounts = async (sb: Sandbox): Promise<string[]> => {
    const res = await fetch(`${sb.baseUrl}/__sandbox/records/Account`);
    const { records } = (await res.json()) as { records: Array<{ Name?: string }> };
    return records.map((r) => r.Name ?? "");
  };
  const ops = (u: SessionUser) => ({
    db: t.db,
    boss,
    userId: u.id,
    audit: ((tx, e) => appendAudit(tx, { ...e, actor: { id: u.id, email: u.email }, requestId: "test" })) as Parameters<
      typeof startManualRun
    >[0]["audit"],
  });
  const runInFlow = async (flowKey: string, environment: string, name: string) => {
    const { runId } = await startManualRun(ops(designer), flowKey, { body: { name } }, environment);
    const row = await runRowSettled(pool, runId, 60_000);
    return { id: runId, ...row };
  };
  const runIn = (environment: string, name: string) => runInFlow("account-sync", environment, name);

  it("binds the test account, deploys 1.0.0 to test, and a test run writes only to the test sandbox", async () => {
    await publish("1.0.0", "v1");
    await expect(
      setBinding(govCtx(t.db, designer), {
        environment: "test",
        logicalKey: "salesforce-prod",
        connectionKey: "salesforce-sandbox",
      }),
    ).rejects.toThrow(/admin/);
    await setBinding(govCtx(t.db, admin), {
      environment: "test",
      logicalKey: "salesforce-prod",
      connectionKey: "salesforce-sandbox",
    });
    await setBinding(govCtx(t.db, admin), {
      environment: "test",
      logicalKey: "account-sync-signing",
      connectionKey: "account-sync-signing-test",
    });
    // Nothing deployed to test yet: a test run is refused.
    await expect(startManualRun(ops(designer), "account-sync", { body: { name: "x" } }, "test")).rejects.toThrow(
      /deployed to the test environment/,
    );
    await expect(deployVersion(govCtx(t.db, outsider), { flowKey: "account-sync", version: "1.0.0" })).rejects.toThrow(
      /belongs to crm-team/,
    );
    await expect(
      deployVersion(govCtx(t.db, designer), { flowKey: "account-sync", version: "1.0.0", environment: "production" }),
    ).rejects.toThrow(/promotion request/);
    await deployVersion(govCtx(t.db, designer), { flowKey: "account-sync", version: "1.0.0" });

    const r = await runIn("test", "Acme");
    expect(r.status).toBe("succeeded");
    expect(await accounts(testSb)).toContain("Acme v1");
    expect(await accounts(prodSb)).not.toContain("Acme v1");

    // A webhook to the test environment is signed with test's secret; production's secret is refused there.
    const body = Buffer.from(JSON.stringify({ name: "Hooked" }));
    const ts = String(Math.floor(Date.now() / 1000));
    const sign = (s: string) => `v1=${createHmac("sha256", s).update(`${ts}.`).update(body).digest("hex")}`;
    const hook = (secret: string, environment?: string) =>
      acceptWebhook(
        { pool, boss },
        {
          flowKey: "account-sync",
          environment,
          body,
          headers: new Headers({
            "content-type": "application/json",
            "x-weft-timestamp": ts,
            "x-weft-signature": sign(secret),
          }),
        },
      );
    expect((await hook("prod-secret", "test")).status).toBe(401);
    const accepted = await hook("test-secret", "test");
    expect(accepted.status).toBe(202);
    const hookedId = (accepted.body as { runId: string }).runId;
    expect((await runRowSettled(pool, hookedId, 60_000)).status).toBe("succeeded");
    expect((await t.db.run.findUniqueOrThrow({ where: { id: hookedId } })).environment).toBe("test");
    expect(await accounts(testSb)).toContain("Hooked v1");
    expect(await accounts(prodSb)).not.toContain("Hooked v1");
  }, 120_000);

  it("a version reaches production only with a test deployment, a succeeded test run and another approver", async () => {
    await publish("1.1.0", "v1.1");
    // 1.1.0 was never deployed to test: refused over the API with a 412 that says so.
    await expect(
      createCaller({ user: designer, db: t.db, requestId: "req-never-tested" }).environments.requestPromotion({
        flowKey: "account-sync",
        version: "1.1.0",
      }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "Version 1.1.0 was never deployed to test; deploy it first.",
    });
    await deployVersion(govCtx(t.db, designer), { flowKey: "account-sync", version: "1.1.0" });
    await expect(
      requestPromotion(govCtx(t.db, designer), { flowKey: "account-sync", version: "1.1.0" }),
    ).rejects.toThrow(/no succeeded run in test/);
    // The first test deployment pinned production to what it ran before environments (1.0.0, a baseline);
    // approving 1.1.0 did not change production.
    expect((await loadPublishedFlow(pool, "account-sync", { fresh: true }))?.version).toBe("1.0.0");
    await expect(
      requestPromotion(govCtx(t.db, designer), { flowKey: "account-sync", version: "1.0.0" }),
    ).rejects.toThrow(/already runs in production/);

    expect((await runIn("test", "Bolt")).status).toBe("succeeded");
    expect(await accounts(testSb)).toContain("Bolt v1.1");
    const { promotionId, check } = await requestPromotion(govCtx(t.db, designer), {
      flowKey: "account-sync",
      version: "1.1.0",
    });
    expect(check.production).toBe("1.0.0");
    expect(check.diff?.same).toBe(false);
    expect(check.policy.ok).toBe(true);
    await expect(
      requestPromotion(govCtx(t.db, designer), { flowKey: "account-sync", version: "1.1.0" }),
    ).rejects.toThrow();
    // Four eyes: not the requester, not another team.
    await expect(approvePromotion(govCtx(t.db, designer), { promotionId })).rejects.toThrow(/requested this promotion/);
    await expect(approvePromotion(govCtx(t.db, outsider), { promotionId })).rejects.toThrow(/owning team/);
    await approvePromotion(govCtx(t.db, approver), { promotionId });
    await expect(approvePromotion(govCtx(t.db, approver), { promotionId })).rejects.toThrow(/already approved/);

    const live = await loadPublishedFlow(pool, "account-sync", { fresh: true });
    expect(live).toMatchObject({ version: "1.1.0", deployed: true });
    const r = await runIn("production", "Crest");
    expect(r.status).toBe("succeeded");
    expect(await accounts(prodSb)).toContain("Crest v1.1");
    expect(await accounts(testSb)).not.toContain("Crest v1.1");

    const audit = await t.db.auditLog.findMany({
      where: { action: { in: ["promotion.requested", "promotion.approved", "deployment.created"] } },
      select: { action: true },
    });
    expect(new Set(audit.map((a) => a.action))).toEqual(
      new Set(["promotion.requested", "promotion.approved", "deployment.created"]),
    );
  }, 120_000);

  it("a later version is promoted, then rolled back in one action that restores the previous version and bindings", async () => {
    await publish("1.2.0", "v1.2");
    await deployVersion(govCtx(t.db, designer), { flowKey: "account-sync", version: "1.2.0" });
    expect((await runIn("test", "Dune")).status).toBe("succeeded");
    // A promotion can be rejected (audited) and requested again.
    const first = await requestPromotion(govCtx(t.db, designer), { flowKey: "account-sync", version: "1.2.0" });
    expect(first.check.diff?.same).toBe(false);
    await rejectPromotion(govCtx(t.db, approver), { promotionId: first.promotionId, reason: "Not this week." });
    const { promotionId } = await requestPromotion(govCtx(t.db, designer), {
      flowKey: "account-sync",
      version: "1.2.0",
    });
    // Production gets a binding of its own after 1.1.0 went live; 1.2.0 is promoted with it.
    await setBinding(govCtx(t.db, admin), {
      environment: "production",
      logicalKey: "salesforce-prod",
      connectionKey: "salesforce-sandbox",
    });
    await approvePromotion(govCtx(t.db, approver), { promotionId });
    expect((await loadPublishedFlow(pool, "account-sync", { fresh: true }))?.version).toBe("1.2.0");

    await expect(
      rollback(govCtx(t.db, outsider), { flowKey: "account-sync", reason: "1.2.0 double-posts accounts." }),
    ).rejects.toThrow(/owning team/);
    await expect(rollback(govCtx(t.db, approver), { flowKey: "account-sync", reason: "bad" })).rejects.toThrow(
      /reason/,
    );
    const rb = await rollback(govCtx(t.db, approver), {
      flowKey: "account-sync",
      reason: "1.2.0 double-posts accounts.",
    });
    expect(rb).toMatchObject({ version: "1.1.0", from: "1.2.0" });
    expect(rb.restoredBindings["salesforce-prod"]).toBe("salesforce-prod");
    expect(
      await t.db.connectionBinding.findUnique({
        where: { environmentKey_logicalKey: { environmentKey: "production", logicalKey: "salesforce-prod" } },
      }),
    ).toBeNull();
    expect((await loadPublishedFlow(pool, "account-sync", { fresh: true }))?.version).toBe("1.1.0");
    const r = await runIn("production", "Echo");
    expect(r.status).toBe("succeeded");
    expect(await accounts(prodSb)).toContain("Echo v1.1");
    expect(await accounts(testSb)).not.toContain("Echo v1.1");

    // `weft export --env production` exports what production runs.
    expect(await liveVersion(t.db, "account-sync", "production")).toBe("1.1.0");
    expect(await liveVersion(t.db, "account-sync", "test")).toBe("1.2.0");
    // The API behind `weft export --env` (GET /api/v1/flows/<flow>?env=…): the same procedure, per environment.
    const api = createCaller({ user: designer, db: t.db, requestId: "req-env-export" });
    const exported = async (environment: string) =>
      ((await api.flowFiles.export({ flowKey: "account-sync", environment })) as { flow: { version: string } }).flow
        .version;
    expect([await exported("production"), await exported("test")]).toEqual(["1.1.0", "1.2.0"]);
    await expect(api.flowFiles.export({ flowKey: "account-sync", environment: "staging" })).rejects.toThrow(
      /No environment "staging"/,
    );
    await expect(
      api.flowFiles.export({ flowKey: "account-sync", environment: "test", version: "1.0.0" }),
    ).rejects.toThrow(/not both/);
    const state = await flowEnvironments(t.db, "account-sync");
    expect(state.environments.map((e) => [e.key, e.version])).toEqual([
      ["test", "1.2.0"],
      ["production", "1.1.0"],
    ]);
    expect(
      await t.db.auditLog.count({ where: { action: "deployment.rolled_back", entityId: "account-sync@production" } }),
    ).toBe(1);
    // The catalog names what runs where — production's version, not the newest approved one (1.2.0).
    const entry = (await listCatalog(t.db, designer, { search: "account-sync" })).entries.find(
      (e) => e.key === "account-sync",
    )!;
    expect(entry.currentVersion).toEqual({ version: "1.1.0", status: "approved" });
    expect(entry.live.map((l) => `${l.environment}: v${l.version}`)).toEqual(["production: v1.1.0", "test: v1.2.0"]);
  }, 180_000);

  it("a flow's first version reaches production only through test: publication deploys it to test alone; production needs a succeeded test run and an approved promotion", async () => {
    const team = await t.db.team.findUniqueOrThrow({ where: { key: "crm-team" } });
    const contact = await t.db.flow.create({
      data: { key: "contact-sync", name: "Contact sync", domain: "customer", ownerTeamId: team.id, draft: {} },
    });
    const contactDoc = (version: string) => ({
      ...doc(version, version),
      key: "contact-sync",
      name: "Contact sync",
      trigger: { type: "manual" },
    });
    const request = async (version: string, changelog: string) => {
      const r = await requestVersion(govCtx(t.db, designer), {
        flowKey: "contact-sync",
        version,
        dsl: contactDoc(version),
        changelog,
      });
      expect(r.ok, JSON.stringify(r.report.checks.filter((c) => !c.ok))).toBe(true);
      return (r as { versionId: string }).versionId;
    };
    const live = async (env: string) =>
      (await loadPublishedFlow(pool, "contact-sync", { fresh: true, environment: env }))?.version ?? null;
    const api = (u: SessionUser) => createCaller({ user: u, db: t.db, requestId: "req-first-publication" });

    // The first version, approved with four eyes: live in test, nothing in production.
    const first = await approveVersion(govCtx(t.db, approver), { versionId: await request("1.0.0", "First version.") });
    expect(first.deployed).toEqual({ test: true, production: null });
    expect([await live("test"), await live("production")]).toEqual(["1.0.0", null]);
    expect(await t.db.deployment.count({ where: { flowId: contact.id, environmentKey: "production" } })).toBe(0);
    await expect(
      startManualRun(ops(designer), "contact-sync", { body: { name: "Early" } }, "production"),
    ).rejects.toThrow(/no version in production; a published version gets there by a promotion from test/);
    const published = await t.db.auditLog.findMany({
      where: { action: "deployment.created", entityId: { startsWith: "contact-sync@" } },
    });
    expect(published.map((a) => [a.entityId, (a.meta as { rule?: string }).rule])).toEqual([
      ["contact-sync@test", "publication deploys to test; production only by an approved promotion"],
    ]);

    // No promotion without a succeeded run in test: a 412 naming why, over the API too.
    await expect(
      api(designer).environments.requestPromotion({ flowKey: "contact-sync", version: "1.0.0" }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/1\.0\.0 has no succeeded run in test/),
    });
    expect((await runInFlow("contact-sync", "test", "Fern")).status).toBe("succeeded");
    expect(await accounts(testSb)).toContain("Fern 1.0.0");

    // Requested by the designer; the requester cannot approve it; another approver of the team does.
    const { promotionId, check } = await requestPromotion(govCtx(t.db, designer), {
      flowKey: "contact-sync",
      version: "1.0.0",
    });
    expect(check).toMatchObject({ production: null, diff: null, testDeployed: true });
    expect([await live("test"), await live("production")]).toEqual(["1.0.0", null]);
    await expect(approvePromotion(govCtx(t.db, designer), { promotionId })).rejects.toThrow(/requested this promotion/);
    await approvePromotion(govCtx(t.db, approver), { promotionId });
    expect([await live("test"), await live("production")]).toEqual(["1.0.0", "1.0.0"]);
    const deployments = await t.db.deployment.findMany({
      where: { flowId: contact.id },
      orderBy: { createdAt: "asc" },
      select: { environmentKey: true, kind: true, promotionId: true },
    });
    expect(deployments).toEqual([
      { environmentKey: "test", kind: "deploy", promotionId: null },
      { environmentKey: "production", kind: "promote", promotionId },
    ]);
    const approved = await t.db.auditLog.findFirstOrThrow({
      where: { action: "promotion.approved", entityId: "contact-sync@1.0.0" },
    });
    expect(approved.actorId).toBe(approver.id);
    expect(approved.meta).toMatchObject({ requestedById: designer.id, promotionId });

    // An admin's four-eyes override publishes to test as well; production keeps 1.0.0 until a promotion.
    const second = await overrideApproval(govCtx(t.db, admin), {
      versionId: await request("1.1.0", "Second version."),
      reason: "The team's only other approver is away.",
    });
    expect(second.deployed).toEqual({ test: true, production: null });
    expect([await live("test"), await live("production")]).toEqual(["1.1.0", "1.0.0"]);
  }, 120_000);

  it("a flow deployed only to test runs nothing in production: its production webhook is refused", async () => {
    const team = await t.db.team.findUniqueOrThrow({ where: { key: "crm-team" } });
    const f = await t.db.flow.create({
      data: { key: "lead-sync", name: "Lead sync", domain: "customer", ownerTeamId: team.id, draft: {} },
    });
    const v = await t.db.flowVersion.create({
      data: {
        flowId: f.id,
        version: "1.0.0",
        dsl: { ...doc("1.0.0", "lead"), key: "lead-sync", name: "Lead sync" },
        contentHash: "lead-1",
        changelog: "Lead sync.",
        status: "approved",
        approvedAt: new Date(),
      },
    });
    await t.db.deployment.create({
      data: {
        id: randomUUID(),
        environmentKey: "test",
        flowId: f.id,
        flowVersionId: v.id,
        kind: "deploy",
        bindings: {},
      },
    });
    expect(await loadPublishedFlow(pool, "lead-sync", { fresh: true })).toBeNull();
    expect((await loadPublishedFlow(pool, "lead-sync", { fresh: true, environment: "test" }))?.version).toBe("1.0.0");
    const res = await acceptWebhook(
      { pool, boss },
      {
        flowKey: "lead-sync",
        body: Buffer.from("{}"),
        headers: new Headers({ "content-type": "application/json" }),
      },
    );
    expect(res.status).toBe(404);
    expect(await t.db.run.count({ where: { flowId: f.id } })).toBe(0);
  }, 60_000);

  it("schedules are per environment: a test deployment gets its own schedule, whose tick runs test's version in test", async () => {
    const team = await t.db.team.findUniqueOrThrow({ where: { key: "crm-team" } });
    const sched = (version: string) => ({
      dsl: "weft/1",
      key: "nightly-check",
      version,
      name: "Nightly check",
      description: "",
      domain: "customer",
      owner: "crm-team",
      classification: "internal",
      trigger: { type: "schedule", cron: "0 2 * * *", timezone: "UTC" },
      start: "say",
      steps: [{ id: "say", type: "map", output: `"${version}"` }],
    });
    const f = await t.db.flow.create({
      data: {
        key: "nightly-check",
        name: "Nightly check",
        domain: "customer",
        ownerTeamId: team.id,
        lifecycle: "active",
        draft: {},
      },
    });
    for (const v of ["1.0.0", "1.1.0"])
      await t.db.flowVersion.create({
        data: {
          flowId: f.id,
          version: v,
          dsl: sched(v),
          contentHash: `n-${v}`,
          changelog: "Nightly check.",
          status: "approved",
          approvedAt: new Date(Date.now() + (v === "1.0.0" ? 0 : 1000)),
        },
      });
    // Never deployed: production runs the newest approved (1.1.0), one schedule keyed by the flow.
    expect((await syncTriggers(pool, boss)).schedules).toContain("nightly-check");
    await deployVersion(govCtx(t.db, designer), { flowKey: "nightly-check", version: "1.0.0" });
    const synced = await syncTriggers(pool, boss);
    expect(synced.schedules).toEqual(expect.arrayContaining(["nightly-check", "nightly-check/test"]));
    const [testSchedule] = await boss.getSchedules("weft.schedule", "nightly-check/test");
    expect(testSchedule?.data).toEqual({ flowKey: "nightly-check", environment: "test" });
    // A tick of each schedule: test runs 1.0.0 in test; production is pinned to 1.1.0 (its baseline).
    for (const data of [{ flowKey: "nightly-check", environment: "test" }, { flowKey: "nightly-check" }])
      await handleScheduleJob(pool, boss, { id: randomUUID(), name: "weft.schedule", data } as Job<ScheduleJobData>);
    const runs = await pool.query<{ environment: string; output: string }>(
      `SELECT r.environment, r.output FROM run r WHERE r.flow_id = $1 AND r.trigger_type = 'schedule'`,
      [f.id],
    );
    expect(runs.rows).toHaveLength(2);
    for (const r of await pool
      .query<{ id: string }>(`SELECT id FROM run WHERE flow_id = $1`, [f.id])
      .then((x) => x.rows))
      await runRowSettled(pool, r.id, 60_000);
    const done = await pool.query<{ environment: string; version: string; status: string }>(
      `SELECT r.environment, v.version, r.status::text AS status FROM run r JOIN flow_version v ON v.id = r.flow_version_id
        WHERE r.flow_id = $1 ORDER BY r.environment`,
      [f.id],
    );
    expect(done.rows).toEqual([
      { environment: "production", version: "1.1.0", status: "succeeded" },
      { environment: "test", version: "1.0.0", status: "succeeded" },
    ]);
  }, 120_000);
});
