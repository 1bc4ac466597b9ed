// Environments and promotion (docs/environments.md). A published version is deployed to test (by its approval,
// or by a designer); it reaches production only through a promotion request — a flow's first version too —
// made once it has a succeeded run in test, checked against what runs in production (diff and the publish
// policy checks), decided by an approver of the flow's owning team other than the requester; and production
// can be rolled back to its previous deployment in one audited action that restores that deployment's
// connection bindings. The runtime reads the newest deployment per (environment, flow) (flow-source.ts).
import "server-only";
import { randomUUID } from "node:crypto";
import semver from "semver";
import { DomainError } from "../../core/domain-error";
import { hasRole } from "../../core/roles";
import { diffFlows, type FlowDiff } from "../../core/dsl/diff";
import { validate } from "../../core/dsl/validate";
import type { Db } from "../db/client";
import type { GovCtx, Tx } from "../governance/context";
import { extractFlowFacts } from "../governance/flow-facts";
import { fourEyesRefusal, MIN_REASON, policyAgainst } from "../governance/versions";
import type { PolicyReport } from "../../core/governance/policy";
import { forgetBindings, forgetPublishedFlow } from "../runtime/flow-source";
import { defaultWebhookSecret } from "../../core/dsl/defaults";
import { flowAccess } from "../auth/ownership";
import { startManualRun, type OpsDeps } from "../runtime/operations";

export const TEST = "test";
import { PRODUCTION } from "../../core/environment-scope";
export { PRODUCTION };
const ENV_KEY = /^[a-z][a-z0-9-]{0,39}$/;

/** Bindings of a flow's logical connections at a deployment: logical → concrete (itself when unbound). */
export type BindingSnapshot = Record<string, string>;

async function flowByKey(db: Db | Tx, key: string) {
  const flow = await db.flow.findUnique({
    where: { key },
    include: { ownerTeam: { select: { id: true, key: true, name: true } } },
  });
  if (!flow) throw new DomainError("not_found", `No flow "${key}".`);
  return flow;
}

async function environmentByKey(db: Db | Tx, key: string) {
  const env = await db.environment.findUnique({ where: { key } });
  if (!env) throw new DomainError("not_found", `No environment "${key}".`);
  return env;
}

/** The logical connection names a flow document uses: its call steps' and poll's, and its webhook signing secret. */
export function logicalConnections(flowKey: string, dsl: unknown): string[] {
  const names = new Set<string>();
  for (const s of extractFlowFacts(dsl).systems) if (s.connection) names.add(s.connection);
  const trigger = (dsl as { trigger?: { type?: string; secret?: string } } | null)?.trigger;
  if (trigger?.type === "webhook") names.add(trigger.secret ?? defaultWebhookSecret(flowKey));
  return [...names].sort();
}

async function snapshotBindings(tx: Tx, environment: string, logical: string[]): Promise<BindingSnapshot> {
  const rows = await tx.connectionBinding.findMany({
    where: { environmentKey: environment, logicalKey: { in: logical } },
    select: { logicalKey: true, connectionKey: true },
  });
  const bound = new Map(rows.map((r) => [r.logicalKey, r.connectionKey]));
  return Object.fromEntries(logical.map((l) => [l, bound.get(l) ?? l]));
}

async function currentDeployment(db: Db | Tx, flowId: string, environment: string) {
  return db.deployment.findFirst({
    where: { flowId, environmentKey: environment },
    orderBy: { createdAt: "desc" },
    include: { flowVersion: { select: { id: true, version: true, dsl: true, status: true } } },
  });
}

/**
 * The environments where a version is live: those whose newest deployment of its flow names it (keys, sorted).
 * A flow never deployed runs by the legacy rule instead, which moves on by itself when a version is retired.
 */
export async function environmentsRunning(db: Db | Tx, flowId: string, versionId: string): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ environment: string }>>`
    SELECT d.environment FROM (
      SELECT DISTINCT ON (environment_key) environment_key AS environment, flow_version_id
        FROM deployment WHERE flow_id = ${flowId}::uuid
       ORDER BY environment_key, created_at DESC) d
     WHERE d.flow_version_id = ${versionId}::uuid
     ORDER BY d.environment`;
  return rows.map((r) => r.environment);
}

