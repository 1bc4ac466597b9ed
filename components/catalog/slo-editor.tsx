"use client";
// Create, edit and delete a flow's SLOs (designers). Success ratio, latency or freshness with a threshold
// from the server's fixed histogram ladder (so "share of runs under the threshold" is exact), a target in
// percent, a rolling window and the low-volume guard. The form schema is built from the router's own
// field schemas, so the browser and the API refuse the same things with the same words.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import { useTRPC } from "@/components/trpc/client";
import { SLO_KIND_LABEL, SLO_KINDS, sloCreateInput, sloFields, sloUpdateInput } from "@/core/governance/inputs";
import type { SloKind } from "@/core/governance/slo-math";
import { formatDuration } from "@/core/governance/slo-math";
import { dangerBtn, Field, FormError, inputCls, primaryBtn, secondaryBtn, Sheet } from "./form-parts";

export interface SloDefinition {
  id: string;
  name: string;
  kind: SloKind;
  target: number;
  windowDays: number;
  thresholdMs: number | null;
  minEvents: number;
  enabled: boolean;
}

const KIND_HELP: Record<SloKind, string> = {
  success: "Share of runs that succeed.",
  latency: "Share of runs that succeed within a time, from start to finish.",
  freshness: "Share of runs that finish within a time of the source event.",
};

const formSchema = z
  .object({
    name: sloFields.name,
    kind: sloFields.kind,
    // Typed as a percentage; the API stores a fraction.
    target: z
      .number({ error: "Enter a target such as 99.5." })
      .transform((p) => Math.round(p * 10_000) / 1_000_000)
      .pipe(sloFields.target),
    windowDays: sloFields.windowDays,
    thresholdMs: z.string().transform((v) => (v ? Number(v) : null)),
    minEvents: sloFields.minEvents,
    enabled: z.boolean(),
  })
  .refine((v) => v.kind === "success" || v.thresholdMs !== null, {
    path: ["thresholdMs"],
    // Reported together with any other field's error, not only once the rest is valid.
    when: () => true,
    error: (iss) =>
      `A ${(SLO_KIND_LABEL[(iss.input as { kind: (typeof SLO_KINDS)[number] }).kind] ?? "latency").toLowerCase()} SLO needs a threshold.`,
  });
type FormIn = z.input<typeof formSchema>;
type FormOut = z.output<typeof formSchema>;

const pctText = (fraction: number) => `${+(fraction * 100).toFixed(4)}`;

/** "Add SLO" and the sheet behind it. */
export function AddSloButton({ flowKey }: { flowKey: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={primaryBtn} onClick={() => setOpen(true)}>
        Add SLO
      </button>
      {open && <SloSheet flowKey={flowKey} onClose={() => setOpen(false)} />}
    </>
  );
}

export function EditSloButton({ flowKey, slo }: { flowKey: string; slo: SloDefinition }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="rounded-md px-2 py-0.5 text-xs font-medium text-brand-700 hover:bg-brand-50"
        aria-label={`Edit SLO ${slo.name}`}
        onClick={() => setOpen(true)}
      >
        Edit
      </button>
      {open && <SloSheet flowKey={flowKey} slo={slo} onClose={() => setOpen(false)} />}
    </>
  );
}

