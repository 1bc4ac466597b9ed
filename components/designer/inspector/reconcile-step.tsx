"use client";
// The reconcile step's editor (docs/reconciliation.md "Building one in the designer"): the definition, its
// sides with where their records come from, maps, rules, what is at stake, the re-sync flow and run settings,
// each control named and carrying the DSL path its problems point at. Edits: ./reconcile-edits.ts.
import { clsx } from "clsx";
import { useMemo, useState } from "react";
import type { ExprScope } from "../expression-field";
import { ExpressionField } from "../expression-field";
import { MappingEditor } from "./mapping-editor";
import { Labelled, SmallButton, TextField, type Ctl } from "./reconcile-controls";
import {
  addSide,
  definitionOf,
  MAX_SIDES,
  resyncVariables,
  setCheckpointEvery,
  setConcurrencyKey,
  setCurrency,
  setDefinitionField,
  setPeriod,
  setResync,
  type ReconStep,
} from "./reconcile-edits";
import { ImpactEditor, MapsEditor, RulesEditor } from "./reconcile-rules";
import { SideEditor } from "./reconcile-side";
import type { FieldProblems } from "./schema-form";

export interface ReconcileStepEditorProps {
  step: ReconStep;
  setStep(step: ReconStep, field: string): void;
  scope: ExprScope;
  problems: FieldProblems;
  readOnly: boolean;
  connections: ReadonlyArray<{ key: string; name: string; connectorKey: string }>;
  flows: ReadonlyArray<{ key: string; name: string }>;
  /** The step's output in the last test run (a ReconcileOutput), for the totals. */
  runOutput?: unknown;
  /** The inspector's collapsible section. */
  Section(p: { title: string; children: React.ReactNode; defaultOpen?: boolean; testId?: string }): React.ReactNode;
}

export function ReconcileStepEditor(p: ReconcileStepEditorProps) {
  const { step, setStep: set, Section } = p;
  const c: Ctl = { problems: p.problems, readOnly: p.readOnly };
  const def = definitionOf(step);
  const resyncScope = useMemo((): ExprScope => ({ paths: resyncVariables(def) }), [def]);
  // Which optional sections start open: fixed when the step is opened, so typing never folds one away.
  const [initiallyOpen] = useState(() => ({
    impact: !!def.impact?.money || !!def.impact?.hours,
    resync: !!step.resync,
    run: step.checkpointEvery !== undefined || step.concurrencyKey !== undefined,
  }));
  return (
    <>
      <RunTotals output={p.runOutput} currency={def.impact?.currency} />
      <Section title="Reconciliation" testId="recon-definition">
        <div className="grid grid-cols-2 gap-2">
          <TextField
            label="Key"
            name="Reconciliation key"
            field="definition.key"
            c={c}
            mono
            value={def.key}
            onChange={(v) => set(setDefinitionField(step, "key", v), "definition.key")}
            hint="Lower case and dashes; names it on the Reconciliation page."
          />
          <TextField
            label="Name"
            name="Reconciliation name"
            field="definition.name"
            c={c}
            value={def.name}
            onChange={(v) => set(setDefinitionField(step, "name", v), "definition.name")}
          />
        </div>
        <fieldset className="space-y-1">
          <legend className="text-[11px] font-medium text-slate-700">
            Period (inclusive dates; each side needs a date path)
          </legend>
          <label className="flex items-center gap-1.5 text-xs text-slate-700">
            <input
              type="checkbox"
              disabled={p.readOnly}
              checked={!!def.period}
              onChange={(e) => {
                const today = new Date().toISOString().slice(0, 10);
                set(
                  setPeriod(step, e.target.checked ? { from: `${today.slice(0, 8)}01`, to: today } : undefined),
                  "definition.period",
                );
              }}
            />
            Only records dated within a period
          </label>
          {def.period && (
            <div className="grid grid-cols-2 gap-2">
              <TextField
                label="From"
                name="Period from"
                field="definition.period.from"
                c={c}
                type="date"
                value={def.period.from}
                onChange={(v) => set(setPeriod(step, { ...def.period!, from: v }), "definition.period.from")}
              />
              <TextField
                label="To"
                name="Period to"
                field="definition.period.to"
                c={c}
                type="date"
                value={def.period.to}
                onChange={(v) => set(setPeriod(step, { ...def.period!, to: v }), "definition.period.to")}
              />
            </div>
          )}
        </fieldset>
        <TextField
          label="Currency of the money at stake"
          name="Currency of impact"
          field="definition.impact.currency"
          c={c}
          mono
          placeholder="USD"
          value={def.impact?.currency ?? ""}
          onChange={(v) => set(setCurrency(step, v), "definition.impact.currency")}
        />
      </Section>
      <Section title={`Sides (${def.sides.length})`} testId="recon-sides">
        <p className="text-[11px] text-slate-500">
          Two or three record sets, matched by their normalised key. Each side reads its records from a connector
          operation or a SQL query.
        </p>
        {p.problems.get("definition.sides") && (
          <p role="alert" className="text-[11px] text-red-700">
            {p.problems.get("definition.sides")}
          </p>
        )}
        {p.problems.get("sources") && (
          <p role="alert" className="text-[11px] text-red-700">
            {p.problems.get("sources")}
          </p>
        )}
        {def.sides.map((_, i) => (
          <SideEditor key={i} step={step} index={i} set={set} c={c} connections={p.connections} scope={p.scope} />
        ))}
        {def.sides.length < MAX_SIDES && (
          <SmallButton disabled={p.readOnly} onClick={() => set(addSide(step), "definition.sides")}>
            + Add a side
          </SmallButton>
        )}
      </Section>
      <Section title={`Rules (${def.rules?.length ?? 0})`} testId="recon-rules">
        <RulesEditor step={step} set={set} c={c} />
      </Section>
      <Section title="At stake" testId="recon-impact" defaultOpen={initiallyOpen.impact}>
        <ImpactEditor step={step} set={set} c={c} />
      </Section>
      <Section title={`Maps (${Object.keys(def.maps ?? {}).length})`} testId="recon-maps" defaultOpen={false}>
        <MapsEditor step={step} set={set} c={c} />
      </Section>
      <Section title="Re-sync" testId="recon-resync" defaultOpen={initiallyOpen.resync}>
        <Labelled
          label="Flow that re-syncs a record"
          name="Re-sync flow"
          field="resync.flow"
          c={c}
          hint={'"Re-sync" on a break starts this flow\u2019s published version for the break\u2019s record.'}
        >
          {(fp) => (
            <select
              {...fp}
              value={step.resync?.flow ?? ""}
              onChange={(e) =>
                set(
                  setResync(step, e.target.value ? { ...step.resync, flow: e.target.value } : undefined),
                  "resync.flow",
                )
              }
            >
              <option value="">No re-sync</option>
              {p.flows.map((f) => (
                <option key={f.key} value={f.key}>
                  {f.name} ({f.key})
                </option>
              ))}
              {step.resync && !p.flows.some((f) => f.key === step.resync!.flow) && (
                <option value={step.resync.flow}>{step.resync.flow} (not published)</option>
              )}
            </select>
          )}
        </Labelled>
        {step.resync && (
          <div className="space-y-1">
            <p className="text-[11px] font-medium text-slate-700">Input of the re-sync run</p>
            <MappingEditor
              value={step.resync.input ?? {}}
              onChange={(v) => set(setResync(step, { ...step.resync!, input: v }), "resync.input")}
              scope={resyncScope}
              field="resync.input"
              readOnly={p.readOnly}
            />
            <details className="text-[11px] text-slate-600" data-testid="resync-variables">
              <summary className="cursor-pointer">Variables of a break (the run&apos;s scope is not available)</summary>
              <ul className="mt-1 space-y-0.5">
                {resyncScope.paths.map((v) => (
                  <li key={v.path}>
                    <code className="font-mono">{v.path}</code> — {v.detail}
                  </li>
                ))}
              </ul>
            </details>
          </div>
        )}
      </Section>
      <Section title="Run settings" testId="recon-run-settings" defaultOpen={initiallyOpen.run}>
        <TextField
          label="Checkpoint every (keys)"
          name="Checkpoint every"
          field="checkpointEvery"
          c={c}
          type="number"
          placeholder="1000"
          value={step.checkpointEvery === undefined ? "" : String(step.checkpointEvery)}
          onChange={(v) => set(setCheckpointEvery(step, v), "checkpointEvery")}
          hint="A run killed mid-way resumes from its last checkpoint."
        />
        <div className="space-y-0.5">
          <p className="text-[11px] font-medium text-slate-700">Concurrency key</p>
          <ExpressionField
            value={step.concurrencyKey ?? ""}
            onChange={(v) => set(setConcurrencyKey(step, v), "concurrencyKey")}
            scope={p.scope}
            ariaLabel="Concurrency key"
            field="concurrencyKey"
            placeholder="Default: one run of this reconciliation at a time"
            invalid={!!p.problems.get("concurrencyKey")}
            readOnly={p.readOnly}
          />
        </div>
      </Section>
    </>
  );
}

