"use client";
// "New flow": a blank flow (just a manual trigger), a copy of an example from the reference journey, or an
// import of an n8n workflow / Step Functions state machine (converted in the browser for the report shown
// here; the server converts the same file again when it creates the flow).
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { convert, ConvertError, type ConvertResult, type ConvertSource } from "@/core/convert";
import { DOMAINS } from "@/core/flow-constants";

type Start = "blank" | "example" | "import";
const STATUS_MARK = { converted: "✓", approximated: "≈", placeholder: "!", skipped: "–" } as const;

function preview(from: ConvertSource, text: string): { result?: ConvertResult; error?: string } {
  if (!text.trim()) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: `Not JSON: ${(e as Error).message}` };
  }
  try {
    return { result: convert(from, doc) };
  } catch (e) {
    if (e instanceof ConvertError) return { error: e.message };
    throw e;
  }
}

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
      <button
        type="button"
        onClick={() => setOpen(true)}
        className="rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-700"
      >
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
  const [start, setStart] = useState<Start>("blank");
  const [from, setFrom] = useState<ConvertSource>("n8n");
  const [source, setSource] = useState("");
  const converted = useMemo(() => (start === "import" ? preview(from, source) : {}), [start, from, source]);
  // "An example" chosen before the examples arrived: pick the first once they do.
  useEffect(() => {
    if (start === "example" && !example && examples.data?.[0]) setExample(examples.data[0].key);
  }, [start, example, examples.data]);
  useEffect(() => {
    if (converted.result && !name) setName(converted.result.report.name.slice(0, 200));
  }, [converted.result, name]);
  const create = useMutation(trpc.flows.create.mutationOptions({ onSuccess: (r) => router.push(`/flows/${r.key}`) }));
  useEffect(() => {
    if (!owner && (me.data?.teams[0] || teams.data?.[0])) setOwner(me.data?.teams[0]?.key ?? teams.data![0]!.key);
  }, [me.data, teams.data, owner]);
  useEffect(() => {
    if (!keyTouched) setKey(slug(name));
  }, [name, keyTouched]);
  const ex = examples.data?.find((e) => e.key === example);
  // A refusal that names a field (a key taken, a team gone) shows under that field; others under the form.
  const errField = create.error?.data?.field ?? null;
  const keyError = errField === "key" ? create.error!.message : null;
  const ownerError = errField === "ownerTeamKey" ? create.error!.message : null;
  const formError = create.error && !keyError && !ownerError ? create.error.message : null;
  return (
    <div
      className="fixed inset-0 z-50 grid place-items-center bg-slate-900/30"
      role="dialog"
      aria-label="New flow"
      onMouseDown={onClose}
    >
      <form
        className="w-[520px] space-y-4 rounded-xl bg-white p-6 shadow-2xl"
        onMouseDown={(e) => e.stopPropagation()}
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            key,
            name,
            domain,
            ownerTeamKey: owner,
            ...(start === "example" && example ? { example } : {}),
            ...(start === "import" ? { import: { from, source } } : {}),
          });
        }}
      >
        <h2 className="text-base font-semibold text-slate-900">New flow</h2>
        <fieldset className="grid grid-cols-3 gap-2">
          <legend className="mb-1 text-xs font-medium text-slate-700">Start from</legend>
          {(
            [
              ["blank", "Blank canvas", "Just a trigger"],
              ["example", "An example", "From the reference journey"],
              ["import", "Import", "n8n or Step Functions"],
            ] as const
          ).map(([value, title, hint]) => (
            <label
              key={value}
              className={`cursor-pointer rounded-lg border p-3 text-sm ${start === value ? "border-brand-500 bg-brand-50" : "border-slate-200"}`}
            >
              <input
                type="radio"
                name="start"
                className="sr-only"
                checked={start === value}
                onChange={() => {
                  setStart(value);
                  setExample(value === "example" ? (examples.data?.[0]?.key ?? "") : "");
                }}
              />
              <span className="block font-medium">{title}</span>
              <span className="block text-xs text-slate-500">{hint}</span>
            </label>
          ))}
        </fieldset>
        {start === "import" && (
          <ImportSource from={from} setFrom={setFrom} source={source} setSource={setSource} converted={converted} />
        )}
        {start === "example" && (
          <label className="block text-xs font-medium text-slate-700">
            Example
            {/* Named "Example" alone; the description below describes it (it was part of the name). */}
            <select
              aria-label="Example"
              aria-describedby={ex ? "new-flow-example-description" : undefined}
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
            {ex && (
              <span id="new-flow-example-description" className="mt-1 block text-[11px] font-normal text-slate-500">
                {ex.description}
              </span>
            )}
          </label>
        )}
        <label className="block text-xs font-medium text-slate-700">
          Name
          <input
            required
            autoFocus
            className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Won deal → NetSuite customer"
          />
        </label>
        <label className="block text-xs font-medium text-slate-700">
          Key
          <input
            required
            pattern="[a-z][a-z0-9]*([\-.][a-z0-9]+)*"
            title='Lower-case words joined by "-" or "."'
            className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 font-mono text-sm"
            value={key}
            aria-invalid={keyError ? true : undefined}
            aria-describedby={keyError ? "new-flow-key-error" : undefined}
            onChange={(e) => {
              setKeyTouched(true);
              setKey(e.target.value);
              if (keyError) create.reset();
            }}
          />
          {keyError ? (
            <span id="new-flow-key-error" role="alert" className="mt-1 block text-xs font-normal text-red-700">
              {keyError}
            </span>
          ) : (
            <span className="mt-1 block text-[11px] font-normal text-slate-500">
              Stable identifier used by URLs, runs and subflows; it never changes.
            </span>
          )}
        </label>
        <div className="grid grid-cols-2 gap-3">
          <label className="block text-xs font-medium text-slate-700">
            Domain
            <select
              className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2 text-sm"
              value={domain}
              onChange={(e) => setDomain(e.target.value as (typeof DOMAINS)[number])}
            >
              {DOMAINS.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
          <label className="block text-xs font-medium text-slate-700">
            Owner team
            <select
              className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2 text-sm"
              value={owner}
              aria-invalid={ownerError ? true : undefined}
              aria-describedby={ownerError ? "new-flow-owner-error" : undefined}
              onChange={(e) => {
                setOwner(e.target.value);
                if (ownerError) create.reset();
              }}
            >
              {teams.data?.map((t) => (
                <option key={t.key} value={t.key}>
                  {t.name}
                </option>
              ))}
            </select>
            {ownerError && (
              <span id="new-flow-owner-error" role="alert" className="mt-1 block text-xs font-normal text-red-700">
                {ownerError}
              </span>
            )}
          </label>
        </div>
        {formError && (
          <p role="alert" className="text-sm text-red-700">
            {formError}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <button
            type="button"
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
            onClick={onClose}
          >
            Cancel
          </button>
          <button
            type="submit"
            disabled={create.isPending || !owner || (start === "import" && !converted.result)}
            className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50"
          >
            {create.isPending ? "Creating…" : "Create and open"}
          </button>
        </div>
      </form>
    </div>
  );
}

function ImportSource(props: {
  from: ConvertSource;
  setFrom(f: ConvertSource): void;
  source: string;
  setSource(s: string): void;
  converted: { result?: ConvertResult; error?: string };
}) {
  const { result, error } = props.converted;
  return (
    <div className="space-y-2">
      <label className="block text-xs font-medium text-slate-700">
        Import from
        <select
          className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2 text-sm"
          value={props.from}
          onChange={(e) => props.setFrom(e.target.value as ConvertSource)}
        >
          <option value="n8n">n8n workflow (exported JSON)</option>
          <option value="asl">AWS Step Functions state machine (ASL JSON)</option>
        </select>
      </label>
      <label className="block text-xs font-medium text-slate-700">
        File
        <input
          type="file"
          accept=".json,application/json"
          className="mt-1 block w-full text-sm"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void f.text().then(props.setSource);
          }}
        />
      </label>
      <label className="block text-xs font-medium text-slate-700">
        …or paste it
        <textarea
          className="mt-1 block h-20 w-full rounded-md border border-slate-300 px-2 py-1 font-mono text-[11px]"
          value={props.source}
          onChange={(e) => props.setSource(e.target.value)}
          spellCheck={false}
        />
      </label>
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
      {result && (
        <section
          aria-label="Conversion report"
          className="max-h-56 overflow-auto rounded-md border border-slate-200 p-2 text-xs"
        >
          <p className="font-medium text-slate-800">
            {result.report.converted} of {result.report.total} converted without a placeholder
            {result.report.entries.some((e) => e.status === "placeholder") && (
              <span className="text-amber-700">
                {" "}
                — fix the placeholders (marked !) in the designer before publishing
              </span>
            )}
          </p>
          <ul className="mt-1 space-y-1">
            {result.report.entries.map((e) => (
              <li key={e.source} title={e.notes.join("\n")}>
                <span
                  className={
                    e.status === "placeholder"
                      ? "text-amber-700"
                      : e.status === "approximated"
                        ? "text-slate-700"
                        : "text-slate-500"
                  }
                >
                  {STATUS_MARK[e.status]} {e.source} → {e.stepId ? <code>{e.stepId}</code> : null}{" "}
                  {e.became ?? e.status}
                </span>
                {e.notes.length > 0 && (
                  <span className="block pl-4 text-[11px] text-slate-500">{e.notes[0]!.split("\n")[0]}</span>
                )}
              </li>
            ))}
          </ul>
          {result.report.connections.length > 0 && (
            <p className="mt-2 text-slate-600">
              Connections to create:{" "}
              {result.report.connections
                .map((c) => `${c.key} (${c.connector}${c.auth ? `, ${c.auth}` : ""})`)
                .join(", ")}
            </p>
          )}
        </section>
      )}
    </div>
  );
}
