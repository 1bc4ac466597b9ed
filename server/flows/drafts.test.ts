// Flow drafts through the tRPC router on a real database: create (blank and from an example), the
// optimistic revision check on save (a stale save is refused naming who saved last, nothing is lost),
// pinned samples, and the audit rows each change writes.
import { readFileSync } from "node:fs";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createCaller } from "../api/root";
import type { Role } from "../../core/roles";
import { seedTeams } from "../seed/demo";
import { validate } from "../../core/dsl";
import { connectorCatalog } from "@/connectors/registry";

describe("flow drafts", () => {
  let t: TestDatabase;
  let dana: ReturnType<typeof createCaller>;
  let ada: ReturnType<typeof createCaller>;
  beforeAll(async () => {
    t = await createTestDatabase();
    await seedTeams(t.db);
    const mk = async (email: string, name: string, roles: Role[]) => {
      const u = await t.db.user.create({ data: { id: crypto.randomUUID(), email, name, roles } });
      // Flows belong to their owning team: Dana is a member of the teams whose flows she edits here.
      const teamIds = (
        await t.db.team.findMany({ where: { key: { in: ["finance", "pmo"] } }, select: { id: true } })
      ).map((x) => x.id);
      return createCaller({ db: t.db, requestId: "test", user: { id: u.id, email, name, roles, teamIds } });
    };
    dana = await mk("dana@weft.local", "Dana Designer", ["designer"]);
    ada = await mk("ada@weft.local", "Ada Admin", ["admin"]);
  });
  afterAll(() => t.drop());

  it("creates a blank flow whose draft is a document with only a trigger (its one problem: no steps yet)", async () => {
    await dana.flows.create({ key: "blank-one", name: "Blank one", domain: "invoice", ownerTeamKey: "finance" });
    const f = await dana.flows.get({ flowKey: "blank-one" });
    expect(f.draftRevision).toBe(1);
    expect(f.lastSaved?.by).toBe("Dana Designer");
    const r = validate(f.draft, { catalog: connectorCatalog() });
    expect(r.problems.filter((p) => p.severity === "error").map((p) => p.code)).toEqual(["no-steps"]);
    await expect(
      dana.flows.create({ key: "blank-one", name: "Again", domain: "invoice", ownerTeamKey: "finance" }),
    ).rejects.toThrow(/already exists/);
    // The dialog shows it under the Key field: the error names the field.
    await expect(
      dana.flows.create({ key: "blank-one", name: "Again", domain: "invoice", ownerTeamKey: "finance" }),
    ).rejects.toMatchObject({ cause: { code: "conflict", field: "key" } });
  });

  it("creates a flow from an example of the reference journey", async () => {
    const ex = await dana.flows.examples();
    expect(ex.map((e) => e.key)).toContain("opportunity-won-to-project");
    await dana.flows.create({
      key: "won-copy",
      name: "Won copy",
      domain: "project",
      ownerTeamKey: "pmo",
      example: "opportunity-won-to-project",
    });
    const f = await dana.flows.get({ flowKey: "won-copy" });
    const d = f.draft as { key: string; steps: Array<{ id: string }> };
    expect(d.key).toBe("won-copy");
    expect(d.steps.map((s) => s.id)).toContain("getOpportunity");
  });

  it("creates a flow from an n8n export: the converted draft, its pinned data as samples, audited; bad files are a clear 400", async () => {
    const source = readFileSync(
      path.join(__dirname, "../../core/convert/fixtures/n8n/webhook-order-approval.json"),
      "utf8",
    );
    await dana.flows.create({
      key: "imported-orders",
      name: "Imported orders",
      domain: "customer",
      ownerTeamKey: "finance",
      import: { from: "n8n", source },
    });
    const f = await dana.flows.get({ flowKey: "imported-orders" });
    expect(f.draft).toMatchObject({
      key: "imported-orders",
      name: "Imported orders",
      domain: "customer",
      owner: "finance",
      trigger: { type: "webhook", secret: "webhook-imported-orders" },
    });
    expect((f.draft as { steps: { id: string }[] }).steps.map((s) => s.id)).toContain("getCustomer");
    expect(Object.keys(f.samples)).toEqual(["trigger"]);
    expect(f.samples.trigger).toMatchObject({ source: "file", payload: { body: { customerId: "C-1", amount: 1200 } } });
    const audit = await t.db.auditLog.findFirstOrThrow({
      where: { entityId: "imported-orders", action: "flow.created" },
    });
    expect(audit.after).toMatchObject({ importedFrom: "n8n", converted: 7, of: 7 });
    const bad = await dana.flows
      .create({
        key: "imported-bad",
        name: "Bad",
        domain: "customer",
        ownerTeamKey: "finance",
        import: { from: "asl", source },
      })
      .catch((e: unknown) => e);
    expect((bad as TRPCError).code).toBe("BAD_REQUEST");
    expect((bad as TRPCError).message).toMatch(/not a Step Functions state machine/);
    await expect(
      dana.flows.create({
        key: "imported-bad",
        name: "Bad",
        domain: "customer",
        ownerTeamKey: "finance",
        import: { from: "n8n", source: "{nope" },
      }),
    ).rejects.toThrow(/not JSON/);
  });

  it("refuses a stale save, naming who saved last, and keeps their revision", async () => {
    const f = await dana.flows.get({ flowKey: "blank-one" });
    const draft = f.draft as Record<string, unknown>;
    const a = await ada.flows.saveDraft({
      flowKey: "blank-one",
      baseRevision: f.draftRevision,
      draft: { ...draft, description: "Ada's words" },
    });
    expect(a.draftRevision).toBe(2);
    const err = await dana.flows
      .saveDraft({
        flowKey: "blank-one",
        baseRevision: f.draftRevision,
        draft: { ...draft, description: "Dana's words" },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe("CONFLICT");
    expect((err as TRPCError).message).toMatch(/Ada Admin saved revision 2/);
    const now = await dana.flows.get({ flowKey: "blank-one" });
    expect((now.draft as { description: string }).description).toBe("Ada's words");
    expect(now.description).toBe("Ada's words");
    const b = await dana.flows.saveDraft({
      flowKey: "blank-one",
      baseRevision: 2,
      draft: { ...draft, description: "Dana's words" },
    });
    expect(b.draftRevision).toBe(3);
    const audit = await t.db.auditLog.findMany({
      where: { entityId: "blank-one", action: "flow.draft.saved" },
      orderBy: { seq: "asc" },
    });
    expect(audit.map((r) => (r.after as { revision: number }).revision)).toEqual([2, 3]);
  });

  it("saves an editor's version as a copy (a new flow, same domain and team, next free key), audited", async () => {
    const f = await dana.flows.get({ flowKey: "blank-one" });
    const mine = { ...(f.draft as Record<string, unknown>), description: "Mine, kept as a copy" };
    const a = await dana.flows.saveDraftAsCopy({ flowKey: "blank-one", draft: mine });
    const b = await dana.flows.saveDraftAsCopy({ flowKey: "blank-one", draft: mine });
    expect([a.key, b.key]).toEqual(["blank-one-copy", "blank-one-copy-2"]);
    const copy = await dana.flows.get({ flowKey: "blank-one-copy" });
    expect(copy.draftRevision).toBe(1);
    expect(copy.domain).toBe("invoice");
    expect(copy.ownerTeam.key).toBe("finance");
    expect(copy.draft).toMatchObject({ key: "blank-one-copy", name: a.name, description: "Mine, kept as a copy" });
    // The original is untouched.
    expect((await dana.flows.get({ flowKey: "blank-one" })).draftRevision).toBe(f.draftRevision);
    const audit = await t.db.auditLog.findFirst({ where: { entityId: "blank-one-copy", action: "flow.created" } });
    expect(audit?.after).toMatchObject({ copyOf: "blank-one" });
    await expect(dana.flows.saveDraftAsCopy({ flowKey: "no-such-flow", draft: mine })).rejects.toThrow(
      /no flow "no-such-flow"/,
    );
  });

  it("refuses a draft for another key", async () => {
    await expect(
      dana.flows.saveDraft({ flowKey: "blank-one", baseRevision: 3, draft: { key: "other" } }),
    ).rejects.toThrow(/never changes/);
  });

  it("pins and unpins a sample per node, audited", async () => {
    await dana.flows.pinSample({
      flowKey: "blank-one",
      nodeId: "trigger",
      payload: { opportunityId: "006A" },
      source: "manual",
    });
    await dana.flows.pinSample({
      flowKey: "blank-one",
      nodeId: "trigger",
      payload: { opportunityId: "006B" },
      source: "test-run",
    });
    let f = await dana.flows.get({ flowKey: "blank-one" });
    expect(f.samples.trigger?.payload).toEqual({ opportunityId: "006B" });
    expect(f.samples.trigger?.source).toBe("test-run");
    await dana.flows.unpinSample({ flowKey: "blank-one", nodeId: "trigger" });
    f = await dana.flows.get({ flowKey: "blank-one" });
    expect(f.samples.trigger).toBeUndefined();
    expect(
      await t.db.auditLog.count({ where: { entityId: "blank-one", action: { startsWith: "flow.sample." } } }),
    ).toBe(3);
  });
});