interface Totals {
  keys: number;
  matched: number;
  mismatched: number;
  missing: number;
  duplicate: number;
  moneyAtStake: string;
  minutesAtStake: string;
}

/** The last test run's totals (the step's output), above the settings. */
function RunTotals({ output, currency }: { output: unknown; currency?: string }) {
  const t = (output as { totals?: Totals } | null | undefined)?.totals;
  if (!t || typeof t.keys !== "number") return null;
  const cell = (label: string, v: React.ReactNode, bad?: boolean) => (
    <div className="min-w-0">
      <dt className="text-[10px] uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className={clsx("font-semibold tabular-nums", bad ? "text-red-700" : "text-slate-900")}>{v}</dd>
    </div>
  );
  return (
    <section
      aria-label="Test run totals"
      data-testid="recon-test-totals"
      className="border-b border-slate-200 bg-emerald-50/40 px-4 py-2"
    >
      <p className="text-[11px] font-semibold text-slate-700">Last test run</p>
      <dl className="mt-1 grid grid-cols-4 gap-2 text-xs">
        {cell("Keys", t.keys)}
        {cell("Matched", t.matched)}
        {cell("Mismatched", t.mismatched, t.mismatched > 0)}
        {cell("Missing", t.missing, t.missing > 0)}
      </dl>
      {(t.moneyAtStake !== "0" || t.minutesAtStake !== "0") && (
        <p className="mt-1 text-[11px] text-slate-600">
          At stake:{" "}
          {t.moneyAtStake !== "0" && (
            <span className="font-mono">
              {t.moneyAtStake}
              {currency ? ` ${currency}` : ""}
            </span>
          )}
          {t.minutesAtStake !== "0" && <span className="ml-1 font-mono">{t.minutesAtStake} min</span>}
        </p>
      )}
    </section>
  );
}