/** The version production runs for a flow never deployed anywhere: the newest approved one (the rule before environments). */
async function legacyProductionVersion(db: Db | Tx, flowId: string) {
  if (await db.deployment.findFirst({ where: { flowId }, select: { id: true } })) return null;
  return db.flowVersion.findFirst({
    where: { flowId, status: { in: ["approved", "deprecated"] } },
    orderBy: [{ approvedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
    select: { id: true, version: true, dsl: true, status: true },
  });
}

/** What production runs now, deployed or by the legacy rule. */
async function productionVersion(db: Db | Tx, flowId: string) {
  const d = await currentDeployment(db, flowId, PRODUCTION);
  return d ? d.flowVersion : await legacyProductionVersion(db, flowId);
}

/** The newest succeeded run of this version in test, or null: production never runs a version without one. */
async function succeededTestRun(db: Db | Tx, versionId: string) {
  return db.run.findFirst({
    where: { flowVersionId: versionId, environment: TEST, status: "succeeded" },
    orderBy: { finishedAt: "desc" },
    select: { id: true, finishedAt: true },
  });
}

/** Deploying and requesting: a designer of the owning team (or Platform Engineering, or an admin). */
async function requireDesignerOf(ctx: GovCtx, flow: { key: string; ownerTeamId: string }, what: string) {
  if (!hasRole(ctx.user.roles, "designer")) throw new DomainError("forbidden", `${what} needs the designer role.`);
  const access = await flowAccess(ctx.db, ctx.user, flow);
  if (!access.allowed) throw new DomainError("forbidden", access.reason ?? "Not your team's flow.");
}

async function insertDeployment(
  tx: Tx,
  ctx: GovCtx,
  d: {
    environment: string;
    flowId: string;
    versionId: string;
    kind: "deploy" | "promote" | "rollback" | "baseline";
    previousId: string | null;
    promotionId?: string;
    bindings: BindingSnapshot;
  },
) {
  return tx.deployment.create({
    data: {
      id: randomUUID(),
      environmentKey: d.environment,
      flowId: d.flowId,
      flowVersionId: d.versionId,
      kind: d.kind,
      previousId: d.previousId,
      promotionId: d.promotionId ?? null,
      bindings: d.bindings,
      deployedById: ctx.user.id,
    },
  });
}

/**
 * Deploys `version` to `environment` with that environment's bindings of the flow's connections, audited as
 * deployment.created (the rule that made it, when one did). The caller holds the transaction and its checks.
 */
async function deployInTx(
  tx: Tx,
  ctx: GovCtx,
  o: {
    flow: { id: string; key: string };
    environment: string;
    version: { id: string; version: string; dsl: unknown };
    kind: "deploy" | "baseline";
    prev: { id: string; flowVersion: { version: string } } | null;
    rule?: string;
  },
) {
  const bindings = await snapshotBindings(tx, o.environment, logicalConnections(o.flow.key, o.version.dsl));
  const d = await insertDeployment(tx, ctx, {
    environment: o.environment,
    flowId: o.flow.id,
    versionId: o.version.id,
    kind: o.kind,
    previousId: o.prev?.id ?? null,
    bindings,
  });
  await ctx.audit(tx, {
    action: "deployment.created",
    entityType: "deployment",
    entityId: `${o.flow.key}@${o.environment}`,
    before: o.prev ? { version: o.prev.flowVersion.version, deploymentId: o.prev.id } : null,
    after: { version: o.version.version, deploymentId: d.id, environment: o.environment, bindings, kind: d.kind },
    ...(o.rule ? { meta: { rule: o.rule } } : {}),
  });
  return d;
}

/** Deploys a published version to a non-production environment (test by default). */
export async function deployVersion(
  ctx: GovCtx,
  input: { flowKey: string; version: string; environment?: string },
): Promise<{ deploymentId: string; environment: string; version: string }> {
  const environment = input.environment ?? TEST;
  if (environment === PRODUCTION)
    throw new DomainError(
      "precondition",
      "A version reaches production only through a promotion request (deploy it to test, run it, request promotion).",
    );
  const result = await ctx.db.$transaction(async (tx) => {
    await environmentByKey(tx, environment);
    const flow = await flowByKey(tx, input.flowKey);
    await requireDesignerOf(ctx, flow, "Deploying a version");
    const v = await tx.flowVersion.findUnique({
      where: { flowId_version: { flowId: flow.id, version: input.version } },
      select: { id: true, version: true, status: true, dsl: true },
    });
    if (!v) throw new DomainError("not_found", `${flow.key} has no version ${input.version}.`);
    if (v.status !== "approved" && v.status !== "deprecated")
      throw new DomainError(
        "precondition",
        `Version ${v.version} is ${v.status.replace("_", " ")}; only a published (approved) version can be deployed.`,
      );
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`weft.deploy.${environment}.${flow.id}`}))`;
    const prev = await currentDeployment(tx, flow.id, environment);
    if (prev?.flowVersionId === v.id)
      throw new DomainError("conflict", `Version ${v.version} is already deployed to ${environment}.`);
    // The flow's first deployment: pin production to what it runs by the legacy rule (a baseline), so a later
    // approval no longer changes production — only a promotion does.
    const legacy = await legacyProductionVersion(tx, flow.id);
    if (legacy)
      await insertDeployment(tx, ctx, {
        environment: PRODUCTION,
        flowId: flow.id,
        versionId: legacy.id,
        kind: "baseline",
        previousId: null,
        bindings: await snapshotBindings(tx, PRODUCTION, logicalConnections(flow.key, legacy.dsl)),
      });
    const d = await deployInTx(tx, ctx, { flow, environment, version: v, kind: "deploy", prev });
    return { deploymentId: d.id, environment, version: v.version };
  });
  forgetPublishedFlow(input.flowKey);
  return result;
}

/** What production ran before a version was approved: read before the approval, which changes the legacy rule's answer. */
export async function productionBeforePublication(tx: Tx, flowId: string) {
  const deployed = await tx.deployment.findFirst({ where: { flowId }, select: { id: true } });
  return { deployed: deployed !== null, legacy: deployed ? null : await legacyProductionVersion(tx, flowId) };
}

/**
 * Publication deploys to test (docs/environments.md "Publication"): an approved version goes to test at once and
 * reaches production only through an approved promotion — a flow's first version too (production then runs
 * nothing of the flow until one). A flow never deployed before but already live by the legacy rule has
 * production pinned on the way (a baseline), so the approval does not change production. Called inside the
 * approval's transaction.
 */
export async function deployOnPublication(
  tx: Tx,
  ctx: GovCtx,
  flow: { id: string; key: string },
  version: { id: string; version: string; dsl: unknown },
  before: Awaited<ReturnType<typeof productionBeforePublication>>,
): Promise<{ test: boolean; production: "baseline" | null }> {
  // Without a test environment there would be no way to production but a back door: refuse the approval.
  if (!(await tx.environment.findUnique({ where: { key: TEST }, select: { key: true } })))
    throw new DomainError(
      "precondition",
      `Publishing deploys to the "${TEST}" environment, which this workspace does not have; production never runs a version that did not run in test.`,
    );
  let production: "baseline" | null = null;
  if (!before.deployed && before.legacy) {
    await deployInTx(tx, ctx, {
      flow,
      environment: PRODUCTION,
      version: before.legacy,
      kind: "baseline",
      prev: null,
      rule: "baseline: production keeps the version it ran before the flow's first deployment",
    });
    production = "baseline";
  }
  const prev = await currentDeployment(tx, flow.id, TEST);
  if (prev?.flowVersionId === version.id) return { test: false, production };
  await deployInTx(tx, ctx, {
    flow,
    environment: TEST,
    version,
    kind: "deploy",
    prev,
    rule: "publication deploys to test; production only by an approved promotion",
  });
  return { test: true, production };
}

export interface PromotionCheck {
  version: string;
  /** What production runs now (null: nothing). */
  production: string | null;
  diff: FlowDiff | null;
  policy: PolicyReport;
  testRun: { id: string; finishedAt: Date | null } | null;
  testDeployed: boolean;
}

/** What a promotion of this version would be checked against now (the catalog shows it before requesting). */
export async function previewPromotion(db: Db | Tx, flowKey: string, version: string): Promise<PromotionCheck> {
  const flow = await flowByKey(db, flowKey);
  const v = await db.flowVersion.findUnique({
    where: { flowId_version: { flowId: flow.id, version } },
    select: { id: true, version: true, status: true, dsl: true, changelog: true },
  });
  if (!v) throw new DomainError("not_found", `${flow.key} has no version ${version}.`);
  const prod = await productionVersion(db, flow.id);
  const next = validate(v.dsl).flow;
  const prodFlow = prod ? validate(prod.dsl).flow : undefined;
  const diff = next && prodFlow ? diffFlows(prodFlow, next) : null;
  const policy = await policyAgainst(
    db,
    { flowKey: flow.key, version: v.version, dsl: v.dsl, changelog: v.changelog },
    prod && prod.id !== v.id ? prod.version : null,
  );
  const testDeployed = !!(await db.deployment.findFirst({
    where: { flowId: flow.id, environmentKey: TEST, flowVersionId: v.id },
    select: { id: true },
  }));
  return {
    version: v.version,
    production: prod?.version ?? null,
    diff,
    policy,
    testRun: await succeededTestRun(db, v.id),
    testDeployed,
  };
}

/** Asks the owning team to promote a version from test to production. */
export async function requestPromotion(
  ctx: GovCtx,
  input: { flowKey: string; version: string },
): Promise<{ promotionId: string; check: PromotionCheck }> {
  return ctx.db.$transaction(async (tx) => {
    const flow = await flowByKey(tx, input.flowKey);
    await requireDesignerOf(ctx, flow, "Requesting a promotion");
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`weft.promotion.${flow.id}`}))`;
    const check = await previewPromotion(tx, flow.key, input.version);
    const v = await tx.flowVersion.findUniqueOrThrow({
      where: { flowId_version: { flowId: flow.id, version: input.version } },
      select: { id: true, status: true },
    });
    if (v.status !== "approved")
      throw new DomainError(
        "precondition",
        `Version ${input.version} is ${v.status.replace("_", " ")}; only an approved version can be promoted.`,
      );
    if (check.production === input.version)
      throw new DomainError("conflict", `Version ${input.version} already runs in production.`);
    if (!check.testDeployed)
      throw new DomainError("precondition", `Version ${input.version} was never deployed to test; deploy it first.`);
    if (!check.testRun)
      throw new DomainError(
        "precondition",
        `Version ${input.version} has no succeeded run in test; production never runs a version that did not run in test.`,
      );
    if (!check.policy.ok)
      throw new DomainError(
        "precondition",
        `The policy checks failed: ${check.policy.checks
          .filter((c) => !c.ok)
          .map((c) => `${c.label}: ${c.detail}`)
          .join("; ")}`,
      );
    const pending = await tx.promotionRequest.findFirst({
      where: { flowId: flow.id, status: "pending" },
      include: { flowVersion: { select: { version: true } } },
    });
    if (pending)
      throw new DomainError(
        "conflict",
        `The promotion of ${pending.flowVersion.version} is still waiting for approval; decide it first.`,
      );
    const p = await tx.promotionRequest.create({
      data: {
        id: randomUUID(),
        flowId: flow.id,
        flowVersionId: v.id,
        environmentKey: PRODUCTION,
        requestedById: ctx.user.id,
        policy: check.policy as unknown as object,
        diff: (check.diff ?? { initial: true }) as unknown as object,
        testRunId: check.testRun.id,
      },
    });
    await ctx.audit(tx, {
      action: "promotion.requested",
      entityType: "promotion",
      entityId: `${flow.key}@${input.version}`,
      after: { promotionId: p.id, version: input.version, production: check.production, testRunId: check.testRun.id },
      meta: { policy: check.policy.checks.map((c) => ({ id: c.id, ok: c.ok })) },
    });
    return { promotionId: p.id, check };
  });
}

