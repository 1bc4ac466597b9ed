// JSON Schema of the DSL, generated from the zod schema, so editors (VS Code's json.schemas, IntelliJ) can
// validate and complete flow files. Served at /api/dsl/schema.json by the web app.
import { z } from "zod";
import { FlowSchema } from "./schema";

export const DSL_SCHEMA_ID = "https://weft.dev/schemas/dsl/weft-1.json";

let cached: Record<string, unknown> | null = null;

/** The JSON Schema (draft 2020-12) of a "weft/1" document. Pure; computed once. */
export function dslJsonSchema(): Record<string, unknown> {
  if (!cached) {
    const generated = z.toJSONSchema(FlowSchema, {
      target: "draft-2020-12",
      unrepresentable: "any",
      reused: "inline",
      cycles: "ref",
    }) as Record<string, unknown>;
    cached = {
      ...generated,
      $id: DSL_SCHEMA_ID,
      title: "Weft flow (weft/1)",
      description: "A Weft integration flow. Reference: docs/dsl.md.",
    };
  }
  // A copy: callers may annotate it.
  return structuredClone(cached);
}
