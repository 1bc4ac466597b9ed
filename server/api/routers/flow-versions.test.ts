// The designer's versions router on a real database: history with the publish baseline and the pending
// request, diffs between versions and the draft (field-level changes, breaking changes, both canvases),
// and restore-as-draft with its revision check and audit row.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentHash, FlowSchema, type Flow } from "../../../core/dsl";
import { createTestDatabase, type TestDatabase } from "../../testing/db";
import { makeFlow, makeUser } from "../../governance/testing";
import { createCaller } from "../root";
import type { SessionUser } from "../../auth/session-user";

const v1: Flow = FlowSchema.parse({
  dsl: "weft/1",
  key: "invoice-sync",
  version: "1.0.0",
  name: "Invoice sync",
  description: "Shapes an invoice and announces it.",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  trigger: { type: "manual", inputSchema: { type: "object", properties: { invoiceId: { type: "string" } } } },
  start: "shape",
  steps: [
    {
      id: "shape",
      type: "map",
      output: { id: "$trigger.invoiceId", "amount.value": "$trigger.total", currency: '"EUR"' },
      next: "announce",
    },
    {
      id: "announce",
      type: "emit",
      event: "invoice.synced",
      payload: { invoiceId: "$steps.shape.output.id", currency: "$steps.shape.output.currency" },
    },
  ],
});

/** The draft after an edit: one mapping changed, one emitted field dropped (breaking), a step added. */
const v2draft: Flow = FlowSchema.parse({
  ...v1,
  version: "1.0.0",
  steps: [
    {
      id: "shape",
      type: "map",
      output: { id: "$trigger.invoiceId", "amount.value": "$round($trigger.total, 2)", currency: '"EUR"' },
      next: "audit",
    },
    { id: "audit", type: "map", output: { at: "$now()" }, next: "announce" },
    { id: "announce", type: "emit", event: "invoice.synced", payload: { invoiceId: "$steps.shape.output.id" } },
  ],
});

