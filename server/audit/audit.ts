// Append-only, hash-chained audit log. Each row's hash is an HMAC-SHA256, keyed with a secret that is not in
// the database (auditKey()), over the previous row's hash and a canonical (RFC 8785) encoding of the row, so
// any edited or deleted row breaks the chain from that point on — and the database role the app uses cannot
// rewrite the whole chain with fresh hashes, because it does not have the key. Rows are appended inside the
// caller's transaction: a change and its audit record commit together or not at all.
// Rows written before the chain was keyed (hash_alg 'sha256', plain SHA-256) stay valid as a prefix: the first
// keyed row's HMAC covers their head. Deleting the newest rows still leaves a valid (shorter) chain; signed
// anchors (anchor.ts) catch that.
import "server-only";
import { createHash, createHmac } from "node:crypto";
import canonicalize from "canonicalize";
import type { Prisma } from "../db/client";
import { auditKey } from "./key";

export const GENESIS_HASH = "0".repeat(64);
// Serialises appenders so that "read the head, then insert after it" cannot interleave.
const AUDIT_LOCK = 0x57ef7a0d;

export interface AuditActor {
  id: string | null;
  email: string | null;
}

export interface AuditEntry {
  actor: AuditActor | null;
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  meta?: unknown;
  requestId?: string | null;
}

type Tx = Prisma.TransactionClient;

/** What domain code is handed to audit with: appendAudit bound to the caller (actor, request id). */
export type AuditFn = (tx: Tx, e: Omit<AuditEntry, "actor" | "requestId">) => Promise<unknown>;
type Json = Prisma.InputJsonValue;

interface HashedFields {
  seq: string;
  at: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  meta: unknown;
  requestId: string | null;
}

/** Keyed rows (the default) and rows from before the chain was keyed. */
export type HashAlg = "hmac-sha256" | "sha256";

export function rowHash(prevHash: string, f: HashedFields, alg: HashAlg = "hmac-sha256"): string {
  const h = alg === "sha256" ? createHash("sha256") : createHmac("sha256", auditKey());
  return h
    .update(prevHash)
    .update("\n")
    .update(canonicalize(f) ?? "")
    .digest("hex");
}

/** JSON round-trip so the hashed value is exactly what jsonb will give back (no undefined, Dates as strings). */
function normalise(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);
}

