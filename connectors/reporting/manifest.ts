// Data platform connector: writes canonical records and business events to a Postgres reporting schema
// (the executive-reporting leg). Browser-safe.
import { z } from "zod";
import { CANONICAL_ENTITY_NAMES } from "../canonical";
import { defineConnector } from "../sdk/define";
import { pgConnectionConfig } from "../postgres/manifest";

export const reportingManifest = defineConnector({
  key: "reporting",
  name: "Data platform (reporting)",
  system: "data",
  icon: "chart",
  version: "1.0.0",
  description:
    "Writes canonical records (customers, projects, time, invoices…) and business events into a Postgres reporting schema for BI.",
  docs: "One table per canonical entity (id, data jsonb, source, entity_updated_at, written_at) plus an `event` table. Records are validated against the canonical model; an older version never overwrites a newer one; events are de-duplicated by id.",
  auth: {
    type: "database",
    config: pgConnectionConfig.extend({
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/)
        .default("reporting"),
    }),
    secrets: z.object({ password: z.string().optional() }),
  },
  operations: {
    upsertRecords: {
      kind: "action",
      name: "Write canonical records",
      description: "Upserts canonical entities by id (newer updatedAt wins).",
      effect: "write",
      input: z.object({
        entity: z.enum(CANONICAL_ENTITY_NAMES as [string, ...string[]]),
        records: z.array(z.record(z.string(), z.unknown())).min(1).max(5000),
        source: z.string().default("weft"),
      }),
      output: z.object({ entity: z.string(), written: z.number().int(), skippedOlder: z.number().int() }),
    },
    writeEvents: {
      kind: "action",
      name: "Write events",
      description:
        "Appends business events (e.g. opportunity.won, invoice.posted); an event id already stored is skipped.",
      effect: "write",
      input: z.object({
        events: z
          .array(
            z.object({
              id: z.string().min(1).optional().describe("Default: derived from the step's idempotency key"),
              type: z.string().min(1),
              occurredAt: z.string().datetime({ offset: true }),
              subject: z.object({ entity: z.string(), id: z.string() }).optional(),
              data: z.record(z.string(), z.unknown()).default({}),
            }),
          )
          .min(1)
          .max(5000),
      }),
      output: z.object({ inserted: z.number().int(), duplicates: z.number().int() }),
    },
    ensureSchema: {
      kind: "action",
      name: "Create reporting tables",
      description: "Creates the schema and its tables if missing (writes do this on first use too).",
      effect: "write",
      input: z.object({}),
      output: z.object({ schema: z.string(), tables: z.array(z.string()) }),
    },
  },
});
