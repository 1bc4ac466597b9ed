"use client";
// Editing a flow's owning team, on-call contact and data classification (approvers of the owning team,
// or an admin). Moving a flow to another team moves its approvals and alerts with it, so the sheet says so.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import { useTRPC } from "@/components/trpc/client";
import { ownershipInput } from "@/core/governance/inputs";
import { REVIEWED_CLASSIFICATIONS } from "@/core/governance/policy";
import { CLASSIFICATIONS } from "@/core/flow-constants";
import { Field, FormError, inputCls, secondaryBtn, Sheet } from "./form-parts";

export interface Ownership {
  ownerTeam: { key: string; name: string };
  onCall: string | null;
  classification: string;
}

const CLASSIFICATION_HELP: Record<(typeof CLASSIFICATIONS)[number], string> = {
  public: "May be published outside the firm.",
  internal: "Firm-internal operational data.",
  confidential: "Client or commercial data: rates, contracts, invoices.",
  restricted: "Personal or employee data: every new version needs a recorded classification review.",
};

const formSchema = z.object({
  ownerTeamKey: z.string().min(1, "Choose the owning team."),
  onCall: z
    .string()
    .pipe(ownershipInput.shape.onCall.unwrap().unwrap())
    .transform((v) => (v === "" ? null : v)),
  classification: z.enum(CLASSIFICATIONS),
});
type FormIn = z.input<typeof formSchema>;
type FormOut = z.output<typeof formSchema>;

export function EditOwnershipButton({ flowKey, current }: { flowKey: string; current: Ownership }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={secondaryBtn} onClick={() => setOpen(true)}>
        Edit ownership
      </button>
      {open && <OwnershipSheet flowKey={flowKey} current={current} onClose={() => setOpen(false)} />}
    </>
  );
}

function OwnershipSheet({ flowKey, current, onClose }: { flowKey: string; current: Ownership; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const teams = useQuery(trpc.admin.teams.queryOptions());
  const [serverError, setServerError] = useState<string | null>(null);
  const save = useMutation(
    trpc.governance.flows.updateOwnership.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.governance.pathKey() });
        onClose();
      },
      onError: (e) => setServerError(e.message),
    }),
  );
  const { register, handleSubmit, formState, control } = useForm<FormIn, unknown, FormOut>({
    resolver: zodResolver(formSchema),
    defaultValues: {
      ownerTeamKey: current.ownerTeam.key,
      onCall: current.onCall ?? "",
      classification: current.classification as (typeof CLASSIFICATIONS)[number],
    },
  });
  const team = useWatch({ control, name: "ownerTeamKey" });
  const classification = useWatch({ control, name: "classification" });
  const errors = formState.errors;

  const submit = handleSubmit((v) => {
    setServerError(null);
    save.mutate(
      ownershipInput.parse({
        flowKey,
        ownerTeamKey: v.ownerTeamKey,
        onCall: v.onCall,
        classification: v.classification,
      }),
    );
  });

  return (
    <Sheet
      title="Ownership and classification"
      subtitle={flowKey}
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      submit={{ label: "Save ownership", pendingLabel: "Saving…", pending: save.isPending }}
    >
      <FormError message={serverError} />
      <Field
        label="Owning team"
        error={errors.ownerTeamKey?.message}
        hint={
          team !== current.ownerTeam.key
            ? "The new team's approvers decide on this flow's versions from now on, and its SLO alerts go to the new team."
            : "Approves this flow's versions and receives its SLO alerts."
        }
      >
        {(a) => (
          <select {...a} className={inputCls} {...register("ownerTeamKey")}>
            {(teams.data ?? [{ key: current.ownerTeam.key, name: current.ownerTeam.name }]).map((t) => (
              <option key={t.key} value={t.key}>
                {t.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        label="On-call contact"
        error={errors.onCall?.message}
        hint="Who to reach when this flow fails out of hours: an email, a rota or a phone number. Leave empty for none."
      >
        {(a) => (
          <input {...a} className={inputCls} placeholder="e.g. finance-oncall@firm.example" {...register("onCall")} />
        )}
      </Field>
      <fieldset>
        <legend className="text-xs font-medium text-slate-700">Data classification</legend>
        <div className="mt-1 space-y-1.5">
          {CLASSIFICATIONS.map((c) => (
            <label
              key={c}
              className="flex cursor-pointer items-start gap-2 rounded-md border border-slate-200 p-2 text-sm has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50"
            >
              <input type="radio" value={c} className="mt-0.5" {...register("classification")} />
              <span>
                <span className="font-medium capitalize text-slate-800">{c}</span>
                <span className="block text-xs text-slate-500">{CLASSIFICATION_HELP[c]}</span>
              </span>
            </label>
          ))}
        </div>
        {REVIEWED_CLASSIFICATIONS.includes(classification) && classification !== current.classification && (
          <p className="mt-2 rounded-md bg-amber-50 p-2 text-xs text-amber-900">
            Raising the classification to {classification} means the next version cannot be published until a steward or
            approver records a classification review.
          </p>
        )}
      </fieldset>
    </Sheet>
  );
}