async function loadPendingPromotion(tx: Tx, id: string) {
  const p = await tx.promotionRequest.findUnique({
    where: { id },
    include: {
      flow: { include: { ownerTeam: { select: { id: true, key: true, name: true } } } },
      flowVersion: { select: { id: true, version: true, status: true, dsl: true } },
    },
  });
  if (!p) throw new DomainError("not_found", "No such promotion request.");
  if (p.status !== "pending") throw new DomainError("conflict", `This promotion request is already ${p.status}.`);
  return p;
}

/** Four-eyes: an approver of the owning team who did not request it promotes the version to production. */
export async function approvePromotion(
  ctx: GovCtx,
  input: { promotionId: string },
): Promise<{ version: string; deploymentId: string }> {
  if (!hasRole(ctx.user.roles, "approver"))
    throw new DomainError("forbidden", "Approving a promotion needs the approver role.");
  const result = await ctx.db.$transaction(async (tx) => {
    const p = await loadPendingPromotion(tx, input.promotionId);
    const refusal = fourEyesRefusal(ctx.user, { authorId: p.requestedById }, p.flow.ownerTeam);
    if (refusal)
      throw new DomainError(
        "forbidden",
        refusal.replace("You wrote this version", "You requested this promotion").replace("this version", "it"),
      );
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`weft.deploy.${PRODUCTION}.${p.flowId}`}))`;
    // Re-checked at the moment it takes effect: the version must still be approved and have run in test.
    if (p.flowVersion.status !== "approved")
      throw new DomainError("precondition", `Version ${p.flowVersion.version} is ${p.flowVersion.status} now.`);
    if (!(await succeededTestRun(tx, p.flowVersion.id)))
      throw new DomainError(
        "precondition",
        `Version ${p.flowVersion.version} has no succeeded run in test; production never runs it.`,
      );
    const prev = await currentDeployment(tx, p.flowId, PRODUCTION);
    const bindings = await snapshotBindings(tx, PRODUCTION, logicalConnections(p.flow.key, p.flowVersion.dsl));
    const d = await insertDeployment(tx, ctx, {
      environment: PRODUCTION,
      flowId: p.flowId,
      versionId: p.flowVersion.id,
      kind: "promote",
      previousId: prev?.id ?? null,
      promotionId: p.id,
      bindings,
    });
    // Newest wins: never order before what it replaces, even within one clock tick.
    if (prev) await tx.deployment.update({ where: { id: d.id }, data: { createdAt: later(prev.createdAt) } });
    await tx.promotionRequest.update({
      where: { id: p.id },
      data: { status: "approved", decidedById: ctx.user.id, decidedAt: new Date() },
    });
    await ctx.audit(tx, {
      action: "promotion.approved",
      entityType: "promotion",
      entityId: `${p.flow.key}@${p.flowVersion.version}`,
      before: prev ? { production: prev.flowVersion.version } : null,
      after: { production: p.flowVersion.version, deploymentId: d.id, bindings },
      meta: { requestedById: p.requestedById, promotionId: p.id },
    });
    return { version: p.flowVersion.version, deploymentId: d.id, flowKey: p.flow.key };
  });
  forgetPublishedFlow(result.flowKey);
  return { version: result.version, deploymentId: result.deploymentId };
}

function later(t: Date): Date {
  return new Date(Math.max(Date.now(), t.getTime() + 1));
}

export async function rejectPromotion(
  ctx: GovCtx,
  input: { promotionId: string; reason: string },
): Promise<{ status: "rejected" }> {
  if (!hasRole(ctx.user.roles, "approver"))
    throw new DomainError("forbidden", "Rejecting a promotion needs the approver role.");
  const reason = input.reason.trim();
  if (reason.length < 3) throw new DomainError("invalid", "Say why the promotion is rejected.");
  return ctx.db.$transaction(async (tx) => {
    const p = await loadPendingPromotion(tx, input.promotionId);
    // The requester may withdraw their own request; anyone else must be an approver of the owning team.
    if (
      p.requestedById !== ctx.user.id &&
      !ctx.user.roles.includes("admin") &&
      !ctx.user.teamIds.includes(p.flow.ownerTeamId)
    )
      throw new DomainError(
        "forbidden",
        `Only approvers of the owning team (${p.flow.ownerTeam.name}) may decide on it.`,
      );
    await tx.promotionRequest.update({
      where: { id: p.id },
      data: { status: "rejected", decidedById: ctx.user.id, decidedAt: new Date(), reason },
    });
    await ctx.audit(tx, {
      action: "promotion.rejected",
      entityType: "promotion",
      entityId: `${p.flow.key}@${p.flowVersion.version}`,
      after: { status: "rejected" },
      meta: { reason, promotionId: p.id },
    });
    return { status: "rejected" as const };
  });
}

/**
 * Rolls an environment (production by default) back to the deployment before the current one: its version
 * runs again and its connection bindings are restored. An approver of the owning team or an admin; audited.
 */
export async function rollback(
  ctx: GovCtx,
  input: { flowKey: string; environment?: string; reason: string },
): Promise<{ version: string; from: string; deploymentId: string; restoredBindings: BindingSnapshot }> {
  const environment = input.environment ?? PRODUCTION;
  const reason = input.reason.trim();
  if (reason.length < MIN_REASON)
    throw new DomainError("invalid", `A rollback needs a reason (at least ${MIN_REASON} characters).`);
  const result = await ctx.db.$transaction(async (tx) => {
    const flow = await flowByKey(tx, input.flowKey);
    const allowed =
      ctx.user.roles.includes("admin") ||
      (hasRole(ctx.user.roles, "approver") && ctx.user.teamIds.includes(flow.ownerTeamId)) ||
      (environment !== PRODUCTION &&
        hasRole(ctx.user.roles, "designer") &&
        (await flowAccess(ctx.db, ctx.user, flow)).allowed);
    if (!allowed)
      throw new DomainError(
        "forbidden",
        `Rolling back ${flow.key} in ${environment} needs an approver of its owning team (${flow.ownerTeam.name}).`,
      );
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`weft.deploy.${environment}.${flow.id}`}))`;
    const cur = await currentDeployment(tx, flow.id, environment);
    if (!cur) throw new DomainError("precondition", `${flow.key} has no deployment in ${environment}.`);
    const target = cur.previousId
      ? await tx.deployment.findUnique({
          where: { id: cur.previousId },
          include: { flowVersion: { select: { id: true, version: true } } },
        })
      : null;
    if (!target)
      throw new DomainError("precondition", `${flow.key} has no earlier deployment in ${environment} to roll back to.`);
    // Restore the bindings the earlier deployment ran with (a name bound to itself means "no binding").
    const restored = target.bindings as BindingSnapshot;
    for (const [logical, concrete] of Object.entries(restored)) {
      if (concrete === logical)
        await tx.connectionBinding.deleteMany({ where: { environmentKey: environment, logicalKey: logical } });
      else
        await tx.connectionBinding.upsert({
          where: { environmentKey_logicalKey: { environmentKey: environment, logicalKey: logical } },
          create: {
            environmentKey: environment,
            logicalKey: logical,
            connectionKey: concrete,
            updatedById: ctx.user.id,
          },
          update: { connectionKey: concrete, updatedById: ctx.user.id, updatedAt: new Date() },
        });
    }
    const d = await insertDeployment(tx, ctx, {
      environment,
      flowId: flow.id,
      versionId: target.flowVersionId,
      kind: "rollback",
      // Rolling back again goes one further back, not forth.
      previousId: target.previousId,
      bindings: restored,
    });
    await tx.deployment.update({ where: { id: d.id }, data: { createdAt: later(cur.createdAt) } });
    await ctx.audit(tx, {
      action: "deployment.rolled_back",
      entityType: "deployment",
      entityId: `${flow.key}@${environment}`,
      before: { version: cur.flowVersion.version, deploymentId: cur.id, bindings: cur.bindings },
      after: { version: target.flowVersion.version, deploymentId: d.id, bindings: restored },
      meta: { reason },
    });
    return {
      version: target.flowVersion.version,
      from: cur.flowVersion.version,
      deploymentId: d.id,
      restoredBindings: restored,
    };
  });
  forgetPublishedFlow(input.flowKey);
  forgetBindings();
  return result;
}

