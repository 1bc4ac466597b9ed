import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { appendAudit, auditFacets, GENESIS_HASH, verifyAuditChain } from "./audit";
import { checkAnchor, exportAnchor, parseAnchor } from "./anchor";
import { auditKey } from "./key";
import { StartupError } from "../db/errors";

describe("audit chain", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    for (let i = 0; i < 5; i++) {
      await t.db.$transaction((tx) =>
        appendAudit(tx, {
          actor: { id: "u1", email: "a@weft.local" },
          action: "flow.updated",
          entityType: "flow",
          entityId: `f${i}`,
          before: { n: i },
          after: { n: i + 1, nested: { b: 1, a: [1, "x"] } },
        }),
      );
    }
  });
  afterAll(() => t.drop());

  it("verifies an untouched chain", async () => {
    const r = await verifyAuditChain(t.db);
    expect(r).toMatchObject({ ok: true, rows: 5, problems: [] });
  });

  it("lists every distinct action and entity type, sorted, as a DISTINCT over the table would", async () => {
    await t.db.$transaction((tx) =>
      appendAudit(tx, { actor: null, action: "connection.created", entityType: "connection", entityId: "c" }),
    );
    const distinct = async (c: string) =>
      (await t.db.$queryRawUnsafe<Array<{ v: string }>>(`SELECT DISTINCT ${c} AS v FROM audit_log ORDER BY 1`)).map(
        (r) => r.v,
      );
    const f = await auditFacets(t.db);
    expect(f.actions).toEqual(await distinct("action"));
    expect(f.entityTypes).toEqual(await distinct("entity_type"));
    expect(f.actions).toEqual(expect.arrayContaining(["connection.created", "flow.updated"]));
    expect(f.entityTypes).toEqual(expect.arrayContaining(["connection", "flow"]));
  });

  it("keeps a consistent chain under concurrent appends", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.db.$transaction((tx) =>
          appendAudit(tx, { actor: null, action: "x.concurrent", entityType: "x", entityId: String(i) }),
        ),
      ),
    );
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("refuses UPDATE and DELETE through the trigger", async () => {
    await expect(t.db.$executeRawUnsafe(`UPDATE audit_log SET action = 'x' WHERE seq = 1`)).rejects.toThrow(
      /append-only/,
    );
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
      {
        seq: "2",
        problem: "its content was edited after it was written, or it was hashed without this installation's audit key",
      },
      { seq: "5", problem: "the previous row it was chained to is missing or was changed" },
    ]);
  });
});

