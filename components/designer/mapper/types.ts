// Contract between the designer (d1) and the data mapper (d2): types only.
import type { Mapping } from "@/core/dsl";

/** A JSON Schema document as produced by zod 4 `z.toJSONSchema` (or written by hand). */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema | JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  description?: string;
  title?: string;
  default?: unknown;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  [key: string]: unknown;
};

export interface MapperSource {
  /** "$trigger" | "$steps.<id>.output" | "$item" */
  ref: string;
  label: string;
  schema?: JsonSchema;
  /** Pinned sample; used for the tree when there is no schema, and for the live preview. */
  sample?: unknown;
}

export interface DataMapperProps {
  value: Mapping;
  onChange(next: Mapping): void;
  sources: MapperSource[];
  target?: { label: string; schema: JsonSchema };
  readOnly?: boolean;
}
