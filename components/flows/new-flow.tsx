"use client";
// "New flow": a blank flow (just a manual trigger) or a copy of an example from the reference journey.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { DOMAINS } from "@/core/flow-constants";

const slug = (s: string) =>
  s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/^[^a-z]+/, "")
    .slice(0, 64);

export function NewFlowButton() {
  const [open, setOpen] = useState(false);
  const me = useQuery(useTRPC().session.me.queryOptions());
  const canCreate = me.data?.roles.some((r) => r === "designer" || r === "admin");
  if (!canCreate) return null;
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} className="rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-700">
        + New flow
      </button>
      {open && <NewFlowDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function NewFlowDialog({ onClose }: { onClose(): void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useQuery(trpc.session.me.queryOptions());
  const teams = useQuery(trpc.admin.teams.queryOptions());
  const examples = useQuery(trpc.flows.examples.queryOptions());
  const [name, setName] = useState("");
  const [key, setKey] = useState("");
  const [keyTouched, setKeyTouched] = useState(false);
  const [domain, setDomain] = useState<(typeof DOMAINS)[number]>("invoice");
  const [owner, setOwner] = useState("");
  const [example, setExample] = useState("");
  const create = useMutation(trpc.flows.create.mutationOptions({ onSuccess: (r) => router.push(`/flows/${r.key}`) }));
  useEffect(() => {
    if (!owner && (me.data?.teams[0] || teams.data?.[0])) setOwner(me.data?.teams[0]?.key ?? teams.data![0]!.key);
  }, [me.data, teams.data, owner]);
  useEffect(() => {
    if (!keyTouched) setKey(slug(name));
  }, [name, keyTouched]);
  const ex = examples.data?.find((e) => e.key === example);
  return (
    <div className="fixed inset-0 z-50 grid place-items-center bg-slate-900/30" role="dialog" aria-label="New flow" onMouseDown={onClose}>
      <form
        className="w-[520px] space-y-4 rounded-xl bg-white p-6 shadow-2xl"
        onMouseDown={(e) => e.stopPropagation()}
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ key, name, domain, ownerTeamKey: owner, ...(example ? { example } : {}) });
        }}
      >
        <h2 className="text-base font-semibold text-slate-900">New flow</h2>
        <fieldset className="grid grid-cols-2 gap-2">
          <legend className="mb-1 text-xs font-medium text-slate-700">Start from</legend>
          <label className={`cursor-pointer rounded-lg border p-3 text-sm ${example === "" ? "border-brand-500 bg-brand-50" : "border-slate-200"}`}>
            <input type="radio" name="start" className="sr-only" checked={example === ""} onChange={() => setExample("")} />
            <span className="block font-medium">Blank canvas</span>
            <span className="block text-xs text-slate-500">Just a trigger</span>
          </label>
          <label className={`cursor-pointer rounded-lg border p-3 text-sm ${example !== "" ? "border-brand-500 bg-brand-50" : "border-slate-200"}`}>
            <input type="radio" name="start" className="sr-only" checked={example !== ""} onChange={() => setExample(examples.data?.[0]?.key ?? "")} />
            <span className="block font-medium">An example</span>
            <span className="block text-xs text-slate-500">From the reference journey</span>
          </label>
        </fieldset>
        {example !== "" && (
          <label className="block text-xs font-medium text-slate-700">
            Example
            <select
              className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2 text-sm"
              value={example}
              onChange={(e) => {
                setExample(e.target.value);
                const x = examples.data?.find((v) => v.key === e.target.value);
                if (x && !name) setName(x.name);
                if (x) setDomain(x.domain as (typeof DOMAINS)[number]);
              }}
            >
              {examples.data?.map((x) => (
                <option key={x.key} value={x.key}>
                  {x.name} ({x.steps} steps)
                </option>
              ))}
            </select>
            {ex && <span className="mt-1 block text-[11px] font-normal text-slate-500">{ex.description}</span>}
          </label>
        )}
        <label className="block text-xs font-medium text-slate-700">
          Name
          <input required autoFocus className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm" value={name} onChange={(e) => setName(e.target.value)} placeholder="Won deal → NetSuite customer" />
        </label>
        <label className="block text-xs font-medium text-slate-700">
          Key
          <input
            required
            pattern="[a-z][a-z0-9]*([\-.][a-z0-9]+)*"
            title='Lower-case words joined by "-" or "."'
            className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 font-mono text-sm"
            value={key}
            onChange={(e) => {
              setKeyTouched(true);
              setKey(e.target.value);
            }}
          />
          <span className="mt-1 block text-[11px] font-normal text-slate-500">Stable identifier used by URLs, runs and subflows; it never changes.</span>
        </label>
        <div className="grid grid-cols-2 gap-3">
          <label className="block text-xs font-medium text-slate-700">
            Domain
            <select className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2 text-sm" value={domain} onChange={(e) => setDomain(e.target.value as (typeof DOMAINS)[number])}>
              {DOMAINS.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
          <label className="block text-xs font-medium text-slate-700">
            Owner team
            <select className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2 text-sm" value={owner} onChange={(e) => setOwner(e.target.value)}>
              {teams.data?.map((t) => (
                <option key={t.key} value={t.key}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        {create.error && (
          <p role="alert" className="text-sm text-red-700">
            {create.error.message}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={create.isPending || !owner} className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50">
            {create.isPending ? "Creating…" : "Create and open"}
          </button>
        </div>
      </form>
    </div>
  );
}
