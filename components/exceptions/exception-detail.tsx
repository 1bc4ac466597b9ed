"use client";
// One exception, in business terms first, then the technical error, request/response excerpts, the step
// trace, related exceptions for the same business keys and the history of actions (audit log). Operators
// act here: retry, edit the input and replay (schema-checked, with a diff), replay on the latest version,
// skip the step with an output, resolve with a reason, assign, comment. Viewers see everything they may.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { BusinessKeys, ERROR_CLASS_TONE, JsonBlock, RunStatus, formatTime, timeAgo } from "@/components/runs/format";
import { formatMoney } from "@/core/exceptions/business";
import type { ExceptionDetail as Detail } from "@/server/exceptions/detail";
import type { ReplayPlan } from "@/server/runtime/replay-plan";
import { JsonEditor, checkJson } from "./json-editor";
import { useDebounced } from "@/components/ui/use-debounced";

const ACTION_LABEL: Record<string, string> = {
  "exception.retry": "Retried",
  "exception.replay": "Replayed with an edited input",
  "exception.replay_latest": "Replayed on the latest version",
  "exception.skip_step": "Skipped the step",
  "exception.resolve": "Resolved",
  "exception.auto_resolve": "Resolved automatically",
  "exception.resync": "Started a re-sync of the record",
  "exception.assign": "Assigned",
  "exception.comment": "Commented",
  "exception.payload_view": "Viewed the sensitive payloads",
  "run.start": "Started the run",
  "run.cancel": "Cancelled the run",
  "run.payload_view": "Viewed the run's sensitive payloads",
};