/** The version live in an environment (its deployment; in production, the legacy rule for a flow never deployed). */
export async function liveVersion(db: Db, flowKey: string, environment: string): Promise<string> {
  const flow = await flowByKey(db, flowKey);
  await environmentByKey(db, environment);
  const d = await currentDeployment(db, flow.id, environment);
  const v = d?.flowVersion ?? (environment === PRODUCTION ? await legacyProductionVersion(db, flow.id) : null);
  if (!v) throw new DomainError("not_found", `No version of ${flowKey} is deployed to ${environment}.`);
  return v.version;
}

/**
 * "Run in test" on the catalog page: a manual run of the version deployed in the environment, started from the
 * flow's pinned trigger sample (the designer's test input), audited as run.start with the environment.
 */
export async function runPinnedSample(
  d: OpsDeps,
  flowKey: string,
  environment: string,
): Promise<{ runId: string; version: string }> {
  const flow = await flowByKey(d.db, flowKey);
  const sample = await d.db.flowSample.findUnique({
    where: { flowId_nodeId: { flowId: flow.id, nodeId: "trigger" } },
    select: { payload: true },
  });
  if (!sample)
    throw new DomainError(
      "precondition",
      `${flowKey} has no pinned trigger sample to run with; pin one in the designer, or send a webhook to ?env=${environment}.`,
    );
  return startManualRun(d, flowKey, sample.payload, environment);
}

