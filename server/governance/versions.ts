// Versions and approvals. Publishing is a request: the policy checks run when it is made (a request that
// fails them is not created), then an approver of the flow's owning team other than the author approves it
// (four-eyes). An admin may override the four-eyes rule only with a reason, and that is audited as such.
// Only approved versions run in production triggers; deprecated ones keep running until retired.
import "server-only";
import { DomainError } from "../../core/domain-error";
import semver from "semver";
import type { Db } from "../db/client";
import { hasRole } from "../../core/roles";
import { appendAudit } from "../audit/audit";
import type { GovCtx, Tx } from "./context";
import { checkFlowContracts } from "./contracts";
import { extractFlowFacts } from "./flow-facts";
import {
  bumpBetween,
  REVIEWED_CLASSIFICATIONS,
  runPolicyChecks,
  type Bump,
  type PolicyInputs,
  type PolicyReport,
} from "../../core/governance/policy";
import { loadStandards } from "./standards";
import { dslCatalog, workspaceConnections } from "../connections/catalog";
import { contentHash, type Flow } from "../../core/dsl";
import { validate } from "../../core/dsl/validate";
import { formatPath } from "../../core/dsl/problems";
import { detectBreakingChanges } from "../../core/dsl/breaking";
import { forgetPublishedFlow } from "../runtime/flow-source";
// A cycle (the environments service uses this module's policy checks), safe: both only call each other at run time.
import { deployOnPublication, environmentsRunning, productionBeforePublication } from "../environments/service";

/** Where an approval deployed the version (docs/environments.md "Publication"). */
export type Publication = Awaited<ReturnType<typeof deployOnPublication>>;

const DAY_MS = 86_400_000;
/** An override or an early retirement must say why, in more than a word. */
export const MIN_REASON = 10;

export interface VersionRequestInput {
  flowKey: string;
  version: string;
  /** The DSL document to publish (immutable once requested). */
  dsl: unknown;
  changelog: string;
}

/**
 * What the server itself concludes about a document before it may be published — never taken from the
 * caller, who could otherwise publish an invalid flow or under-state a breaking change: the validator's
 * errors (built-in and imported connectors, the workspace's connections and published flows), the bump the
 * breaking-change detector demands against the previous version, and the content hash.
 */
async function documentChecks(
  db: Db | Tx,
  flowId: string,
  input: Pick<VersionRequestInput, "dsl" | "version">,
  previous: string | null,
): Promise<
  Pick<PolicyInputs, "validationErrors" | "validationWarnings" | "requiredBump"> & { contentHash: string | null }
> {
  const [connections, flows] = await Promise.all([
    workspaceConnections(db as Db),
    db.flow.findMany({
      select: {
        key: true,
        versions: { where: { status: { in: ["approved", "deprecated"] } }, select: { version: true } },
      },
    }),
  ]);
  // dslCatalog only reads; a transaction client serves it as well as the pool.
  const catalog = {
    ...(await dslCatalog(db as Db, connections)),
    flows: Object.fromEntries(flows.map((f) => [f.key, { versions: f.versions.map((v) => v.version) }])),
  };
  const result = validate(input.dsl, { catalog });
  const validationErrors: Array<{ message: string; path?: string }> = result.problems
    .filter((p) => p.severity === "error")
    .map((p) => ({ message: p.message, path: formatPath(p.path) }));
  const validationWarnings = result.problems
    .filter((p) => p.severity === "warning")
    .map((p) => ({ message: p.message, path: formatPath(p.path) }));
  if (result.flow && result.flow.version !== input.version) {
    validationErrors.push({
      message: `The document says version ${result.flow.version}, but it is being published as ${input.version}; they must be the same.`,
      path: "version",
    });
  }
  let requiredBump: Bump | null = null;
  if (result.flow && previous) {
    const prev = await db.flowVersion.findUnique({
      where: { flowId_version: { flowId, version: previous } },
      select: { dsl: true },
    });
    const prevFlow = prev ? validate(prev.dsl).flow : undefined;
    const bump = prevFlow ? detectBreakingChanges(prevFlow, result.flow).bump : "none";
    requiredBump = bump === "none" ? null : bump;
  }
  return {
    validationErrors,
    validationWarnings,
    requiredBump,
    contentHash: result.flow ? contentHash(input.dsl as Flow) : null,
  };
}

