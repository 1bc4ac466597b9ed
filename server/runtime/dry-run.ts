// Dry test runs: a `call` whose operation writes (or whose effect is unknown) is not sent. Its output is the
// step's pinned sample (flow_sample, what the designer pinned for that node), else a response synthesised
// from the operation's output schema — so the rest of the flow runs on a value of the right shape, and the
// sandbox or vendor system is left exactly as it was. Reads are sent: they change nothing and give the test
// real data. The kernel records how each simulated step was answered (attempt log `simulated`).
import "server-only";
import { z } from "zod";
import { connectors } from "@/connectors/registry";
import type { AnyManifest } from "@/connectors/sdk/define";
import { importedDefinitionVia } from "../connections/imported";
import { zodMessage } from "@/connectors/sdk/execute";
import { StepError } from "./errors";
import type { Simulated } from "./engine/kernel";
import type { RunEnv } from "./engine/run";

type OperationSpec = AnyManifest["operations"][string];

async function operationSpec(env: RunEnv, connector: string, operation: string): Promise<OperationSpec | undefined> {
  const builtIn = connectors[connector];
  if (builtIn) return builtIn.operations[operation];
  const imported = await importedDefinitionVia(
    async <R>(sql: string, params: unknown[]) => (await env.pool.query(sql, params)).rows as R[],
    connector,
  );
  return imported?.manifest.operations[operation];
}

/** Whether a dry run may send this call: only operations declared as reads. */
export async function sendsInDryRun(env: RunEnv, connector: string, operation: string): Promise<boolean> {
  return (await operationSpec(env, connector, operation))?.effect === "read";
}

/**
 * The output of a call a dry run does not send, and how it was obtained. The input is checked against the
 * operation's input schema first, exactly as a live call checks it: a dry run fails where a live one would.
 */
export async function simulatedCall(
  env: RunEnv,
  step: { id: string; connector: string; operation: string },
  input: unknown,
): Promise<{ output: unknown; simulated: Simulated }> {
  const spec = await operationSpec(env, step.connector, step.operation);
  if (!spec)
    throw new StepError({
      errorClass: "validation",
      code: "unknown_operation",
      message: `No callable operation ${step.connector}.${step.operation}.`,
    });
  const parsed = spec.input.safeParse(input);
  if (!parsed.success)
    throw new StepError({
      errorClass: "validation",
      code: "input_invalid",
      message: `${step.connector}.${step.operation} input: ${zodMessage(parsed.error)}`,
      details: { issues: parsed.error.issues.slice(0, 20) },
    });
  const { rows } = await env.pool.query<{ payload: unknown }>(
    `SELECT payload FROM flow_sample WHERE flow_id = $1::uuid AND node_id = $2`,
    [env.run.flowId, step.id],
  );
  if (rows[0]) return { output: rows[0].payload, simulated: "pinned-sample" };
  let schema: Record<string, unknown>;
  try {
    schema = z.toJSONSchema(spec.output, { io: "output", unrepresentable: "any" }) as Record<string, unknown>;
  } catch {
    schema = {};
  }
  return { output: synthesise(schema, schema, step.id, "", 0), simulated: "synthesised" };
}

type Schema = Record<string, unknown>;

/**
 * A plausible value of a JSON Schema (what zod's toJSONSchema emits): every property, the first enum or
 * const value, formats honoured, ids recognisable as simulated ("dry-run-<step>-<field>").
 */
export function synthesise(schema: Schema, root: Schema, stepId: string, name: string, depth: number): unknown {
  if (depth > 12) return null;
  const ref = typeof schema.$ref === "string" ? resolveRef(root, schema.$ref) : undefined;
  if (ref) return synthesise(ref, root, stepId, name, depth + 1);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if ("default" in schema && schema.default !== undefined) return schema.default;
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length) {
      const pick = (options as Schema[]).find((o) => o.type !== "null") ?? (options[0] as Schema);
      return synthesise(pick, root, stepId, name, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length) {
    const merged = Object.assign(
      {},
      ...(schema.allOf as Schema[])
        .map((s) => synthesise(s, root, stepId, name, depth + 1))
        .filter((v) => typeof v === "object" && v !== null && !Array.isArray(v)),
    );
    return merged;
  }
  const type = Array.isArray(schema.type)
    ? (schema.type as string[]).find((t) => t !== "null")
    : (schema.type as string | undefined);
  switch (type ?? (schema.properties ? "object" : undefined)) {
    case "object": {
      const out: Record<string, unknown> = {};
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      for (const [k, s] of Object.entries(props)) out[k] = synthesise(s, root, stepId, k, depth + 1);
      return out;
    }
    case "array": {
      const items = schema.items && typeof schema.items === "object" ? (schema.items as Schema) : {};
      const min = typeof schema.minItems === "number" ? schema.minItems : 1;
      return Array.from({ length: Math.min(Math.max(min, 1), 3) }, () =>
        synthesise(items, root, stepId, name, depth + 1),
      );
    }
    case "string":
      return stringOf(schema, stepId, name);
    case "integer":
      return typeof schema.minimum === "number" ? Math.ceil(schema.minimum) : 1;
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 0;
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      return null;
  }
}

function stringOf(schema: Schema, stepId: string, name: string): string {
  const now = new Date();
  switch (schema.format) {
    case "date-time":
      return now.toISOString();
    case "date":
      return now.toISOString().slice(0, 10);
    case "email":
      return `dry-run@example.com`;
    case "uri":
    case "url":
      return `https://example.com/dry-run/${stepId}`;
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
    default:
      break;
  }
  // A pattern we cannot satisfy honestly is left to the reader: the value says it is simulated.
  return `dry-run-${stepId}${name ? `-${name}` : ""}`;
}

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let cur: unknown = root;
  for (const seg of ref.slice(2).split("/")) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return typeof cur === "object" && cur !== null ? (cur as Schema) : undefined;
}