export function ExceptionDetailView({ id, roles }: { id: string; roles: readonly string[] }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canOperate = roles.includes("operator") || roles.includes("admin");
  const [revealed, setRevealed] = useState<Detail | null>(null);
  const q = useQuery(
    trpc.exceptions.detail.queryOptions(
      { id },
      { refetchInterval: (s) => (s.state.data?.status === "retrying" ? 1500 : 10_000) },
    ),
  );
  const reveal = useMutation(trpc.exceptions.reveal.mutationOptions({ onSuccess: setRevealed }));
  if (q.isLoading) return <p className="p-8 text-sm text-slate-500">Loading exception…</p>;
  if (q.error || !q.data)
    return (
      <p role="alert" className="p-8 text-sm text-red-700">
        {q.error?.message ?? "Exception not found."}
      </p>
    );
  const d =
    revealed && revealed.status === q.data.status ? { ...q.data, ...revealed, history: q.data.history } : q.data;
  const refresh = () => {
    setRevealed(null);
    void qc.invalidateQueries({ queryKey: trpc.exceptions.pathKey() });
  };

  return (
    <section className="grid gap-6 p-8 xl:grid-cols-[1fr_26rem]">
      <div className="min-w-0 space-y-6">
        <div
          className={clsx(
            "rounded-lg border p-5",
            d.ageing ? "border-amber-300 bg-amber-50" : "border-slate-200 bg-white",
          )}
        >
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={d.status === "open" ? "red" : d.status === "resolved" ? "green" : "blue"}>{d.status}</Badge>
            <Badge tone={ERROR_CLASS_TONE[d.errorClass] ?? "gray"}>{d.errorClass}</Badge>
            {d.ageing && <Badge tone="amber">ageing — open longer than {d.ageingHours} h</Badge>}
            <span className="text-sm text-slate-500">
              opened {timeAgo(d.createdAt)} · {formatTime(d.createdAt)}
            </span>
          </div>
          <p className="mt-3 text-lg font-semibold leading-snug text-slate-900" data-testid="business-sentence">
            {d.sentence}
          </p>
          <div className="mt-3 flex flex-wrap gap-x-6 gap-y-2 text-sm text-slate-600">
            <span>
              Flow{" "}
              <Link href={`/catalog/${encodeURIComponent(d.flow.key)}`} className="text-brand-700 hover:underline">
                {d.flow.name}
              </Link>{" "}
              · v{d.run.version}
            </span>
            <span>Domain {d.flow.domain}</span>
            <span>
              Team {d.team?.name ?? d.flow.ownerTeam.name}
              {d.assignee && (
                <>
                  {" "}
                  · assigned to <strong className="font-medium text-slate-800">{d.assignee.name}</strong>
                </>
              )}
            </span>
            {(d.impactAmount || d.impactHours) && (
              <span className="font-medium text-slate-800">
                Holds up{" "}
                {[
                  d.impactAmount ? formatMoney(d.impactAmount, "USD") : null,
                  d.impactHours ? `${d.impactHours} h` : null,
                ]
                  .filter(Boolean)
                  .join(" and ")}
              </span>
            )}
          </div>
          <div className="mt-3">
            <BusinessKeys keys={d.businessKeys} />
          </div>
          {typeof d.businessKeys?.reconciliation === "string" && (
            <Link
              href={`/reconciliation/${encodeURIComponent(d.flow.key)}/${encodeURIComponent(d.businessKeys.reconciliation)}/breaks/${d.id}`}
              className="mt-3 inline-block text-sm text-brand-700 hover:underline"
            >
              A reconciliation break: see both records and re-sync →
            </Link>
          )}
          {d.itemOf && (
            <p className="mt-3 rounded-md bg-slate-50 p-2 text-sm text-slate-700" data-testid="item-of">
              One item of a batch: step <span className="font-mono text-xs">{d.itemOf}</span>{" "}
              {d.run.status === "failed"
                ? "failed it, and more items than it tolerates, so the run failed too (its own exception names them)."
                : "tolerates failed items, so the run went on without this one."}{" "}
              Replay the run to process it again (the items that succeeded are reused, not repeated); a later run that
              processes it resolves this exception.
            </p>
          )}
          {d.resolution && (
            <p className="mt-3 rounded-md bg-emerald-50 p-2 text-sm text-emerald-800" data-testid="resolution">
              {d.resolution}
            </p>
          )}
        </div>

        <Card title="Technical error">
          <dl className="grid grid-cols-[8rem_1fr] gap-x-4 gap-y-1.5 text-sm">
            <dt className="text-slate-500">Message</dt>
            <dd className="font-mono text-xs text-slate-800">{d.message}</dd>
            <dt className="text-slate-500">Step</dt>
            <dd>
              {d.step ? (
                <>
                  {d.step.name ?? d.step.id}{" "}
                  <span className="font-mono text-xs text-slate-500">
                    ({d.stepPath}
                    {d.step.connector && ` · ${d.step.system ?? d.step.connector}.${d.step.operation}`})
                  </span>
                </>
              ) : (
                "the run itself"
              )}
            </dd>
            <dt className="text-slate-500">Run</dt>
            <dd>
              <Link href={`/runs/${d.run.id}`} className="font-mono text-xs text-brand-700 hover:underline">
                {d.run.id}
              </Link>{" "}
              <RunStatus status={d.run.status} /> · {d.run.triggerType}
            </dd>
            <dt className="text-slate-500">Signature</dt>
            <dd className="font-mono text-xs text-slate-500">
              <Link className="hover:underline" href={`/exceptions?signature=${d.signature}&view=list&status=all`}>
                {d.signature}
              </Link>
            </dd>
            {d.failingStep && d.failingStep.attempts > 1 && (
              <>
                <dt className="text-slate-500">Attempts</dt>
                <dd>{d.failingStep.attempts}</dd>
              </>
            )}
          </dl>
          {d.needsReveal && !d.revealed && (
            <p className="mt-3 flex flex-wrap items-center gap-2 text-sm text-slate-600">
              <Badge tone={d.classification === "restricted" ? "red" : "amber"}>{d.classification}</Badge> payloads are
              masked.
              {canOperate ? (
                <button
                  type="button"
                  className="rounded-md border border-slate-300 px-2.5 py-1 text-sm hover:bg-slate-50"
                  onClick={() => reveal.mutate({ id })}
                >
                  Reveal (audited)
                </button>
              ) : (
                <span className="text-xs">Operators can reveal them; each view is audited.</span>
              )}
            </p>
          )}
          <div className="mt-4 grid gap-4 lg:grid-cols-2">
            <JsonBlock label="Request" value={d.request} empty="No request recorded." />
            <JsonBlock label="Response" value={d.response} empty="No response recorded." />
          </div>
          {d.failingStep && (
            <div className="mt-4 grid gap-4 lg:grid-cols-2">
              <JsonBlock label="Step input" value={d.failingStep.input} />
              <JsonBlock label="Run input" value={d.run.input} />
            </div>
          )}
        </Card>

        <Card title="Step trace">
          <ol className="space-y-1 text-sm" aria-label="Step trace">
            {d.steps
              .filter((s) => !s.archived)
              .map((s) => (
                <li
                  key={s.path}
                  className={clsx("flex items-center gap-3 rounded px-2 py-1", s.path === d.stepPath && "bg-red-50")}
                >
                  <span
                    className={clsx(
                      "h-2 w-2 shrink-0 rounded-full",
                      s.status === "succeeded"
                        ? "bg-emerald-500"
                        : s.status === "failed"
                          ? "bg-red-500"
                          : "bg-slate-400",
                    )}
                  />
                  <span className="font-mono text-xs text-slate-700">{s.path}</span>
                  <span className="text-xs text-slate-500">
                    {s.status}
                    {s.attempts > 1 ? ` after ${s.attempts} attempts` : ""}
                  </span>
                  {s.error && (
                    <span className="truncate text-xs text-red-700">{(s.error as { message?: string }).message}</span>
                  )}
                </li>
              ))}
            {d.steps.some((s) => s.archived) && (
              <li className="px-2 text-xs text-slate-500">
                {d.steps.filter((s) => s.archived).length} earlier attempts on the{" "}
                <Link href={`/runs/${d.run.id}`} className="text-brand-700 hover:underline">
                  run page
                </Link>
                .
              </li>
            )}
          </ol>
          {d.replays.length > 0 && (
            <p className="mt-3 text-sm text-slate-600">
              Replays:{" "}
              {d.replays.map((r) => (
                <Link key={r.id} href={`/runs/${r.id}`} className="mr-2 text-brand-700 hover:underline">
                  {r.id.slice(0, 8)} ({r.status}
                  {r.version ? `, v${r.version}` : ""})
                </Link>
              ))}
            </p>
          )}
          {d.replays.some((r) => r.status === "succeeded" && r.emptyBusinessKeys) && (
            <p role="note" className="mt-2 rounded-md bg-amber-50 p-2 text-sm text-amber-900">
              A replay succeeded but its business keys came out empty, so it did not process the record this exception
              is about; the exception stays open.
            </p>
          )}
        </Card>

        <Card title={`Related exceptions for the same business keys (${d.related.length})`}>
          {d.related.length === 0 ? (
            <p className="text-sm text-slate-500">None.</p>
          ) : (
            <ul className="divide-y divide-slate-100 text-sm">
              {d.related.map((r) => (
                <li key={r.id} className="flex flex-wrap items-center gap-2 py-1.5">
                  <Badge tone={r.status === "open" ? "red" : r.status === "resolved" ? "green" : "blue"}>
                    {r.status}
                  </Badge>
                  <Link href={`/exceptions/${r.id}`} className="text-brand-700 hover:underline">
                    {r.flowName}
                  </Link>
                  <span className="truncate text-slate-600">{r.message}</span>
                  <span className="ml-auto text-xs text-slate-400">{timeAgo(r.createdAt)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="History">
          <ol className="space-y-2 text-sm" aria-label="History">
            {d.history.map((h) => (
              <li key={h.seq} className="flex gap-3">
                <span className="w-32 shrink-0 text-xs text-slate-400">{formatTime(h.at)}</span>
                <span>
                  <strong className="font-medium text-slate-800">{h.actor}</strong>{" "}
                  {(ACTION_LABEL[h.action] ?? h.action).toLowerCase()}
                  <HistoryDetail action={h.action} before={h.before} after={h.after} meta={h.meta} />
                </span>
              </li>
            ))}
            {d.history.length === 0 && <li className="text-slate-500">No actions yet.</li>}
          </ol>
        </Card>
      </div>

      <aside className="space-y-4">
        {canOperate ? (
          <Actions d={d} onDone={refresh} blocked={d.access.canAct ? null : d.access.reason} />
        ) : (
          <div className="rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-600" role="note">
            Your role can view this exception but not act on it. Operators retry, replay, skip, resolve and assign.
          </div>
        )}
      </aside>
    </section>
  );
}

function Card({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-5">
      <h2 className="mb-3 text-sm font-semibold text-slate-900">{title}</h2>
      {children}
    </div>
  );
}

function HistoryDetail({
  action,
  before,
  after,
  meta,
}: {
  action: string;
  before: unknown;
  after: unknown;
  meta?: unknown;
}) {
  const a = (after ?? {}) as Record<string, unknown>;
  const b = (before ?? {}) as Record<string, unknown>;
  const m = (meta ?? {}) as { reusedSteps?: string[]; stepsRunAgain?: string[] };
  if (action === "exception.comment")
    return <span className="mt-0.5 block rounded bg-slate-50 p-2 text-slate-700">“{String(a.comment ?? "")}”</span>;
  if (action === "exception.resolve" || action === "exception.auto_resolve")
    return <span className="block text-slate-600">{String(a.resolution ?? "")}</span>;
  if (action === "exception.skip_step")
    return <span className="block font-mono text-xs text-slate-600">output {JSON.stringify(a.output)}</span>;
  const parts: string[] = [];
  if (b.status !== undefined || a.status !== undefined)
    parts.push(`status ${String(b.status ?? "—")} → ${String(a.status ?? "—")}`);
  if (a.runId) parts.push(`run ${String(a.runId).slice(0, 8)}`);
  if (a.version) parts.push(`v${String(a.version)}`);
  if ("assigneeId" in a || "assigneeTeamId" in a) parts.push("assignee changed");
  // What the operator confirmed for a replay: the steps it reused from the original run and those it ran again.
  if (m.reusedSteps?.length) parts.push(`reused ${m.reusedSteps.join(", ")}`);
  if (m.stepsRunAgain?.length) parts.push(`ran again ${m.stepsRunAgain.join(", ")}`);
  return parts.length ? <span className="block text-xs text-slate-500">{parts.join(" · ")}</span> : null;
}

type Panel = "replay" | "replay-latest" | "skip" | "resolve" | "assign" | null;

/** `blocked`: why this operator may not act here (another team's exception) — every action shows disabled with it. */
function Actions({ d, onDone, blocked }: { d: Detail; onDone: () => void; blocked: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [panel, setPanel] = useState<Panel>(null);
  const [message, setMessage] = useState<string | null>(null);
  const done = (msg: string) => {
    setMessage(msg);
    setPanel(null);
    onDone();
  };
  const retry = useMutation(
    trpc.exceptions.retry.mutationOptions({
      onSuccess: (r) => done(`Retrying run ${r.runId.slice(0, 8)} from the failed step.`),
    }),
  );
  const comment = useMutation(
    trpc.exceptions.comment.mutationOptions({
      onSuccess: () => {
        setCommentText("");
        onDone();
      },
    }),
  );
  const [commentText, setCommentText] = useState("");
  const open = d.status === "open" && !blocked;
  const err = retry.error ?? comment.error;

  return (
    <div className="space-y-4">
      <div className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="text-sm font-semibold text-slate-900">Actions</h2>
        {blocked ? (
          <p
            role="note"
            data-testid="actions-blocked"
            className="mt-1 rounded-md bg-amber-50 p-2 text-sm text-amber-900"
          >
            {blocked}
          </p>
        ) : (
          !open && (
            <p className="mt-1 text-sm text-slate-500">
              This exception is {d.status}; actions apply to open exceptions.
            </p>
          )
        )}
        <div className="mt-3 grid grid-cols-2 gap-2">
          <ActionButton
            disabled={!open || retry.isPending || !!d.itemOf}
            onClick={() => retry.mutate({ id: d.id })}
            primary
            title={d.itemOf ? "The run went on without this item: replay it instead" : undefined}
          >
            Retry
          </ActionButton>
          <ActionButton
            disabled={!open}
            onClick={() => setPanel(panel === "replay" ? null : "replay")}
            active={panel === "replay"}
          >
            Edit &amp; replay
          </ActionButton>
          {/* The same dialog as Edit & replay, on the latest version: the plan is shown before the operator confirms. */}
          <ActionButton
            disabled={!open || !d.latestVersion}
            onClick={() => setPanel(panel === "replay-latest" ? null : "replay-latest")}
            active={panel === "replay-latest"}
            title={d.latestVersion ? `Replay on v${d.latestVersion}` : "No published version"}
          >
            Replay on v{d.latestVersion ?? "—"}
          </ActionButton>
          <ActionButton
            disabled={!open || !d.stepPath || !!d.itemOf}
            onClick={() => setPanel(panel === "skip" ? null : "skip")}
            active={panel === "skip"}
          >
            Skip step
          </ActionButton>
          <ActionButton
            disabled={d.status === "resolved" || !!blocked}
            onClick={() => setPanel(panel === "resolve" ? null : "resolve")}
            active={panel === "resolve"}
          >
            Resolve
          </ActionButton>
          <ActionButton
            disabled={!!blocked}
            onClick={() => setPanel(panel === "assign" ? null : "assign")}
            active={panel === "assign"}
          >
            Assign
          </ActionButton>
        </div>
        {message && (
          <p role="status" className="mt-3 rounded-md bg-emerald-50 p-2 text-sm text-emerald-800">
            {message}
          </p>
        )}
        {err && (
          <p role="alert" className="mt-3 text-sm text-red-700">
            {err.message}
          </p>
        )}
      </div>
      {(panel === "replay" || panel === "replay-latest") && (
        <ReplayPanel
          key={panel}
          d={d}
          initialLatest={panel === "replay-latest"}
          onDone={(runId) => {
            done(`Replay started as run ${runId.slice(0, 8)}.`);
            router.refresh();
          }}
        />
      )}
      {panel === "skip" && <SkipPanel d={d} onDone={() => done("Step skipped; the run continues after it.")} />}
      {panel === "resolve" && <ResolvePanel d={d} onDone={() => done("Resolved.")} />}
      {panel === "assign" && <AssignPanel d={d} onDone={() => done("Assigned.")} />}
      <div className="rounded-lg border border-slate-200 bg-white p-4">
        <label className="block text-xs font-medium text-slate-600">
          Comment
          <textarea
            className="mt-1 block w-full rounded-md border border-slate-300 p-2 text-sm"
            rows={3}
            value={commentText}
            onChange={(e) => setCommentText(e.target.value)}
            placeholder="What you found, who you asked…"
          />
        </label>
        <button
          type="button"
          className="mt-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 disabled:opacity-50"
          disabled={!commentText.trim() || comment.isPending || !!blocked}
          onClick={() => comment.mutate({ id: d.id, text: commentText })}
        >
          Add comment
        </button>
      </div>
    </div>
  );
}

function ActionButton({
  children,
  onClick,
  disabled,
  primary,
  active,
  title,
}: {
  children: React.ReactNode;
  onClick: () => void;
  disabled?: boolean;
  primary?: boolean;
  active?: boolean;
  title?: string;
}) {
  return (
    <button
      type="button"
      title={title}
      disabled={disabled}
      onClick={onClick}
      className={clsx(
        "rounded-md px-3 py-2 text-sm font-medium disabled:cursor-not-allowed disabled:opacity-40",
        primary
          ? "bg-brand-600 text-white hover:bg-brand-700"
          : active
            ? "border border-brand-600 bg-brand-50 text-brand-700"
            : "border border-slate-300 text-slate-700 hover:bg-slate-50",
      )}
    >
      {children}
    </button>
  );
}

function ReplayPanel({
  d,
  onDone,
  initialLatest = false,
}: {
  d: Detail;
  onDone: (runId: string) => void;
  initialLatest?: boolean;
}) {
  const trpc = useTRPC();
  const original = d.editableInput;
  const [text, setText] = useState(() => JSON.stringify(original ?? {}, null, 2));
  const [latest, setLatest] = useState(initialLatest);
  const replay = useMutation(trpc.exceptions.replay.mutationOptions({ onSuccess: (r) => onDone(r.runId) }));
  const checked = checkJson(text, original ?? {}, d.inputSchema.schema);
  // The plan follows the edit once typing pauses: which steps the replay reuses and which run again.
  const planned = useDebounced(checked.ok ? JSON.stringify(checked.value) : null, 400);
  const plan = useQuery(
    trpc.exceptions.replayPlan.queryOptions(
      { id: d.id, input: planned === null ? undefined : (JSON.parse(planned) as unknown), latest },
      { enabled: planned !== null && original !== null },
    ),
  );
  if (original === null) {
    return (
      <div className="rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
        This flow&apos;s input is {d.classification}: reveal the payloads (audited) to edit and replay it.
      </div>
    );
  }
  const current = checked.ok && planned === JSON.stringify(checked.value) && plan.data ? plan.data : null;
  return (
    <div className="space-y-3 rounded-lg border border-brand-100 bg-white p-4" aria-label="Edit and replay">
      <JsonEditor
        label="Run input"
        text={text}
        onChange={setText}
        checked={checked}
        schemaSource={d.inputSchema.source}
      />
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input type="checkbox" checked={latest} onChange={(e) => setLatest(e.target.checked)} /> on the latest published
        version (v{d.latestVersion ?? "—"}) instead of v{d.run.version}
      </label>
      {checked.ok && <ReplayPlanView plan={current} error={plan.error?.message ?? null} />}
      <button
        type="button"
        className="rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50"
        disabled={!checked.ok || !current || replay.isPending}
        onClick={() => checked.ok && replay.mutate({ id: d.id, input: checked.value, latest })}
      >
        Replay with this input
      </button>
      {replay.error && (
        <p role="alert" className="text-sm text-red-700">
          {replay.error.message}
        </p>
      )}
    </div>
  );
}

const PLAN_LABEL = { reused: "reused — not called again", runs: "runs again", later: "runs if reached" } as const;
const PLAN_TONE = { reused: "green", runs: "amber", later: "gray" } as const;

/** What the replay will do at each step that acts on another system, before the operator confirms. */
function ReplayPlanView({ plan, error }: { plan: (ReplayPlan & { version: string }) | null; error: string | null }) {
  if (error)
    return (
      <p role="alert" className="text-sm text-red-700">
        {error}
      </p>
    );
  if (!plan) return <p className="text-xs text-slate-500">Working out which steps run again…</p>;
  const again = plan.steps.filter((s) => s.plan !== "reused").length;
  return (
    <div className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm" aria-label="Replay plan">
      <p className="font-medium text-slate-800">
        On v{plan.version}: {plan.steps.length - again} step{plan.steps.length - again === 1 ? "" : "s"} reused from the
        original run, {again} run{again === 1 ? "s" : ""} again
      </p>
      <p className="mt-0.5 text-xs text-slate-500">
        A step that already succeeded with the same input keeps its result and is not sent to the other system again.
      </p>
      <ul className="mt-2 space-y-1">
        {plan.steps.map((s) => (
          <li key={s.path} className="flex flex-wrap items-center gap-2" data-testid="replay-plan-step">
            <Badge tone={PLAN_TONE[s.plan]}>{PLAN_LABEL[s.plan]}</Badge>
            <span className="text-slate-800">{s.name ?? s.stepId}</span>
            <span className="font-mono text-xs text-slate-500">{s.path}</span>
            <span className="text-xs text-slate-500">{s.reason}</span>
          </li>
        ))}
      </ul>
      {plan.failure && (
        <p role="alert" className="mt-2 text-sm text-red-700">
          With this input the replay fails at {plan.failure.path} before anything is sent: {plan.failure.message}
        </p>
      )}
      {plan.emptyBusinessKeys && (
        <p role="alert" className="mt-2 text-sm text-amber-800">
          Its business keys come out empty with this input: the replay will not close this exception.
        </p>
      )}
    </div>
  );
}

function SkipPanel({ d, onDone }: { d: Detail; onDone: () => void }) {
  const trpc = useTRPC();
  const [text, setText] = useState("{\n  \n}");
  const skip = useMutation(trpc.exceptions.skip.mutationOptions({ onSuccess: onDone }));
  const checked = checkJson(text, {}, null);
  return (
    <div className="space-y-3 rounded-lg border border-brand-100 bg-white p-4" aria-label="Skip the step">
      <p className="text-sm text-slate-600">
        The step <span className="font-mono text-xs">{d.stepPath}</span> is recorded as skipped with this output and the
        run continues after it.
      </p>
      <JsonEditor label="Step output" text={text} onChange={setText} checked={checked} />
      <button
        type="button"
        className="rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white disabled:opacity-50"
        disabled={!checked.ok || skip.isPending}
        onClick={() => checked.ok && skip.mutate({ id: d.id, output: checked.value })}
      >
        Skip with this output
      </button>
      {skip.error && (
        <p role="alert" className="text-sm text-red-700">
          {skip.error.message}
        </p>
      )}
    </div>
  );
}

function ResolvePanel({ d, onDone }: { d: Detail; onDone: () => void }) {
  const trpc = useTRPC();
  const [reason, setReason] = useState("");
  const resolve = useMutation(trpc.exceptions.resolve.mutationOptions({ onSuccess: onDone }));
  return (
    <div className="space-y-2 rounded-lg border border-brand-100 bg-white p-4">
      <label className="block text-xs font-medium text-slate-600">
        Reason
        <input
          className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          placeholder="e.g. invoiced by hand in NetSuite"
        />
      </label>
      <button
        type="button"
        className="rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white disabled:opacity-50"
        disabled={reason.trim().length < 3 || resolve.isPending}
        onClick={() => resolve.mutate({ ids: [d.id], reason })}
      >
        Resolve
      </button>
      {resolve.error && (
        <p role="alert" className="text-sm text-red-700">
          {resolve.error.message}
        </p>
      )}
    </div>
  );
}

function AssignPanel({ d, onDone }: { d: Detail; onDone: () => void }) {
  const trpc = useTRPC();
  const people = useQuery(trpc.exceptions.people.queryOptions());
  const [user, setUser] = useState(d.assignee?.id ?? "");
  const [team, setTeam] = useState(d.team?.id ?? "");
  const assign = useMutation(trpc.exceptions.assign.mutationOptions({ onSuccess: onDone }));
  return (
    <div className="space-y-2 rounded-lg border border-brand-100 bg-white p-4">
      <label className="block text-xs font-medium text-slate-600">
        Person
        <select
          className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
          value={user}
          onChange={(e) => setUser(e.target.value)}
        >
          <option value="">Nobody</option>
          {(people.data?.users ?? []).map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
      </label>
      <label className="block text-xs font-medium text-slate-600">
        Team
        <select
          className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
          value={team}
          onChange={(e) => setTeam(e.target.value)}
        >
          <option value="">No team</option>
          {(people.data?.teams ?? []).map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white disabled:opacity-50"
        disabled={assign.isPending}
        onClick={() => assign.mutate({ ids: [d.id], userId: user || null, teamId: team || null })}
      >
        Assign
      </button>
      {assign.error && (
        <p role="alert" className="text-sm text-red-700">
          {assign.error.message}
        </p>
      )}
    </div>
  );
}
