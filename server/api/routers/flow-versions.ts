// Versions of one flow for the designer: history, a version's document, the diff between any two sides
// (a version or the draft) with breaking changes, and restoring a version as the draft. Publishing and
// approval stay in governance.versions (request → four-eyes approve); this router only reads versions
// and writes the draft (designer role, revision-checked, audited).
import "server-only";
import { TRPCError } from "@trpc/server";
import semver from "semver";
import { z } from "zod";
import {
  FlowSchema,
  decompileWithLayout,
  detectBreakingChanges,
  diffFlows,
  type BreakingReport,
  type CanvasGraph,
  type Flow,
  type FlowDiff,
} from "../../../core/dsl";
import type { Db } from "../../db/client";
import { versionTimeline } from "../../governance/versions";
import { createTRPCRouter, procedure } from "../trpc";
import { isObj } from "../../../core/is-obj";

const flowKey = z.string().min(1).max(128);
/** "draft" or a version number. */
const side = z.string().min(1).max(64);

async function loadFlow(db: Db, key: string) {
  const flow = await db.flow.findUnique({
    where: { key },
    select: {
      id: true,
      key: true,
      name: true,
      domain: true,
      draft: true,
      draftRevision: true,
      lifecycle: true,
      updatedAt: true,
    },
  });
  if (!flow) throw new TRPCError({ code: "NOT_FOUND", message: `No flow "${key}".` });
  return flow;
}

export interface FlowDocument {
  flow: Flow;
  /** The stored document is a valid weft/1 flow; otherwise it was read leniently (e.g. seeded history). */
  valid: boolean;
  problem: string | null;
}

/**
 * A stored document as a Flow. Documents that do not pass the schema (older or seeded history) are read
 * leniently — header filled in from the flow, steps kept when they have an id and a type — so they can
 * still be compared and drawn; `problem` says why.
 */
export function readFlowDocument(raw: unknown, fallback: { key: string; name: string; version: string }): FlowDocument {
  const parsed = FlowSchema.safeParse(raw);
  if (parsed.success) return { flow: parsed.data, valid: true, problem: null };
  const o = isObj(raw) ? raw : {};
  const steps = Array.isArray(o.steps)
    ? o.steps.filter(
        (s): s is Record<string, unknown> => isObj(s) && typeof s.id === "string" && typeof s.type === "string",
      )
    : [];
  const flow = {
    ...o,
    dsl: "weft/1",
    key: typeof o.key === "string" ? o.key : fallback.key,
    version: typeof o.version === "string" ? o.version : fallback.version,
    name: typeof o.name === "string" ? o.name : fallback.name,
    trigger: isObj(o.trigger) ? o.trigger : { type: "manual" },
    steps,
  } as unknown as Flow;
  const first = parsed.error.issues[0];
  return {
    flow,
    valid: false,
    problem: first ? `${first.path.join(".") || "(document)"}: ${first.message}` : "Not a weft/1 document.",
  };
}

/** The newest version that counts as published history (anything not rejected), as governance defines it. */
async function baselineVersion(db: Db, flowId: string) {
  const rows = await db.flowVersion.findMany({
    where: { flowId, status: { not: "rejected" } },
    select: { id: true, version: true, status: true, dsl: true },
  });
  return rows.filter((r) => semver.valid(r.version)).sort((a, b) => semver.rcompare(a.version, b.version))[0] ?? null;
}

interface SideDoc {
  side: string;
  label: string;
  version: string | null;
  status: string;
  doc: FlowDocument;
}

async function loadSide(db: Db, flow: Awaited<ReturnType<typeof loadFlow>>, s: string): Promise<SideDoc> {
  if (s === "draft") {
    return {
      side: "draft",
      label: `Draft (revision ${flow.draftRevision})`,
      version: null,
      status: "draft",
      doc: readFlowDocument(flow.draft, { key: flow.key, name: flow.name, version: "0.0.0" }),
    };
  }
  const v = await db.flowVersion.findUnique({
    where: { flowId_version: { flowId: flow.id, version: s } },
    select: { version: true, status: true, dsl: true },
  });
  if (!v) throw new TRPCError({ code: "NOT_FOUND", message: `${flow.key} has no version ${s}.` });
  return {
    side: s,
    label: `v${v.version}`,
    version: v.version,
    status: v.status,
    doc: readFlowDocument(v.dsl, { key: flow.key, name: flow.name, version: v.version }),
  };
}

export interface DiffSide {
  side: string;
  label: string;
  version: string | null;
  status: string;
  valid: boolean;
  problem: string | null;
  graph: CanvasGraph;
}

export interface FlowVersionsDiff {
  flowKey: string;
  flowName: string;
  from: DiffSide;
  to: DiffSide;
  diff: FlowDiff;
  /** Breaking-change report of `to` against `from` (null when it could not be computed on a malformed document). */
  report: BreakingReport | null;
}

async function sideGraph(s: SideDoc): Promise<DiffSide> {
  let graph: CanvasGraph;
  try {
    graph = await decompileWithLayout(s.doc.flow);
  } catch {
    graph = {
      flow: {
        dsl: "weft/1",
        key: s.doc.flow.key,
        version: s.doc.flow.version,
        name: s.doc.flow.name,
      } as CanvasGraph["flow"],
      nodes: [],
      edges: [],
    };
  }
  return {
    side: s.side,
    label: s.label,
    version: s.version,
    status: s.status,
    valid: s.doc.valid,
    problem: s.doc.problem,
    graph,
  };
}

