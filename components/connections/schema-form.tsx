"use client";
// Form fields generated from a connector's JSON Schema (its manifest's auth config, converted on the
// server): objects, discriminated unions (a select on the discriminator), enums, strings, numbers,
// booleans; anything else (records, arrays) is edited as JSON. Values are plain JSON; an emptied field is
// removed so the connector's defaults apply.
import { useState } from "react";

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  title?: string;
  default?: unknown;
  description?: string;
  format?: string;
  pattern?: string;
  additionalProperties?: unknown;
};

type Obj = Record<string, unknown>;
export type FieldErrors = Record<string, string>;

const inputCls = "mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm focus:border-brand-500";

/** "instanceUrl" → "Instance URL". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim();
  return (
    words.charAt(0).toUpperCase() +
    words
      .slice(1)
      .replace(
        /\b(Url|Id|Ms|Ssl|Api|Oauth)\b/gi,
        (w) => ({ url: "URL", id: "ID", ms: "(ms)", ssl: "SSL", api: "API", oauth: "OAuth" })[w.toLowerCase()] ?? w,
      )
  );
}

const variants = (s: JsonSchema) => s.oneOf ?? s.anyOf;

/** An enum value's label: its `title` in a `oneOf` of `const`s (labelled choices), else the value itself. */
function titleOf(s: JsonSchema, value: string): string {
  return variants(s)?.find((o) => o.const === value)?.title ?? value;
}

/** The discriminator of a union of objects: a property every variant pins with `const`. */
function discriminator(options: JsonSchema[]): string | undefined {
  const first = options[0]?.properties;
  if (!first) return undefined;
  return Object.keys(first).find((k) => options.every((o) => o.properties?.[k]?.const !== undefined));
}

function isPlainObjectSchema(s: JsonSchema): boolean {
  return (s.type === "object" || !!s.properties) && !!s.properties;
}

/** Removes empty strings, and optional objects left empty, so omitted settings take their defaults. */
export function prune(value: unknown): unknown {
  if (Array.isArray(value) || value === null || typeof value !== "object") return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value as Obj)) {
    if (v === "" || v === undefined) continue;
    const p = prune(v);
    if (p && typeof p === "object" && !Array.isArray(p) && Object.keys(p).length === 0) continue;
    out[k] = p;
  }
  return out;
}

export function SchemaFields({
  schema,
  value,
  onChange,
  errors,
  path = "",
  disabled,
}: {
  schema: JsonSchema;
  value: Obj;
  onChange: (v: Obj) => void;
  errors: FieldErrors;
  path?: string;
  disabled?: boolean;
}) {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  return (
    <div className="space-y-3">
      {Object.entries(props).map(([k, s]) => (
        <Field
          key={k}
          name={k}
          schema={s}
          required={required.has(k)}
          value={value[k]}
          path={path ? `${path}.${k}` : k}
          errors={errors}
          disabled={disabled}
          onChange={(v) => onChange({ ...value, [k]: v })}
        />
      ))}
    </div>
  );
}

function Label({
  name,
  schema,
  required,
  htmlFor,
}: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  htmlFor?: string;
}) {
  return (
    <span className="flex items-baseline justify-between gap-2 text-xs font-medium text-slate-700">
      <label htmlFor={htmlFor}>{humanize(name)}</label>
      {!required && <span className="font-normal text-slate-400">optional</span>}
      {schema.description && <span className="sr-only">{schema.description}</span>}
    </span>
  );
}

function Help({ schema, error }: { schema: JsonSchema; error?: string }) {
  return (
    <>
      {schema.description && <p className="mt-0.5 text-xs text-slate-500">{schema.description}</p>}
      {error && (
        <p role="alert" className="mt-0.5 text-xs text-red-700">
          {error}
        </p>
      )}
    </>
  );
}

