// Connections (named credentials per connector) and connectors imported from OpenAPI documents.
// Reads are open to every signed-in user (never a secret value: only which secret fields are set);
// writes are admin-only; "test connection" needs designer. Every change and every test is audited.
import "server-only";
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { z, type ZodError } from "zod";
import { connectors as builtIn } from "../../../connectors/registry";
import { auditedView, mergeSecrets, sealSecrets, toView } from "../../connections/service";
import { forgetConnection } from "../../runtime/connectors";
import { connectionUsage } from "../../connections/usage";
import { createWebhookSecret, webhookSecretState } from "../../connections/webhook-secrets";
import { catalog } from "../../connections/catalog";
import { recordTestOutcome, testStoredConnection } from "../../connections/test";
import { describeForDesigner } from "../../connections/describe";
import {
  convert,
  fetchSpec,
  forgetImported,
  importKey,
  manifestFor,
  MAX_SPEC_BYTES,
  parseSpecText,
  preview,
  rememberImported,
  SpecError,
  specHash,
} from "../../connections/imported";
import { createTRPCRouter, procedure } from "../trpc";
import { allowedHostsSchema } from "../../../connectors/sdk/credential-scope";
import type { Db } from "../../db/client";

const key = z
  .string()
  .min(2)
  .max(64)
  .regex(
    /^[a-z0-9][a-z0-9-_.]*$/,
    "Use lower-case letters, digits, '-', '_' or '.' (it is how flows refer to the connection).",
  );
const config = z.record(z.string(), z.unknown()).default({});
const secrets = z.record(z.string(), z.string().max(20_000));

function issues(e: ZodError): string {
  return e.issues.map((i) => `${i.path.join(".") || "(settings)"}: ${i.message}`).join("; ");
}

/** Checks settings against the connector's auth schema and secret names against its secret fields. */
async function checkAgainstManifest(
  db: Db,
  connectorKey: string,
  cfg: Record<string, unknown> | undefined,
  sec: Record<string, string> | undefined,
) {
  const m = await manifestFor(db, connectorKey);
  if (!m)
    throw new TRPCError({ code: "BAD_REQUEST", message: `No connector "${connectorKey}" (built in or imported).` });
  if (cfg) {
    const r = m.auth.config.safeParse(cfg);
    if (!r.success)
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `Settings for ${m.name} are invalid — ${issues(r.error)}`,
        cause: r.error,
      });
  }
  if (sec) {
    const known = Object.keys(
      (z.toJSONSchema(m.auth.secrets, { io: "input", unrepresentable: "any" }) as { properties?: object }).properties ??
        {},
    );
    const unknown = Object.keys(sec).filter((k) => !known.includes(k));
    if (unknown.length)
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `${m.name} has no secret field ${unknown.map((u) => `"${u}"`).join(", ")} (it has ${known.join(", ") || "none"}).`,
      });
  }
  return m;
}

const specSource = z
  .object({
    text: z.string().max(MAX_SPEC_BYTES).optional().describe("The document's JSON or YAML text"),
    url: z.url().max(2000).optional().describe("Or a URL to fetch it from (through the SSRF guard)"),
  })
  .refine((v) => !!v.text !== !!v.url, { message: "Give the document's text or a URL, not both." });

async function loadSpec(src: { text?: string; url?: string }): Promise<unknown> {
  try {
    return parseSpecText(src.text ?? (await fetchSpec(src.url!)));
  } catch (e) {
    if (e instanceof SpecError) throw new TRPCError({ code: "BAD_REQUEST", message: e.message });
    throw e;
  }
}

const importExists = (k: string) =>
  new TRPCError({
    code: "CONFLICT",
    message: `An imported connector "${k}" already exists; delete it first or choose another key.`,
  });

function converted(doc: unknown, opts: { key?: string; name?: string }) {
  try {
    return convert(doc, opts);
  } catch (e) {
    if (e instanceof SpecError) throw new TRPCError({ code: "BAD_REQUEST", message: e.message });
    throw e;
  }
}