export async function appendAudit(tx: Tx, e: AuditEntry): Promise<{ seq: bigint; hash: string }> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`;
  const head = await tx.auditLog.findFirst({ orderBy: { seq: "desc" }, select: { hash: true } });
  const prevHash = head?.hash ?? GENESIS_HASH;
  const [{ nextval }] = await tx.$queryRaw<
    [{ nextval: bigint }]
  >`SELECT nextval(pg_get_serial_sequence('audit_log', 'seq'))`;
  const at = new Date();
  const fields: HashedFields = {
    seq: nextval.toString(),
    at: at.toISOString(),
    actorId: e.actor?.id ?? null,
    actorEmail: e.actor?.email ?? null,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId ?? null,
    before: normalise(e.before),
    after: normalise(e.after),
    meta: normalise(e.meta),
    requestId: e.requestId ?? null,
  };
  const hash = rowHash(prevHash, fields);
  const json = (v: unknown) => (v === null ? undefined : (v as Json));
  await tx.auditLog.create({
    data: {
      seq: nextval,
      at,
      actorId: fields.actorId,
      actorEmail: fields.actorEmail,
      action: fields.action,
      entityType: fields.entityType,
      entityId: fields.entityId,
      before: json(fields.before),
      after: json(fields.after),
      meta: json(fields.meta),
      requestId: fields.requestId,
      prevHash,
      hash,
      hashAlg: "hmac-sha256",
    },
  });
  return { seq: nextval, hash };
}

export interface VerifyResult {
  ok: boolean;
  rows: number;
  head: string;
  /** The newest row's seq ("0" for an empty log). */
  headSeq: string;
  /** Rows from before the chain was keyed (plain SHA-256). */
  unkeyedRows: number;
  problems: Array<{ seq: string; problem: string }>;
}

/** Walks the whole chain in seq order (in pages) and reports every row whose link or content does not match. */
export async function verifyAuditChain(db: { auditLog: Tx["auditLog"] }, pageSize = 5000): Promise<VerifyResult> {
  const problems: VerifyResult["problems"] = [];
  let prev = GENESIS_HASH;
  let rows = 0;
  let unkeyedRows = 0;
  let keyed = false;
  let after: bigint | undefined;
  for (;;) {
    const page = await db.auditLog.findMany({
      where: after === undefined ? {} : { seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: pageSize,
    });
    if (!page.length) break;
    for (const r of page) {
      rows++;
      if (r.prevHash !== prev) {
        problems.push({
          seq: r.seq.toString(),
          problem: "the previous row it was chained to is missing or was changed",
        });
      }
      const alg = r.hashAlg as HashAlg;
      if (alg === "sha256") {
        unkeyedRows++;
        // Unkeyed rows are only valid before the first keyed one: one after it was written without the key.
        if (keyed)
          problems.push({
            seq: r.seq.toString(),
            problem: "it is not keyed although earlier rows are: it was rewritten without the audit key",
          });
      } else if (alg !== "hmac-sha256") {
        problems.push({ seq: r.seq.toString(), problem: `its hash algorithm "${String(r.hashAlg)}" is unknown` });
      } else keyed = true;
      const expected = rowHash(
        r.prevHash,
        {
          seq: r.seq.toString(),
          at: r.at.toISOString(),
          actorId: r.actorId,
          actorEmail: r.actorEmail,
          action: r.action,
          entityType: r.entityType,
          entityId: r.entityId,
          before: r.before ?? null,
          after: r.after ?? null,
          meta: r.meta ?? null,
          requestId: r.requestId,
        },
        alg === "sha256" ? "sha256" : "hmac-sha256",
      );
      if (expected !== r.hash)
        problems.push({
          seq: r.seq.toString(),
          problem:
            alg === "sha256"
              ? "its content was edited after it was written"
              : "its content was edited after it was written, or it was hashed without this installation's audit key",
        });
      prev = r.hash;
    }
    after = page[page.length - 1]!.seq;
  }
  // A log of only unkeyed rows proves nothing: anyone with database access can write one.
  if (rows > 0 && !keyed)
    problems.push({
      seq: after!.toString(),
      problem:
        "no row is keyed with the audit key: the log predates keyed hashing (any audited change keys it) or was rewritten without the key",
    });
  return { ok: problems.length === 0, rows, head: prev, headSeq: (after ?? 0n).toString(), unkeyedRows, problems };
}

/**
 * The audit page's filter choices: every distinct action and entity type. Read by skipping through their
 * indexes (a recursive "next value after this one" lookup) so the cost grows with the number of distinct
 * values, not with the log: a DISTINCT over the whole table took seconds on a long-lived log.
 */
export async function auditFacets(db: {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}): Promise<{ actions: string[]; entityTypes: string[] }> {
  const distinct = (column: "action" | "entity_type") =>
    db.$queryRawUnsafe<Array<{ v: string }>>(
      `WITH RECURSIVE d AS (
         (SELECT ${column} AS v FROM audit_log ORDER BY ${column} LIMIT 1)
         UNION ALL
         SELECT (SELECT ${column} FROM audit_log WHERE ${column} > d.v ORDER BY ${column} LIMIT 1) FROM d WHERE d.v IS NOT NULL
       ) SELECT v FROM d WHERE v IS NOT NULL`,
    );
  const [actions, entityTypes] = await Promise.all([distinct("action"), distinct("entity_type")]);
  return { actions: actions.map((a) => a.v), entityTypes: entityTypes.map((e) => e.v) };
}