export interface EnvironmentState {
  key: string;
  name: string;
  /** The version live here, by deployment or (production) the legacy rule; null: none. */
  version: string | null;
  deployed: { id: string; kind: string; at: Date; by: string | null; previousVersion: string | null } | null;
  /** A rollback target exists. */
  canRollback: boolean;
}

/** Per environment, what runs of this flow; pending promotion; versions that succeeded in test (catalog page). */
export async function flowEnvironments(db: Db, flowKey: string) {
  const flow = await flowByKey(db, flowKey);
  const envs = await db.environment.findMany({ orderBy: { createdAt: "asc" } });
  const states: EnvironmentState[] = [];
  for (const e of envs) {
    const d = await currentDeployment(db, flow.id, e.key);
    const prev = d?.previousId
      ? await db.deployment.findUnique({
          where: { id: d.previousId },
          select: { flowVersion: { select: { version: true } } },
        })
      : null;
    const by = d?.deployedById
      ? await db.user.findUnique({ where: { id: d.deployedById }, select: { email: true } })
      : null;
    const legacy = !d && e.key === PRODUCTION ? await legacyProductionVersion(db, flow.id) : null;
    states.push({
      key: e.key,
      name: e.name,
      version: d?.flowVersion.version ?? legacy?.version ?? null,
      deployed: d
        ? {
            id: d.id,
            kind: d.kind,
            at: d.createdAt,
            by: by?.email ?? null,
            previousVersion: prev?.flowVersion.version ?? null,
          }
        : null,
      canRollback: !!prev,
    });
  }
  const pending = await db.promotionRequest.findMany({
    where: { flowId: flow.id, status: "pending" },
    include: { flowVersion: { select: { version: true } } },
    orderBy: { createdAt: "desc" },
  });
  const requesters = new Map(
    (
      await db.user.findMany({
        where: { id: { in: pending.map((p) => p.requestedById) } },
        select: { id: true, email: true },
      })
    ).map((u) => [u.id, u.email]),
  );
  const published = await db.flowVersion.findMany({
    where: { flowId: flow.id, status: { in: ["approved", "deprecated"] } },
    select: { id: true, version: true },
  });
  const tested = await db.run.groupBy({
    by: ["flowVersionId"],
    where: { flowId: flow.id, environment: TEST, status: "succeeded", flowVersionId: { not: null } },
    _count: { _all: true },
  });
  const testedIds = new Set(tested.map((t) => t.flowVersionId));
  return {
    flowKey: flow.key,
    ownerTeam: flow.ownerTeam,
    environments: states,
    pending: pending.map((p) => ({
      id: p.id,
      version: p.flowVersion.version,
      requestedById: p.requestedById,
      requestedBy: requesters.get(p.requestedById) ?? null,
      createdAt: p.createdAt,
      diff: p.diff as unknown as FlowDiff | { initial: true },
      policy: p.policy as unknown as PolicyReport,
    })),
    versions: published
      .map((v) => ({ version: v.version, succeededInTest: testedIds.has(v.id) }))
      .sort((a, b) => (semver.valid(a.version) && semver.valid(b.version) ? semver.rcompare(a.version, b.version) : 0)),
  };
}

