"use client";
// A flow's environments on its catalog page (docs/environments.md): which version is live in each environment
// by name, deploy a published version to test, request its promotion to production (with the diff against
// production and the policy checks), approve or reject a pending promotion (four-eyes), roll back. The server
// decides every rule; this shows its answers.
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { formatDiff, type FlowDiff } from "@/core/dsl/diff";

type Roles = ReadonlyArray<string>;

export function EnvironmentsPanel({
  flowKey,
  roles,
  viewer,
}: {
  flowKey: string;
  roles: Roles;
  viewer: { userId: string; isOwnerMember: boolean };
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [version, setVersion] = useState("");
  const [reason, setReason] = useState("");
  const refresh = () => {
    setReason("");
    return qc.invalidateQueries({ queryKey: trpc.environments.pathKey() });
  };
  const run = useMutation(trpc.environments.run.mutationOptions({ onSuccess: refresh }));
  // After "Run in test", poll until the run shows as succeeded in the version list.
  const state = useQuery({
    ...trpc.environments.flow.queryOptions({ flowKey }),
    refetchInterval: run.data ? 3000 : false,
  });
  const deploy = useMutation(trpc.environments.deploy.mutationOptions({ onSuccess: refresh }));
  const request = useMutation(trpc.environments.requestPromotion.mutationOptions({ onSuccess: refresh }));
  const approve = useMutation(trpc.environments.approvePromotion.mutationOptions({ onSuccess: refresh }));
  const reject = useMutation(trpc.environments.rejectPromotion.mutationOptions({ onSuccess: refresh }));
  const rollback = useMutation(trpc.environments.rollback.mutationOptions({ onSuccess: refresh }));
  const error = run.error ?? deploy.error ?? request.error ?? approve.error ?? reject.error ?? rollback.error;
  const isAdmin = roles.includes("admin");
  const canDesign = isAdmin || roles.includes("designer");
  const canApprove = isAdmin || (roles.includes("approver") && viewer.isOwnerMember);

  if (state.error)
    return (
      <p role="alert" className="text-sm text-red-700">
        {state.error.message}
      </p>
    );
  if (!state.data) return <p className="text-sm text-slate-500">Loading environments…</p>;
  const { environments, pending, versions } = state.data;
  const test = environments.find((e) => e.key === "test");
  const chosen = version || test?.version || versions[0]?.version || "";
  const chosenTested = versions.find((v) => v.version === chosen)?.succeededInTest ?? false;

  return (
    <section aria-labelledby="environments-h" className="space-y-2">
      <h2 id="environments-h" className="text-base font-semibold">
        Environments
      </h2>
      <div className="grid gap-3 md:grid-cols-2 xl:grid-cols-3">
        {environments.map((e) => (
          <article
            key={e.key}
            aria-label={`Environment ${e.name}`}
            className="rounded-lg border border-slate-200 bg-white p-4 text-sm"
          >
            <div className="flex items-center justify-between gap-2">
              <h3 className="font-medium">{e.name}</h3>
              {e.version ? (
                <Badge tone={e.key === "production" ? "green" : "blue"}>live: v{e.version}</Badge>
              ) : (
                <Badge>nothing deployed</Badge>
              )}
            </div>
            <p className="mt-1 text-xs text-slate-500">
              {e.deployed
                ? `${e.deployed.kind} ${new Date(e.deployed.at).toLocaleString()}${e.deployed.by ? ` by ${e.deployed.by}` : ""}${
                    e.deployed.previousVersion ? ` · before: v${e.deployed.previousVersion}` : ""
                  }`
                : e.version
                  ? "Runs the newest approved version (this flow was never deployed through environments)."
                  : "—"}
            </p>
            {e.key !== "production" && e.version && canDesign && (
              <div className="mt-2 flex flex-wrap items-center gap-2">
                <button
                  type="button"
                  className="rounded border border-slate-300 px-2 py-1 text-xs"
                  disabled={run.isPending}
                  onClick={() => run.mutate({ flowKey, environment: e.key })}
                >
                  Run v{e.version} in {e.name}
                </button>
                {run.data && run.variables?.environment === e.key && (
                  <Link className="text-xs text-brand-700 hover:underline" href={`/runs/${run.data.runId}`}>
                    Open the run
                  </Link>
                )}
              </div>
            )}
            {e.canRollback && (e.key === "production" ? canApprove : canDesign || canApprove) && (
              <div className="mt-2 flex gap-1">
                <input
                  aria-label={`Reason to roll back ${e.name}`}
                  className="min-w-0 flex-1 rounded border border-slate-300 px-2 py-1 text-xs"
                  placeholder="Why roll back (10+ characters)"
                  value={reason}
                  onChange={(ev) => setReason(ev.target.value)}
                />
                <button
                  type="button"
                  className="rounded border border-slate-300 px-2 py-1 text-xs"
                  onClick={() => rollback.mutate({ flowKey, environment: e.key, reason })}
                >
                  Roll back {e.name} to v{e.deployed?.previousVersion}
                </button>
              </div>
            )}
          </article>
        ))}
      </div>

      {canDesign && versions.length > 0 && (
        <div className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white p-3 text-sm">
          <label className="flex items-center gap-2">
            Version
            <select
              className="rounded border border-slate-300 px-2 py-1"
              value={chosen}
              onChange={(e) => setVersion(e.target.value)}
            >
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                  {v.succeededInTest ? " (succeeded in test)" : ""}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="rounded border border-slate-300 px-2 py-1 text-xs"
            disabled={deploy.isPending || test?.version === chosen}
            onClick={() => deploy.mutate({ flowKey, version: chosen, environment: "test" })}
          >
            Deploy v{chosen} to test
          </button>
          <button
            type="button"
            className="rounded bg-brand-600 px-2 py-1 text-xs text-white disabled:opacity-50"
            disabled={request.isPending || pending.length > 0}
            title={chosenTested ? undefined : "Needs a succeeded run of this version in test"}
            onClick={() => request.mutate({ flowKey, version: chosen })}
          >
            Request promotion of v{chosen} to production
          </button>
          {!chosenTested && (
            <span className="text-xs text-slate-500">
              v{chosen} has no succeeded run in test yet: production never runs a version that did not run in test.
            </span>
          )}
        </div>
      )}

      {pending.map((p) => (
        <article
          key={p.id}
          aria-label={`Promotion of v${p.version}`}
          className="space-y-2 rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm"
        >
          <p>
            <strong>Promotion of v{p.version} to production</strong> requested by {p.requestedBy ?? "someone"} on{" "}
            {new Date(p.createdAt).toLocaleString()}.
          </p>
          <ul className="text-xs">
            {p.policy.checks.map((c) => (
              <li key={c.id}>
                {c.ok ? "✓" : "✗"} {c.label}: {c.detail}
              </li>
            ))}
          </ul>
          <details open>
            <summary className="cursor-pointer text-xs font-medium">Changes against production</summary>
            <pre className="mt-1 max-h-64 overflow-auto rounded bg-white p-2 text-xs whitespace-pre-wrap">
              {"initial" in p.diff ? "Nothing runs in production yet." : formatDiff(p.diff as FlowDiff)}
            </pre>
          </details>
          {canApprove && p.requestedById !== viewer.userId && (
            <div className="flex gap-1">
              <button
                type="button"
                className="rounded bg-emerald-600 px-2 py-1 text-xs text-white"
                onClick={() => approve.mutate({ promotionId: p.id })}
              >
                Approve promotion of v{p.version}
              </button>
              <button
                type="button"
                className="rounded border border-slate-300 px-2 py-1 text-xs"
                onClick={() => reject.mutate({ promotionId: p.id, reason: reason || "Rejected by the reviewer." })}
              >
                Reject
              </button>
            </div>
          )}
          {p.requestedById === viewer.userId && (
            <p className="text-xs text-slate-600">Another approver of the owning team must approve it (four-eyes).</p>
          )}
        </article>
      ))}

      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error.message}
        </p>
      )}
    </section>
  );
}