export type VersionRequestResult =
  { ok: true; versionId: string; version: string; report: PolicyReport } | { ok: false; report: PolicyReport };

async function flowByKey(tx: Tx | Db, key: string) {
  const flow = await tx.flow.findUnique({
    where: { key },
    include: { ownerTeam: { select: { id: true, key: true, name: true } } },
  });
  if (!flow) throw new DomainError("not_found", `No flow "${key}".`);
  return flow;
}

/** The newest version that counts as published history (anything not rejected). */
async function previousVersion(tx: Tx | Db, flowId: string): Promise<string | null> {
  const rows = await tx.flowVersion.findMany({
    where: { flowId, status: { not: "rejected" } },
    select: { version: true },
  });
  const valid = rows.map((r) => r.version).filter((v) => semver.valid(v));
  return valid.sort(semver.rcompare)[0] ?? null;
}

async function classificationReviewed(tx: Tx | Db, flowId: string, classification: string): Promise<boolean> {
  return !!(await tx.classificationReview.findFirst({ where: { flowId, classification }, select: { id: true } }));
}

/** The policy report a request for this version would get now (the designer shows it before submitting). */
export async function previewPolicy(db: Db | Tx, input: VersionRequestInput): Promise<PolicyReport> {
  return (await policyFor(db, input)).report;
}

/**
 * The publish checks of a version against a given predecessor (a promotion checks against what runs in
 * production, not against the newest published version): docs/environments.md.
 */
export async function policyAgainst(
  db: Db | Tx,
  input: VersionRequestInput,
  previous: string | null,
): Promise<PolicyReport> {
  return (await policyFor(db, input, previous)).report;
}

async function policyFor(
  db: Db | Tx,
  input: VersionRequestInput,
  against?: string | null,
): Promise<{ report: PolicyReport; contentHash: string | null }> {
  const flow = await flowByKey(db, input.flowKey);
  const previous = against !== undefined ? against : await previousVersion(db, flow.id);
  const contractIssues = await checkFlowContracts(db, extractFlowFacts(input.dsl));
  const checks = await documentChecks(db, flow.id, input, previous);
  const report = runPolicyChecks({
    validationErrors: checks.validationErrors,
    validationWarnings: checks.validationWarnings,
    changelog: input.changelog,
    proposedBump: bumpBetween(previous, input.version),
    requiredBump: previous ? checks.requiredBump : null,
    classification: flow.classification,
    classificationReviewed: await classificationReviewed(db, flow.id, flow.classification),
    contractIssues,
  });
  return { report, contentHash: checks.contentHash };
}

/**
 * The designer's publish button calls this. Runs the policy checks; when they pass, creates the version
 * (pending approval) and its request, audited as version.requested. Refuses a second pending request.
 */
export async function requestVersion(ctx: GovCtx, input: VersionRequestInput): Promise<VersionRequestResult> {
  if (!hasRole(ctx.user.roles, "designer"))
    throw new DomainError("forbidden", "Requesting a version needs the designer role.");
  return ctx.db.$transaction(async (tx) => {
    const flow = await flowByKey(tx, input.flowKey);
    // Serialise requests per flow so two concurrent publishes cannot both pass the "pending" check.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`weft.version-request.${flow.id}`}))`;
    const { report, contentHash: hash } = await policyFor(tx, input);
    if (!report.ok || !hash) return { ok: false as const, report };
    const pending = await tx.flowVersion.findFirst({
      where: { flowId: flow.id, status: "pending_approval" },
      select: { version: true },
    });
    if (pending)
      throw new DomainError(
        "conflict",
        `Version ${pending.version} is still waiting for approval; approve or reject it first.`,
      );
    if (
      await tx.flowVersion.findUnique({
        where: { flowId_version: { flowId: flow.id, version: input.version } },
        select: { id: true },
      })
    ) {
      throw new DomainError("conflict", `Version ${input.version} already exists.`);
    }
    const v = await tx.flowVersion.create({
      data: {
        flowId: flow.id,
        version: input.version,
        dsl: input.dsl as object,
        contentHash: hash,
        changelog: input.changelog.trim(),
        authorId: ctx.user.id,
      },
    });
    await tx.versionRequest.create({
      data: { flowVersionId: v.id, flowId: flow.id, requestedById: ctx.user.id, policy: report as unknown as object },
    });
    await ctx.audit(tx, {
      action: "version.requested",
      entityType: "flow_version",
      entityId: `${flow.key}@${v.version}`,
      after: { version: v.version, contentHash: v.contentHash, changelog: v.changelog, status: v.status },
      meta: { policy: report.checks.map((c) => ({ id: c.id, ok: c.ok })) },
    });
    return { ok: true as const, versionId: v.id, version: v.version, report };
  });
}