function SloSheet({ flowKey, slo, onClose }: { flowKey: string; slo?: SloDefinition; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const options = useQuery(trpc.governance.slo.options.queryOptions());
  const standards = useQuery({ ...trpc.governance.domains.list.queryOptions(), select: (d) => d.standards });
  const [serverError, setServerError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const done = async () => {
    await qc.invalidateQueries({ queryKey: trpc.governance.pathKey() });
    onClose();
  };
  const onError = (e: { message: string }) => setServerError(e.message);
  const create = useMutation(trpc.governance.slo.create.mutationOptions({ onSuccess: done, onError }));
  const update = useMutation(trpc.governance.slo.update.mutationOptions({ onSuccess: done, onError }));
  const remove = useMutation(trpc.governance.slo.delete.mutationOptions({ onSuccess: done, onError }));
  const pending = create.isPending || update.isPending || remove.isPending;

  const form = useForm<FormIn, unknown, FormOut>({
    resolver: zodResolver(formSchema),
    defaultValues: slo
      ? {
          name: slo.name,
          kind: slo.kind,
          target: Number(pctText(slo.target)),
          windowDays: slo.windowDays,
          thresholdMs: slo.thresholdMs ? String(slo.thresholdMs) : "",
          minEvents: slo.minEvents,
          enabled: slo.enabled,
        }
      : {
          name: "",
          kind: "success",
          target: 99,
          windowDays: standards.data?.sloWindowDays ?? 28,
          thresholdMs: "",
          minEvents: standards.data?.minEvents ?? 10,
          enabled: true,
        },
  });
  const { register, handleSubmit, formState, setValue, control } = form;
  const errors = formState.errors;
  // The workspace standards may arrive after the sheet opened: apply them unless the user typed already.
  const std = standards.data;
  useEffect(() => {
    if (slo || !std) return;
    if (!form.getFieldState("windowDays").isDirty) setValue("windowDays", std.sloWindowDays);
    if (!form.getFieldState("minEvents").isDirty) setValue("minEvents", std.minEvents);
  }, [slo, std, form, setValue]);
  const kind = useWatch({ control, name: "kind" });
  const target = useWatch({ control, name: "target" });

  const submit = handleSubmit((v) => {
    setServerError(null);
    const fields = {
      name: v.name,
      target: v.target,
      windowDays: v.windowDays,
      thresholdMs: v.kind === "success" ? null : v.thresholdMs,
      minEvents: v.minEvents,
    };
    if (slo) update.mutate(sloUpdateInput.parse({ id: slo.id, ...fields, enabled: v.enabled }));
    else create.mutate(sloCreateInput.parse({ flowKey, kind: v.kind, ...fields }));
  });

  const budgetPer1000 =
    typeof target === "number" && target > 0 && target < 100 ? +((100 - target) * 10).toFixed(2) : null;

  return (
    <Sheet
      title={slo ? `Edit SLO “${slo.name}”` : "New SLO"}
      subtitle={
        slo
          ? `${SLO_KIND_LABEL[slo.kind]} · ${flowKey}`
          : `For ${flowKey}. Computed from real runs in 5-minute buckets.`
      }
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      footer={
        <>
          {slo && !confirmDelete && (
            <button type="button" className={`${dangerBtn} mr-auto`} onClick={() => setConfirmDelete(true)}>
              Delete SLO…
            </button>
          )}
          {slo && confirmDelete && (
            <span className="mr-auto flex items-center gap-2 text-sm text-red-800">
              Delete “{slo.name}” and its alert history?
              <button
                type="button"
                className="rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-700 disabled:opacity-50"
                disabled={pending}
                onClick={() => remove.mutate({ id: slo.id })}
              >
                Delete
              </button>
              <button type="button" className={secondaryBtn} onClick={() => setConfirmDelete(false)}>
                Keep
              </button>
            </span>
          )}
          <button type="button" className={secondaryBtn} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={primaryBtn} disabled={pending}>
            {pending ? "Saving…" : slo ? "Save SLO" : "Create SLO"}
          </button>
        </>
      }
    >
      <FormError message={serverError} />
      <Field label="Name" error={errors.name?.message}>
        {(a) => (
          <input
            {...a}
            className={inputCls}
            autoFocus
            placeholder="e.g. Invoiced within 1 hour"
            {...register("name")}
          />
        )}
      </Field>

      <fieldset>
        <legend className="text-xs font-medium text-slate-700">Kind</legend>
        <div className="mt-1 grid grid-cols-3 gap-2">
          {SLO_KINDS.map((k) => (
            <label
              key={k}
              className={`cursor-pointer rounded-md border p-2 text-sm has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50 has-[:disabled]:cursor-not-allowed ${kind === k ? "" : "border-slate-200"}`}
            >
              <span className="flex items-center gap-2 font-medium text-slate-800">
                <input
                  type="radio"
                  value={k}
                  disabled={!!slo}
                  {...register("kind", {
                    onChange: () => {
                      if (k === "success") setValue("thresholdMs", "");
                    },
                  })}
                />
                {SLO_KIND_LABEL[k]}
              </span>
              <span className="mt-0.5 block text-xs text-slate-500">{KIND_HELP[k]}</span>
            </label>
          ))}
        </div>
        {slo && (
          <p className="mt-1 text-xs text-slate-500">
            The kind of an existing SLO cannot change: add a new SLO instead.
          </p>
        )}
      </fieldset>

      {kind !== "success" && (
        <Field
          label={kind === "latency" ? "Latency threshold" : "Freshness threshold"}
          error={errors.thresholdMs?.message}
          hint={
            kind === "latency"
              ? "A run is good when it succeeds and takes at most this long."
              : "A run is good when it succeeds at most this long after its source event occurred."
          }
        >
          {(a) => (
            <select {...a} className={inputCls} {...register("thresholdMs")}>
              <option value="">Choose a threshold…</option>
              {(options.data?.thresholdsMs ?? []).map((ms) => (
                <option key={ms} value={String(ms)}>
                  {formatDuration(ms)}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}

      <div className="grid grid-cols-2 gap-4">
        <Field
          label="Target (%)"
          error={errors.target?.message}
          hint={budgetPer1000 !== null ? `Error budget: ${budgetPer1000} bad runs per 1,000.` : undefined}
        >
          {(a) => (
            <input
              {...a}
              type="number"
              step="0.01"
              min="0"
              max="100"
              className={inputCls}
              {...register("target", { valueAsNumber: true })}
            />
          )}
        </Field>
        <Field
          label="Rolling window (days)"
          error={errors.windowDays?.message}
          hint={`Workspace default: ${standards.data?.sloWindowDays ?? 28} days.`}
        >
          {(a) => (
            <input
              {...a}
              type="number"
              step="1"
              min="1"
              max="90"
              className={inputCls}
              {...register("windowDays", { valueAsNumber: true })}
            />
          )}
        </Field>
      </div>
      <Field
        label="Minimum runs before alerting"
        error={errors.minEvents?.message}
        hint="Low-volume guard: a burn-rate alert does not fire with fewer runs than this in its long window (1 h … 3 d)."
      >
        {(a) => (
          <input
            {...a}
            type="number"
            step="1"
            min="0"
            className={`${inputCls} max-w-40`}
            {...register("minEvents", { valueAsNumber: true })}
          />
        )}
      </Field>
      {slo && (
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" {...register("enabled")} /> Enabled (a disabled SLO is not evaluated and cannot alert)
        </label>
      )}
      {options.data && (
        <div className="rounded-md bg-slate-50 p-3 text-xs text-slate-600">
          <p className="font-medium text-slate-700">Burn-rate alerts</p>
          <p className="mt-0.5">
            The owning team is alerted when the budget burns too fast over both a long and a short window:{" "}
            {options.data.rules.map((r) => `${r.burnRate}× over ${r.id} (${r.severity})`).join(", ")}.
          </p>
        </div>
      )}
    </Sheet>
  );
}