describe("flowVersions router", () => {
  let t: TestDatabase;
  let designer: SessionUser;
  let approver: SessionUser;
  let viewer: SessionUser;
  const as = (u: SessionUser) => createCaller({ db: t.db, requestId: "test", user: u });
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return "OK";
    } catch (e) {
      return e instanceof TRPCError ? e.code : String(e);
    }
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    designer = await makeUser(t.db, "designer@fv", ["designer"], ["finance"]);
    approver = await makeUser(t.db, "approver@fv", ["approver"], ["finance"]);
    viewer = await makeUser(t.db, "viewer@fv", ["viewer"], ["finance"]);
    await makeFlow(t.db, { key: "invoice-sync", teamKey: "finance", draft: v1 });
    await as(designer).governance.contracts.create({
      name: "invoice.synced",
      schema: {
        type: "object",
        required: ["invoiceId"],
        properties: { invoiceId: { type: "string" }, currency: { type: "string" } },
      },
      ownerTeamKey: "finance",
      domain: "invoice",
    });
    // v1.0.0 goes through the real governance flow: request as the designer, four-eyes approval.
    const req = await as(designer).governance.versions.request({
      flowKey: "invoice-sync",
      version: "1.0.0",
      dsl: v1,
      changelog: "First version of the invoice sync.",
    });
    if (!req.ok) throw new Error(JSON.stringify(req.report));
    await as(approver).governance.versions.approve({ versionId: req.versionId });
    await t.db.flow.update({
      where: { key: "invoice-sync" },
      data: { draft: v2draft as object, draftRevision: { increment: 1 } },
    });
  });
  afterAll(() => t.drop());

  it("lists the history with author and approver, the publish baseline and no pending request", async () => {
    const h = await as(viewer).flowVersions.history({ flowKey: "invoice-sync" });
    expect(h.flow).toMatchObject({ key: "invoice-sync", draftRevision: 2 });
    expect(h.versions.map((v) => [v.version, v.status, v.author?.email, v.approver?.email, v.changelog])).toEqual([
      ["1.0.0", "approved", "designer@fv", "approver@fv", "First version of the invoice sync."],
    ]);
    expect(h.baseline).toMatchObject({
      version: "1.0.0",
      valid: true,
      flow: { steps: [{ id: "shape" }, { id: "announce" }] },
    });
    expect(h.pending).toBeNull();
  });

  it("diffs a version against the draft: changed, added, field-level values, breaking changes, both canvases", async () => {
    const d = await as(viewer).flowVersions.diff({ flowKey: "invoice-sync", from: "1.0.0", to: "draft" });
    expect(d.from).toMatchObject({ label: "v1.0.0", version: "1.0.0", status: "approved", valid: true });
    expect(d.to).toMatchObject({ label: "Draft (revision 2)", version: null, status: "draft", valid: true });
    expect(d.diff.steps.map((s) => `${s.change}:${s.id}`)).toEqual([
      "changed:shape",
      "changed:announce",
      "added:audit",
    ]);
    const shape = d.diff.steps.find((s) => s.id === "shape")!;
    expect(shape.changes).toContainEqual({
      path: ["output", "amount.value"],
      kind: "changed",
      before: "$trigger.total",
      after: "$round($trigger.total, 2)",
    });
    expect(shape.changes).toContainEqual({ path: ["next"], kind: "changed", before: "announce", after: "audit" });
    expect(d.diff.steps.find((s) => s.id === "announce")!.changes).toEqual([
      { path: ["payload", "currency"], kind: "removed", before: "$steps.shape.output.currency" },
    ]);
    expect(d.report?.bump).toBe("major");
    expect(d.report?.breaking.map((c) => c.code)).toEqual(["emitted-field-removed"]);
    expect(d.from.graph.nodes.map((n) => n.id)).toEqual(["trigger", "shape", "announce"]);
    expect(d.to.graph.nodes.map((n) => n.id)).toEqual(["trigger", "shape", "audit", "announce"]);
    expect(d.to.graph.edges.map((e) => `${e.source}>${e.target}`)).toEqual([
      "trigger>shape",
      "shape>audit",
      "audit>announce",
    ]);
    // Laid out: the nodes are not all stacked at the origin.
    expect(new Set(d.to.graph.nodes.map((n) => `${n.position.x},${n.position.y}`)).size).toBe(4);

    const same = await as(viewer).flowVersions.diff({ flowKey: "invoice-sync", from: "1.0.0", to: "1.0.0" });
    expect(same.diff.same).toBe(true);
    expect(same.report?.bump).toBe("none");
    expect(await codeOf(as(viewer).flowVersions.diff({ flowKey: "invoice-sync", from: "9.9.9", to: "draft" }))).toBe(
      "NOT_FOUND",
    );
    expect(await codeOf(as(viewer).flowVersions.diff({ flowKey: "nope", from: "1.0.0", to: "draft" }))).toBe(
      "NOT_FOUND",
    );
  });

  it("reads documents that are not valid weft/1 leniently and says why", async () => {
    await makeFlow(t.db, {
      key: "legacy",
      teamKey: "finance",
      draft: {
        trigger: { type: "schedule", cron: "0 6 1 * *" },
        steps: [{ id: "post", type: "call", connection: "netsuite", operation: "createInvoice" }],
      },
    });
    const d = await as(viewer).flowVersions.diff({ flowKey: "legacy", from: "draft", to: "draft" });
    expect(d.from.valid).toBe(false);
    expect(d.from.problem).toMatch(/dsl|key|version|name/);
    expect(d.from.graph.nodes.map((n) => n.id)).toEqual(["trigger", "post"]);
    expect(d.diff.same).toBe(true);
  });

  it("shows a pending request with where to approve it, and returns a version's document", async () => {
    const v2 = { ...v2draft, version: "2.0.0" };
    const req = await as(designer).governance.versions.request({
      flowKey: "invoice-sync",
      version: "2.0.0",
      dsl: v2,
      changelog: "Drops the currency from invoice.synced.",
    });
    expect(req.ok).toBe(true);
    const h = await as(viewer).flowVersions.history({ flowKey: "invoice-sync" });
    expect(h.pending).toEqual({
      id: req.ok ? req.versionId : "",
      version: "2.0.0",
      approvalHref: "/catalog/invoice-sync",
    });
    expect(h.baseline?.version).toBe("2.0.0"); // the next publish compares with the newest request, as governance does
    const got = await as(viewer).flowVersions.get({ flowKey: "invoice-sync", version: "1.0.0" });
    expect(got).toMatchObject({
      version: "1.0.0",
      status: "approved",
      valid: true,
      dsl: { key: "invoice-sync", steps: [{ id: "shape" }, { id: "announce" }] },
    });
  });

  it("restores a version as the draft: revision-checked, bumped and audited; designers only", async () => {
    expect(
      await codeOf(as(viewer).flowVersions.restore({ flowKey: "invoice-sync", version: "1.0.0", expectedRevision: 2 })),
    ).toBe("FORBIDDEN");
    // Someone saved since revision 1: refused, nothing changes.
    expect(
      await codeOf(
        as(designer).flowVersions.restore({ flowKey: "invoice-sync", version: "1.0.0", expectedRevision: 1 }),
      ),
    ).toBe("CONFLICT");
    expect((await t.db.flow.findUniqueOrThrow({ where: { key: "invoice-sync" } })).draftRevision).toBe(2);

    const r = await as(designer).flowVersions.restore({
      flowKey: "invoice-sync",
      version: "1.0.0",
      expectedRevision: 2,
    });
    expect(r).toEqual({ draftRevision: 3, version: "1.0.0" });
    const flow = await t.db.flow.findUniqueOrThrow({ where: { key: "invoice-sync" } });
    expect(flow.draftRevision).toBe(3);
    expect(flow.draft).toEqual(JSON.parse(JSON.stringify(v1)));
    const audit = await t.db.auditLog.findFirstOrThrow({ where: { action: "flow.draft_restored" } });
    expect(audit).toMatchObject({ entityType: "flow", entityId: "invoice-sync", actorEmail: "designer@fv" });
    expect(audit.after).toMatchObject({ draftRevision: 3, restoredFrom: "1.0.0", contentHash: contentHash(v1) });
    expect((audit.before as { draftRevision: number }).draftRevision).toBe(2);

    const d = await as(viewer).flowVersions.diff({ flowKey: "invoice-sync", from: "1.0.0", to: "draft" });
    expect(d.diff.same).toBe(true);
    expect(
      await codeOf(
        as(designer).flowVersions.restore({ flowKey: "invoice-sync", version: "7.0.0", expectedRevision: 3 }),
      ),
    ).toBe("NOT_FOUND");
  });
});