async function loadVersion(tx: Tx, versionId: string) {
  const v = await tx.flowVersion.findUnique({
    where: { id: versionId },
    include: { flow: { include: { ownerTeam: { select: { id: true, key: true, name: true } } } } },
  });
  if (!v) throw new DomainError("not_found", "No such version.");
  return v;
}

/** Why `user` may not decide on this version under the four-eyes rule, or null when they may. */
export function fourEyesRefusal(
  user: { id: string; teamIds: readonly string[] },
  version: { authorId: string | null },
  ownerTeam: { id: string; name: string },
): string | null {
  if (version.authorId === user.id) return "You wrote this version: another approver must approve it (four-eyes).";
  if (!user.teamIds.includes(ownerTeam.id))
    return `Only approvers of the owning team (${ownerTeam.name}) may decide on this version.`;
  return null;
}

async function activate(tx: Tx, flowId: string, lifecycle: string): Promise<void> {
  if (lifecycle === "draft" || lifecycle === "deprecated")
    await tx.flow.update({ where: { id: flowId }, data: { lifecycle: "active" } });
}

/** A version waiting for approval that this caller may decide (four eyes: not the author, in the owning team). */
async function loadPendingDecision(tx: Tx, ctx: GovCtx, versionId: string) {
  const v = await loadVersion(tx, versionId);
  if (v.status !== "pending_approval")
    throw new DomainError(
      "conflict",
      `Version ${v.version} is ${v.status.replace("_", " ")}, not waiting for approval.`,
    );
  const refusal = fourEyesRefusal(ctx.user, v, v.flow.ownerTeam);
  if (refusal) throw new DomainError("forbidden", refusal);
  return v;
}

export async function approveVersion(
  ctx: GovCtx,
  input: { versionId: string },
): Promise<{ version: string; status: "approved"; deployed: Publication }> {
  if (!hasRole(ctx.user.roles, "approver")) throw new DomainError("forbidden", "Approving needs the approver role.");
  const r = await ctx.db.$transaction(async (tx) => {
    const v = await loadPendingDecision(tx, ctx, input.versionId);
    const before = await productionBeforePublication(tx, v.flowId);
    const now = new Date();
    await tx.flowVersion.update({
      where: { id: v.id },
      data: { status: "approved", approverId: ctx.user.id, approvedAt: now },
    });
    await tx.versionRequest.update({
      where: { flowVersionId: v.id },
      data: { status: "approved", decidedById: ctx.user.id, decidedAt: now },
    });
    await activate(tx, v.flowId, v.flow.lifecycle);
    await ctx.audit(tx, {
      action: "version.approved",
      entityType: "flow_version",
      entityId: `${v.flow.key}@${v.version}`,
      before: { status: v.status },
      after: { status: "approved", approverId: ctx.user.id },
      meta: { authorId: v.authorId },
    });
    const deployed = await deployOnPublication(tx, ctx, v.flow, v, before);
    return { version: v.version, status: "approved" as const, deployed, flowKey: v.flow.key };
  });
  forgetPublishedFlow(r.flowKey);
  return { version: r.version, status: r.status, deployed: r.deployed };
}

export async function rejectVersion(
  ctx: GovCtx,
  input: { versionId: string; reason: string },
): Promise<{ version: string; status: "rejected" }> {
  if (!hasRole(ctx.user.roles, "approver")) throw new DomainError("forbidden", "Rejecting needs the approver role.");
  if (input.reason.trim().length < 3) throw new DomainError("invalid", "Say why the version is rejected.");
  return ctx.db.$transaction(async (tx) => {
    const v = await loadPendingDecision(tx, ctx, input.versionId);
    const now = new Date();
    await tx.flowVersion.update({ where: { id: v.id }, data: { status: "rejected" } });
    await tx.versionRequest.update({
      where: { flowVersionId: v.id },
      data: { status: "rejected", decidedById: ctx.user.id, decidedAt: now, reason: input.reason.trim() },
    });
    await ctx.audit(tx, {
      action: "version.rejected",
      entityType: "flow_version",
      entityId: `${v.flow.key}@${v.version}`,
      before: { status: v.status },
      after: { status: "rejected" },
      meta: { reason: input.reason.trim() },
    });
    return { version: v.version, status: "rejected" as const };
  });
}

