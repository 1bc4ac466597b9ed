// Delivery of SLO alert transitions to the owning team's webhook — one loop for the technical SLOs
// (slo-store.ts, `slo_alert`) and the business SLOs (server/kpis/slo.ts, `business_slo_alert`), which differ
// only in their table and in what the payload names (a flow, or the KPI in its place). Each transition
// (fired, resolved) is sent once: it is claimed (its notified timestamp set) before sending, so two workers
// never both send it; a failed send un-claims it for the next pass. A resolution is not sent before its
// firing was delivered, so a receiver never sees an alert resolve that it never saw fire.
import "server-only";
import { DAY } from "../../core/governance/slo-math";
import type { Db } from "../db/client";
import { postJson } from "./webhook";

export interface AlertPayload {
  type: "slo.alert.firing" | "slo.alert.resolved";
  alertId: string;
  flow: { key: string; name: string };
  team: { key: string; name: string };
  slo: { name: string; kind: string; target: number; windowDays: number };
  rule: string;
  severity: string;
  burnRate: { long: number; short: number };
  longWindowEvents: number;
  firedAt: string;
  resolvedAt: string | null;
  link: string;
}

export type Poster = (url: string, body: AlertPayload) => Promise<{ ok: boolean; error: string | null }>;

/** The columns both alert tables share. */
export interface AlertRow {
  id: string;
  teamId: string;
  state: string;
  rule: string;
  severity: string;
  burnLong: number;
  burnShort: number;
  longEvents: number;
  firedAt: Date;
  resolvedAt: Date | null;
  firedNotifiedAt: Date | null;
  resolvedNotifiedAt: Date | null;
}

type NotifiedField = "firedNotifiedAt" | "resolvedNotifiedAt";

/** One alert table: its pending transitions, and the claim/outcome writes on one row. */
export interface AlertTable<A extends AlertRow> {
  pending(where: ReturnType<typeof pendingWhere>): Promise<A[]>;
  /** Sets `field` to `now` where it is still null; false when another worker claimed it first. */
  claim(id: string, field: NotifiedField, now: Date): Promise<boolean>;
  delivered(id: string): Promise<void>;
  failed(id: string, field: NotifiedField, error: string | null): Promise<void>;
}

/** Days after which an undeliverable transition is no longer retried. */
const DELIVERY_GIVE_UP_MS = DAY;

/** Transitions not yet notified and younger than the give-up age (a Prisma `where` both tables accept). */
export function pendingWhere(now: Date) {
  const since = new Date(now.getTime() - DELIVERY_GIVE_UP_MS);
  return {
    OR: [
      { firedNotifiedAt: null, firedAt: { gte: since } },
      { state: "resolved", resolvedNotifiedAt: null, resolvedAt: { gte: since } },
    ],
  };
}

export async function deliverAlertTransitions<A extends AlertRow>(
  db: Db,
  table: AlertTable<A>,
  /** What names the alert's subject in the payload; null = nothing to send to (e.g. the flow is gone). */
  subject: (a: A) => Promise<Pick<AlertPayload, "flow" | "slo" | "link"> | null>,
  opts: { post?: Poster; now?: Date } = {},
): Promise<{ sent: number; failed: number }> {
  const now = opts.now ?? new Date();
  const post: Poster = opts.post ?? ((url, body) => postJson(url, body));
  let sent = 0;
  let failed = 0;
  for (const a of await table.pending(pendingWhere(now))) {
    const channel = await db.teamAlertChannel.findUnique({ where: { teamId: a.teamId } });
    const team = await db.team.findUnique({ where: { id: a.teamId }, select: { key: true, name: true } });
    const about = await subject(a);
    let firedDelivered = a.firedNotifiedAt !== null;
    for (const phase of ["fired", "resolved"] as const) {
      if (phase === "fired" && a.firedNotifiedAt) continue;
      if (phase === "resolved" && (a.state !== "resolved" || a.resolvedNotifiedAt || !firedDelivered)) continue;
      const field: NotifiedField = phase === "fired" ? "firedNotifiedAt" : "resolvedNotifiedAt";
      if (!(await table.claim(a.id, field, now))) continue;
      firedDelivered = true;
      if (!channel?.enabled || !channel.webhookUrl || !team || !about) continue; // in-app only
      const r = await post(channel.webhookUrl, {
        type: phase === "fired" ? "slo.alert.firing" : "slo.alert.resolved",
        alertId: a.id,
        ...about,
        team,
        rule: a.rule,
        severity: a.severity,
        burnRate: { long: a.burnLong, short: a.burnShort },
        longWindowEvents: a.longEvents,
        firedAt: a.firedAt.toISOString(),
        resolvedAt: a.resolvedAt?.toISOString() ?? null,
      });
      if (r.ok) {
        sent++;
        await table.delivered(a.id);
      } else {
        failed++;
        firedDelivered = false;
        await table.failed(a.id, field, r.error);
      }
    }
  }
  return { sent, failed };
}