// The probe's finding: the app's own database role could recompute every hash, and verify said intact.
describe("keyed chain and signed anchors", () => {
  let t: TestDatabase;
  const append = (i: number) =>
    t.db.$transaction((tx) =>
      appendAudit(tx, {
        actor: { id: "u1", email: "a@weft.local" },
        action: "connection.updated",
        entityType: "connection",
        entityId: `c${i}`,
        after: { n: i },
      }),
    );
  const behindTheTrigger = async (sql: string) => {
    await t.db.$executeRawUnsafe(`ALTER TABLE audit_log DISABLE TRIGGER USER`);
    try {
      await t.db.$executeRawUnsafe(sql);
    } finally {
      await t.db.$executeRawUnsafe(`ALTER TABLE audit_log ENABLE TRIGGER USER`);
    }
  };
  /** What an attacker with the app's database role can do: rewrite every row and recompute the chain with plain SHA-256. */
  const rewriteWholeChain = async (alg: "sha256" | "sha256-as-keyed") => {
    const rows = await t.db.auditLog.findMany({ orderBy: { seq: "asc" } });
    await t.db.$executeRawUnsafe(`ALTER TABLE audit_log DISABLE TRIGGER USER`);
    let prev = GENESIS_HASH;
    for (const r of rows) {
      const fields = {
        seq: r.seq.toString(),
        at: r.at.toISOString(),
        actorId: r.actorId,
        actorEmail: "attacker@evil.test",
        action: r.action,
        entityType: r.entityType,
        entityId: r.entityId,
        before: r.before ?? null,
        after: r.after ?? null,
        meta: r.meta ?? null,
        requestId: r.requestId,
      };
      const hash = createHash("sha256")
        .update(prev)
        .update("\n")
        .update(canonicalize(fields) ?? "")
        .digest("hex");
      await t.db.$executeRawUnsafe(
        `UPDATE audit_log SET actor_email = 'attacker@evil.test', prev_hash = $1, hash = $2, hash_alg = $3 WHERE seq = $4`,
        prev,
        hash,
        alg === "sha256" ? "sha256" : "hmac-sha256",
        r.seq,
      );
      prev = hash;
    }
    await t.db.$executeRawUnsafe(`ALTER TABLE audit_log ENABLE TRIGGER USER`);
  };

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it("detects a whole-chain rewrite with recomputed hashes, whichever algorithm the rows claim", async () => {
    for (let i = 0; i < 4; i++) await append(i);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, rows: 4, unkeyedRows: 0 });
    await rewriteWholeChain("sha256-as-keyed");
    const keyedClaim = await verifyAuditChain(t.db);
    expect(keyedClaim.ok).toBe(false);
    expect(keyedClaim.problems.map((p) => p.seq)).toEqual(["1", "2", "3", "4"]);
    expect(keyedClaim.problems[0]!.problem).toMatch(/without this installation's audit key/);
    await rewriteWholeChain("sha256");
    const unkeyed = await verifyAuditChain(t.db);
    expect(unkeyed.ok).toBe(false);
    expect(unkeyed.problems).toEqual([
      { seq: "4", problem: expect.stringMatching(/no row is keyed with the audit key/) },
    ]);
    await behindTheTrigger(`TRUNCATE audit_log`);
  });

  it("keeps rows from before the chain was keyed valid as a prefix that the first keyed row seals", async () => {
    // Rows as the previous release wrote them: plain SHA-256, marked so by the migration.
    let prev = GENESIS_HASH;
    for (let i = 1; i <= 3; i++) {
      const at = new Date();
      const fields = {
        seq: String(1000 + i),
        at: at.toISOString(),
        actorId: null,
        actorEmail: "old@weft.local",
        action: "flow.created",
        entityType: "flow",
        entityId: `old${i}`,
        before: null,
        after: null,
        meta: null,
        requestId: null,
      };
      const hash = createHash("sha256")
        .update(prev)
        .update("\n")
        .update(canonicalize(fields) ?? "")
        .digest("hex");
      await t.db.$executeRawUnsafe(
        `INSERT INTO audit_log (seq, at, actor_email, action, entity_type, entity_id, prev_hash, hash, hash_alg) VALUES ($1, $2, 'old@weft.local', 'flow.created', 'flow', $3, $4, $5, 'sha256')`,
        1000 + i,
        at,
        `old${i}`,
        prev,
        hash,
      );
      prev = hash;
    }
    await t.db.$executeRawUnsafe(`SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), 1003)`);
    expect((await verifyAuditChain(t.db)).problems).toEqual([
      { seq: "1003", problem: expect.stringMatching(/predates keyed hashing/) },
    ]);
    await append(10);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, rows: 4, unkeyedRows: 3 });
    // Editing a legacy row (and recomputing its plain hash) breaks the link into the keyed row.
    await behindTheTrigger(`UPDATE audit_log SET entity_id = 'forged' WHERE seq = 1002`);
    const r = await verifyAuditChain(t.db);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toEqual({ seq: "1002", problem: "its content was edited after it was written" });
    // An unkeyed row after keyed ones was written without the key.
    await behindTheTrigger(`UPDATE audit_log SET entity_id = 'old2' WHERE seq = 1002`);
    await append(11);
    await behindTheTrigger(`UPDATE audit_log SET hash_alg = 'sha256' WHERE seq = (SELECT max(seq) FROM audit_log)`);
    expect((await verifyAuditChain(t.db)).problems.map((p) => p.problem)).toContainEqual(
      expect.stringMatching(/not keyed although earlier rows are/),
    );
    await behindTheTrigger(`TRUNCATE audit_log`);
  });

  it("refuses to hash without a key, in one sentence; WEFT_AUDIT_KEY wins over WEFT_SECRET_KEY", () => {
    const saved = { audit: process.env.WEFT_AUDIT_KEY, secret: process.env.WEFT_SECRET_KEY };
    try {
      delete process.env.WEFT_AUDIT_KEY;
      delete process.env.WEFT_SECRET_KEY;
      expect(() => auditKey()).toThrow(StartupError);
      expect(() => auditKey()).toThrow(/Neither WEFT_AUDIT_KEY nor WEFT_SECRET_KEY is set/);
      process.env.WEFT_SECRET_KEY = "secret-key-0123456789-0123456789-abc";
      const fromSecret = auditKey();
      process.env.WEFT_AUDIT_KEY = "audit-key-0123456789-0123456789-abcde";
      expect(auditKey().equals(fromSecret)).toBe(false);
    } finally {
      process.env.WEFT_AUDIT_KEY = saved.audit;
      process.env.WEFT_SECRET_KEY = saved.secret;
      if (saved.secret === undefined) delete process.env.WEFT_SECRET_KEY;
    }
  });

  it("signs anchors that catch deleted newest rows and a replaced log, and refuses forged anchors", async () => {
    for (let i = 0; i < 3; i++) await append(20 + i);
    const anchor = await t.db.$transaction((tx) => exportAnchor(tx, { id: "admin", email: "admin@weft.local" }));
    expect(anchor).toMatchObject({ format: "weft-audit-anchor/1", rows: 4 });
    expect(await t.db.auditLog.findUnique({ where: { seq: BigInt(anchor.seq) } })).toMatchObject({
      action: "audit.anchor_exported",
      actorEmail: "admin@weft.local",
      hash: anchor.head,
    });
    await append(30); // later rows do not disturb the anchored prefix
    expect(await checkAnchor(t.db, parseAnchor(JSON.stringify(anchor)))).toEqual([]);

    // Forged or foreign anchors.
    expect((await checkAnchor(t.db, { ...anchor, rows: 3 }))[0]!.problem).toMatch(/signature does not verify/);
    const key = process.env.WEFT_AUDIT_KEY;
    process.env.WEFT_AUDIT_KEY = "another-installation-key-0123456789";
    const foreign = await t.db
      .$transaction((tx) => exportAnchor(tx, null))
      .finally(() => (process.env.WEFT_AUDIT_KEY = key));
    expect((await checkAnchor(t.db, foreign))[0]!.problem).toMatch(/another installation/);
    expect(() => parseAnchor(`{"format":"x"}`)).toThrow(/not a Weft audit anchor/);
    await behindTheTrigger(`DELETE FROM audit_log WHERE seq > ${anchor.seq}`);

    // Deleting the newest rows leaves a valid, shorter chain: only the anchor notices.
    await behindTheTrigger(`DELETE FROM audit_log WHERE seq >= ${BigInt(anchor.seq) - 1n}`);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
    const gone = await checkAnchor(t.db, anchor);
    expect(gone.map((p) => p.problem)).toEqual([
      expect.stringMatching(/anchored row .* is gone/),
      "the anchor counted 4 rows up to here; the log now has 2",
    ]);
  });
});
