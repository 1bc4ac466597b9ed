// Signed anchors of the audit chain: the head row's seq and hash, the number of rows up to it and the time,
// signed with the installation's Ed25519 anchor key (server/audit/key.ts). An admin exports one (Audit page,
// `weft audit anchor`) and keeps it outside the database; `weft audit verify --anchor FILE` then proves the
// chain still contains exactly that prefix — which catches what the chain alone cannot: the newest rows
// deleted, or the whole log replaced.
import "server-only";
import { sign, verify } from "node:crypto";
import canonicalize from "canonicalize";
import { z } from "zod";
import type { Prisma } from "../db/client";
import { appendAudit, type AuditActor } from "./audit";
import { anchorKeys } from "./key";

export const ANCHOR_FORMAT = "weft-audit-anchor/1";

export const auditAnchorSchema = z.object({
  format: z.literal(ANCHOR_FORMAT),
  seq: z.string().regex(/^\d+$/),
  rows: z.number().int().min(0),
  head: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.string(),
  keyId: z.string(),
  signature: z.string(),
});
export type AuditAnchor = z.infer<typeof auditAnchorSchema>;

type AuditReader = { auditLog: Prisma.TransactionClient["auditLog"] };

const signed = (a: Omit<AuditAnchor, "signature">) =>
  Buffer.from(
    canonicalize({ format: a.format, seq: a.seq, rows: a.rows, head: a.head, at: a.at, keyId: a.keyId }) ?? "",
  );

/**
 * Records the export in the log and anchors the chain at that very row, in one transaction (the audit
 * lock taken by appendAudit keeps other writers out until it commits, so the count and head agree).
 */
export async function exportAnchor(
  tx: Prisma.TransactionClient,
  actor: AuditActor | null,
  requestId?: string | null,
): Promise<AuditAnchor> {
  const { keyId, privateKey } = anchorKeys();
  const { seq, hash } = await appendAudit(tx, {
    actor,
    action: "audit.anchor_exported",
    entityType: "audit_log",
    requestId,
    meta: { keyId },
  });
  const rows = await tx.auditLog.count({ where: { seq: { lte: seq } } });
  const body = {
    format: ANCHOR_FORMAT,
    seq: seq.toString(),
    rows,
    head: hash,
    at: new Date().toISOString(),
    keyId,
  } as const;
  return { ...body, signature: sign(null, signed(body), privateKey).toString("base64") };
}

/** What an anchor says about the log now: [] when the log still holds exactly the anchored prefix. */
export async function checkAnchor(
  db: AuditReader,
  anchor: AuditAnchor,
): Promise<Array<{ seq: string; problem: string }>> {
  const { keyId, publicKey } = anchorKeys();
  if (anchor.keyId !== keyId || !verify(null, signed(anchor), publicKey, Buffer.from(anchor.signature, "base64"))) {
    return [
      {
        seq: anchor.seq,
        problem: `the anchor's signature does not verify with this installation's audit key (key ${keyId}): it was edited, or comes from another installation or key`,
      },
    ];
  }
  const problems: Array<{ seq: string; problem: string }> = [];
  const row = await db.auditLog.findUnique({ where: { seq: BigInt(anchor.seq) }, select: { hash: true } });
  if (!row)
    problems.push({
      seq: anchor.seq,
      problem: `the anchored row (taken ${anchor.at}) is gone: rows were deleted or the log was replaced`,
    });
  else if (row.hash !== anchor.head)
    problems.push({
      seq: anchor.seq,
      problem: `the anchored row's hash differs from the anchor's (taken ${anchor.at}): the log was rewritten`,
    });
  const rows = await db.auditLog.count({ where: { seq: { lte: BigInt(anchor.seq) } } });
  if (rows !== anchor.rows)
    problems.push({
      seq: anchor.seq,
      problem: `the anchor counted ${anchor.rows} rows up to here; the log now has ${rows}`,
    });
  return problems;
}

/** Reads an anchor file's text; a clear message for anything else. */
export function parseAnchor(text: string): AuditAnchor {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error("The anchor file is not JSON.");
  }
  const r = auditAnchorSchema.safeParse(raw);
  if (!r.success)
    throw new Error(
      `The anchor file is not a Weft audit anchor: ${r.error.issues.map((i) => `${i.path.join(".") || "(file)"} ${i.message}`).join("; ")}`,
    );
  return r.data;
}
