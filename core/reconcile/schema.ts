// A reconciliation definition: which record sets are compared, how their keys are normalised so the same
// thing meets itself, which field rules must hold between them, the period in scope and what is at stake.
// Pure (zod only). Documented in docs/reconciliation.md.
import { z } from "zod";

const identifier = z
  .string()
  .regex(/^[a-z][a-zA-Z0-9_]{0,63}$/, "a name starting with a lower-case letter (letters, digits, _; at most 64)");

/**
 * A simple dotted path into a record ("amount", "customer.name", "lines.0.amount"). JSONata is not used
 * here: jsonata 2 evaluates asynchronously and costs microseconds per call, too much per record at 100k
 * records a side; a mapping flow step can reshape records before they reach the matcher.
 */
export const FieldPath = z
  .string()
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, "a dotted path such as customer.name")
  .describe("Dotted path into a record");

export const Normalise = z
  .object({
    trim: z.boolean().default(true).describe("Trim surrounding white space and collapse inner runs to one space"),
    caseFold: z.boolean().default(false).describe("Compare case-insensitively (Unicode lower case)"),
    stripLeadingZeros: z.boolean().default(false).describe('Drop leading zeros ("00042" → "42"; "0" stays "0")'),
    map: identifier
      .optional()
      .describe("A table in `maps` applied after the steps above; unmapped values pass through"),
  })
  .describe("How a key (or a compared text) is normalised");
export type Normalise = z.infer<typeof Normalise>;

export const Side = z
  .object({
    name: identifier.describe("How rules and results name this side, e.g. psa, erp"),
    label: z.string().max(200).optional(),
    key: z.array(FieldPath).min(1).max(4).describe("The key: one path, or several forming a composite key"),
    normalise: Normalise.default({ trim: true, caseFold: false, stripLeadingZeros: false }),
    many: z
      .boolean()
      .default(false)
      .describe("Many rows per key (e.g. time entries per project and period), summed by the rules"),
    id: FieldPath.optional().describe("The record's own id, reported with breaks for drill-down"),
    date: FieldPath.optional().describe("The record's date (YYYY-MM-DD or ISO timestamp), checked against `period`"),
    where: z
      .array(
        z.object({
          path: FieldPath,
          in: z
            .array(z.union([z.string(), z.number(), z.boolean()]))
            .min(1)
            .max(100),
        }),
      )
      .max(10)
      .default([])
      .describe("Scope: only records whose value at each path is one of the listed values (e.g. approved time)"),
  })
  .describe("One record set being reconciled");
export type Side = z.infer<typeof Side>;

export const Operand = z.object({
  side: identifier,
  path: FieldPath,
  /** cents: the value is in minor units (Kantata's amount_in_cents); minutes: the value is minutes. */
  unit: z.enum(["cents", "minutes"]).optional(),
});
export type Operand = z.infer<typeof Operand>;

const ruleBase = {
  id: z
    .string()
    .regex(
      /^[a-z][a-zA-Z0-9_-]{0,63}$/,
      "a name starting with a lower-case letter (letters, digits, _ and -; at most 64)",
    )
    .describe("Names the rule in results, exceptions and the breaks-by-rule count"),
  a: Operand,
  b: Operand,
};

export const Rule = z.discriminatedUnion("type", [
  z.object({ ...ruleBase, type: z.literal("equal"), normalise: Normalise.optional() }),
  z.object({
    ...ruleBase,
    type: z.literal("money"),
    tolerance: z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .default("0.01")
      .describe("Largest difference that still matches, e.g. 0.01"),
  }),
  z.object({
    ...ruleBase,
    type: z.literal("hours"),
    tolerance: z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .default("0.25")
      .describe("Largest difference in hours that still matches"),
  }),
  z.object({ ...ruleBase, type: z.literal("date"), withinDays: z.number().int().min(0).max(3660).default(0) }),
]);
export type Rule = z.infer<typeof Rule>;