// ---- Settings: environments and bindings (admin) ----

export async function listEnvironments(db: Db) {
  const envs = await db.environment.findMany({
    orderBy: { createdAt: "asc" },
    include: { bindings: { orderBy: { logicalKey: "asc" } } },
  });
  return envs.map((e) => ({
    key: e.key,
    name: e.name,
    description: e.description,
    bindings: e.bindings.map((b) => ({
      logicalKey: b.logicalKey,
      connectionKey: b.connectionKey,
      updatedAt: b.updatedAt,
    })),
  }));
}

function requireAdmin(ctx: GovCtx, what: string): void {
  if (!ctx.user.roles.includes("admin")) throw new DomainError("forbidden", `${what} needs the admin role.`);
}

export async function createEnvironment(
  ctx: GovCtx,
  input: { key: string; name: string; description?: string },
): Promise<{ key: string }> {
  requireAdmin(ctx, "Adding an environment");
  if (!ENV_KEY.test(input.key))
    throw new DomainError("invalid", "An environment key is lower-case letters, digits and dashes (e.g. staging).");
  if (!input.name.trim()) throw new DomainError("invalid", "Name the environment.");
  return ctx.db.$transaction(async (tx) => {
    if (await tx.environment.findUnique({ where: { key: input.key } }))
      throw new DomainError("conflict", `Environment "${input.key}" already exists.`);
    await tx.environment.create({
      data: { key: input.key, name: input.name.trim(), description: input.description?.trim() ?? "" },
    });
    await ctx.audit(tx, {
      action: "environment.created",
      entityType: "environment",
      entityId: input.key,
      after: { key: input.key, name: input.name.trim() },
    });
    return { key: input.key };
  });
}