/** Admin-only approval that bypasses four-eyes (e.g. the only team approver wrote it); the reason is audited. */
export async function overrideApproval(
  ctx: GovCtx,
  input: { versionId: string; reason: string },
): Promise<{ version: string; status: "approved"; deployed: Publication }> {
  if (!ctx.user.roles.includes("admin"))
    throw new DomainError("forbidden", "Only an admin can override the four-eyes rule.");
  const reason = input.reason.trim();
  if (reason.length < MIN_REASON)
    throw new DomainError("invalid", `An override needs a reason (at least ${MIN_REASON} characters).`);
  const r = await ctx.db.$transaction(async (tx) => {
    const v = await loadVersion(tx, input.versionId);
    if (v.status !== "pending_approval")
      throw new DomainError(
        "conflict",
        `Version ${v.version} is ${v.status.replace("_", " ")}, not waiting for approval.`,
      );
    const req = await tx.versionRequest.findUnique({ where: { flowVersionId: v.id } });
    // Policy checks are not overridable: only who approves is.
    if (req && !(req.policy as unknown as PolicyReport).ok)
      throw new DomainError("precondition", "This version failed its policy checks.");
    const before = await productionBeforePublication(tx, v.flowId);
    const now = new Date();
    await tx.flowVersion.update({
      where: { id: v.id },
      data: { status: "approved", approverId: ctx.user.id, approvedAt: now },
    });
    await tx.versionRequest.update({
      where: { flowVersionId: v.id },
      data: { status: "overridden", decidedById: ctx.user.id, decidedAt: now, reason },
    });
    await activate(tx, v.flowId, v.flow.lifecycle);
    await ctx.audit(tx, {
      action: "version.approval_overridden",
      entityType: "flow_version",
      entityId: `${v.flow.key}@${v.version}`,
      before: { status: v.status },
      after: { status: "approved", approverId: ctx.user.id },
      meta: {
        override: true,
        reason,
        bypassed: fourEyesRefusal(ctx.user, v, v.flow.ownerTeam) ?? "nothing (the admin could have approved normally)",
      },
    });
    const deployed = await deployOnPublication(tx, ctx, v.flow, v, before);
    return { version: v.version, status: "approved" as const, deployed, flowKey: v.flow.key };
  });
  forgetPublishedFlow(r.flowKey);
  return { version: r.version, status: r.status, deployed: r.deployed };
}

function canManage(ctx: GovCtx, ownerTeamId: string): boolean {
  return (
    ctx.user.roles.includes("admin") || (hasRole(ctx.user.roles, "approver") && ctx.user.teamIds.includes(ownerTeamId))
  );
}

/** After a status change: a flow with nothing approved left is deprecated; with nothing runnable, retired. */
async function settleLifecycle(tx: Tx, flowId: string): Promise<void> {
  const statuses = (await tx.flowVersion.findMany({ where: { flowId }, select: { status: true } })).map(
    (r) => r.status,
  );
  const lifecycle = statuses.includes("approved")
    ? "active"
    : statuses.includes("deprecated")
      ? "deprecated"
      : statuses.includes("retired")
        ? "retired"
        : null;
  if (lifecycle) await tx.flow.update({ where: { id: flowId }, data: { lifecycle } });
}

