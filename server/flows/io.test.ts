// Flows as files (weft export / import) through the tRPC router on a real database, with the token that the
// CLI presents: create by import, unchanged re-import, refusal to overwrite unpublished draft edits unless
// forced, specific validation errors, version export.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createCaller } from "../api/root";
import type { Role } from "../../core/roles";
import { seedTeams } from "../seed/demo";
import { contentHash, stepsOf, type Flow } from "../../core/dsl";
import { EXAMPLES } from "./examples";

const example = (): Flow => {
  const { $schema: _, ...flow } = structuredClone(EXAMPLES["approved-time-to-invoice"]!);
  return flow;
};

describe("flow files", () => {
  let t: TestDatabase;
  let dana: ReturnType<typeof createCaller>;
  let vera: ReturnType<typeof createCaller>;
  beforeAll(async () => {
    t = await createTestDatabase();
    await seedTeams(t.db);
    // The connections the example calls (it gains some as it evolves: Workday for the person's team).
    const used = new Set(stepsOf(example()).flatMap(({ step }) => ("connection" in step ? [step.connection] : [])));
    for (const key of used)
      await t.db.connection.create({ data: { key, name: key, connectorKey: key.split("-")[0]! } });
    const mk = async (email: string, name: string, roles: Role[]) => {
      const u = await t.db.user.create({ data: { id: crypto.randomUUID(), email, name, roles } });
      // Flows belong to their owning team: Dana is a member of the team whose flows she imports here.
      const teamIds = (await t.db.team.findMany({ where: { key: "finance" }, select: { id: true } })).map((x) => x.id);
      return createCaller({ db: t.db, requestId: "test", user: { id: u.id, email, name, roles, teamIds } });
    };
    dana = await mk("dana@weft.local", "Dana Designer", ["designer"]);
    vera = await mk("vera@weft.local", "Vera Viewer", ["viewer"]);
  });
  afterAll(() => t.drop());

  it("imports a new flow (created, audited), and re-importing the same file changes nothing", async () => {
    const doc = { $schema: "http://x/api/dsl/schema.json", ...example() };
    const r = await dana.flowFiles.import({ document: doc });
    expect(r).toMatchObject({ key: doc.key, outcome: "created", draftRevision: 2 });
    const row = await t.db.flow.findUniqueOrThrow({ where: { key: doc.key } });
    expect(row.name).toBe(doc.name);
    expect((row.draft as Record<string, unknown>).$schema).toBeUndefined();
    expect(await dana.flowFiles.import({ document: doc })).toMatchObject({ outcome: "unchanged", draftRevision: 2 });
    const audit = await t.db.auditLog.findMany({
      where: { entityId: doc.key },
      orderBy: { seq: "asc" },
      select: { action: true, actorEmail: true },
    });
    expect(audit).toEqual([
      { action: "flow.created", actorEmail: "dana@weft.local" },
      { action: "flow.draft.saved", actorEmail: "dana@weft.local" },
    ]);
  });

  it("exports the draft and a published version; an unknown version names the ones there are", async () => {
    const doc = example();
    const flow = await t.db.flow.findUniqueOrThrow({ where: { key: doc.key } });
    const draft = await vera.flowFiles.export({ flowKey: doc.key });
    expect(draft).toMatchObject({ source: "draft", draftRevision: 2, unpublishedChanges: true });
    expect(draft.contentHash).toBe(contentHash(doc));
    await t.db.flowVersion.create({
      data: {
        flowId: flow.id,
        version: "1.0.0",
        dsl: { ...doc, version: "1.0.0" } as object,
        contentHash: contentHash({ ...doc, version: "1.0.0" }),
        status: "approved",
      },
    });
    const v = await vera.flowFiles.export({ flowKey: doc.key, version: "1.0.0" });
    expect(v).toMatchObject({ source: "version", version: "1.0.0" });
    await expect(vera.flowFiles.export({ flowKey: doc.key, version: "9.9.9" })).rejects.toThrow(
      /has no version 9\.9\.9 \(it has 1\.0\.0\)/,
    );
    await expect(vera.flowFiles.export({ flowKey: "nope" })).rejects.toThrow(/There is no flow "nope"/);
  });

  it("refuses to overwrite draft edits that are in no version, unless forced", async () => {
    const doc = example();
    // The draft now matches version 1.0.0 in behaviour: importing over it is fine.
    const current = await dana.flows.get({ flowKey: doc.key });
    await dana.flows.saveDraft({
      flowKey: doc.key,
      baseRevision: current.draftRevision,
      draft: { ...doc, version: "1.0.0" },
    });
    const edited = { ...doc, description: "Changed in git" };
    const r = await dana.flowFiles.import({ document: edited });
    expect(r.outcome).toBe("updated");
    // Someone edits the draft in the designer; a CI import must not silently discard it.
    const now = await dana.flows.get({ flowKey: doc.key });
    await dana.flows.saveDraft({
      flowKey: doc.key,
      baseRevision: now.draftRevision,
      draft: { ...edited, description: "Edited in the designer" },
    });
    const err = await dana.flowFiles
      .import({ document: { ...doc, description: "Git again" } })
      .catch((e: unknown) => e);
    expect((err as TRPCError).code).toBe("CONFLICT");
    expect((err as TRPCError).message).toMatch(
      /changes that are in no published version \(revision \d+, saved by Dana Designer/,
    );
    const forced = await dana.flowFiles.import({ document: { ...doc, description: "Git again" }, force: true });
    expect(forced.outcome).toBe("updated");
  });

  it("rejects an invalid document with every problem, named by path and step; viewers cannot import", async () => {
    const bad = example() as unknown as { steps: Array<Record<string, unknown>> };
    bad.steps[0]!.timeout = "soon";
    const err = (await dana.flowFiles.import({ document: bad }).catch((e: unknown) => e)) as TRPCError;
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(/not a valid flow \(1 error\)/);
    expect(err.message).toContain(
      `steps[0].timeout [${String(bad.steps[0]!.id)}]: Step '${String(bad.steps[0]!.id)}' (call): 'timeout' is "soon"`,
    );
    const unknown = example() as unknown as { steps: Array<Record<string, unknown>> };
    unknown.steps[0]!.connection = "no-such-connection";
    await expect(dana.flowFiles.import({ document: unknown })).rejects.toThrow(
      /steps\[0\]\.connection.*no-such-connection/,
    );
    await expect(dana.flowFiles.import({ document: "not a flow" })).rejects.toThrow(/not a valid flow/);
    await expect(vera.flowFiles.import({ document: example() })).rejects.toThrow(/designer role/);
  });
});
