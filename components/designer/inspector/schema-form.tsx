"use client";
// Forms generated from JSON Schemas (zod → JSON Schema of the DSL step types and of connector operations):
// one renderer for every connector and step, never a form written per connector. Expression-typed strings
// get the JSONata editor; enums a select; booleans a checkbox; nested objects a fieldset.
import { clsx } from "clsx";
import { isExpressionSchema } from "../catalog";
import { ExpressionField, type ExprScope } from "../expression-field";
import type { JsonSchema } from "../mapper/types";

export type FieldProblems = ReadonlyMap<string, string>;

const labelOf = (k: string) => k.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());

function resolve(s: JsonSchema, root: JsonSchema): JsonSchema {
  if (s.$ref && s.$ref.startsWith("#/$defs/")) return root.$defs?.[s.$ref.slice(8)] ?? s;
  return s;
}

/** An object of name → expression (business keys): edited as rows, like a mapping's fields. */
export function isKeyMapSchema(s: JsonSchema, root: JsonSchema): boolean {
  const extra = (s as { additionalProperties?: unknown }).additionalProperties;
  return (
    s.type === "object" &&
    !s.properties &&
    !!extra &&
    typeof extra === "object" &&
    isExpressionSchema(resolve(extra as JsonSchema, root))
  );
}

/** A union of an expression and a field record: the DSL's Mapping type. */
export function isMappingSchema(s: JsonSchema): boolean {
  return (
    !!s.anyOf &&
    s.anyOf.length === 2 &&
    s.anyOf.some((x) => isExpressionSchema(x)) &&
    s.anyOf.some((x) => x.type === "object")
  );
}

export function FieldShell({
  label,
  required,
  description,
  error,
  children,
  htmlFor,
}: {
  label: string;
  required?: boolean;
  description?: string;
  error?: string;
  children: React.ReactNode;
  htmlFor?: string;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={htmlFor} className="flex items-baseline gap-1 text-xs font-medium text-slate-700">
        {label}
        {required && (
          <span className="text-red-600" title="required">
            *
          </span>
        )}
      </label>
      {children}
      {error ? (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      ) : description ? (
        <p className="text-[11px] leading-snug text-slate-500">{description}</p>
      ) : null}
    </div>
  );
}

const inputCls = (bad?: boolean) =>
  clsx("block w-full rounded-md border px-2 py-1.5 text-sm", bad ? "border-red-400" : "border-slate-300");

export interface SchemaFieldsProps {
  schema: JsonSchema;
  root?: JsonSchema;
  value: Record<string, unknown>;
  onChange(next: Record<string, unknown>, field: string): void;
  scope: ExprScope;
  /** A field's own scope where it differs from `scope` (a poll trigger's fields: components/designer/trigger-field-scope.ts). */
  scopeFor?: (field: string) => ExprScope | undefined;
  /** Field path prefix for data-field and problems ("retry"). */
  prefix?: string;
  omit?: ReadonlySet<string>;
  problems: FieldProblems;
  readOnly?: boolean;
  /** Renders a Mapping-typed field (map output, emit payload…). */
  /** `keys`: a name → expression map (no one-expression form). */
  renderMapping?: (
    key: string,
    value: unknown,
    onChange: (v: unknown) => void,
    field: string,
    keys?: boolean,
  ) => React.ReactNode;
  /**
   * Mark required fields (default true). An optional group left empty (a flow's "Concurrency") does not: its
   * fields are required only once it is used, and a star there read as "you must fill this in".
   */
  markRequired?: boolean;
}