export async function deprecateVersion(
  ctx: GovCtx,
  input: { versionId: string; sunsetAt: Date; reason?: string },
): Promise<{ version: string; sunsetAt: Date }> {
  return ctx.db.$transaction(async (tx) => {
    const v = await loadVersion(tx, input.versionId);
    if (!canManage(ctx, v.flow.ownerTeamId))
      throw new DomainError(
        "forbidden",
        `Only approvers of ${v.flow.ownerTeam.name} or an admin may deprecate this version.`,
      );
    if (v.status !== "approved")
      throw new DomainError(
        "conflict",
        `Only an approved version can be deprecated (this one is ${v.status.replace("_", " ")}).`,
      );
    const { deprecationNoticeDays } = await loadStandards(tx);
    const earliest = new Date(Date.now() + deprecationNoticeDays * DAY_MS);
    if (input.sunsetAt.getTime() < earliest.getTime() - 60_000) {
      throw new DomainError(
        "invalid",
        `The sunset date must be at least ${deprecationNoticeDays} days out (on or after ${earliest.toISOString().slice(0, 10)}).`,
      );
    }
    await tx.flowVersion.update({ where: { id: v.id }, data: { status: "deprecated", sunsetAt: input.sunsetAt } });
    await settleLifecycle(tx, v.flowId);
    await ctx.audit(tx, {
      action: "version.deprecated",
      entityType: "flow_version",
      entityId: `${v.flow.key}@${v.version}`,
      before: { status: v.status },
      after: { status: "deprecated", sunsetAt: input.sunsetAt },
      meta: { reason: input.reason ?? null, noticeDays: deprecationNoticeDays },
    });
    return { version: v.version, sunsetAt: input.sunsetAt };
  });
}

/** Retires a deprecated version once its sunset has passed; before that only an admin, with a reason. */
export async function retireVersion(
  ctx: GovCtx,
  input: { versionId: string; reason?: string },
): Promise<{ version: string; status: "retired" }> {
  return ctx.db.$transaction(async (tx) => {
    const v = await loadVersion(tx, input.versionId);
    if (!canManage(ctx, v.flow.ownerTeamId))
      throw new DomainError(
        "forbidden",
        `Only approvers of ${v.flow.ownerTeam.name} or an admin may retire this version.`,
      );
    if (v.status !== "deprecated")
      throw new DomainError("conflict", "Deprecate the version (with a sunset date) before retiring it.");
    // Nothing runs a retired version: an environment whose deployment names it would run nothing at all.
    const live = await environmentsRunning(tx, v.flowId, v.id);
    if (live.length)
      throw new DomainError(
        "precondition",
        `${v.flow.key} v${v.version} is live in ${live.join(" and ")}: deploy or promote another version there (or roll back) before retiring it.`,
      );
    const early = !v.sunsetAt || v.sunsetAt.getTime() > Date.now();
    const reason = input.reason?.trim() ?? "";
    if (early && !(ctx.user.roles.includes("admin") && reason.length >= MIN_REASON)) {
      throw new DomainError(
        "precondition",
        `Its sunset is ${v.sunsetAt?.toISOString().slice(0, 10)}; retiring earlier needs an admin and a reason.`,
      );
    }
    await tx.flowVersion.update({ where: { id: v.id }, data: { status: "retired" } });
    await settleLifecycle(tx, v.flowId);
    await ctx.audit(tx, {
      action: "version.retired",
      entityType: "flow_version",
      entityId: `${v.flow.key}@${v.version}`,
      before: { status: v.status },
      after: { status: "retired" },
      meta: { early, reason: reason || null },
    });
    return { version: v.version, status: "retired" as const };
  });
}

/** Scheduled: retires deprecated versions whose sunset has passed (audited as the system). */
export async function retireDueVersions(db: Db, now = new Date()): Promise<number> {
  const due = await db.flowVersion.findMany({
    where: { status: "deprecated", sunsetAt: { lte: now } },
    include: { flow: { select: { key: true } } },
  });
  let retired = 0;
  for (const v of due) {
    await db.$transaction(async (tx) => {
      // Left deprecated while an environment runs it (retireVersion refuses it too); retired once it moved on.
      if ((await environmentsRunning(tx, v.flowId, v.id)).length) return;
      const n = await tx.flowVersion.updateMany({
        where: { id: v.id, status: "deprecated" },
        data: { status: "retired" },
      });
      if (!n.count) return;
      await settleLifecycle(tx, v.flowId);
      await appendAudit(tx, {
        actor: null,
        action: "version.retired",
        entityType: "flow_version",
        entityId: `${v.flow.key}@${v.version}`,
        before: { status: "deprecated" },
        after: { status: "retired" },
        meta: { sunsetAt: v.sunsetAt, automatic: true },
      });
      retired++;
    });
  }
  return retired;
}

/** Whether a version may run: production triggers need approved or deprecated; nothing runs a retired one. */
export function isRunnable(status: string, mode: "production" | "test"): boolean {
  if (status === "retired") return false;
  if (mode === "test") return true;
  return status === "approved" || status === "deprecated";
}

