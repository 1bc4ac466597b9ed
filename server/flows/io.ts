// Flows as files: `weft export` / `weft import` (and GET/PUT /api/v1/flows/<key>) for integration owners who
// keep flows in git. Export gives the draft or a published version; import validates the document like the
// designer does, then creates the flow or saves it as its draft — refusing to overwrite draft edits that are
// in no version unless forced, so a CI job never silently discards someone's work in the designer.
import "server-only";
import { DomainError } from "../../core/domain-error";
import type { Db } from "../db/client";
import { dslCatalog, workspaceConnections } from "../connections/catalog";
import { contentHash, type Flow } from "../../core/dsl";
import { validate } from "../../core/dsl/validate";
import { formatPath } from "../../core/dsl/problems";
import { createFlow, lastSave, saveDraft, type DraftCtx } from "./drafts";

export interface ExportedFlow {
  flow: Flow;
  source: "draft" | "version";
  /** The published version exported, or the draft's own version field. */
  version: string;
  draftRevision: number;
  contentHash: string;
  /** The draft has changes that no published version holds (layout aside). */
  unpublishedChanges: boolean;
}

async function latestVersion(db: Db, flowId: string) {
  return db.flowVersion.findFirst({
    where: { flowId, status: { in: ["approved", "deprecated", "pending_approval"] } },
    orderBy: { createdAt: "desc" },
    select: { version: true, dsl: true, status: true },
  });
}

const behaviour = (f: unknown) => contentHash(f as Flow, { behaviourOnly: true });

export async function exportFlow(db: Db, flowKey: string, version?: string): Promise<ExportedFlow> {
  const flow = await db.flow.findUnique({
    where: { key: flowKey },
    select: { id: true, draft: true, draftRevision: true },
  });
  if (!flow) throw new DomainError("not_found", `There is no flow "${flowKey}".`);
  const latest = await latestVersion(db, flow.id);
  const unpublishedChanges = !latest || behaviour(latest.dsl) !== behaviour(flow.draft);
  if (version) {
    const v = await db.flowVersion.findUnique({
      where: { flowId_version: { flowId: flow.id, version } },
      select: { dsl: true },
    });
    if (!v) {
      const known = await db.flowVersion.findMany({
        where: { flowId: flow.id },
        orderBy: { createdAt: "desc" },
        take: 10,
        select: { version: true },
      });
      throw new DomainError(
        "not_found",
        `Flow "${flowKey}" has no version ${version}${known.length ? ` (it has ${known.map((k) => k.version).join(", ")})` : " (nothing is published yet)"}.`,
      );
    }
    const dsl = v.dsl as unknown as Flow;
    return {
      flow: dsl,
      source: "version",
      version,
      draftRevision: flow.draftRevision,
      contentHash: contentHash(dsl),
      unpublishedChanges,
    };
  }
  const draft = flow.draft as unknown as Flow;
  return {
    flow: draft,
    source: "draft",
    version: draft.version,
    draftRevision: flow.draftRevision,
    contentHash: contentHash(draft),
    unpublishedChanges,
  };
}

export interface ImportResult {
  key: string;
  outcome: "created" | "updated" | "unchanged";
  draftRevision: number;
  warnings: string[];
}

/** Problems as "path [step]: message (code)" lines — the same wording as `weft validate`. */
const line = (p: { path: (string | number)[]; stepId?: string; message: string; code: string }) =>
  `${formatPath(p.path) || "(document)"}${p.stepId ? ` [${p.stepId}]` : ""}: ${p.message} (${p.code})`;

export async function importFlow(
  ctx: DraftCtx,
  document: unknown,
  opts: { force?: boolean } = {},
): Promise<ImportResult> {
  const [connections, flows] = await Promise.all([
    workspaceConnections(ctx.db),
    ctx.db.flow.findMany({
      select: {
        key: true,
        versions: { where: { status: { in: ["approved", "deprecated"] } }, select: { version: true } },
      },
    }),
  ]);
  // Built-in and imported (OpenAPI) connectors, the workspace's connections and published flows.
  const catalog = {
    ...(await dslCatalog(ctx.db, connections)),
    flows: Object.fromEntries(flows.map((f) => [f.key, { versions: f.versions.map((v) => v.version) }])),
  };
  const result = validate(document, { catalog });
  const errors = result.problems.filter((p) => p.severity === "error");
  if (!result.flow || errors.length) {
    throw new DomainError(
      "invalid",
      `The document is not a valid flow (${errors.length} error${errors.length === 1 ? "" : "s"}):\n${errors
        .slice(0, 50)
        .map((p) => `  ${line(p)}`)
        .join("\n")}`,
    );
  }
  const flow = result.flow;
  // The draft is the document as written (not the parsed one with defaults filled in), so an export gives
  // back the file that was imported.
  const draft = { ...(document as Record<string, unknown>) };
  delete draft.$schema;
  const warnings = result.problems.filter((p) => p.severity !== "error").map(line);

  const existing = await ctx.db.flow.findUnique({
    where: { key: flow.key },
    select: { id: true, draft: true, draftRevision: true },
  });
  if (!existing) {
    await createFlow(ctx, {
      key: flow.key,
      name: flow.name,
      domain: flow.domain,
      ownerTeamKey: flow.owner,
      description: flow.description,
    });
    const saved = await saveDraft(ctx, { flowKey: flow.key, baseRevision: 1, draft });
    return { key: flow.key, outcome: "created", draftRevision: saved.draftRevision, warnings };
  }
  if (contentHash(existing.draft as unknown as Flow) === contentHash(draft as unknown as Flow)) {
    return { key: flow.key, outcome: "unchanged", draftRevision: existing.draftRevision, warnings };
  }
  if (!opts.force) {
    const latest = await latestVersion(ctx.db, existing.id);
    const draftIsPublished = latest && behaviour(latest.dsl) === behaviour(existing.draft);
    if (!draftIsPublished && existing.draftRevision > 1) {
      const last = await lastSave(ctx.db, flow.key);
      const who = last
        ? ` (revision ${existing.draftRevision}, saved by ${last.by} at ${last.at.toISOString().slice(0, 16).replace("T", " ")} UTC)`
        : "";
      throw new DomainError(
        "conflict",
        `The draft of "${flow.key}" has changes that are in no published version${who}; importing would overwrite them. Publish or export them first, or import with --force.`,
      );
    }
  }
  const saved = await saveDraft(ctx, { flowKey: flow.key, baseRevision: existing.draftRevision, draft });
  return { key: flow.key, outcome: "updated", draftRevision: saved.draftRevision, warnings };
}