/** The properties of an object schema as form fields; `value` is the object being edited. */
export function SchemaFields({
  schema,
  root = schema,
  value,
  onChange,
  scope,
  scopeFor,
  prefix = "",
  omit,
  problems,
  readOnly,
  renderMapping,
  markRequired = true,
}: SchemaFieldsProps) {
  const s = resolve(schema, root);
  const required = new Set(s.required ?? []);
  const marked = markRequired ? required : new Set<string>();
  return (
    <div className="space-y-3">
      {Object.entries(s.properties ?? {}).map(([key, raw]) => {
        if (omit?.has(key)) return null;
        const p = resolve(raw, root);
        if (p.const !== undefined) return null;
        const field = prefix ? `${prefix}.${key}` : key;
        const err = problems.get(field);
        const set = (v: unknown) => {
          const next = { ...value };
          if (v === undefined || v === "") delete next[key];
          else next[key] = v;
          onChange(next, field);
        };
        const cur = value[key];
        const id = `f-${field.replace(/\W/g, "-")}`;
        const keyMap = isKeyMapSchema(p, root ?? schema);
        if ((isMappingSchema(p) || keyMap) && renderMapping)
          return (
            <FieldShell
              key={key}
              label={labelOf(key)}
              required={marked.has(key)}
              description={p.description}
              error={err}
            >
              {renderMapping(key, cur, set, field, keyMap)}
            </FieldShell>
          );
        if (isExpressionSchema(p))
          return (
            <FieldShell
              key={key}
              label={labelOf(key)}
              required={marked.has(key)}
              description={p.description}
              error={err}
            >
              <ExpressionField
                value={typeof cur === "string" ? cur : ""}
                onChange={set}
                scope={scopeFor?.(field) ?? scope}
                ariaLabel={labelOf(key)}
                field={field}
                invalid={!!err}
                readOnly={readOnly}
              />
            </FieldShell>
          );
        const enumVals =
          p.enum ?? (p.anyOf?.every((x) => x.const !== undefined) ? p.anyOf.map((x) => x.const) : undefined);
        if (enumVals)
          return (
            <FieldShell
              key={key}
              label={labelOf(key)}
              required={marked.has(key)}
              description={p.description}
              error={err}
              htmlFor={id}
            >
              <select
                id={id}
                data-field={field}
                disabled={readOnly}
                className={inputCls(!!err)}
                value={cur === undefined ? "" : String(cur)}
                onChange={(e) =>
                  set(e.target.value === "" ? undefined : enumVals.find((v) => String(v) === e.target.value))
                }
              >
                {!required.has(key) && <option value="">(default)</option>}
                {enumVals.map((v) => (
                  <option key={String(v)} value={String(v)}>
                    {String(v)}
                  </option>
                ))}
              </select>
            </FieldShell>
          );
        if (p.type === "boolean")
          return (
            <label key={key} className="flex items-center gap-2 text-xs font-medium text-slate-700">
              <input
                type="checkbox"
                data-field={field}
                disabled={readOnly}
                checked={cur === true}
                onChange={(e) => set(e.target.checked ? true : required.has(key) ? false : undefined)}
              />
              {labelOf(key)}
              {p.description && <span className="font-normal text-slate-500">— {p.description}</span>}
            </label>
          );
        if (p.type === "integer" || p.type === "number")
          return (
            <FieldShell
              key={key}
              label={labelOf(key)}
              required={marked.has(key)}
              description={p.description}
              error={err}
              htmlFor={id}
            >
              <input
                id={id}
                data-field={field}
                type="number"
                disabled={readOnly}
                className={inputCls(!!err)}
                value={typeof cur === "number" ? cur : ""}
                min={typeof p.minimum === "number" ? p.minimum : undefined}
                max={typeof p.maximum === "number" ? p.maximum : undefined}
                onChange={(e) => set(e.target.value === "" ? undefined : Number(e.target.value))}
              />
            </FieldShell>
          );
        if (p.type === "string")
          return (
            <FieldShell
              key={key}
              label={labelOf(key)}
              required={marked.has(key)}
              description={p.description}
              error={err}
              htmlFor={id}
            >
              {typeof p.maxLength === "number" && p.maxLength > 500 ? (
                <textarea
                  id={id}
                  data-field={field}
                  disabled={readOnly}
                  rows={2}
                  className={inputCls(!!err)}
                  value={typeof cur === "string" ? cur : ""}
                  onChange={(e) => set(e.target.value)}
                />
              ) : (
                <input
                  id={id}
                  data-field={field}
                  disabled={readOnly}
                  className={inputCls(!!err)}
                  value={typeof cur === "string" ? cur : ""}
                  onChange={(e) => set(e.target.value)}
                />
              )}
            </FieldShell>
          );
        if (
          p.type === "array" &&
          p.items &&
          !Array.isArray(p.items) &&
          (resolve(p.items, root).type === "string" || resolve(p.items, root).enum)
        )
          return (
            <FieldShell
              key={key}
              label={labelOf(key)}
              required={marked.has(key)}
              description={p.description ?? "Comma-separated"}
              error={err}
              htmlFor={id}
            >
              <input
                id={id}
                data-field={field}
                disabled={readOnly}
                className={inputCls(!!err)}
                value={Array.isArray(cur) ? cur.join(", ") : ""}
                onChange={(e) => {
                  const parts = e.target.value
                    .split(",")
                    .map((x) => x.trim())
                    .filter(Boolean);
                  set(parts.length ? parts : undefined);
                }}
              />
            </FieldShell>
          );
        if (p.type === "object" && p.properties)
          return (
            <fieldset key={key} className="rounded-md border border-slate-200 p-3">
              <legend className="px-1 text-xs font-semibold text-slate-700">
                {labelOf(key)}
                {!required.has(key) && <span className="font-normal text-slate-500"> (optional)</span>}
              </legend>
              {p.description && <p className="mb-2 text-[11px] text-slate-500">{p.description}</p>}
              <SchemaFields
                schema={p}
                root={root}
                value={(cur && typeof cur === "object" ? cur : {}) as Record<string, unknown>}
                onChange={(v, f) => {
                  const next = { ...value };
                  if (Object.keys(v).length === 0) delete next[key];
                  else next[key] = v;
                  onChange(next, f);
                }}
                scope={scope}
                scopeFor={scopeFor}
                prefix={field}
                problems={problems}
                readOnly={readOnly}
                renderMapping={renderMapping}
                markRequired={markRequired && (required.has(key) || (cur !== undefined && cur !== null))}
              />
            </fieldset>
          );
        return (
          <FieldShell
            key={key}
            label={labelOf(key)}
            required={marked.has(key)}
            description={p.description ?? "JSON value"}
            error={err}
            htmlFor={id}
          >
            <JsonTextArea id={id} field={field} value={cur} onChange={set} readOnly={readOnly} />
          </FieldShell>
        );
      })}
    </div>
  );
}