export const Period = z.object({ from: z.iso.date(), to: z.iso.date() }).describe("Inclusive calendar dates");

export const Impact = z
  .object({
    money: z
      .array(Operand)
      .max(3)
      .optional()
      .describe("Per side, the money a break puts at stake (summed on a many side)"),
    hours: z.array(Operand).max(3).optional().describe("Per side, the hours a break puts at stake"),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional()
      .describe("Currency of the money at stake"),
  })
  .default({});

export const ReconDefinition = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, "lower-case letters, digits and dashes"),
    name: z.string().min(1).max(200),
    sides: z
      .array(Side)
      .min(2, "a reconciliation compares 2 or 3 record sets")
      .max(3, "a reconciliation compares 2 or 3 record sets"),
    maps: z
      .record(identifier, z.record(z.string(), z.string()))
      .default({})
      .describe("Named tables: external-id maps, code lists"),
    rules: z.array(Rule).max(50).default([]),
    period: Period.optional(),
    impact: Impact,
  })
  .superRefine((def, ctx) => {
    const sides = new Map(def.sides.map((s) => [s.name, s]));
    if (sides.size !== def.sides.length)
      ctx.addIssue({ code: "custom", path: ["sides"], message: "side names must be unique" });
    const mapRef = (n: Normalise | undefined, path: (string | number)[]) => {
      if (n?.map && !(n.map in def.maps))
        ctx.addIssue({ code: "custom", path: [...path, "map"], message: `no map named "${n.map}" in maps` });
    };
    def.sides.forEach((s, i) => {
      mapRef(s.normalise, ["sides", i, "normalise"]);
      if (def.period && !s.date)
        ctx.addIssue({
          code: "custom",
          path: ["sides", i, "date"],
          message: `side "${s.name}" needs a date path when a period is set`,
        });
    });
    const ids = new Set<string>();
    def.rules.forEach((r, i) => {
      if (ids.has(r.id))
        ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `rule id "${r.id}" is used twice` });
      ids.add(r.id);
      if (r.type === "equal") mapRef(r.normalise, ["rules", i, "normalise"]);
      for (const o of ["a", "b"] as const) {
        const side = sides.get(r[o].side);
        if (!side) {
          ctx.addIssue({ code: "custom", path: ["rules", i, o, "side"], message: `no side named "${r[o].side}"` });
          continue;
        }
        if (side.many && (r.type === "equal" || r.type === "date"))
          ctx.addIssue({
            code: "custom",
            path: ["rules", i, o, "side"],
            message: `side "${side.name}" has many rows per key: only money and hours rules (sums) apply to it`,
          });
        if (r[o].unit === "cents" && r.type !== "money")
          ctx.addIssue({ code: "custom", path: ["rules", i, o, "unit"], message: "cents applies to money rules" });
        if (r[o].unit === "minutes" && r.type !== "hours")
          ctx.addIssue({ code: "custom", path: ["rules", i, o, "unit"], message: "minutes applies to hours rules" });
      }
      if (r.a.side === r.b.side)
        ctx.addIssue({
          code: "custom",
          path: ["rules", i, "b", "side"],
          message: "a rule compares two different sides",
        });
    });
    for (const kind of ["money", "hours"] as const) {
      const seen = new Set<string>();
      def.impact[kind]?.forEach((o, i) => {
        if (!sides.has(o.side))
          ctx.addIssue({ code: "custom", path: ["impact", kind, i, "side"], message: `no side named "${o.side}"` });
        if (seen.has(o.side))
          ctx.addIssue({
            code: "custom",
            path: ["impact", kind, i, "side"],
            message: `side "${o.side}" is listed twice`,
          });
        seen.add(o.side);
      });
    }
  })
  .describe("A reconciliation: 2 or 3 record sets matched by key, with field rules");
export type ReconDefinition = z.infer<typeof ReconDefinition>;
export type ReconDefinitionInput = z.input<typeof ReconDefinition>;