export const connectionsRouter = createTRPCRouter({
  /** Connections with their non-secret settings, which secrets are set, the last test and the flows using them. */
  list: procedure("viewer").query(async ({ ctx }) => {
    const [rows, usage] = await Promise.all([
      ctx.db.connection.findMany({ orderBy: [{ connectorKey: "asc" }, { name: "asc" }] }),
      connectionUsage(ctx.db),
    ]);
    return rows.map((r) => ({ ...toView(r), usedBy: usage.get(r.key) ?? [] }));
  }),

  /** Connectors (built-in and imported) with their auth schemas as JSON Schema: the forms are built from these. */
  connectors: procedure("viewer").query(({ ctx }) => catalog(ctx.db, { withOperations: false })),

  /**
   * The browser-safe connector catalog for the designer's palette: built-in manifests plus imported
   * connectors, each operation's input and output as JSON Schema.
   */
  catalog: procedure("viewer").query(({ ctx }) => catalog(ctx.db, { withOperations: true })),

  create: procedure("admin")
    .input(
      z.object({
        key,
        name: z.string().min(1).max(120),
        connectorKey: z.string().min(1).max(64),
        config,
        allowedHosts: allowedHostsSchema.default([]),
        secrets: secrets.default({}),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (await ctx.db.connection.findUnique({ where: { key: input.key }, select: { id: true } })) {
        throw new TRPCError({ code: "CONFLICT", message: `A connection named "${input.key}" already exists.` });
      }
      await checkAgainstManifest(ctx.db, input.connectorKey, input.config, input.secrets);
      return ctx.db.$transaction(async (tx) => {
        if (await tx.connection.findUnique({ where: { key: input.key }, select: { id: true } })) {
          throw new TRPCError({ code: "CONFLICT", message: `A connection named "${input.key}" already exists.` });
        }
        const row = await tx.connection.create({
          data: {
            key: input.key,
            name: input.name,
            connectorKey: input.connectorKey,
            config: input.config as object,
            allowedHosts: input.allowedHosts,
            secretsEnc: sealSecrets(input.key, input.secrets),
            createdById: ctx.user.id,
          },
        });
        const view = toView(row);
        await ctx.audit(tx, {
          action: "connection.created",
          entityType: "connection",
          entityId: row.key,
          after: { ...auditedView(view), connectorKey: view.connectorKey },
        });
        return view;
      });
    }),

  /** A webhook trigger's signing secret: whether the connection exists, is a webhook connection and holds a secret. */
  webhookSecret: procedure("viewer")
    .input(z.object({ key: z.string().min(1).max(128) }))
    .query(({ ctx, input }) => webhookSecretState(ctx.db, input.key)),

  /** Creates a missing signing secret (generated on the server) and returns it this once. Same role as creating any connection. */
  createWebhookSecret: procedure("admin")
    .input(z.object({ key, flowKey: z.string().min(1).max(128).optional() }))
    .mutation(({ ctx, input }) => createWebhookSecret(ctx, input)),

  update: procedure("admin")
    .input(
      z.object({
        key,
        name: z.string().min(1).max(120).optional(),
        config: z.record(z.string(), z.unknown()).optional(),
        allowedHosts: allowedHostsSchema.optional(),
        secrets: secrets.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const existing = await ctx.db.connection.findUnique({
        where: { key: input.key },
        select: { connectorKey: true },
      });
      if (!existing) throw new TRPCError({ code: "NOT_FOUND", message: `No connection named "${input.key}".` });
      await checkAgainstManifest(ctx.db, existing.connectorKey, input.config, input.secrets);
      const after = await ctx.db.$transaction(async (tx) => {
        const row = await tx.connection.findUnique({ where: { key: input.key } });
        if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `No connection named "${input.key}".` });
        const before = toView(row);
        const credentialsChanged =
          input.config !== undefined || input.allowedHosts !== undefined || Object.keys(input.secrets ?? {}).length > 0;
        const updated = await tx.connection.update({
          where: { key: input.key },
          data: {
            name: input.name,
            config: input.config as object | undefined,
            allowedHosts: input.allowedHosts,
            secretsEnc: mergeSecrets(row, input.secrets),
            // A test result says nothing about settings it did not use.
            ...(credentialsChanged
              ? {
                  lastTestAt: null,
                  lastTestOk: null,
                  lastTestErrorClass: null,
                  lastTestMessage: null,
                  lastTestLatencyMs: null,
                }
              : {}),
          },
        });
        const after = toView(updated);
        // Secret values never reach the audit log: only which secret fields changed.
        await ctx.audit(tx, {
          action: "connection.updated",
          entityType: "connection",
          entityId: row.key,
          before: auditedView(before),
          after: auditedView(after),
          meta: { secretsChanged: Object.keys(input.secrets ?? {}) },
        });
        return after;
      });
      // After the commit: this process's next call uses the new settings and a new token, not the cached ones.
      forgetConnection(input.key);
      return after;
    }),

  /** Refused while flows refer to the connection, unless `force` (the audit row names the flows). */
  delete: procedure("admin")
    .input(z.object({ key, force: z.boolean().default(false) }))
    .mutation(async ({ ctx, input }) => {
      const uses = (await connectionUsage(ctx.db, input.key)).get(input.key) ?? [];
      if (uses.length && !input.force) {
        const list = uses.map((u) => `${u.flowName} (${u.in.join(", ")})`).join("; ");
        throw new TRPCError({
          code: "PRECONDITION_FAILED",
          message: `"${input.key}" is used by ${uses.length} flow${uses.length === 1 ? "" : "s"}: ${list}. Change those flows first, or force the deletion (their calls will then fail with unknown_connection).`,
        });
      }
      const done = await ctx.db.$transaction(async (tx) => {
        const row = await tx.connection.findUnique({ where: { key: input.key } });
        if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `No connection named "${input.key}".` });
        await tx.connection.delete({ where: { key: input.key } });
        const v = toView(row);
        await ctx.audit(tx, {
          action: "connection.deleted",
          entityType: "connection",
          entityId: row.key,
          before: {
            name: v.name,
            connectorKey: v.connectorKey,
            config: v.config,
            allowedHosts: v.allowedHosts,
            secretFields: v.secretFields,
          },
          meta: uses.length ? { forced: true, usedBy: uses.map((u) => ({ flowKey: u.flowKey, in: u.in })) } : undefined,
        });
        return { ok: true };
      });
      forgetConnection(input.key);
      return done;
    }),

  /** Runs the connector's cheapest authenticated call with the stored credentials; records and audits the outcome. */
  test: procedure("designer")
    .input(z.object({ key }))
    .mutation(async ({ ctx, input }) => {
      const outcome = await testStoredConnection(ctx.db, input.key);
      await ctx.db.$transaction(async (tx) => {
        await recordTestOutcome(tx, input.key, outcome);
        await ctx.audit(tx, {
          action: "connection.tested",
          entityType: "connection",
          entityId: input.key,
          meta: {
            ok: outcome.ok,
            errorClass: outcome.errorClass,
            code: outcome.code,
            latencyMs: outcome.latencyMs,
            message: outcome.message,
          },
        });
      });
      return outcome;
    }),

  /**
   * Describes what a step reads with its connection (e.g. a Salesforce sObject's fields), for the designer's
   * mapper: run on the server through the guarded client, credentials never leave it.
   */
  describe: procedure("designer")
    .input(
      z.object({
        key,
        operation: z.string().min(1).max(80),
        subject: z
          .string()
          .min(1)
          .max(120)
          .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "An object API name such as Opportunity or Invoice__c."),
      }),
    )
    .query(({ ctx, input }) => describeForDesigner(ctx.db, input)),

  // ---- OpenAPI imports ------------------------------------------------------------------------------

  /** Parses and converts a document without saving: its operations and the converter's warnings. */
  previewImport: procedure("admin")
    .input(specSource.and(z.object({ key: z.string().max(48).optional(), name: z.string().max(120).optional() })))
    .mutation(async ({ input }) => {
      const doc = await loadSpec(input);
      const c = converted(doc, { name: input.name || undefined });
      const p = preview(c);
      let suggestedKey = p.key;
      try {
        suggestedKey = importKey(input.key, c.manifest.name);
      } catch {
        /* the save reports it */
      }
      return { ...p, key: suggestedKey };
    }),

  /** Stores the document as an imported connector; connections can then be made for it and flows can call it. */
  saveImport: procedure("admin")
    .input(
      specSource.and(z.object({ key: z.string().max(48).optional(), name: z.string().min(1).max(120).optional() })),
    )
    .mutation(async ({ ctx, input }) => {
      const doc = await loadSpec(input);
      // The title as openApiToConnector names it, without converting a large document twice.
      const info = (doc as { info?: { title?: unknown } } | null)?.info;
      const title = typeof info?.title === "string" ? info.title : "Imported API";
      let k: string;
      try {
        k = importKey(input.key, title);
      } catch (e) {
        throw new TRPCError({ code: "BAD_REQUEST", message: (e as Error).message });
      }
      const name = input.name?.trim() || title;
      // Everything heavy happens before the transaction: converting, hashing and serialising a multi-megabyte
      // document takes seconds, and an interactive transaction that held its connection that long timed out
      // (Prisma's 5 s) with a raw 500. Inside: a key check, one INSERT of the prepared JSON text, the audit row.
      const c = converted(doc, { key: k, name });
      const hash = specHash(doc);
      const specJson = JSON.stringify(doc);
      const operationCount = Object.keys(c.manifest.operations).length;
      if (await ctx.db.importedConnector.findUnique({ where: { key: k }, select: { id: true } })) throw importExists(k);
      const sourceUrl = input.url ?? null;
      try {
        await ctx.db.$transaction(async (tx) => {
          // ON CONFLICT: a concurrent save of the same key loses cleanly instead of with a constraint error.
          const inserted =
            await tx.$executeRaw`INSERT INTO imported_connector (id, key, name, spec, spec_hash, source_url, operation_count, created_by_id)
            VALUES (${randomUUID()}::uuid, ${k}, ${name}, ${specJson}::jsonb, ${hash}, ${sourceUrl}, ${operationCount}, ${ctx.user.id})
            ON CONFLICT (key) DO NOTHING`;
          if (inserted !== 1) throw importExists(k);
          await ctx.audit(tx, {
            action: "connector.imported",
            entityType: "imported_connector",
            entityId: k,
            after: { key: k, name, specHash: hash, sourceUrl, operationCount, version: c.manifest.version },
            meta: { warnings: c.warnings.length },
          });
        });
      } catch (e) {
        if (e instanceof TRPCError) throw e;
        // Nothing was stored (the transaction rolled back); say so instead of passing the database's words on.
        throw new TRPCError({
          code: "INTERNAL_SERVER_ERROR",
          message: `The imported connector "${k}" could not be saved: the database did not complete the write, and nothing was stored. Try again; if it keeps failing, an administrator can find the cause in the server log (request ${ctx.requestId}).`,
          cause: e,
        });
      }
      rememberImported(k, hash, c);
      return { key: k, name, operationCount, warnings: c.warnings };
    }),

  /** Imported connectors with who imported them and how many connections use each. */
  importedList: procedure("viewer").query(async ({ ctx }) => {
    const [rows, counts] = await Promise.all([
      ctx.db.importedConnector.findMany({
        select: {
          key: true,
          name: true,
          sourceUrl: true,
          operationCount: true,
          specHash: true,
          createdAt: true,
          createdById: true,
        },
        orderBy: { createdAt: "desc" },
      }),
      ctx.db.connection.groupBy({ by: ["connectorKey"], _count: { _all: true } }),
    ]);
    // Who imported it, as the audit log recorded it (the user row may since be gone).
    const imports = await ctx.db.auditLog.findMany({
      where: { action: "connector.imported", entityId: { in: rows.map((r) => r.key) } },
      select: { entityId: true, actorEmail: true, at: true },
      orderBy: { seq: "desc" },
    });
    return rows.map((r) => ({
      ...r,
      createdBy: imports.find((a) => a.entityId === r.key)?.actorEmail ?? null,
      connections: counts.find((c) => c.connectorKey === r.key)?._count._all ?? 0,
    }));
  }),

  /** Refused while connections use the imported connector. */
  deleteImported: procedure("admin")
    .input(z.object({ key: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      if (input.key in builtIn)
        throw new TRPCError({ code: "BAD_REQUEST", message: `"${input.key}" is a built-in connector.` });
      const res = await ctx.db.$transaction(async (tx) => {
        const row = await tx.importedConnector.findUnique({
          where: { key: input.key },
          select: { key: true, name: true, specHash: true, operationCount: true, sourceUrl: true },
        });
        if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `No imported connector "${input.key}".` });
        const conns = await tx.connection.findMany({ where: { connectorKey: input.key }, select: { key: true } });
        if (conns.length)
          throw new TRPCError({
            code: "PRECONDITION_FAILED",
            message: `"${row.name}" has ${conns.length} connection${conns.length === 1 ? "" : "s"} (${conns.map((c) => c.key).join(", ")}); delete them first.`,
          });
        await tx.importedConnector.delete({ where: { key: input.key } });
        await ctx.audit(tx, {
          action: "connector.import_deleted",
          entityType: "imported_connector",
          entityId: row.key,
          before: row,
        });
        return { ok: true };
      });
      forgetImported(input.key);
      return res;
    }),
});