export function JsonTextArea({
  id,
  field,
  value,
  onChange,
  readOnly,
}: {
  id?: string;
  field?: string;
  value: unknown;
  onChange(v: unknown): void;
  readOnly?: boolean;
}) {
  return (
    <textarea
      id={id}
      data-field={field}
      disabled={readOnly}
      rows={4}
      className="block w-full rounded-md border border-slate-300 px-2 py-1.5 font-mono text-xs"
      defaultValue={value === undefined ? "" : JSON.stringify(value, null, 2)}
      onBlur={(e) => {
        const t = e.target.value.trim();
        if (!t) return onChange(undefined);
        try {
          onChange(JSON.parse(t));
          e.target.setCustomValidity("");
        } catch {
          e.target.setCustomValidity("Not valid JSON");
          e.target.reportValidity();
        }
      }}
    />
  );
}

/** Leaf fields of an operation's input schema as dotted paths (a call step's input is { "<path>": "<JSONata>" }). */
export function inputLeaves(
  schema: JsonSchema,
  root: JsonSchema = schema,
  prefix = "",
  requiredChain = true,
  out: Array<{ path: string; schema: JsonSchema; required: boolean }> = [],
  depth = 0,
) {
  const s = resolve(schema, root);
  const req = new Set(s.required ?? []);
  for (const [k, raw] of Object.entries(s.properties ?? {})) {
    const p = resolve(raw, root);
    const path = prefix ? `${prefix}.${k}` : k;
    const required = requiredChain && req.has(k);
    if (p.type === "object" && p.properties && depth < 4) inputLeaves(p, root, path, required, out, depth + 1);
    else out.push({ path, schema: p, required });
  }
  return out;
}