/** Binds (or, with connectionKey null, unbinds) a logical connection name in an environment. */
export async function setBinding(
  ctx: GovCtx,
  input: { environment: string; logicalKey: string; connectionKey: string | null },
): Promise<{ environment: string; logicalKey: string; connectionKey: string | null }> {
  requireAdmin(ctx, "Binding connections");
  const logicalKey = input.logicalKey.trim();
  if (!logicalKey) throw new DomainError("invalid", "Name the logical connection to bind.");
  const result = await ctx.db.$transaction(async (tx) => {
    await environmentByKey(tx, input.environment);
    const before = await tx.connectionBinding.findUnique({
      where: { environmentKey_logicalKey: { environmentKey: input.environment, logicalKey } },
    });
    if (input.connectionKey === null) {
      if (before)
        await tx.connectionBinding.delete({
          where: { environmentKey_logicalKey: { environmentKey: input.environment, logicalKey } },
        });
    } else {
      const conn = await tx.connection.findUnique({ where: { key: input.connectionKey }, select: { key: true } });
      if (!conn) throw new DomainError("not_found", `No connection "${input.connectionKey}" to bind ${logicalKey} to.`);
      await tx.connectionBinding.upsert({
        where: { environmentKey_logicalKey: { environmentKey: input.environment, logicalKey } },
        create: { environmentKey: input.environment, logicalKey, connectionKey: conn.key, updatedById: ctx.user.id },
        update: { connectionKey: conn.key, updatedById: ctx.user.id, updatedAt: new Date() },
      });
    }
    await ctx.audit(tx, {
      action: input.connectionKey === null ? "binding.removed" : "binding.set",
      entityType: "connection_binding",
      entityId: `${input.environment}:${logicalKey}`,
      before: before ? { connectionKey: before.connectionKey } : null,
      after: input.connectionKey === null ? null : { connectionKey: input.connectionKey },
    });
    return { environment: input.environment, logicalKey, connectionKey: input.connectionKey };
  });
  forgetBindings();
  return result;
}
