"use client";
// Field rules of a reconcile step (equal, money, hours, date between two sides), what a break puts at stake
// per side, and the external-id maps keys and texts may be translated through.
import { useState } from "react";
import { Check, Group, Labelled, SmallButton, TextField, type Ctl } from "./reconcile-controls";
import {
  addMap,
  addRule,
  definitionOf,
  mergeRows,
  moveRule,
  parseTable,
  removeMap,
  removeRule,
  renameMap,
  RULE_TYPES,
  sideFieldsListId,
  setImpactOperand,
  setMapRows,
  setOperand,
  setRule,
  withType,
  type OperandDef,
  type ReconStep,
  type RuleDef,
  type RuleType,
} from "./reconcile-edits";

/** The datalist of a side's known record fields (reconcile-side.tsx renders it when the fields are known). */
const fieldList = (def: ReturnType<typeof definitionOf>, side: string) => {
  const i = def.sides.findIndex((s) => s.name === side);
  return i < 0 ? undefined : sideFieldsListId(i);
};

interface P {
  step: ReconStep;
  set(step: ReconStep, field: string): void;
  c: Ctl;
}

const TYPE_LABEL: Record<RuleType, string> = {
  equal: "Equal",
  money: "Money (within tolerance)",
  hours: "Hours (within tolerance)",
  date: "Date (within days)",
};

export function RulesEditor({ step, set, c }: P) {
  const def = definitionOf(step);
  const rules = def.rules ?? [];
  const [type, setType] = useState<RuleType>("money");
  return (
    <div className="space-y-2">
      {rules.length === 0 && (
        <p className="text-[11px] text-slate-500">
          No rules: only keys are matched (missing records). Add a rule to compare fields of matched records.
        </p>
      )}
      {rules.map((r, i) => (
        <RuleEditor key={i} step={step} set={set} c={c} rule={r} index={i} count={rules.length} />
      ))}
      <div className="flex items-center gap-2">
        <select
          aria-label="Type of the new rule"
          disabled={c.readOnly}
          className="rounded-md border border-slate-300 px-1 py-1 text-xs"
          value={type}
          onChange={(e) => setType(e.target.value as RuleType)}
        >
          {RULE_TYPES.map((t) => (
            <option key={t} value={t}>
              {TYPE_LABEL[t]}
            </option>
          ))}
        </select>
        <SmallButton disabled={c.readOnly} onClick={() => set(addRule(step, type), `definition.rules.${rules.length}`)}>
          + Add rule
        </SmallButton>
      </div>
    </div>
  );
}

