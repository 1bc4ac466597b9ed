// What is in scope inside a trigger's own expression fields, where that is not the run's scope: a poll's
// fields are evaluated by the poller with only `$trigger` bound, and `$trigger` there is `{ cursor }` (input),
// the operation's output (records) or one record (cursor, recordId, version) — core/dsl trigger-input.ts.
import { triggerFieldInput, type Catalog, type JsonSchemaObject, type Trigger } from "@/core/dsl";
import { jsonSchemaOf, operationOf } from "./catalog";
import { samplePaths, schemaPaths, type ExprScope } from "./scope-paths";
import type { JsonSchema } from "./mapper/types";

/**
 * The scope of one field of the trigger (`field` as the form names it), or undefined when the field sees the
 * run's scope. `recordSample` is the pinned trigger sample: a record, so it only feeds the record fields.
 */
export function triggerFieldScope(
  trigger: Trigger | undefined,
  field: string,
  catalog: Catalog,
  recordSample?: unknown,
): ExprScope | undefined {
  if (trigger?.type !== "poll") return undefined;
  const op = operationOf(catalog, trigger.connector, trigger.operation);
  const output = op ? (jsonSchemaOf(op.output) as JsonSchemaObject) : undefined;
  const at = triggerFieldInput(trigger, field, output);
  if (!at) return undefined;
  const paths: ExprScope["paths"] = [
    {
      path: "$trigger",
      type: "object",
      ...(typeof at.schema.description === "string" ? { detail: at.schema.description } : {}),
    },
  ];
  schemaPaths("$trigger", at.schema as JsonSchema, paths);
  if (at.sees === "record" && recordSample !== undefined) samplePaths("$trigger", recordSample, paths);
  return { paths };
}
