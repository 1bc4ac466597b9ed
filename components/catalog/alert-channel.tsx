"use client";
// Where a team's SLO alerts go: always in-app (catalog banner and the flow page), plus an optional
// outgoing webhook that receives each firing and resolution as JSON. The team's designers and approvers
// (or an admin) set the URL, switch it off and send a test alert; everyone else sees it read-only.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { alertChannelInput } from "@/core/governance/inputs";
import { Field, FormError, inputCls, ReadOnlyNote, secondaryBtn, Sheet } from "./form-parts";

type Roles = ReadonlyArray<string>;

export interface ChannelRow {
  teamKey: string;
  teamName: string;
  webhookUrl: string | null;
  enabled: boolean;
  mine: boolean;
}

export function canEditChannel(row: Pick<ChannelRow, "mine">, roles: Roles): boolean {
  return roles.includes("admin") || (row.mine && (roles.includes("designer") || roles.includes("approver")));
}

/** One team's channel as a compact card (flow page). */
export function TeamAlertChannel({ teamKey, roles }: { teamKey: string; roles: Roles }) {
  const trpc = useTRPC();
  const channels = useQuery(trpc.governance.domains.alertChannels.queryOptions());
  const row = channels.data?.find((c) => c.teamKey === teamKey);
  if (!row) return null;
  return (
    <section
      aria-label={`Alert channel of ${row.teamName}`}
      className="rounded-lg border border-slate-200 bg-white p-4 text-sm"
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h3 className="text-xs uppercase tracking-wide text-slate-500">Alerts go to {row.teamName}</h3>
          <ChannelSummary row={row} />
        </div>
        <ChannelActions row={row} roles={roles} />
      </div>
    </section>
  );
}

export function ChannelSummary({ row }: { row: ChannelRow }) {
  return (
    <p className="mt-1 flex flex-wrap items-center gap-2 text-slate-700">
      <Badge tone="blue">in-app</Badge>
      {row.webhookUrl ? (
        <>
          <Badge tone={row.enabled ? "green" : "gray"}>{row.enabled ? "webhook on" : "webhook off"}</Badge>
          <span className="break-all font-mono text-xs text-slate-600">{row.webhookUrl}</span>
        </>
      ) : (
        <span className="text-xs text-slate-500">no webhook</span>
      )}
    </p>
  );
}

export function ChannelActions({ row, roles }: { row: ChannelRow; roles: Roles }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const test = useMutation(trpc.governance.domains.testAlertChannel.mutationOptions());
  if (!canEditChannel(row, roles)) {
    return (
      <ReadOnlyNote>{row.teamName}&apos;s designers and approvers, or an admin, set where its alerts go.</ReadOnlyNote>
    );
  }
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex gap-2">
        {row.webhookUrl && (
          <button
            type="button"
            className={secondaryBtn}
            disabled={test.isPending}
            onClick={() => test.mutate({ teamKey: row.teamKey })}
          >
            {test.isPending ? "Sending…" : "Send test alert"}
          </button>
        )}
        <button
          type="button"
          className={secondaryBtn}
          aria-label={`Edit alert channel of ${row.teamName}`}
          onClick={() => setOpen(true)}
        >
          Edit channel
        </button>
      </div>
      {test.data && (
        <p role="status" className={test.data.ok ? "text-xs text-emerald-700" : "text-xs text-red-700"}>
          {test.data.ok ? `Delivered (HTTP ${test.data.status}).` : `Not delivered: ${test.data.error}.`}
          {test.data.ok && !test.data.enabled && " The webhook is switched off, so real alerts stay in-app."}
        </p>
      )}
      {test.error && (
        <p role="alert" className="text-xs text-red-700">
          {test.error.message}
        </p>
      )}
      {open && <ChannelSheet row={row} onClose={() => setOpen(false)} />}
    </div>
  );
}

const formSchema = z.object({
  webhookUrl: z
    .string()
    .trim()
    .pipe(z.union([z.literal(""), alertChannelInput.shape.webhookUrl.unwrap()])),
  enabled: z.boolean(),
});
type FormIn = z.input<typeof formSchema>;
type FormOut = z.output<typeof formSchema>;

function ChannelSheet({ row, onClose }: { row: ChannelRow; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [serverError, setServerError] = useState<string | null>(null);
  const save = useMutation(
    trpc.governance.domains.setAlertChannel.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.governance.domains.alertChannels.queryKey() });
        onClose();
      },
      onError: (e) => setServerError(e.message),
    }),
  );
  const { register, handleSubmit, formState } = useForm<FormIn, unknown, FormOut>({
    resolver: zodResolver(formSchema),
    defaultValues: { webhookUrl: row.webhookUrl ?? "", enabled: row.enabled || !row.webhookUrl },
  });
  const submit = handleSubmit((v) => {
    setServerError(null);
    save.mutate(
      alertChannelInput.parse({ teamKey: row.teamKey, webhookUrl: v.webhookUrl || null, enabled: v.enabled }),
    );
  });
  return (
    <Sheet
      title={`Alert channel of ${row.teamName}`}
      subtitle="In-app alerts are always on: the catalog and the flow page show every firing alert."
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      submit={{ label: "Save channel", pendingLabel: "Saving…", pending: save.isPending }}
    >
      <FormError message={serverError} />
      <Field
        label="Outgoing webhook URL"
        error={formState.errors.webhookUrl?.message}
        hint="Each alert firing or resolving is POSTed here as JSON (type slo.alert.firing / slo.alert.resolved), e.g. to Slack, Teams or an incident tool. Public http(s) addresses only; leave empty for in-app only."
      >
        {(a) => (
          <input
            {...a}
            type="url"
            className={`${inputCls} font-mono`}
            placeholder="https://hooks.example.com/weft-alerts"
            {...register("webhookUrl")}
          />
        )}
      </Field>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input type="checkbox" {...register("enabled")} /> Deliver alerts to the webhook
      </label>
    </Sheet>
  );
}
