import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { appendAudit, verifyAuditChain } from "./audit";

describe("audit chain", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    for (let i = 0; i < 5; i++) {
      await t.db.$transaction((tx) =>
        appendAudit(tx, { actor: { id: "u1", email: "a@weft.local" }, action: "flow.updated", entityType: "flow", entityId: `f${i}`, before: { n: i }, after: { n: i + 1, nested: { b: 1, a: [1, "x"] } } }),
      );
    }
  });
  afterAll(() => t.drop());

  it("verifies an untouched chain", async () => {
    const r = await verifyAuditChain(t.db);
    expect(r).toMatchObject({ ok: true, rows: 5, problems: [] });
  });

  it("keeps a consistent chain under concurrent appends", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.db.$transaction((tx) => appendAudit(tx, { actor: null, action: "x.concurrent", entityType: "x", entityId: String(i) })),
      ),
    );
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("refuses UPDATE and DELETE through the trigger", async () => {
    await expect(t.db.$executeRawUnsafe(`UPDATE audit_log SET action = 'x' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(t.db.$executeRawUnsafe(`DELETE FROM audit_log WHERE seq = 1`)).rejects.toThrow(/append-only/);
  });

  it("detects an edited row and a deleted row (behind the trigger's back)", async () => {
    await t.db.$executeRawUnsafe(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await t.db.$executeRawUnsafe(`UPDATE audit_log SET after = '{"n": 999}' WHERE seq = 2`);
    await t.db.$executeRawUnsafe(`DELETE FROM audit_log WHERE seq = 4`);
    await t.db.$executeRawUnsafe(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    const r = await verifyAuditChain(t.db, 2);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      { seq: "2", problem: "its content was edited after it was written" },
      { seq: "5", problem: "the previous row it was chained to is missing or was changed" },
    ]);
  });
});
