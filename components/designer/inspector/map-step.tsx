"use client";
// The map step's editor: the two-tree data mapper (components/designer/mapper, built by the mapper's
// owner) fed with the upstream steps' output schemas and pinned samples as sources and the downstream
// call's input schema as target.
import type { Mapping } from "@/core/dsl";
import type { ExprScope } from "../expression-field";
import { DataMapper } from "../mapper/data-mapper";
import type { JsonSchema, MapperSource } from "../mapper/types";

export function MapStepEditor({
  value,
  onChange,
  sources,
  target,
  readOnly,
}: {
  value: Mapping;
  onChange(v: Mapping): void;
  sources: MapperSource[];
  target?: { label: string; schema: JsonSchema };
  readOnly?: boolean;
  scope: ExprScope;
}) {
  return (
    <DataMapper
      value={value}
      onChange={onChange}
      sources={sources}
      {...(target ? { target } : {})}
      {...(readOnly ? { readOnly } : {})}
    />
  );
}