function Field({
  name,
  schema,
  required,
  value,
  onChange,
  path,
  errors,
  disabled,
}: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  onChange: (v: unknown) => void;
  path: string;
  errors: FieldErrors;
  disabled?: boolean;
}) {
  const id = `f-${path.replace(/\W+/g, "-")}`;
  const error = errors[path];
  const options = variants(schema);
  const disc = options ? discriminator(options) : undefined;

  if (options && disc) {
    const current = (value as Obj | undefined) ?? (schema.default as Obj | undefined) ?? {};
    const chosen = options.find((o) => o.properties?.[disc]?.const === current[disc]) ?? options[0]!;
    const rest: JsonSchema = {
      ...chosen,
      properties: Object.fromEntries(Object.entries(chosen.properties ?? {}).filter(([k]) => k !== disc)),
    };
    return (
      <fieldset className="rounded-md border border-slate-200 p-3">
        <legend className="px-1 text-xs font-medium text-slate-700">{humanize(name)}</legend>
        <label htmlFor={id} className="block text-xs font-medium text-slate-600">
          {humanize(disc)}
        </label>
        <select
          id={id}
          className={inputCls}
          disabled={disabled}
          value={String(chosen.properties?.[disc]?.const)}
          onChange={(e) => onChange({ [disc]: e.target.value })}
        >
          {options.map((o) => {
            const v = String(o.properties?.[disc]?.const);
            return (
              <option key={v} value={v}>
                {o.description ? `${v} — ${o.description}` : v}
              </option>
            );
          })}
        </select>
        {Object.keys(rest.properties ?? {}).length > 0 && (
          <div className="mt-3">
            <SchemaFields
              schema={rest}
              value={current}
              errors={errors}
              path={path}
              disabled={disabled}
              onChange={(v) => onChange({ ...v, [disc]: chosen.properties?.[disc]?.const })}
            />
          </div>
        )}
        <Help schema={{}} error={error} />
      </fieldset>
    );
  }

  if (isPlainObjectSchema(schema) && !required) {
    // Optional groups (e.g. rate limits) stay folded until used.
    const set = value !== undefined && Object.keys(prune(value) as Obj).length > 0;
    return (
      <details className="rounded-md border border-slate-200 px-3 py-2" open={set || !!error}>
        <summary className="cursor-pointer text-xs font-medium text-slate-700">
          {humanize(name)}{" "}
          <span className="font-normal text-slate-400">
            optional{schema.description ? ` — ${schema.description}` : ""}
          </span>
        </summary>
        <div className="mt-3">
          <SchemaFields
            schema={schema}
            value={(value as Obj | undefined) ?? {}}
            errors={errors}
            path={path}
            disabled={disabled}
            onChange={onChange}
          />
        </div>
        <Help schema={{}} error={error} />
      </details>
    );
  }

  if (isPlainObjectSchema(schema)) {
    return (
      <fieldset className="rounded-md border border-slate-200 p-3">
        <legend className="px-1 text-xs font-medium text-slate-700">
          {humanize(name)} {!required && <span className="font-normal text-slate-400">optional</span>}
        </legend>
        {schema.description && <p className="mb-2 text-xs text-slate-500">{schema.description}</p>}
        <SchemaFields
          schema={schema}
          value={(value as Obj | undefined) ?? {}}
          errors={errors}
          path={path}
          disabled={disabled}
          onChange={onChange}
        />
        <Help schema={{}} error={error} />
      </fieldset>
    );
  }

  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  const placeholder =
    schema.default !== undefined && typeof schema.default !== "object"
      ? `Default: ${String(schema.default)}`
      : schema.format === "uri"
        ? "https://…"
        : "";

  if (schema.enum && schema.enum.every((e) => typeof e === "string")) {
    return (
      <div>
        <Label name={name} schema={schema} required={required} htmlFor={id} />
        <select
          id={id}
          className={inputCls}
          disabled={disabled}
          value={(value as string | undefined) ?? ""}
          onChange={(e) => onChange(e.target.value || undefined)}
        >
          <option value="">{schema.default !== undefined ? `Default (${String(schema.default)})` : "—"}</option>
          {(schema.enum as string[]).map((e) => (
            <option key={e} value={e}>
              {titleOf(schema, e)}
            </option>
          ))}
        </select>
        <Help schema={schema} error={error} />
      </div>
    );
  }
  if (type === "boolean") {
    return (
      <div>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            disabled={disabled}
            checked={value === undefined ? schema.default === true : value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
          {humanize(name)}
        </label>
        <Help schema={schema} error={error} />
      </div>
    );
  }
  if (type === "string") {
    return (
      <div>
        <Label name={name} schema={schema} required={required} htmlFor={id} />
        <input
          id={id}
          type={schema.format === "uri" ? "url" : "text"}
          className={inputCls}
          disabled={disabled}
          placeholder={placeholder}
          value={(value as string | undefined) ?? ""}
          onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)}
        />
        <Help schema={schema} error={error} />
      </div>
    );
  }
  if (type === "number" || type === "integer") {
    return (
      <div>
        <Label name={name} schema={schema} required={required} htmlFor={id} />
        <input
          id={id}
          type="number"
          step={type === "integer" ? 1 : "any"}
          className={inputCls}
          disabled={disabled}
          placeholder={placeholder}
          value={value === undefined ? "" : String(value)}
          onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
        />
        <Help schema={schema} error={error} />
      </div>
    );
  }
  return (
    <JsonField
      id={id}
      name={name}
      schema={schema}
      required={required}
      value={value}
      onChange={onChange}
      error={error}
      disabled={disabled}
    />
  );
}

/** Records, arrays and anything unusual: edited as JSON, applied when it parses. */
function JsonField({
  id,
  name,
  schema,
  required,
  value,
  onChange,
  error,
  disabled,
}: {
  id: string;
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  onChange: (v: unknown) => void;
  error?: string;
  disabled?: boolean;
}) {
  const [text, setText] = useState(value === undefined ? "" : JSON.stringify(value, null, 2));
  const [parseError, setParseError] = useState<string | null>(null);
  return (
    <div>
      <Label name={name} schema={schema} required={required} htmlFor={id} />
      <textarea
        id={id}
        rows={3}
        className={`${inputCls} font-mono text-xs`}
        disabled={disabled}
        placeholder={schema.default !== undefined ? `Default: ${JSON.stringify(schema.default)}` : "JSON"}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (!e.target.value.trim()) {
            setParseError(null);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(e.target.value));
            setParseError(null);
          } catch {
            setParseError("Not valid JSON yet.");
          }
        }}
      />
      <Help schema={schema} error={parseError ?? error} />
    </div>
  );
}
