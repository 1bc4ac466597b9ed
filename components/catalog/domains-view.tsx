"use client";
// Domains and who owns them: the eight business domains with owning team, charter and stewards, the
// workspace standards (held by the platform domain), and every team's alert channel. Admins edit
// domains and standards; a team's designers and approvers edit its own alert channel.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { domainPolicyInput, domainUpdateInput } from "@/core/governance/inputs";
import { ChannelActions, ChannelSummary } from "./alert-channel";
import { Field, FormError, inputCls, ReadOnlyNote, secondaryBtn, Sheet } from "./form-parts";

type Roles = ReadonlyArray<string>;
interface DomainRow {
  key: string;
  name: string;
  kind: string;
  charter: string;
  policy: Record<string, unknown>;
  ownerTeam: { key: string; name: string } | null;
  stewards: Array<{ id: string; name: string; email: string }>;
}

export function DomainsView({ roles }: { roles: Roles }) {
  const trpc = useTRPC();
  const domains = useQuery(trpc.governance.domains.list.queryOptions());
  const catalog = useQuery(trpc.governance.catalog.list.queryOptions({}));
  const channels = useQuery(trpc.governance.domains.alertChannels.queryOptions());
  const [editing, setEditing] = useState<DomainRow | null>(null);
  const [editingStandards, setEditingStandards] = useState(false);
  const isAdmin = roles.includes("admin");
  const business = domains.data?.domains.filter((d) => d.kind === "business") ?? [];
  const platform = domains.data?.domains.find((d) => d.kind === "platform");
  const flowsIn = (key: string) => catalog.data?.entries.filter((e) => e.domain === key).length ?? 0;

  return (
    <section className="space-y-6 p-8">
      {domains.error && <FormError message={domains.error.message} />}
      <section aria-labelledby="domains-h" className="space-y-2">
        <div className="flex items-baseline justify-between gap-4">
          <h2 id="domains-h" className="text-base font-semibold">
            Business domains
          </h2>
          {!isAdmin && (
            <ReadOnlyNote>Only an admin changes a domain&apos;s owning team, charter or stewards.</ReadOnlyNote>
          )}
        </div>
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Business domains with their owners and stewards</caption>
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-3 py-2">Domain</th>
                <th className="px-3 py-2">Owning team</th>
                <th className="px-3 py-2">Charter</th>
                <th className="px-3 py-2">Stewards</th>
                <th className="px-3 py-2 text-right">Flows</th>
                {isAdmin && (
                  <th className="px-3 py-2">
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {business.map((d) => (
                <tr key={d.key} className="align-top hover:bg-slate-50">
                  <td className="px-3 py-2">
                    <span className="font-medium text-slate-900">{d.name}</span>
                    <span className="block font-mono text-xs text-slate-400">{d.key}</span>
                  </td>
                  <td className="px-3 py-2 text-slate-700">{d.ownerTeam?.name ?? "—"}</td>
                  <td className="max-w-md px-3 py-2 text-slate-600">
                    {d.charter || <span className="text-slate-400">No charter yet.</span>}
                  </td>
                  <td className="px-3 py-2">
                    {d.stewards.length ? (
                      <ul>
                        {d.stewards.map((s) => (
                          <li key={s.id} className="text-slate-700" title={s.email}>
                            {s.name} <span className="text-xs text-slate-400">{s.email}</span>
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <span className="text-slate-400">none</span>
                    )}
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums text-slate-600">
                    {catalog.data ? flowsIn(d.key) : ""}
                  </td>
                  {isAdmin && (
                    <td className="px-3 py-2 text-right">
                      <button
                        type="button"
                        className="rounded-md px-2 py-0.5 text-xs font-medium text-brand-700 hover:bg-brand-50"
                        aria-label={`Edit domain ${d.name}`}
                        onClick={() => setEditing(d)}
                      >
                        Edit
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {domains.isLoading && <p className="p-4 text-sm text-slate-500">Loading…</p>}
        </div>
      </section>

      {platform && domains.data && (
        <section aria-labelledby="standards-h" className="rounded-lg border border-slate-200 bg-white p-4">
          <div className="flex flex-wrap items-start justify-between gap-3">
            <div className="min-w-0 flex-1">
              <h2 id="standards-h" className="text-base font-semibold">
                Workspace standards
              </h2>
              <p className="text-sm text-slate-500">
                Owned by {platform.ownerTeam?.name ?? "—"} ({platform.charter || platform.name}). Defaults for new SLOs
                and the deprecation notice every sunset must give.
              </p>
            </div>
            {isAdmin ? (
              <button type="button" className={`${secondaryBtn} shrink-0`} onClick={() => setEditingStandards(true)}>
                Edit standards
              </button>
            ) : (
              <ReadOnlyNote>Only an admin changes the workspace standards.</ReadOnlyNote>
            )}
          </div>
          <dl className="mt-3 grid grid-cols-3 gap-4 text-sm">
            <Stat label="Deprecation notice" value={`${domains.data.standards.deprecationNoticeDays} days`} />
            <Stat label="Default SLO window" value={`${domains.data.standards.sloWindowDays} days`} />
            <Stat label="Minimum runs before alerting" value={`${domains.data.standards.minEvents}`} />
          </dl>
        </section>
      )}

      <section aria-labelledby="channels-h" className="space-y-2">
        <h2 id="channels-h" className="text-base font-semibold">
          Team alert channels
        </h2>
        <p className="text-sm text-slate-500">
          SLO burn-rate alerts go to the team that owns the flow: in-app always, and to the team&apos;s webhook when one
          is set.
        </p>
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Where each team&apos;s alerts go</caption>
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-3 py-2">Team</th>
                <th className="px-3 py-2">Channel</th>
                <th className="px-3 py-2 text-right">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {channels.data?.map((c) => (
                <tr key={c.teamKey} className="align-top">
                  <td className="px-3 py-2 font-medium text-slate-900">
                    {c.teamName}
                    {c.mine && (
                      <span className="ml-2">
                        <Badge>your team</Badge>
                      </span>
                    )}
                  </td>
                  <td className="px-3 py-2">
                    <ChannelSummary row={c} />
                  </td>
                  <td className="px-3 py-2">
                    <ChannelActions row={c} roles={roles} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {editing && <DomainSheet domain={editing} onClose={() => setEditing(null)} />}
      {editingStandards && domains.data && platform && (
        <StandardsSheet
          domainKey={platform.key}
          standards={domains.data.standards}
          onClose={() => setEditingStandards(false)}
        />
      )}
    </section>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-lg font-semibold tabular-nums text-slate-900">{value}</dd>
    </div>
  );
}

const domainForm = z.object({
  ownerTeamKey: z.string().min(1, "Choose the owning team."),
  charter: domainUpdateInput.shape.charter.unwrap(),
  stewardEmails: domainUpdateInput.shape.stewardEmails.unwrap(),
});
type DomainIn = z.input<typeof domainForm>;
type DomainOut = z.output<typeof domainForm>;

function useSave(onClose: () => void) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [serverError, setServerError] = useState<string | null>(null);
  const save = useMutation(
    trpc.governance.domains.update.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.governance.pathKey() });
        onClose();
      },
      onError: (e) => setServerError(e.message),
    }),
  );
  return { save, serverError, setServerError };
}

function DomainSheet({ domain, onClose }: { domain: DomainRow; onClose: () => void }) {
  const trpc = useTRPC();
  const teams = useQuery(trpc.admin.teams.queryOptions());
  const users = useQuery(trpc.admin.users.queryOptions());
  const { save, serverError, setServerError } = useSave(onClose);
  const { register, handleSubmit, formState } = useForm<DomainIn, unknown, DomainOut>({
    resolver: zodResolver(domainForm),
    defaultValues: {
      ownerTeamKey: domain.ownerTeam?.key ?? "",
      charter: domain.charter,
      stewardEmails: domain.stewards.map((s) => s.email),
    },
  });
  const submit = handleSubmit((v) => {
    setServerError(null);
    save.mutate(domainUpdateInput.parse({ key: domain.key, ...v }));
  });
  const active = (users.data ?? []).filter((u) => !u.disabled || domain.stewards.some((s) => s.email === u.email));
  return (
    <Sheet
      title={`Domain: ${domain.name}`}
      subtitle={<span className="font-mono">{domain.key}</span>}
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      submit={{ label: "Save domain", pendingLabel: "Saving…", pending: save.isPending }}
    >
      <FormError message={serverError} />
      <Field
        label="Owning team"
        error={formState.errors.ownerTeamKey?.message}
        hint="Sets the policy of this domain (e.g. Finance owns invoice policy)."
      >
        {(a) => (
          <select {...a} className={inputCls} {...register("ownerTeamKey")}>
            {(teams.data ?? []).map((t) => (
              <option key={t.key} value={t.key}>
                {t.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        label="Charter"
        error={formState.errors.charter?.message}
        hint="What the owning team governs here, in a sentence."
      >
        {(a) => <textarea {...a} rows={3} className={inputCls} {...register("charter")} />}
      </Field>
      <fieldset>
        <legend className="text-xs font-medium text-slate-700">Stewards</legend>
        <p className="text-xs text-slate-500">
          Stewards review the data classification of this domain&apos;s flows; they need no role beyond viewer.
        </p>
        <div className="mt-2 max-h-72 space-y-1 overflow-y-auto rounded-md border border-slate-200 p-2">
          {active.map((u) => (
            <label
              key={u.id}
              className="flex cursor-pointer items-center gap-2 rounded px-1 py-1 text-sm hover:bg-slate-50"
            >
              <input type="checkbox" value={u.email} {...register("stewardEmails")} />
              <span className="text-slate-800">{u.name}</span>
              <span className="text-xs text-slate-500">{u.email}</span>
              <span className="ml-auto text-xs text-slate-400">{u.memberships.map((m) => m.team.name).join(", ")}</span>
            </label>
          ))}
          {users.isLoading && <p className="text-sm text-slate-500">Loading people…</p>}
        </div>
        {formState.errors.stewardEmails && (
          <p className="mt-1 text-xs text-red-700">{formState.errors.stewardEmails.message}</p>
        )}
      </fieldset>
    </Sheet>
  );
}

const standardsForm = domainPolicyInput.required();
type Standards = z.infer<typeof standardsForm>;

function StandardsSheet({
  domainKey,
  standards,
  onClose,
}: {
  domainKey: string;
  standards: Standards;
  onClose: () => void;
}) {
  const { save, serverError, setServerError } = useSave(onClose);
  const { register, handleSubmit, formState } = useForm<Standards>({
    resolver: zodResolver(standardsForm),
    defaultValues: standards,
  });
  const errors = formState.errors;
  const submit = handleSubmit((policy) => {
    setServerError(null);
    save.mutate({ key: domainKey, policy });
  });
  return (
    <Sheet
      title="Workspace standards"
      subtitle="Apply to new SLOs and new deprecations; existing ones keep their settings."
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      submit={{ label: "Save standards", pendingLabel: "Saving…", pending: save.isPending }}
    >
      <FormError message={serverError} />
      <Field
        label="Deprecation notice (days)"
        error={errors.deprecationNoticeDays?.message}
        hint="A deprecated version's sunset date must be at least this far out."
      >
        {(a) => (
          <input
            {...a}
            type="number"
            className={`${inputCls} max-w-40`}
            {...register("deprecationNoticeDays", { valueAsNumber: true })}
          />
        )}
      </Field>
      <Field label="Default SLO window (days)" error={errors.sloWindowDays?.message}>
        {(a) => (
          <input
            {...a}
            type="number"
            className={`${inputCls} max-w-40`}
            {...register("sloWindowDays", { valueAsNumber: true })}
          />
        )}
      </Field>
      <Field label="Default minimum runs before alerting" error={errors.minEvents?.message}>
        {(a) => (
          <input
            {...a}
            type="number"
            className={`${inputCls} max-w-40`}
            {...register("minEvents", { valueAsNumber: true })}
          />
        )}
      </Field>
    </Sheet>
  );
}
