"use client";
// The step's business events (core/dsl/business-events.ts): the facts it records when it succeeds, from which
// the Business page computes its KPIs. Typed from the DSL's own schema — the event types, keys and fields are
// its lists, so a new type or key appears here without a change.
import {
  BUSINESS_EVENT_DESCRIPTIONS,
  BUSINESS_EVENT_KEYS,
  BUSINESS_EVENT_TYPES,
  BusinessEventDecl,
  type BusinessEventKey,
  type BusinessEventType,
} from "@/core/dsl";
import { ExpressionField, type ExprScope } from "../expression-field";
import { FieldShell, type FieldProblems } from "./schema-form";

type Decl = BusinessEventDecl;
/** The declaration's optional expression fields, in the order shown (the schema's own keys). */
const FIELDS = Object.keys(BusinessEventDecl.shape).filter((k) => k !== "type" && k !== "keys") as Array<
  Exclude<keyof Decl, "type" | "keys">
>;
const FIELD_HELP: Record<(typeof FIELDS)[number], string> = {
  each: "One event per element of this array; the other fields read the element as $record.",
  when: "Recorded only when this is true.",
  amount: "Money (a number).",
  currency: "ISO 4217 code, e.g. 'EUR'.",
  hours: "Hours (a number).",
  system: "project.live: 'psa' or 'erp'.",
  occurredAt: "ISO 8601 time it happened; default: when the step succeeded.",
  performedOn: "time.approved: the day the work was done (YYYY-MM-DD); utilisation counts it in that week.",
  personTeamName: "The name of keys.personTeam (the person's HRIS organisation), as the Business page shows it.",
};
const DEFAULT_KEY: Record<BusinessEventType, BusinessEventKey> = {
  "deal.won": "opportunity",
  "project.created": "project",
  "project.live": "project",
  "assignment.made": "person",
  "capacity.planned": "person",
  "time.approved": "timeEntry",
  "time.invoiced": "timeEntry",
  "invoice.posted": "invoice",
};

