// Flow drafts: create (blank or from an example), save with an optimistic revision check, and pinned
// samples. A save that names an older revision than the stored one is refused with the name of whoever
// saved last, so two people editing the same flow never silently overwrite each other.
import "server-only";
import { DomainError } from "../../core/domain-error";
import type { Prisma } from "../db/client";
import type { Db } from "../db/client";
import {
  checkTriggerInput,
  contentHash,
  DSL_VERSION,
  TRIGGER_NODE_ID,
  TriggerSchema,
  type Flow,
  type TriggerInputProblem,
} from "../../core/dsl";
import { EXAMPLE_SAMPLES, EXAMPLES } from "./examples";
import { convert, ConvertError, type ConvertSource } from "../../core/convert";
import { isObj } from "../../core/is-obj";
import type { AuditFn } from "../audit/audit";

type Tx = Prisma.TransactionClient;
export interface DraftCtx {
  db: Db;
  user: { id: string; name: string };
  audit: AuditFn;
}

export const MAX_DRAFT_BYTES = 2_000_000;

export function blankDraft(h: {
  key: string;
  name: string;
  domain: string;
  owner: string;
  description?: string;
}): Flow {
  return {
    dsl: DSL_VERSION,
    key: h.key,
    version: "0.1.0",
    name: h.name,
    description: h.description ?? "",
    domain: h.domain as Flow["domain"],
    owner: h.owner,
    classification: "internal",
    trigger: { type: "manual" },
    steps: [],
    layout: { nodes: { trigger: { x: 0, y: 0 } } },
  };
}

/** Who last saved the draft of a flow, from the audit log (the one record every save writes). */
export async function lastSave(
  db: Db | Tx,
  flowKey: string,
): Promise<{ by: string; email: string | null; at: Date; revision: number | null } | null> {
  const row = await db.auditLog.findFirst({
    where: { entityType: "flow", entityId: flowKey, action: { in: ["flow.draft.saved", "flow.created"] } },
    orderBy: { seq: "desc" },
    select: { actorId: true, actorEmail: true, at: true, after: true },
  });
  if (!row) return null;
  const user = row.actorId ? await db.user.findUnique({ where: { id: row.actorId }, select: { name: true } }) : null;
  const after = isObj(row.after) ? row.after : {};
  return {
    by: user?.name ?? row.actorEmail ?? "someone",
    email: row.actorEmail,
    at: row.at,
    revision: typeof after.revision === "number" ? after.revision : null,
  };
}

export async function createFlow(
  ctx: DraftCtx,
  input: {
    key: string;
    name: string;
    domain: string;
    ownerTeamKey: string;
    description?: string;
    example?: string;
    import?: { from: ConvertSource; source: string };
  },
  /** A copy of another flow's draft (saveDraftAsCopy): the document, with this flow's key and name. */
  copy?: { of: string; draft: Record<string, unknown> },
): Promise<{ key: string; draftRevision: number }> {
  return ctx.db.$transaction(async (tx) => {
    if (await tx.flow.findUnique({ where: { key: input.key }, select: { id: true } }))
      throw new DomainError("conflict", `A flow with the key "${input.key}" already exists; choose another key.`, {
        field: "key",
      });
    const team = await tx.team.findUnique({ where: { key: input.ownerTeamKey }, select: { id: true } });
    if (!team) throw new DomainError("invalid", `There is no team "${input.ownerTeamKey}".`, { field: "ownerTeamKey" });
    if (input.example && input.import)
      throw new DomainError("invalid", "Start from an example or from an imported file, not both.");
    let draft: Flow;
    let imported: ReturnType<typeof importDraft> | undefined;
    if (copy) draft = { ...(copy.draft as unknown as Flow), key: input.key, name: input.name };
    else if (input.import) {
      imported = importDraft(input.import, input);
      draft = imported.flow;
    } else if (input.example) {
      const ex = EXAMPLES[input.example];
      if (!ex) throw new DomainError("invalid", `There is no example "${input.example}".`);
      draft = {
        ...structuredClone(ex),
        key: input.key,
        name: input.name,
        version: "0.1.0",
        domain: input.domain as Flow["domain"],
        owner: input.ownerTeamKey,
      };
      if (input.description) draft.description = input.description;
    } else
      draft = blankDraft({
        key: input.key,
        name: input.name,
        domain: input.domain,
        owner: input.ownerTeamKey,
        ...(input.description ? { description: input.description } : {}),
      });
    delete (draft as { $schema?: string }).$schema;
    await tx.flow.create({
      data: {
        key: input.key,
        name: input.name,
        description: draft.description,
        domain: input.domain,
        ownerTeamId: team.id,
        classification: draft.classification,
        draft: draft as object,
        createdById: ctx.user.id,
      },
    });
    // A flow made from an example starts with the example's samples pinned, so its first test run has an input.
    // An imported flow starts with the source's pinned data as its samples.
    const samples = input.example ? (EXAMPLE_SAMPLES[input.example] ?? {}) : (imported?.report.pinned ?? {});
    if (Object.keys(samples).length) {
      const created = await tx.flow.findUniqueOrThrow({ where: { key: input.key }, select: { id: true } });
      await tx.flowSample.createMany({
        data: Object.entries(samples).map(([nodeId, payload]) => ({
          flowId: created.id,
          nodeId,
          payload: payload as Prisma.InputJsonValue,
          source: input.example ? "example" : "file",
          pinnedById: ctx.user.id,
        })),
      });
    }
    const importedFrom = imported
      ? { importedFrom: input.import!.from, converted: imported.report.converted, of: imported.report.total }
      : {};
    await ctx.audit(tx, {
      action: "flow.created",
      entityType: "flow",
      entityId: input.key,
      after: {
        name: input.name,
        domain: input.domain,
        owner: input.ownerTeamKey,
        example: input.example ?? null,
        ...(copy ? { copyOf: copy.of } : {}),
        ...importedFrom,
        revision: 1,
        contentHash: contentHash(draft),
      },
    });
    return { key: input.key, draftRevision: 1 };
  });
}

