"use client";
// The designer's versions panel. Publish: the breaking-change detector proposes the semver bump against
// the newest published version, a changelog is required, and the request goes through governance
// (policy checks, then four-eyes approval by an approver of the owning team) — disabled, with the
// reason, while the draft has errors. History: every version with status, author, approver and
// changelog, a diff with the draft or the previous version, and restore as draft.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import semver from "semver";
import { proposeVersion, type Flow, type VersionProposal } from "@/core/dsl";
import { useTRPC } from "@/components/trpc/client";
import { Badge, VERSION_STATUS_TONE } from "@/components/ui/badge";
import type { VersionsPanelProps } from "./types";
import { useDebounced } from "@/components/ui/use-debounced";

const BUMP_TONE = { major: "red", minor: "amber", patch: "blue", none: "gray" } as const;
const MIN_CHANGELOG = 10; // governance policy: the smallest changelog that says something

const diffHref = (key: string, from: string, to: string) =>
  `/flows/${encodeURIComponent(key)}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

export function VersionsPanel({ flowKey, draft, draftRevision, hasErrors, onRestored }: VersionsPanelProps) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const me = useQuery(trpc.session.me.queryOptions());
  const history = useQuery(trpc.flowVersions.history.queryOptions({ flowKey }));
  const canDesign = !!me.data && (me.data.roles.includes("designer") || me.data.roles.includes("admin"));

  const baseline = history.data?.baseline ?? null;
  const proposal: VersionProposal | null = useMemo(() => {
    if (!baseline) return null;
    try {
      // A draft without a key yet (a new or imported document) is still this flow.
      return proposeVersion(baseline.flow as Flow, { ...draft, key: draft.key || flowKey, version: baseline.version });
    } catch {
      return null; // a malformed baseline: the version is then the author's call
    }
  }, [baseline, draft, flowKey]);
  const proposed = baseline ? (proposal?.version ?? semver.inc(baseline.version, "minor") ?? "") : "1.0.0";

  const [version, setVersion] = useState("");
  const [touchedVersion, setTouchedVersion] = useState(false);
  // The changelog being written survives switching to the inspector and back (the panel unmounts).
  const storeKey = `weft.changelog.${flowKey}`;
  const [changelog, setChangelog] = useState(() =>
    typeof window === "undefined" ? "" : (window.sessionStorage.getItem(storeKey) ?? ""),
  );
  useEffect(() => {
    if (changelog) window.sessionStorage.setItem(storeKey, changelog);
    else window.sessionStorage.removeItem(storeKey);
  }, [changelog, storeKey]);
  const [confirmRestore, setConfirmRestore] = useState<string | null>(null);
  useEffect(() => {
    if (!touchedVersion) setVersion(proposed);
  }, [proposed, touchedVersion]);

  const doc: Flow = useMemo(() => ({ ...draft, key: draft.key || flowKey, version }), [draft, flowKey, version]);
  const pending = history.data?.pending ?? null;
  const nothingChanged = !!baseline && proposal?.required === "none";
  const versionValid = !!semver.valid(version) && (!baseline || semver.gt(version, baseline.version));

  const blocked = hasErrors
    ? "Fix the errors in the Problems panel first: a draft with errors cannot be published."
    : pending
      ? `v${pending.version} is waiting for approval; approve or reject it before publishing another version.`
      : nothingChanged
        ? `Nothing changed since v${baseline!.version}.`
        : !versionValid
          ? baseline
            ? `Enter a semantic version above v${baseline.version} (e.g. ${proposed}).`
            : "Enter a semantic version (e.g. 1.0.0)."
          : changelog.trim().length < MIN_CHANGELOG
            ? `Describe the change for its approver (at least ${MIN_CHANGELOG} characters).`
            : !canDesign
              ? "Publishing needs the designer role."
              : null;

  // What the governance checks will say, before submitting.
  const policyInput = useDebounced({ flowKey, version, dsl: doc, changelog }, 400);
  const policyEnabled = canDesign && !hasErrors && versionValid && !nothingChanged && !pending;
  const policy = useQuery({
    ...trpc.governance.versions.previewPolicy.queryOptions(policyInput),
    enabled: policyEnabled,
  });
  // Checks other than the changelog (already said above) that fail on the current draft block publishing too.
  const failing =
    !blocked && policyEnabled && policy.data && policyInput.dsl === doc
      ? policy.data.checks.filter((c) => !c.ok && c.id !== "changelog")
      : [];
  const reason =
    blocked ??
    (failing.length
      ? `The governance checks fail: ${failing.map((c) => c.label.toLowerCase()).join(", ")} (see below).`
      : null);

  const refresh = () => qc.invalidateQueries({ queryKey: trpc.flowVersions.pathKey() });
  const request = useMutation(
    trpc.governance.versions.request.mutationOptions({
      onSuccess: (r) => {
        if (r.ok) {
          setChangelog("");
          setTouchedVersion(false);
        }
        void refresh();
        void qc.invalidateQueries({ queryKey: trpc.governance.pathKey() });
      },
    }),
  );
  const restore = useMutation(
    trpc.flowVersions.restore.mutationOptions({
      onSuccess: () => {
        setConfirmRestore(null);
        void refresh();
        onRestored();
      },
    }),
  );

  const publish = () => request.mutate({ flowKey, version, dsl: doc, changelog: changelog.trim() });
  const versions = history.data?.versions ?? [];
  const result = request.data;
  // The checks are shown only for what is on screen now (not a debounced earlier input), and not beside the
  // success message of the request they were for: after "requested" the cleared changelog would read "✗".
  const showChecks =
    policyEnabled && !!policy.data && policyInput.dsl === doc && policyInput.changelog === changelog && !result?.ok;

  return (
    <div className="space-y-5 p-4 text-sm" data-testid="versions-panel">
      <section aria-labelledby="publish-h" className="space-y-3">
        <div className="flex items-center justify-between">
          <h3 id="publish-h" className="font-semibold text-slate-900">
            Publish
          </h3>
          <span className="text-xs text-slate-400">draft revision {draftRevision}</span>
        </div>

        {pending && (
          <div role="status" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-xs text-amber-900">
            <p className="font-medium">v{pending.version} is waiting for approval.</p>
            <p className="mt-0.5">An approver of the owning team other than its author decides (four-eyes).</p>
            <p className="mt-1 flex gap-3">
              <Link href={pending.approvalHref} className="font-medium text-brand-700 hover:underline">
                Open the approval
              </Link>
              {baseline && (
                <Link
                  href={diffHref(flowKey, pending.version, "draft")}
                  className="font-medium text-brand-700 hover:underline"
                >
                  Diff with draft
                </Link>
              )}
            </p>
          </div>
        )}
        {result?.ok && (
          <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-3 text-xs text-emerald-900">
            v{result.version} requested. Once an approver approves it, it runs in test; production gets it by a
            promotion.
          </p>
        )}

        {baseline ? (
          <div className="rounded-md border border-slate-200 bg-slate-50 p-3 text-xs">
            <p className="flex flex-wrap items-center gap-1.5">
              Compared with <span className="font-mono font-medium">v{baseline.version}</span>
              {proposal && (
                <Badge tone={BUMP_TONE[proposal.required]}>
                  {proposal.required === "none" ? "no changes" : `${proposal.required} bump`}
                </Badge>
              )}
              <Link
                href={diffHref(flowKey, baseline.version, "draft")}
                className="ml-auto font-medium text-brand-700 hover:underline"
              >
                See the diff
              </Link>
            </p>
            {proposal && proposal.report.breaking.length > 0 && (
              <ul className="mt-2 list-disc space-y-0.5 pl-4 text-red-800" aria-label="Breaking changes">
                {proposal.report.breaking.map((c, i) => (
                  <li key={i}>{c.message}</li>
                ))}
              </ul>
            )}
            {proposal && proposal.report.breaking.length === 0 && proposal.report.changes.length > 0 && (
              <p className="mt-1 text-slate-500">
                {proposal.report.changes.length} change(s), none breaking
                {proposal.required === "minor" ? " (new behaviour)" : ""}.
              </p>
            )}
          </div>
        ) : (
          history.data && <p className="text-xs text-slate-500">First version of this flow.</p>
        )}

        <div className="grid grid-cols-[8rem_1fr] gap-2">
          <label className="text-xs font-medium text-slate-600">
            Version
            <input
              aria-label="Version"
              value={version}
              onChange={(e) => {
                setTouchedVersion(true);
                setVersion(e.target.value.trim());
              }}
              className={clsx(
                "mt-1 block w-full rounded-md border px-2 py-1.5 font-mono text-sm",
                version && !versionValid ? "border-red-400" : "border-slate-300",
              )}
            />
            {touchedVersion && version !== proposed && (
              <button
                type="button"
                className="mt-0.5 text-[11px] text-brand-700 hover:underline"
                onClick={() => setTouchedVersion(false)}
              >
                use proposed {proposed}
              </button>
            )}
          </label>
          <label className="text-xs font-medium text-slate-600">
            Changelog <span className="text-red-600">*</span>
            <textarea
              aria-label="Changelog"
              value={changelog}
              onChange={(e) => {
                setChangelog(e.target.value);
                // The next version's changelog: the previous request's outcome no longer applies.
                if (request.data) request.reset();
              }}
              rows={3}
              placeholder="What changed and why, for the approver and the catalog"
              className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            />
          </label>
        </div>

        {showChecks && (
          <ul className="space-y-0.5 text-xs" aria-label="Policy checks">
            {policy.data.checks.map((c) => (
              <li key={c.id} className={c.ok ? "text-emerald-700" : "text-red-700"} title={c.detail}>
                {c.ok ? "✓" : "✗"} {c.label}
                {!c.ok && <span className="block pl-4 text-red-700">{c.detail}</span>}
              </li>
            ))}
          </ul>
        )}
        {result && !result.ok && (
          <div role="alert" className="rounded-md bg-red-50 p-2 text-xs text-red-800">
            Not requested — the policy checks failed:
            <ul className="mt-1 list-disc pl-4">
              {result.report.checks
                .filter((c) => !c.ok)
                .map((c) => (
                  <li key={c.id}>{c.detail}</li>
                ))}
            </ul>
          </div>
        )}
        {request.error && (
          <p role="alert" className="rounded-md bg-red-50 p-2 text-xs text-red-800">
            {request.error.message}
          </p>
        )}

        <div className="flex items-center gap-3">
          <button
            type="button"
            onClick={publish}
            disabled={!!reason || request.isPending}
            className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:cursor-not-allowed disabled:opacity-50"
          >
            {request.isPending ? "Requesting…" : `Publish v${versionValid ? version : "…"}`}
          </button>
          {reason && (
            <p className="text-xs text-slate-500" data-testid="publish-blocked">
              {reason}
            </p>
          )}
        </div>
      </section>

      <section aria-labelledby="history-h" className="space-y-2">
        <h3 id="history-h" className="font-semibold text-slate-900">
          History
        </h3>
        {history.error && (
          <p role="alert" className="text-xs text-red-700">
            {history.error.message}
          </p>
        )}
        {history.data && versions.length === 0 && <p className="text-xs text-slate-500">No versions yet.</p>}
        {restore.error && (
          <p role="alert" className="rounded-md bg-red-50 p-2 text-xs text-red-800">
            {restore.error.message}
          </p>
        )}
        <ol className="space-y-2" aria-label="Versions">
          {versions.map((v, i) => {
            const prev = versions[i + 1];
            return (
              <li
                key={v.id}
                className="rounded-md border border-slate-200 bg-white p-3 text-xs"
                aria-label={`Version ${v.version}`}
              >
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-mono text-sm font-semibold text-slate-900">v{v.version}</span>
                  <Badge tone={VERSION_STATUS_TONE[v.status] ?? "gray"}>{v.status.replace("_", " ")}</Badge>
                  <span className="ml-auto text-slate-400" title={new Date(v.createdAt).toISOString()}>
                    {new Date(v.createdAt).toLocaleDateString(undefined, {
                      year: "numeric",
                      month: "short",
                      day: "numeric",
                    })}
                  </span>
                </div>
                <p className="mt-1 text-slate-700">
                  {v.changelog || <span className="italic text-slate-400">No changelog.</span>}
                </p>
                <p className="mt-1 text-slate-500">
                  by {v.author?.name ?? "—"}
                  {v.approver
                    ? ` · approved by ${v.approver.name}`
                    : v.status === "pending_approval"
                      ? " · waiting for an approver"
                      : ""}
                  {v.request?.status === "rejected" && v.request.reason ? ` · rejected: ${v.request.reason}` : ""}
                </p>
                <div className="mt-2 flex flex-wrap gap-3">
                  <Link
                    href={diffHref(flowKey, v.version, "draft")}
                    className="font-medium text-brand-700 hover:underline"
                  >
                    Diff with draft
                  </Link>
                  {prev && (
                    <Link
                      href={diffHref(flowKey, prev.version, v.version)}
                      className="font-medium text-brand-700 hover:underline"
                    >
                      Diff with previous
                    </Link>
                  )}
                  {v.status === "pending_approval" && (
                    <Link
                      href={`/catalog/${encodeURIComponent(flowKey)}`}
                      className="font-medium text-brand-700 hover:underline"
                    >
                      Approval
                    </Link>
                  )}
                  {canDesign && (
                    <button
                      type="button"
                      className="font-medium text-slate-600 hover:text-slate-900 hover:underline"
                      onClick={() => setConfirmRestore(v.version)}
                    >
                      Restore as draft
                    </button>
                  )}
                </div>
                {confirmRestore === v.version && (
                  <div
                    role="alertdialog"
                    aria-label={`Restore v${v.version}`}
                    className="mt-2 rounded-md border border-amber-200 bg-amber-50 p-2 text-amber-900"
                  >
                    <p>
                      Replace the draft (revision {draftRevision}) with v{v.version}? The current draft stays in the
                      audit log; undo is not possible.
                    </p>
                    <div className="mt-2 flex gap-2">
                      <button
                        type="button"
                        disabled={restore.isPending}
                        onClick={() => restore.mutate({ flowKey, version: v.version, expectedRevision: draftRevision })}
                        className="rounded-md bg-amber-600 px-2 py-1 font-medium text-white hover:bg-amber-700"
                      >
                        Restore v{v.version}
                      </button>
                      <button
                        type="button"
                        onClick={() => setConfirmRestore(null)}
                        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-slate-700"
                      >
                        Cancel
                      </button>
                    </div>
                  </div>
                )}
              </li>
            );
          })}
        </ol>
      </section>
    </div>
  );
}
