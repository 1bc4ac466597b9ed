import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { mergeSecrets, sealSecrets, toView } from "../../connections/service";
import { createTRPCRouter, procedure } from "../trpc";

const key = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-_.]*$/, "Use lower-case letters, digits, '-', '_' or '.' (it is how flows refer to the connection).");
const config = z.record(z.string(), z.unknown()).default({});
const secrets = z.record(z.string(), z.string().max(20_000));

export const connectionsRouter = createTRPCRouter({
  list: procedure("viewer").query(async ({ ctx }) => {
    const rows = await ctx.db.connection.findMany({ orderBy: [{ connectorKey: "asc" }, { name: "asc" }] });
    return rows.map(toView);
  }),
  create: procedure("admin")
    .input(z.object({ key, name: z.string().min(1).max(120), connectorKey: z.string().min(1).max(64), config, secrets: secrets.default({}) }))
    .mutation(({ ctx, input }) =>
      ctx.db.$transaction(async (tx) => {
        if (await tx.connection.findUnique({ where: { key: input.key }, select: { id: true } })) {
          throw new TRPCError({ code: "CONFLICT", message: `A connection named "${input.key}" already exists.` });
        }
        const row = await tx.connection.create({
          data: { key: input.key, name: input.name, connectorKey: input.connectorKey, config: input.config as object, secretsEnc: sealSecrets(input.key, input.secrets), createdById: ctx.user.id },
        });
        const view = toView(row);
        await ctx.audit(tx, { action: "connection.created", entityType: "connection", entityId: row.key, after: { ...view, updatedAt: undefined } });
        return view;
      }),
    ),
  update: procedure("admin")
    .input(z.object({ key, name: z.string().min(1).max(120).optional(), config: config.optional(), secrets: secrets.optional() }))
    .mutation(({ ctx, input }) =>
      ctx.db.$transaction(async (tx) => {
        const row = await tx.connection.findUnique({ where: { key: input.key } });
        if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `No connection named "${input.key}".` });
        const before = toView(row);
        const updated = await tx.connection.update({
          where: { key: input.key },
          data: { name: input.name, config: input.config as object | undefined, secretsEnc: mergeSecrets(row, input.secrets) },
        });
        const after = toView(updated);
        // Secret values never reach the audit log: only which secret fields changed.
        await ctx.audit(tx, {
          action: "connection.updated",
          entityType: "connection",
          entityId: row.key,
          before: { name: before.name, config: before.config, secretFields: before.secretFields },
          after: { name: after.name, config: after.config, secretFields: after.secretFields },
          meta: { secretsChanged: Object.keys(input.secrets ?? {}) },
        });
        return after;
      }),
    ),
  delete: procedure("admin")
    .input(z.object({ key }))
    .mutation(({ ctx, input }) =>
      ctx.db.$transaction(async (tx) => {
        const row = await tx.connection.findUnique({ where: { key: input.key } });
        if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `No connection named "${input.key}".` });
        await tx.connection.delete({ where: { key: input.key } });
        const v = toView(row);
        await ctx.audit(tx, { action: "connection.deleted", entityType: "connection", entityId: row.key, before: { name: v.name, connectorKey: v.connectorKey, config: v.config, secretFields: v.secretFields } });
        return { ok: true };
      }),
    ),
});