/** An n8n export or ASL state machine (the file's text) → the draft, with the dialog's key, name, domain and owner. */
function importDraft(
  imp: { from: ConvertSource; source: string },
  input: { key: string; name: string; domain: string; ownerTeamKey: string },
) {
  let doc: unknown;
  try {
    doc = JSON.parse(imp.source);
  } catch (e) {
    throw new DomainError("invalid", `The file to import is not JSON: ${(e as Error).message}`);
  }
  try {
    return convert(imp.from, doc, {
      key: input.key,
      name: input.name,
      domain: input.domain as Flow["domain"],
      owner: input.ownerTeamKey,
    });
  } catch (e) {
    if (e instanceof ConvertError) throw new DomainError("invalid", e.message);
    throw e;
  }
}

/**
 * TEST-ONLY: `WEFT_TEST_SAVE_DELAY_MS` makes every draft save wait that long (at most 30 s) before it
 * touches the database, so end-to-end tests can edit while a save is in flight (a slow network or a busy
 * database). Unset in every real deployment; nothing else reads it.
 */
function testSaveDelayMs(): number {
  const ms = Number(process.env.WEFT_TEST_SAVE_DELAY_MS ?? "");
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 30_000) : 0;
}

export async function saveDraft(
  ctx: DraftCtx,
  input: { flowKey: string; baseRevision: number; draft: Record<string, unknown> },
): Promise<{ draftRevision: number; savedAt: Date }> {
  const delay = testSaveDelayMs();
  if (delay) await new Promise((r) => setTimeout(r, delay));
  if (JSON.stringify(input.draft).length > MAX_DRAFT_BYTES)
    throw new DomainError("too_large", "The draft is larger than 2 MB; split the flow into subflows.");
  if (input.draft.key !== undefined && input.draft.key !== input.flowKey)
    throw new DomainError(
      "invalid",
      `The draft's key "${String(input.draft.key)}" is not this flow's key "${input.flowKey}"; a flow key never changes.`,
    );
  return ctx.db.$transaction(async (tx) => {
    const flow = await tx.flow.findUnique({
      where: { key: input.flowKey },
      select: { id: true, draftRevision: true, name: true },
    });
    if (!flow) throw new DomainError("not_found", `There is no flow "${input.flowKey}".`);
    // Header columns follow the draft when its header is usable (the list and catalog read them).
    const name =
      typeof input.draft.name === "string" && input.draft.name.trim() ? input.draft.name.slice(0, 200) : undefined;
    const description =
      typeof input.draft.description === "string" ? input.draft.description.slice(0, 4000) : undefined;
    const updated = await tx.flow.updateMany({
      where: { id: flow.id, draftRevision: input.baseRevision },
      data: {
        draft: input.draft as object,
        draftRevision: { increment: 1 },
        ...(name ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
      },
    });
    if (updated.count === 0) {
      const last = await lastSave(tx, input.flowKey);
      const who = last
        ? `${last.by} saved revision ${flow.draftRevision} at ${last.at.toISOString().slice(11, 16)} UTC`
        : `Revision ${flow.draftRevision} was saved by someone else`;
      throw new DomainError(
        "conflict",
        `${who} after you opened revision ${input.baseRevision}. Your changes were not written over theirs.`,
      );
    }
    const revision = input.baseRevision + 1;
    await ctx.audit(tx, {
      action: "flow.draft.saved",
      entityType: "flow",
      entityId: input.flowKey,
      before: { revision: input.baseRevision },
      after: { revision, contentHash: contentHash(input.draft as unknown as Flow) },
    });
    return { draftRevision: revision, savedAt: new Date() };
  });
}

/**
 * "Save mine as a copy" after an edit conflict: the editor's version of the draft becomes the draft of a new
 * flow (`<key>-copy`, `-copy-2`, …) with the same domain and owner team, so nothing has to be given up.
 */
export async function saveDraftAsCopy(
  ctx: DraftCtx,
  input: { flowKey: string; draft: Record<string, unknown> },
): Promise<{ key: string; name: string; draftRevision: number }> {
  if (JSON.stringify(input.draft).length > MAX_DRAFT_BYTES)
    throw new DomainError("too_large", "The draft is larger than 2 MB; split the flow into subflows.");
  const src = await ctx.db.flow.findUnique({
    where: { key: input.flowKey },
    select: { name: true, domain: true, ownerTeam: { select: { key: true } } },
  });
  if (!src) throw new DomainError("not_found", `There is no flow "${input.flowKey}".`);
  const base = input.flowKey.slice(0, 52);
  const draftName =
    typeof input.draft.name === "string" && input.draft.name.trim() ? input.draft.name.trim() : src.name;
  for (let i = 1; i <= 50; i++) {
    const key = i === 1 ? `${base}-copy` : `${base}-copy-${i}`;
    const name = `${draftName} (copy${i === 1 ? "" : ` ${i}`})`.slice(0, 200);
    if (await ctx.db.flow.findUnique({ where: { key }, select: { id: true } })) continue;
    try {
      const r = await createFlow(
        ctx,
        { key, name, domain: src.domain, ownerTeamKey: src.ownerTeam.key },
        { of: input.flowKey, draft: input.draft },
      );
      return { ...r, name };
    } catch (e) {
      // Someone took the key between the look-up and the insert: try the next one.
      if (e instanceof DomainError && e.code === "conflict") continue;
      throw e;
    }
  }
  throw new DomainError("conflict", `"${input.flowKey}" already has 50 copies; delete some before saving another.`);
}

export async function pinSample(
  ctx: DraftCtx,
  input: { flowKey: string; nodeId: string; payload: unknown; source: string },
): Promise<{ pinnedAt: Date }> {
  if (JSON.stringify(input.payload ?? null).length > 1_000_000)
    throw new DomainError("too_large", "A sample may be at most 1 MB.");
  return ctx.db.$transaction(async (tx) => {
    const flow = await tx.flow.findUnique({ where: { key: input.flowKey }, select: { id: true, draft: true } });
    if (!flow) throw new DomainError("not_found", `There is no flow "${input.flowKey}".`);
    // The trigger's sample is a `$trigger` the trigger could produce (a webhook's { body, headers, query }):
    // checked by the same function test runs and replays use.
    if (input.nodeId === TRIGGER_NODE_ID) {
      const problems = await triggerSampleProblems(tx, flow.draft, input.payload);
      if (problems.length)
        throw new DomainError(
          "invalid",
          `The trigger sample is not what the trigger produces: ${problems.map((p) => p.message).join(" ")}`,
        );
    }
    const payload = (input.payload ?? null) as Prisma.InputJsonValue;
    const row = await tx.flowSample.upsert({
      where: { flowId_nodeId: { flowId: flow.id, nodeId: input.nodeId } },
      create: { flowId: flow.id, nodeId: input.nodeId, payload, source: input.source, pinnedById: ctx.user.id },
      update: { payload, source: input.source, pinnedById: ctx.user.id, pinnedAt: new Date() },
    });
    await ctx.audit(tx, {
      action: "flow.sample.pinned",
      entityType: "flow",
      entityId: input.flowKey,
      after: { nodeId: input.nodeId, source: input.source },
    });
    return { pinnedAt: row.pinnedAt };
  });
}

/** What is wrong with a value as `$trigger` of a draft (nothing when the draft's trigger cannot be read). */
export async function triggerSampleProblems(tx: Tx, draft: unknown, payload: unknown): Promise<TriggerInputProblem[]> {
  const t = TriggerSchema.safeParse((draft as { trigger?: unknown } | null)?.trigger);
  if (!t.success) return [];
  let eventSchema: Record<string, unknown> | undefined;
  if (t.data.type === "event") {
    const c = await tx.eventContract.findFirst({
      where: { name: t.data.event, status: "active", ...(t.data.version ? { major: t.data.version } : {}) },
      orderBy: [{ major: "desc" }, { createdAt: "desc" }],
      select: { schema: true },
    });
    eventSchema = (c?.schema as Record<string, unknown> | undefined) ?? undefined;
  }
  return checkTriggerInput(t.data, payload, eventSchema);
}

export async function unpinSample(
  ctx: DraftCtx,
  input: { flowKey: string; nodeId: string },
): Promise<{ removed: boolean }> {
  return ctx.db.$transaction(async (tx) => {
    const flow = await tx.flow.findUnique({ where: { key: input.flowKey }, select: { id: true } });
    if (!flow) throw new DomainError("not_found", `There is no flow "${input.flowKey}".`);
    const r = await tx.flowSample.deleteMany({ where: { flowId: flow.id, nodeId: input.nodeId } });
    if (r.count > 0)
      await ctx.audit(tx, {
        action: "flow.sample.unpinned",
        entityType: "flow",
        entityId: input.flowKey,
        before: { nodeId: input.nodeId },
      });
    return { removed: r.count > 0 };
  });
}
