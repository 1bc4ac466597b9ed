"use client";
// One flow's governance page: ownership and classification, SLOs with attainment and budget charts,
// burn-rate alerts, and the version timeline where approvers decide on requests (four-eyes).
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { useTRPC } from "@/components/trpc/client";
import { Badge, LIFECYCLE_TONE, VERSION_STATUS_TONE } from "@/components/ui/badge";
import { TeamAlertChannel } from "./alert-channel";
import { ReadOnlyNote } from "./form-parts";
import { EditOwnershipButton } from "./ownership-editor";
import { EnvironmentsPanel } from "./environments-panel";
import { SloBadge, pct } from "./shared";
import { AddSloButton, EditSloButton } from "./slo-editor";

type Roles = ReadonlyArray<string>;

export function FlowGovernance({ flowKey, roles }: { flowKey: string; roles: Roles }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const detail = useQuery(trpc.governance.catalog.flow.queryOptions({ flowKey }));
  const slos = useQuery(trpc.governance.slo.status.queryOptions({ flowKey }));
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.governance.pathKey() });
  const evaluate = useMutation(trpc.governance.slo.evaluateNow.mutationOptions({ onSuccess: refresh }));
  const faults = useMutation(trpc.demo.injectFaults.mutationOptions({ onSuccess: refresh }));
  const isAdmin = roles.includes("admin");
  const canOperate = isAdmin || roles.includes("operator");
  const canDesign = isAdmin || roles.includes("designer");

  if (detail.error)
    return (
      <p role="alert" className="p-8 text-sm text-red-700">
        {detail.error.message}
      </p>
    );
  if (!detail.data) return <p className="p-8 text-sm text-slate-500">Loading…</p>;
  const { entry, timeline, alerts, stewards, reviews, demo } = detail.data;
  const firing = alerts.filter((a) => a.state === "firing");
  const canOwn = isAdmin || (roles.includes("approver") && detail.data.viewer.isOwnerMember);

  return (
    <section className="space-y-6 p-8">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-base font-semibold">Ownership</h2>
        {canOwn ? (
          <EditOwnershipButton
            flowKey={flowKey}
            current={{ ownerTeam: entry.ownerTeam, onCall: entry.onCall, classification: entry.classification }}
          />
        ) : (
          <ReadOnlyNote>
            Approvers of {entry.ownerTeam.name} or an admin change the owner, on-call contact and classification.
          </ReadOnlyNote>
        )}
      </div>
      <div className="-mt-3 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 text-sm md:grid-cols-4">
        <Fact label="Owning team">{entry.ownerTeam.name}</Fact>
        <Fact label="On call">{entry.onCall ?? "—"}</Fact>
        <Fact label="Domain">{entry.domain}</Fact>
        <Fact label="Stewards">{stewards.map((s) => s.name).join(", ") || "—"}</Fact>
        <Fact label="Classification">
          <Badge
            tone={
              entry.classification === "restricted" ? "red" : entry.classification === "confidential" ? "amber" : "gray"
            }
          >
            {entry.classification}
          </Badge>
        </Fact>
        <Fact label="Lifecycle">
          <Badge tone={LIFECYCLE_TONE[entry.lifecycle]}>{entry.lifecycle}</Badge>
        </Fact>
        <Fact label="Systems">
          {entry.systems.map((s) => `${s.system}.${s.operation} (${s.effect})`).join(", ") || "—"}
        </Fact>
        <Fact label="Events">
          {[...entry.consumes.map((c) => `← ${c}`), ...entry.produces.map((p) => `→ ${p}`)].join("  ") || "—"}
        </Fact>
      </div>
      <TeamAlertChannel teamKey={entry.ownerTeam.key} roles={roles} />
      {entry.duplicates.map((d) => (
        <p
          key={`${d.system}.${d.operation}`}
          role="status"
          className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900"
        >
          Duplicate interface: {d.flows.filter((f) => f !== entry.key).join(", ")} also write
          {d.flows.length > 2 ? "" : "s"}{" "}
          <span className="font-mono">
            {d.system}.{d.operation}
          </span>{" "}
          for {d.domain}.
        </p>
      ))}

      <section aria-labelledby="alerts-h" className="space-y-2">
        <div className="flex items-center gap-3">
          <h2 id="alerts-h" className="text-base font-semibold">
            SLO alerts
          </h2>
          {canOperate && (
            <button
              type="button"
              className="rounded-md border border-slate-300 px-3 py-1 text-sm"
              disabled={evaluate.isPending}
              onClick={() => evaluate.mutate()}
            >
              Evaluate SLOs now
            </button>
          )}
          {isAdmin && demo && (
            <button
              type="button"
              className="rounded-md border border-red-300 px-3 py-1 text-sm text-red-700"
              disabled={faults.isPending}
              onClick={() => faults.mutate({ flowKey, count: 40 })}
            >
              Inject sandbox faults (demo)
            </button>
          )}
        </div>
        {faults.data && (
          <p role="status" className="text-sm text-slate-600">
            The {faults.data.connector} sandbox answers 503 and {faults.data.started} runs started. They fail as they
            exhaust their retries (about 15 s); the SLO job counts runs a minute after they start — use “Evaluate SLOs
            now” to see the alert fire.
          </p>
        )}
        {faults.error && (
          <p role="alert" className="text-sm text-red-700">
            {faults.error.message}
          </p>
        )}
        {firing.length > 0 ? (
          <ul
            role="alert"
            aria-label="Firing SLO alerts"
            className="space-y-1 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800"
          >
            {firing.map((a) => (
              <li key={a.id}>
                <strong>{a.severity === "page" ? "Page" : "Ticket"}:</strong> {a.slo} is burning its error budget{" "}
                {a.burnLong.toFixed(1)}× too fast ({a.rule} burn-rate alert firing since{" "}
                {new Date(a.firedAt).toLocaleString()}, {a.longEvents} runs in the long window)
                {a.lastDeliveryError && (
                  <span className="block text-xs">Webhook delivery failed: {a.lastDeliveryError}</span>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-slate-500">No SLO alert is firing.</p>
        )}
        {alerts.some((a) => a.state === "resolved") && (
          <details className="text-sm text-slate-600">
            <summary className="cursor-pointer">Resolved alerts</summary>
            <ul className="mt-1">
              {alerts
                .filter((a) => a.state === "resolved")
                .map((a) => (
                  <li key={a.id}>
                    {a.slo} {a.rule}: {new Date(a.firedAt).toLocaleString()} →{" "}
                    {a.resolvedAt ? new Date(a.resolvedAt).toLocaleString() : ""}
                  </li>
                ))}
            </ul>
          </details>
        )}
      </section>

      <section aria-labelledby="slo-h" className="space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="slo-h" className="text-base font-semibold">
            Service level objectives
          </h2>
          {canDesign ? (
            <AddSloButton flowKey={flowKey} />
          ) : (
            <ReadOnlyNote>Designers add, change and delete SLOs.</ReadOnlyNote>
          )}
        </div>
        {slos.data?.length === 0 && (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-500">
            No SLOs defined for this flow.
            {canDesign ? " Add one to track success, latency or freshness against a target." : ""}
          </p>
        )}
        <div className="grid gap-4 lg:grid-cols-2">
          {slos.data?.map((d) => (
            <article
              key={d.slo.id}
              aria-label={`SLO ${d.slo.name}`}
              className="rounded-lg border border-slate-200 bg-white p-4"
            >
              <header className="flex items-center justify-between gap-2">
                <h3 className="font-medium">
                  {d.slo.name}
                  {!d.slo.enabled && <span className="ml-2 text-xs font-normal text-slate-500">(disabled)</span>}
                </h3>
                <span className="flex items-center gap-2">
                  <SloBadge state={d.status.state} />
                  {canDesign && <EditSloButton flowKey={flowKey} slo={d.slo} />}
                </span>
              </header>
              <p className="text-xs text-slate-500">{d.description}</p>
              <dl className="mt-2 grid grid-cols-4 gap-2 text-sm">
                <Fact label="Attainment">{pct(d.status.attainment, 3)}</Fact>
                <Fact label="Budget left">{d.status.total ? pct(d.status.budgetRemaining, 1) : "—"}</Fact>
                <Fact label="Burn rate">{d.status.burnRate.toFixed(2)}×</Fact>
                <Fact label="Runs">{d.status.total.toLocaleString()}</Fact>
              </dl>
              <table className="mt-2 w-full text-xs">
                <caption className="sr-only">Burn-rate windows of {d.slo.name}</caption>
                <thead className="text-slate-500">
                  <tr>
                    <th className="text-left">Windows</th>
                    <th className="text-right">Threshold</th>
                    <th className="text-right">Long</th>
                    <th className="text-right">Short</th>
                    <th className="text-right">State</th>
                  </tr>
                </thead>
                <tbody>
                  {d.status.rules.map((r) => (
                    <tr key={r.rule.id}>
                      <td>{r.rule.id}</td>
                      <td className="text-right">{r.rule.burnRate}×</td>
                      <td className="text-right">
                        {r.long.burnRate.toFixed(1)}× ({r.long.total})
                      </td>
                      <td className="text-right">
                        {r.short.burnRate.toFixed(1)}× ({r.short.total})
                      </td>
                      <td className="text-right">
                        {r.firing ? (
                          <Badge tone="red">firing</Badge>
                        ) : r.guarded ? (
                          <Badge>too few runs</Badge>
                        ) : (
                          <Badge tone="green">ok</Badge>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div
                className="mt-3 h-48"
                role="img"
                aria-label={`Attainment and error budget of ${d.slo.name} over ${d.slo.windowDays} days`}
              >
                <ResponsiveContainer width="100%" height="100%">
                  <LineChart
                    data={d.series
                      .filter((_, i) => i % 6 === 0)
                      .map((p) => ({
                        at: p.at,
                        attainment: p.attainment === null ? null : p.attainment * 100,
                        budget: Math.max(-100, p.budgetRemaining * 100),
                      }))}
                  >
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis
                      dataKey="at"
                      type="number"
                      domain={["dataMin", "dataMax"]}
                      tickFormatter={(v: number) =>
                        new Date(v).toLocaleDateString(undefined, { month: "short", day: "numeric" })
                      }
                      fontSize={10}
                    />
                    <YAxis yAxisId="a" domain={[Math.floor(d.slo.target * 100 - 2), 100]} fontSize={10} unit="%" />
                    <YAxis yAxisId="b" orientation="right" domain={[-100, 100]} fontSize={10} unit="%" />
                    <Tooltip
                      labelFormatter={(v) => new Date(Number(v)).toLocaleString()}
                      formatter={(v) => `${Number(v).toFixed(2)}%`}
                    />
                    <Legend verticalAlign="top" height={20} iconType="plainline" wrapperStyle={{ fontSize: 11 }} />
                    <ReferenceLine
                      yAxisId="a"
                      y={d.slo.target * 100}
                      stroke="#94a3b8"
                      strokeDasharray="4 2"
                      label={{ value: "target", position: "insideBottomLeft", fontSize: 10, fill: "#64748b" }}
                    />
                    <Line
                      yAxisId="a"
                      dataKey="attainment"
                      name="Attainment"
                      stroke="#2563eb"
                      dot={false}
                      isAnimationActive={false}
                    />
                    <Line
                      yAxisId="b"
                      dataKey="budget"
                      name="Budget left"
                      stroke="#d97706"
                      dot={false}
                      isAnimationActive={false}
                    />
                  </LineChart>
                </ResponsiveContainer>
              </div>
            </article>
          ))}
        </div>
      </section>

      <EnvironmentsPanel flowKey={flowKey} roles={roles} viewer={detail.data.viewer} />

      <section aria-labelledby="versions-h" className="space-y-2">
        <h2 id="versions-h" className="text-base font-semibold">
          Version timeline
        </h2>
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Versions of {entry.name}, newest first</caption>
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-3 py-2">Version</th>
                <th className="px-3 py-2">Status</th>
                <th className="px-3 py-2">Author</th>
                <th className="px-3 py-2">Approver</th>
                <th className="px-3 py-2">Changelog</th>
                <th className="px-3 py-2">Policy</th>
                <th className="px-3 py-2">Actions</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {timeline.map((v) => (
                <tr key={v.id} className="align-top">
                  <td className="px-3 py-2 font-mono">
                    v{v.version}
                    {v.diffHref && (
                      <Link href={v.diffHref} className="block text-xs text-brand-700 hover:underline">
                        diff
                      </Link>
                    )}
                  </td>
                  <td className="px-3 py-2">
                    <Badge tone={VERSION_STATUS_TONE[v.status] ?? "gray"}>{v.status.replace("_", " ")}</Badge>
                    {v.sunsetAt && (
                      <span className="block text-xs text-slate-500">
                        sunset {new Date(v.sunsetAt).toLocaleDateString()}
                      </span>
                    )}
                    {v.request?.status === "overridden" && (
                      <span className="block text-xs text-red-700">admin override: {v.request.reason}</span>
                    )}
                    {v.request?.status === "rejected" && (
                      <span className="block text-xs text-slate-500">rejected: {v.request.reason}</span>
                    )}
                  </td>
                  <td className="px-3 py-2">{v.author?.name ?? "—"}</td>
                  <td className="px-3 py-2">{v.approver?.name ?? "—"}</td>
                  <td className="px-3 py-2 text-slate-700">{v.changelog}</td>
                  <td className="px-3 py-2 text-xs">
                    {v.request?.policy.checks.map((c) => (
                      <span
                        key={c.id}
                        className={c.ok ? "block text-emerald-700" : "block text-red-700"}
                        title={c.detail}
                      >
                        {c.ok ? "✓" : "✗"} {c.label}
                      </span>
                    ))}
                  </td>
                  <td className="px-3 py-2">
                    <VersionActions
                      version={v}
                      roles={roles}
                      canDecide={detail.data.viewer.isOwnerMember && v.author?.id !== detail.data.viewer.userId}
                      onDone={refresh}
                    />
                  </td>
                </tr>
              ))}
              {timeline.length === 0 && (
                <tr>
                  <td colSpan={7} className="px-3 py-6 text-center text-slate-500">
                    No versions yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </section>

      {(entry.classification === "restricted" || reviews.length > 0) && (
        <ClassificationReview flowKey={flowKey} reviews={reviews} onDone={refresh} />
      )}
    </section>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5">{children}</dd>
    </div>
  );
}

type TimelineVersion = { id: string; version: string; status: string };

function VersionActions({
  version,
  roles,
  canDecide,
  onDone,
}: {
  version: TimelineVersion;
  roles: Roles;
  canDecide: boolean;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [reason, setReason] = useState("");
  const [sunset, setSunset] = useState("");
  const opts = {
    onSuccess: () => {
      setReason("");
      onDone();
    },
  };
  const approve = useMutation(trpc.governance.versions.approve.mutationOptions(opts));
  const reject = useMutation(trpc.governance.versions.reject.mutationOptions(opts));
  const override = useMutation(trpc.governance.versions.override.mutationOptions(opts));
  const deprecate = useMutation(trpc.governance.versions.deprecate.mutationOptions(opts));
  const retire = useMutation(trpc.governance.versions.retire.mutationOptions(opts));
  const error = approve.error ?? reject.error ?? override.error ?? deprecate.error ?? retire.error;
  const isAdmin = roles.includes("admin");
  const isApprover = isAdmin || roles.includes("approver");
  const v = `v${version.version}`;

  return (
    <div className="flex min-w-56 flex-col gap-1">
      {version.status === "pending_approval" && (
        <>
          {isApprover && canDecide && (
            <div className="flex gap-1">
              <button
                type="button"
                className="rounded bg-emerald-600 px-2 py-1 text-xs text-white"
                onClick={() => approve.mutate({ versionId: version.id })}
              >
                Approve {v}
              </button>
              <button
                type="button"
                className="rounded border border-slate-300 px-2 py-1 text-xs"
                onClick={() => reject.mutate({ versionId: version.id, reason: reason || "Rejected by the reviewer." })}
              >
                Reject {v}
              </button>
            </div>
          )}
          {isApprover && (
            // What approving does to the environments (docs/environments.md "Publication").
            <span role="note" className="text-xs text-slate-600">
              Approving deploys {v} to test; it reaches production only by a promotion from test (a succeeded run there,
              then a four-eyes approval of the promotion).
            </span>
          )}
          {isApprover && !canDecide && (
            <span className="text-xs text-slate-500">Another approver of the owning team must decide (four-eyes).</span>
          )}
          {(isApprover || isAdmin) && (
            <input
              aria-label={`Reason for ${v}`}
              placeholder={isAdmin ? "reason (required to override)" : "reason (optional)"}
              className="rounded border border-slate-300 px-2 py-1 text-xs"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          )}
          {isAdmin && (
            <button
              type="button"
              className="rounded border border-red-300 px-2 py-1 text-xs text-red-700"
              onClick={() => override.mutate({ versionId: version.id, reason })}
            >
              Override four-eyes and approve {v}
            </button>
          )}
        </>
      )}
      {version.status === "approved" && isApprover && (
        <div className="flex items-center gap-1">
          <input
            type="date"
            aria-label={`Sunset date for ${v}`}
            className="rounded border border-slate-300 px-1 py-0.5 text-xs"
            value={sunset}
            onChange={(e) => setSunset(e.target.value)}
          />
          <button
            type="button"
            disabled={!sunset}
            className="rounded border border-slate-300 px-2 py-1 text-xs disabled:opacity-50"
            onClick={() => deprecate.mutate({ versionId: version.id, sunsetAt: new Date(`${sunset}T12:00:00Z`) })}
          >
            Deprecate {v}
          </button>
        </div>
      )}
      {version.status === "deprecated" && isApprover && (
        <button
          type="button"
          className="rounded border border-slate-300 px-2 py-1 text-xs"
          onClick={() => retire.mutate({ versionId: version.id, reason: reason || undefined })}
        >
          Retire {v}
        </button>
      )}
      {error && (
        <span role="alert" className="text-xs text-red-700">
          {error.message}
        </span>
      )}
    </div>
  );
}

function ClassificationReview({
  flowKey,
  reviews,
  onDone,
}: {
  flowKey: string;
  reviews: Array<{ classification: string; note: string; at: Date; reviewer: string | null }>;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [note, setNote] = useState("");
  const review = useMutation(
    trpc.governance.versions.classificationReview.mutationOptions({
      onSuccess: () => {
        setNote("");
        onDone();
      },
    }),
  );
  return (
    <section aria-labelledby="review-h" className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="review-h" className="text-base font-semibold">
        Classification reviews
      </h2>
      <ul className="text-sm text-slate-700">
        {reviews.map((r, i) => (
          <li key={i}>
            {new Date(r.at).toLocaleDateString()} — {r.reviewer}: {r.classification} — {r.note}
          </li>
        ))}
        {reviews.length === 0 && (
          <li className="text-slate-500">
            None yet: a restricted flow cannot publish a version until a steward or an approver of the owning team
            records one.
          </li>
        )}
      </ul>
      <form
        className="flex gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          review.mutate({ flowKey, note });
        }}
      >
        <input
          aria-label="Review note"
          className="flex-1 rounded border border-slate-300 px-2 py-1 text-sm"
          placeholder="What was reviewed"
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        <button type="submit" className="rounded bg-brand-600 px-3 py-1 text-sm text-white">
          Record review
        </button>
      </form>
      {review.error && (
        <p role="alert" className="text-sm text-red-700">
          {review.error.message}
        </p>
      )}
    </section>
  );
}
