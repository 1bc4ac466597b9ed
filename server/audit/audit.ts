// Append-only, hash-chained audit log. Each row's hash is sha256 over the previous row's hash and a
// canonical (RFC 8785) encoding of the row, so any edited or deleted row breaks the chain from that
// point on. Rows are appended inside the caller's transaction: a change and its audit record commit
// together or not at all.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { Prisma } from "../db/client";

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

export function rowHash(prevHash: string, f: HashedFields): string {
  return createHash("sha256").update(prevHash).update("\n").update(canonicalize(f) ?? "").digest("hex");
}

/** JSON round-trip so the hashed value is exactly what jsonb will give back (no undefined, Dates as strings). */
function normalise(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);
}

export async function appendAudit(tx: Tx, e: AuditEntry): Promise<{ seq: bigint; hash: string }> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`;
  const head = await tx.auditLog.findFirst({ orderBy: { seq: "desc" }, select: { hash: true } });
  const prevHash = head?.hash ?? GENESIS_HASH;
  const [{ nextval }] = await tx.$queryRaw<[{ nextval: bigint }]>`SELECT nextval(pg_get_serial_sequence('audit_log', 'seq'))`;
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
    },
  });
  return { seq: nextval, hash };
}

export interface VerifyResult {
  ok: boolean;
  rows: number;
  head: string;
  problems: Array<{ seq: string; problem: string }>;
}

/** Walks the whole chain in seq order (in pages) and reports every row whose link or content does not match. */
export async function verifyAuditChain(db: { auditLog: Tx["auditLog"] }, pageSize = 5000): Promise<VerifyResult> {
  const problems: VerifyResult["problems"] = [];
  let prev = GENESIS_HASH;
  let rows = 0;
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
        problems.push({ seq: r.seq.toString(), problem: "the previous row it was chained to is missing or was changed" });
      }
      const expected = rowHash(r.prevHash, {
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
      });
      if (expected !== r.hash) problems.push({ seq: r.seq.toString(), problem: "its content was edited after it was written" });
      prev = r.hash;
    }
    after = page[page.length - 1]!.seq;
  }
  return { ok: problems.length === 0, rows, head: prev, problems };
}