export function BusinessEventsEditor({
  value,
  onChange,
  scope,
  problems,
  readOnly,
}: {
  value: Decl[] | undefined;
  onChange(next: Decl[] | undefined, field: string): void;
  scope: ExprScope;
  problems: FieldProblems;
  readOnly: boolean;
}) {
  const list = value ?? [];
  // What these expressions see besides the node's scope: the step's own input and output, and each's element.
  const withOwn: ExprScope = {
    paths: [
      { path: "$output", type: "object", detail: "this step's output" },
      { path: "$input", type: "object", detail: "this step's input" },
      { path: "$record", type: "object", detail: "element of 'each'" },
      ...scope.paths,
    ],
  };
  const set = (i: number, d: Decl, field: string) =>
    onChange(
      list.map((x, j) => (j === i ? d : x)),
      `business.${i}.${field}`,
    );
  return (
    <div className="space-y-3" data-testid="business-events">
      {list.length === 0 && (
        <p className="text-[11px] text-slate-500">
          None. Business events are the facts this step records when it succeeds (a deal won, time approved, an invoice
          posted); the Business page computes its KPIs from them.
        </p>
      )}
      {list.map((d, i) => {
        const keys = Object.keys(d.keys) as BusinessEventKey[];
        const fields = FIELDS.filter((f) => d[f] !== undefined);
        const err = (f: string) => problems.get(`business.${i}.${f}`);
        return (
          <fieldset key={i} className="space-y-2 rounded-md border border-emerald-200 bg-emerald-50/40 p-2">
            <div className="flex items-center gap-2">
              <select
                aria-label={`Type of business event ${i + 1}`}
                data-field={`business.${i}.type`}
                disabled={readOnly}
                className="min-w-0 flex-1 rounded border border-slate-300 px-1.5 py-1 text-xs"
                value={d.type}
                onChange={(e) => set(i, { ...d, type: e.target.value as BusinessEventType }, "type")}
              >
                {BUSINESS_EVENT_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              <button
                type="button"
                disabled={readOnly}
                className="text-xs text-slate-400 hover:text-red-600"
                aria-label={`Remove business event ${i + 1}`}
                onClick={() => {
                  const next = list.filter((_, j) => j !== i);
                  onChange(next.length ? next : undefined, "business");
                }}
              >
                ✕
              </button>
            </div>
            <p className="text-[11px] text-slate-500">{BUSINESS_EVENT_DESCRIPTIONS[d.type]}</p>
            {keys.map((k) => (
              <FieldShell key={k} label={`Key: ${k}`} error={err(`keys.${k}`)}>
                <div className="flex items-start gap-1">
                  <div className="min-w-0 flex-1">
                    <ExpressionField
                      ariaLabel={`Business event ${i + 1} key ${k}`}
                      field={`business.${i}.keys.${k}`}
                      value={d.keys[k] ?? ""}
                      scope={withOwn}
                      readOnly={readOnly}
                      invalid={!!err(`keys.${k}`)}
                      onChange={(v) => set(i, { ...d, keys: { ...d.keys, [k]: v } }, `keys.${k}`)}
                    />
                  </div>
                  <RemoveButton
                    label={`Remove key ${k} of business event ${i + 1}`}
                    readOnly={readOnly}
                    onClick={() => {
                      const rest = { ...d.keys };
                      delete rest[k];
                      set(i, { ...d, keys: rest }, "keys");
                    }}
                  />
                </div>
              </FieldShell>
            ))}
            {fields.map((f) => (
              <FieldShell key={f} label={f} description={FIELD_HELP[f]} error={err(f)}>
                <div className="flex items-start gap-1">
                  <div className="min-w-0 flex-1">
                    <ExpressionField
                      ariaLabel={`Business event ${i + 1} ${f}`}
                      field={`business.${i}.${f}`}
                      value={d[f] ?? ""}
                      scope={withOwn}
                      readOnly={readOnly}
                      invalid={!!err(f)}
                      onChange={(v) => set(i, { ...d, [f]: v }, f)}
                    />
                  </div>
                  <RemoveButton
                    label={`Remove ${f} of business event ${i + 1}`}
                    readOnly={readOnly}
                    onClick={() => {
                      const rest = { ...d };
                      delete rest[f];
                      set(i, rest, f);
                    }}
                  />
                </div>
              </FieldShell>
            ))}
            <div className="flex gap-2">
              <AddSelect
                label={`Add a key to business event ${i + 1}`}
                placeholder="+ key"
                options={BUSINESS_EVENT_KEYS.filter((k) => !keys.includes(k))}
                readOnly={readOnly}
                onPick={(k) => set(i, { ...d, keys: { ...d.keys, [k]: "$output.id" } }, `keys.${k}`)}
              />
              <AddSelect
                label={`Add a field to business event ${i + 1}`}
                placeholder="+ field"
                options={FIELDS.filter((f) => d[f] === undefined)}
                readOnly={readOnly}
                onPick={(f) => set(i, { ...d, [f]: f === "currency" ? "'EUR'" : "$output" }, f)}
              />
            </div>
          </fieldset>
        );
      })}
      <button
        type="button"
        disabled={readOnly || list.length >= 20}
        className="text-xs font-medium text-brand-700 hover:underline"
        onClick={() => {
          const type: BusinessEventType = "time.approved";
          onChange([...list, { type, keys: { [DEFAULT_KEY[type]]: "$output.id" } }], `business.${list.length}`);
        }}
      >
        + Add business event
      </button>
    </div>
  );
}

function RemoveButton({ label, readOnly, onClick }: { label: string; readOnly: boolean; onClick(): void }) {
  return (
    <button
      type="button"
      disabled={readOnly}
      className="mt-1 text-xs text-slate-400 hover:text-red-600"
      aria-label={label}
      onClick={onClick}
    >
      ✕
    </button>
  );
}

function AddSelect<T extends string>({
  label,
  placeholder,
  options,
  readOnly,
  onPick,
}: {
  label: string;
  placeholder: string;
  options: readonly T[];
  readOnly: boolean;
  onPick(v: T): void;
}) {
  if (!options.length) return null;
  return (
    <select
      aria-label={label}
      disabled={readOnly}
      className="rounded border border-slate-300 px-1 py-0.5 text-[11px] text-slate-600"
      value=""
      onChange={(e) => e.target.value && onPick(e.target.value as T)}
    >
      <option value="">{placeholder}</option>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
}