/** For the runtime, before it starts a run on a pinned version (e.g. replay): throws when it may not run. */
export async function assertVersionRunnable(
  db: Db,
  versionId: string,
  mode: "production" | "test" = "production",
): Promise<void> {
  const v = await db.flowVersion.findUnique({ where: { id: versionId }, select: { status: true, version: true } });
  if (!v) throw new DomainError("not_found", "No such version.");
  if (!isRunnable(v.status, mode)) {
    throw new DomainError(
      "precondition",
      `Version ${v.version} is ${v.status.replace("_", " ")} and cannot run${mode === "production" ? " in production" : ""}.`,
    );
  }
}

export async function recordClassificationReview(
  ctx: GovCtx,
  input: { flowKey: string; note: string },
): Promise<{ classification: string }> {
  return ctx.db.$transaction(async (tx) => {
    const flow = await flowByKey(tx, input.flowKey);
    const steward = await tx.govDomainSteward.findUnique({
      where: { domainKey_userId: { domainKey: flow.domain, userId: ctx.user.id } },
    });
    if (!steward && !canManage(ctx, flow.ownerTeamId)) {
      throw new DomainError(
        "forbidden",
        `Only a steward of the ${flow.domain} domain or an approver of ${flow.ownerTeam.name} may review its classification.`,
      );
    }
    if (input.note.trim().length < 3) throw new DomainError("invalid", "Note what was reviewed.");
    await tx.classificationReview.create({
      data: { flowId: flow.id, classification: flow.classification, reviewerId: ctx.user.id, note: input.note.trim() },
    });
    await ctx.audit(tx, {
      action: "flow.classification_reviewed",
      entityType: "flow",
      entityId: flow.key,
      after: { classification: flow.classification },
      meta: { note: input.note.trim(), required: REVIEWED_CLASSIFICATIONS.includes(flow.classification) },
    });
    return { classification: flow.classification };
  });
}

export interface TimelineEntry {
  id: string;
  version: string;
  status: string;
  changelog: string;
  contentHash: string;
  createdAt: Date;
  approvedAt: Date | null;
  sunsetAt: Date | null;
  author: { id: string; name: string; email: string } | null;
  approver: { id: string; name: string; email: string } | null;
  request: { status: string; reason: string | null; decidedAt: Date | null; policy: PolicyReport } | null;
  /** The designer's diff view between this version and the one before it. */
  diffHref: string | null;
}

export async function versionTimeline(db: Db, flowKey: string): Promise<TimelineEntry[]> {
  const flow = await flowByKey(db, flowKey);
  const versions = await db.flowVersion.findMany({
    where: { flowId: flow.id },
    select: {
      id: true,
      version: true,
      status: true,
      changelog: true,
      contentHash: true,
      createdAt: true,
      approvedAt: true,
      sunsetAt: true,
      authorId: true,
      approverId: true,
    },
  });
  versions.sort((a, b) =>
    semver.valid(a.version) && semver.valid(b.version)
      ? semver.rcompare(a.version, b.version)
      : b.createdAt.getTime() - a.createdAt.getTime(),
  );
  const requests = await db.versionRequest.findMany({ where: { flowId: flow.id } });
  const userIds = [...new Set(versions.flatMap((v) => [v.authorId, v.approverId]).filter((x): x is string => !!x))];
  const users = new Map(
    (await db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true, email: true } })).map(
      (u) => [u.id, u],
    ),
  );
  const reqBy = new Map(requests.map((r) => [r.flowVersionId, r]));
  return versions.map((v, i) => {
    const r = reqBy.get(v.id);
    const prev = versions[i + 1];
    return {
      id: v.id,
      version: v.version,
      status: v.status,
      changelog: v.changelog,
      contentHash: v.contentHash,
      createdAt: v.createdAt,
      approvedAt: v.approvedAt,
      sunsetAt: v.sunsetAt,
      author: v.authorId ? (users.get(v.authorId) ?? null) : null,
      approver: v.approverId ? (users.get(v.approverId) ?? null) : null,
      request: r
        ? { status: r.status, reason: r.reason, decidedAt: r.decidedAt, policy: r.policy as unknown as PolicyReport }
        : null,
      diffHref: prev
        ? `/flows/${encodeURIComponent(flow.key)}/diff?from=${encodeURIComponent(prev.version)}&to=${encodeURIComponent(v.version)}`
        : null,
    };
  });
}