export async function diffSides(db: Db, key: string, from: string, to: string): Promise<FlowVersionsDiff> {
  const flow = await loadFlow(db, key);
  const [a, b] = await Promise.all([loadSide(db, flow, from), loadSide(db, flow, to)]);
  const diff = diffFlows(a.doc.flow, b.doc.flow);
  let report: BreakingReport | null;
  try {
    report = detectBreakingChanges(a.doc.flow, b.doc.flow);
  } catch {
    report = null; // a malformed (leniently read) document: the structural diff still stands
  }
  const [ga, gb] = await Promise.all([sideGraph(a), sideGraph(b)]);
  return { flowKey: flow.key, flowName: flow.name, from: ga, to: gb, diff, report };
}

export const flowVersionsRouter = createTRPCRouter({
  /** The version history (newest first) with authors, approvers and requests, the baseline a publish is compared with, and the draft's revision. */
  history: procedure("viewer")
    .input(z.object({ flowKey }))
    .query(async ({ ctx, input }) => {
      const flow = await loadFlow(ctx.db, input.flowKey);
      const [versions, baseline] = await Promise.all([
        versionTimeline(ctx.db, input.flowKey),
        baselineVersion(ctx.db, flow.id),
      ]);
      const pending = versions.find((v) => v.status === "pending_approval") ?? null;
      return {
        flow: {
          key: flow.key,
          name: flow.name,
          lifecycle: flow.lifecycle,
          draftRevision: flow.draftRevision,
          updatedAt: flow.updatedAt,
        },
        versions,
        baseline: baseline
          ? {
              version: baseline.version,
              status: baseline.status,
              ...readFlowDocument(baseline.dsl, { key: flow.key, name: flow.name, version: baseline.version }),
            }
          : null,
        pending: pending
          ? { id: pending.id, version: pending.version, approvalHref: `/catalog/${encodeURIComponent(flow.key)}` }
          : null,
      };
    }),

  /** One version's document. */
  get: procedure("viewer")
    .input(z.object({ flowKey, version: z.string().min(1).max(64) }))
    .query(async ({ ctx, input }) => {
      const flow = await loadFlow(ctx.db, input.flowKey);
      const v = await ctx.db.flowVersion.findUnique({
        where: { flowId_version: { flowId: flow.id, version: input.version } },
      });
      if (!v) throw new TRPCError({ code: "NOT_FOUND", message: `${flow.key} has no version ${input.version}.` });
      const doc = readFlowDocument(v.dsl, { key: flow.key, name: flow.name, version: v.version });
      return {
        id: v.id,
        version: v.version,
        status: v.status,
        changelog: v.changelog,
        contentHash: v.contentHash,
        createdAt: v.createdAt,
        approvedAt: v.approvedAt,
        dsl: v.dsl,
        valid: doc.valid,
        problem: doc.problem,
      };
    }),

  /** The diff between two sides ("draft" or a version): structural changes, breaking changes and both canvases laid out. */
  diff: procedure("viewer")
    .input(z.object({ flowKey, from: side, to: side }))
    .query(({ ctx, input }) => diffSides(ctx.db, input.flowKey, input.from, input.to)),

  /**
   * Restores a version as the draft. Names the draft revision the caller saw: a draft saved since then
   * is not overwritten (CONFLICT). Bumps the revision; audited as flow.draft_restored.
   */
  restore: procedure("designer", "flow")
    .input(z.object({ flowKey, version: z.string().min(1).max(64), expectedRevision: z.number().int().min(0) }))
    .mutation(async ({ ctx, input }) => {
      return ctx.db.$transaction(async (tx) => {
        const flow = await tx.flow.findUnique({
          where: { key: input.flowKey },
          select: { id: true, key: true, draft: true, draftRevision: true },
        });
        if (!flow) throw new TRPCError({ code: "NOT_FOUND", message: `No flow "${input.flowKey}".` });
        const v = await tx.flowVersion.findUnique({
          where: { flowId_version: { flowId: flow.id, version: input.version } },
          select: { version: true, status: true, dsl: true, contentHash: true },
        });
        if (!v) throw new TRPCError({ code: "NOT_FOUND", message: `${flow.key} has no version ${input.version}.` });
        const updated = await tx.flow.updateMany({
          where: { id: flow.id, draftRevision: input.expectedRevision },
          data: { draft: v.dsl as object, draftRevision: { increment: 1 } },
        });
        if (updated.count === 0) {
          throw new TRPCError({
            code: "CONFLICT",
            message: `The draft was saved by someone else since you opened it (revision ${flow.draftRevision}, you have ${input.expectedRevision}); reload before restoring v${v.version}.`,
          });
        }
        const draftRevision = input.expectedRevision + 1;
        await ctx.audit(tx, {
          action: "flow.draft_restored",
          entityType: "flow",
          entityId: flow.key,
          before: { draftRevision: flow.draftRevision, draft: flow.draft },
          after: { draftRevision, restoredFrom: v.version, contentHash: v.contentHash },
          meta: { versionStatus: v.status },
        });
        return { draftRevision, version: v.version };
      });
    }),
});
