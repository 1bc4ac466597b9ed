// Webhook signing secrets: a connection of the "webhook" connector whose sealed `signingSecret` the ingress
// (server/runtime/ingress.ts) verifies callers with. The designer shows a trigger's secret state and creates a
// missing one in one click: generated here (never typed or chosen in a browser), sealed like every connection
// secret, returned once so the user can hand it to the sender, and audited without the value.
import "server-only";
import { randomBytes } from "node:crypto";
import { DomainError } from "../../core/domain-error";
import { Prisma, type Db } from "../db/client";
import { WEBHOOK_CONNECTOR, WEBHOOK_SECRET_FIELD } from "../../core/dsl/defaults";
import { auditedView, mergeSecrets, sealSecrets, toView } from "./service";
import type { AuditEntry } from "../audit/audit";

/** 256 random bits, URL-safe (no quoting needed in a shell or a vendor's settings form). */
export function generateSigningSecret(): string {
  return randomBytes(32).toString("base64url");
}

export interface WebhookSecretState {
  key: string;
  /** "missing": no connection with this key; "wrong-connector": a connection of another kind; "empty": a webhook
   *  connection without a signing secret; "ready": the ingress can verify signatures. */
  state: "missing" | "wrong-connector" | "empty" | "ready";
  name: string | null;
  connectorKey: string | null;
  updatedAt: Date | null;
}

export async function webhookSecretState(db: Db, key: string): Promise<WebhookSecretState> {
  const row = await db.connection.findUnique({ where: { key } });
  if (!row) return { key, state: "missing", name: null, connectorKey: null, updatedAt: null };
  const view = toView(row);
  const state =
    row.connectorKey !== WEBHOOK_CONNECTOR
      ? "wrong-connector"
      : view.secretFields.includes(WEBHOOK_SECRET_FIELD)
        ? "ready"
        : "empty";
  return { key, state, name: row.name, connectorKey: row.connectorKey, updatedAt: row.updatedAt };
}

interface Ctx {
  db: Db;
  user: { id: string };
  audit(tx: Prisma.TransactionClient, e: Omit<AuditEntry, "actor" | "requestId">): Promise<unknown>;
}

/**
 * Creates the signing-secret connection `key` (or fills an existing webhook connection that has no secret) with a
 * generated secret, and returns the secret — the only time it leaves the server. Refuses to replace a secret
 * that is set (rotation is an explicit edit on the Connections page) or to touch another connector's connection.
 */
export async function createWebhookSecret(
  ctx: Ctx,
  input: { key: string; flowKey?: string },
): Promise<{ key: string; name: string; secret: string; created: boolean }> {
  const secret = generateSigningSecret();
  const flow = input.flowKey
    ? await ctx.db.flow.findUnique({ where: { key: input.flowKey }, select: { name: true } })
    : null;
  const name = flow ? `${flow.name} (webhook signing secret)` : `Webhook signing secret ${input.key}`.slice(0, 120);
  try {
    return await ctx.db.$transaction(async (tx) => {
      const row = await tx.connection.findUnique({ where: { key: input.key } });
      if (!row) {
        const created = await tx.connection.create({
          data: {
            key: input.key,
            name: name.slice(0, 120),
            connectorKey: WEBHOOK_CONNECTOR,
            config: {},
            secretsEnc: sealSecrets(input.key, { [WEBHOOK_SECRET_FIELD]: secret }),
            createdById: ctx.user.id,
          },
        });
        const view = toView(created);
        await ctx.audit(tx, {
          action: "connection.created",
          entityType: "connection",
          entityId: created.key,
          after: { ...auditedView(view), connectorKey: view.connectorKey },
          meta: { generatedSecret: WEBHOOK_SECRET_FIELD, forFlow: input.flowKey ?? null },
        });
        return { key: created.key, name: created.name, secret, created: true };
      }
      if (row.connectorKey !== WEBHOOK_CONNECTOR)
        throw new DomainError(
          "conflict",
          `"${input.key}" is a ${row.connectorKey} connection, not a webhook signing secret: name another secret in the trigger.`,
        );
      const before = toView(row);
      if (before.secretFields.includes(WEBHOOK_SECRET_FIELD))
        throw new DomainError(
          "conflict",
          `"${input.key}" already has a signing secret. To replace it, edit the connection on the Connections page (senders must then use the new one).`,
        );
      const updated = await tx.connection.update({
        where: { key: input.key },
        data: { secretsEnc: mergeSecrets(row, { [WEBHOOK_SECRET_FIELD]: secret }) },
      });
      await ctx.audit(tx, {
        action: "connection.updated",
        entityType: "connection",
        entityId: row.key,
        before: auditedView(before),
        after: auditedView(toView(updated)),
        meta: {
          secretsChanged: [WEBHOOK_SECRET_FIELD],
          generatedSecret: WEBHOOK_SECRET_FIELD,
          forFlow: input.flowKey ?? null,
        },
      });
      return { key: row.key, name: row.name, secret, created: false };
    });
  } catch (e) {
    // Two clicks at once: the other one created it.
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002")
      throw new DomainError("conflict", `"${input.key}" was just created by someone else; reload to see it.`);
    throw e;
  }
}