function RuleEditor({ step, set, c, rule, index, count }: P & { rule: RuleDef; index: number; count: number }) {
  const def = definitionOf(step);
  const n = index + 1;
  const at = `definition.rules.${index}`;
  const bad = [...c.problems.keys()].some((k) => k.startsWith(`${at}.`) || k === at);
  const unitFor = rule.type === "money" ? "cents" : rule.type === "hours" ? "minutes" : undefined;
  const operand = (which: "a" | "b") => {
    const o: OperandDef = rule[which];
    const W = which.toUpperCase();
    return (
      <div className="grid grid-cols-[minmax(0,2fr)_minmax(0,3fr)] gap-1">
        <Labelled label={`Side ${W}`} name={`Rule ${n} side ${W}`} field={`${at}.${which}.side`} c={c}>
          {(p) => (
            <select
              {...p}
              value={o.side}
              onChange={(e) => set(setOperand(step, index, which, { side: e.target.value }), `${at}.${which}.side`)}
            >
              {!def.sides.some((s) => s.name === o.side) && <option value={o.side}>{o.side || "Choose…"}</option>}
              {def.sides.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </select>
          )}
        </Labelled>
        <TextField
          label={`Path ${W}`}
          name={`Rule ${n} path ${W}`}
          field={`${at}.${which}.path`}
          c={c}
          mono
          placeholder="amount"
          list={fieldList(def, o.side)}
          value={o.path}
          onChange={(v) => set(setOperand(step, index, which, { path: v }), `${at}.${which}.path`)}
        />
        {unitFor && (
          <div className="col-span-2">
            <Check
              label={unitFor === "cents" ? `${W} is in cents` : `${W} is in minutes`}
              name={`Rule ${n}: ${W} in ${unitFor}`}
              field={`${at}.${which}.unit`}
              c={c}
              checked={o.unit === unitFor}
              onChange={(v) =>
                set(setOperand(step, index, which, { unit: v ? unitFor : undefined }), `${at}.${which}.unit`)
              }
            />
          </div>
        )}
      </div>
    );
  };
  return (
    <Group
      open={bad || !rule.a.path || !rule.b.path}
      bad={bad}
      testId={`recon-rule-${index}`}
      title={
        <>
          Rule {n}: <span className="font-mono">{rule.id}</span>{" "}
          <span className="text-slate-500">
            · {rule.type} {rule.a.side}.{rule.a.path || "?"} ↔ {rule.b.side}.{rule.b.path || "?"}
          </span>
        </>
      }
    >
      <div className="grid grid-cols-2 gap-2">
        <TextField
          label="Rule id"
          name={`Rule ${n} id`}
          field={`${at}.id`}
          c={c}
          mono
          value={rule.id}
          onChange={(v) => set(setRule(step, index, { ...rule, id: v }), `${at}.id`)}
        />
        <Labelled label="Compare as" name={`Rule ${n} type`} field={`${at}.type`} c={c}>
          {(p) => (
            <select
              {...p}
              value={rule.type}
              onChange={(e) => set(setRule(step, index, withType(rule, e.target.value as RuleType)), `${at}.type`)}
            >
              {RULE_TYPES.map((t) => (
                <option key={t} value={t}>
                  {TYPE_LABEL[t]}
                </option>
              ))}
            </select>
          )}
        </Labelled>
      </div>
      {operand("a")}
      {operand("b")}
      {(rule.type === "money" || rule.type === "hours") && (
        <TextField
          label={rule.type === "money" ? "Tolerance (largest difference that still matches)" : "Tolerance in hours"}
          name={`Rule ${n} tolerance`}
          field={`${at}.tolerance`}
          c={c}
          mono
          placeholder={rule.type === "money" ? "0.01" : "0.25"}
          value={rule.tolerance ?? ""}
          onChange={(v) => set(setRule(step, index, { ...rule, tolerance: v || undefined }), `${at}.tolerance`)}
          hint="A many side is summed per key before comparing."
        />
      )}
      {rule.type === "date" && (
        <TextField
          label="Within days"
          name={`Rule ${n} within days`}
          field={`${at}.withinDays`}
          c={c}
          type="number"
          value={String(rule.withinDays ?? 0)}
          onChange={(v) =>
            set(setRule(step, index, { ...rule, withinDays: v === "" ? 0 : Number(v) }), `${at}.withinDays`)
          }
        />
      )}
      {rule.type === "equal" && (
        <div className="flex flex-wrap gap-x-3 gap-y-1">
          {(
            [
              ["trim", "Trim spaces", true],
              ["caseFold", "Ignore case", false],
              ["stripLeadingZeros", "Strip leading zeros", false],
            ] as const
          ).map(([k, label, dflt]) => (
            <Check
              key={k}
              label={label}
              name={`Rule ${n}: ${label.toLowerCase()}`}
              field={`${at}.normalise.${k}`}
              c={c}
              checked={rule.normalise?.[k] ?? dflt}
              onChange={(v) =>
                set(setRule(step, index, { ...rule, normalise: { ...rule.normalise, [k]: v } }), `${at}.normalise.${k}`)
              }
            />
          ))}
        </div>
      )}
      <div className="flex gap-3">
        <SmallButton
          disabled={c.readOnly || index === 0}
          onClick={() => set(moveRule(step, index, -1), "definition.rules")}
        >
          Move up
        </SmallButton>
        <SmallButton
          disabled={c.readOnly || index === count - 1}
          onClick={() => set(moveRule(step, index, 1), "definition.rules")}
        >
          Move down
        </SmallButton>
        <SmallButton
          tone="danger"
          disabled={c.readOnly}
          onClick={() => set(removeRule(step, index), "definition.rules")}
        >
          Remove rule {rule.id}
        </SmallButton>
      </div>
    </Group>
  );
}

/** Per side, the money and hours a break puts at stake (the totals the page and KPIs report). */
export function ImpactEditor({ step, set, c }: P) {
  const def = definitionOf(step);
  const impact = def.impact ?? {};
  return (
    <div className="space-y-2">
      <p className="text-[11px] text-slate-500">
        The value of a break: for each side, where its money and hours are. Leave blank where a side has none.
      </p>
      {def.sides.map((s, si) => (
        <fieldset key={si} className="grid grid-cols-2 gap-2">
          <legend className="font-mono text-[11px] text-slate-700">{s.name}</legend>
          {(["money", "hours"] as const).map((kind) => {
            const ops = impact[kind] ?? [];
            const i = ops.findIndex((o) => o.side === s.name);
            const o = ops[i];
            const unit = kind === "money" ? "cents" : "minutes";
            return (
              <div key={kind} className="space-y-0.5">
                <TextField
                  label={kind === "money" ? "Money path" : "Hours path"}
                  name={`${kind === "money" ? "Money" : "Hours"} at stake on ${s.name}`}
                  field={`definition.impact.${kind}.${i < 0 ? ops.length : i}.path`}
                  c={c}
                  mono
                  list={fieldList(def, s.name)}
                  value={o?.path ?? ""}
                  onChange={(v) =>
                    set(setImpactOperand(step, kind, s.name, { path: v, unit: o?.unit }), `definition.impact.${kind}`)
                  }
                />
                {o && (
                  <Check
                    label={`in ${unit}`}
                    name={`${kind} on ${s.name} in ${unit}`}
                    field={`definition.impact.${kind}.${i}.unit`}
                    c={c}
                    checked={o.unit === unit}
                    onChange={(v) =>
                      set(
                        setImpactOperand(step, kind, s.name, { path: o.path, unit: v ? unit : undefined }),
                        `definition.impact.${kind}`,
                      )
                    }
                  />
                )}
              </div>
            );
          })}
        </fieldset>
      ))}
    </div>
  );
}

/** External-id tables: rows from → to, added one by one or pasted from a spreadsheet (CSV or TSV). */
export function MapsEditor({ step, set, c }: P) {
  const def = definitionOf(step);
  const maps = def.maps ?? {};
  return (
    <div className="space-y-2">
      <p className="text-[11px] text-slate-500">
        Tables that translate keys or texts before comparing, e.g. Kantata project references → NetSuite job ids. Choose
        one under a side&apos;s “Normalise the key”. Unlisted values pass through unchanged.
      </p>
      {Object.entries(maps).map(([name, table]) => (
        <MapEditor key={name} name={name} table={table} step={step} set={set} c={c} />
      ))}
      <SmallButton disabled={c.readOnly} onClick={() => set(addMap(step), "definition.maps")}>
        + Add map
      </SmallButton>
    </div>
  );
}

function MapEditor({ name, table, step, set, c }: P & { name: string; table: Record<string, string> }) {
  const rows = Object.entries(table);
  const at = `definition.maps.${name}`;
  const [paste, setPaste] = useState("");
  const [draftName, setDraftName] = useState(name);
  const setRows = (next: Array<[string, string]>) => set(setMapRows(step, name, next), at);
  const pasted = parseTable(paste);
  return (
    <Group
      title={
        <>
          Map <span className="font-mono">{name}</span> · {rows.length} rows
        </>
      }
      open={rows.length === 0}
      testId={`recon-map-${name}`}
    >
      <TextField
        label="Map name"
        name={`Map ${name} name`}
        field={at}
        c={c}
        mono
        value={draftName}
        onChange={setDraftName}
        hint="Sides and rules using the map follow a rename."
      />
      {draftName !== name && (
        <SmallButton disabled={c.readOnly || !draftName} onClick={() => set(renameMap(step, name, draftName), at)}>
          Rename to {draftName}
        </SmallButton>
      )}
      <table className="w-full table-fixed text-xs">
        <thead>
          <tr className="text-left text-[11px] text-slate-500">
            <th className="font-medium">From</th>
            <th className="font-medium">To</th>
            <th className="w-6" />
          </tr>
        </thead>
        <tbody>
          {rows.map(([k, v], i) => (
            <tr key={i}>
              <td className="pr-1">
                <input
                  aria-label={`Map ${name} row ${i + 1} from`}
                  disabled={c.readOnly}
                  className="w-full rounded border border-slate-300 px-1 py-0.5 font-mono"
                  value={k}
                  onChange={(e) => setRows(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))}
                />
              </td>
              <td className="pr-1">
                <input
                  aria-label={`Map ${name} row ${i + 1} to`}
                  disabled={c.readOnly}
                  className="w-full rounded border border-slate-300 px-1 py-0.5 font-mono"
                  value={v}
                  onChange={(e) => setRows(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))}
                />
              </td>
              <td>
                <SmallButton
                  tone="danger"
                  label={`Remove map ${name} row ${i + 1}`}
                  disabled={c.readOnly}
                  onClick={() => setRows(rows.filter((_, j) => j !== i))}
                >
                  ✕
                </SmallButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <SmallButton disabled={c.readOnly || "" in table} onClick={() => setRows([...rows, ["", ""]])}>
        + Row
      </SmallButton>
      <Labelled
        label="Paste rows (CSV or TSV: from, to)"
        name={`Paste rows into map ${name}`}
        field={`${at}.paste`}
        c={c}
      >
        {(p) => (
          <textarea
            {...p}
            rows={3}
            className={`${p.className} font-mono text-xs`}
            placeholder={"PRJ-001\t4711\nPRJ-002\t4712"}
            value={paste}
            onChange={(e) => setPaste(e.target.value)}
          />
        )}
      </Labelled>
      <div className="flex gap-3">
        <SmallButton
          disabled={c.readOnly || pasted.length === 0}
          onClick={() => {
            setRows(mergeRows(table, pasted));
            setPaste("");
          }}
        >
          Add {pasted.length} pasted row{pasted.length === 1 ? "" : "s"}
        </SmallButton>
        <SmallButton tone="danger" disabled={c.readOnly} onClick={() => set(removeMap(step, name), "definition.maps")}>
          Remove map {name}
        </SmallButton>
      </div>
    </Group>
  );
}
