// Exports for the tools firms already run: the catalog as Backstage catalog-info.yaml entities
// (Group, Domain, System, Component, Resource, API) and SLOs as OpenSLO v1 YAML (Service, SLO,
// AlertPolicy, AlertCondition with the burn-rate rules Weft evaluates).
import "server-only";
import semver from "semver";
import { stringify } from "yaml";
import type { Db } from "../db/client";
import { listCatalog, type CatalogEntry } from "./catalog";
import { BURN_RATE_RULES, type BurnRateRule } from "../../core/governance/slo-math";
import { describeSlo } from "./admin";

/** Backstage entity names: [a-z0-9A-Z] separated by [-_.], at most 63 characters. */
export function entityName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return (n || "unnamed").slice(0, 63);
}

const LIFECYCLE: Record<string, string> = {
  draft: "experimental",
  active: "production",
  deprecated: "deprecated",
  retired: "deprecated",
};
const duration = (ms: number) =>
  ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / 60_000}m`;

function docs(entities: unknown[]): string {
  return entities.map((e) => stringify(e, { lineWidth: 0 })).join("---\n");
}

export async function backstageCatalog(db: Db): Promise<string> {
  const [{ entries }, teams, domains, contracts] = await Promise.all([
    listCatalog(db, { teamIds: [] }),
    db.team.findMany({ orderBy: { key: "asc" } }),
    db.govDomain.findMany({ orderBy: { key: "asc" } }),
    db.eventContract.findMany(),
  ]);
  const teamKey = new Map(teams.map((t) => [t.id, t.key]));
  const group = (id: string) => `group:default/${entityName(teamKey.get(id) ?? "unknown")}`;
  const out: unknown[] = [];
  for (const t of teams)
    out.push({
      apiVersion: "backstage.io/v1alpha1",
      kind: "Group",
      metadata: { name: entityName(t.key), title: t.name },
      spec: { type: "team", children: [] },
    });
  for (const d of domains) {
    out.push({
      apiVersion: "backstage.io/v1alpha1",
      kind: "Domain",
      metadata: {
        name: entityName(d.key),
        title: d.name,
        description: d.charter || undefined,
        annotations: { "weft.dev/domain-kind": d.kind },
      },
      spec: { owner: group(d.ownerTeamId) },
    });
    if (d.kind === "business") {
      out.push({
        apiVersion: "backstage.io/v1alpha1",
        kind: "System",
        metadata: { name: entityName(`${d.key}-integrations`), title: `${d.name} integrations` },
        spec: { owner: group(d.ownerTeamId), domain: entityName(d.key) },
      });
    }
  }
  const systems = new Set(entries.flatMap((e) => e.systems.map((s) => s.system)));
  for (const s of [...systems].sort())
    out.push({
      apiVersion: "backstage.io/v1alpha1",
      kind: "Resource",
      metadata: { name: entityName(s), title: s },
      spec: { type: "external-system", owner: "group:default/platform" },
    });
  const latest = new Map<string, (typeof contracts)[number]>();
  for (const c of contracts)
    if (!latest.has(c.name) || semver.gt(c.version, latest.get(c.name)!.version)) latest.set(c.name, c);
  for (const c of [...latest.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const asyncapi = {
      asyncapi: "3.0.0",
      info: { title: c.name, version: c.version, description: c.description || undefined },
      channels: { [c.name]: { address: c.name, messages: { [entityName(c.name)]: { payload: c.schema } } } },
    };
    out.push({
      apiVersion: "backstage.io/v1alpha1",
      kind: "API",
      metadata: {
        name: entityName(c.name),
        title: c.name,
        description: c.description || undefined,
        annotations: { "weft.dev/event-version": c.version },
      },
      spec: {
        type: "asyncapi",
        lifecycle: c.status === "deprecated" ? "deprecated" : "production",
        owner: group(c.ownerTeamId),
        system: entityName(`${c.domain}-integrations`),
        definition: stringify(asyncapi, { lineWidth: 0 }),
      },
    });
  }
  for (const e of entries) out.push(component(e, latest));
  return docs(out);
}

function component(e: CatalogEntry, contracts: Map<string, unknown>): unknown {
  return {
    apiVersion: "backstage.io/v1alpha1",
    kind: "Component",
    metadata: {
      name: entityName(e.key),
      title: e.name,
      description: e.description || undefined,
      tags: [e.domain, e.classification].map((t) => entityName(t.toLowerCase())),
      annotations: {
        "weft.dev/flow-key": e.key,
        "weft.dev/lifecycle": e.lifecycle,
        "weft.dev/classification": e.classification,
        ...(e.onCall ? { "weft.dev/on-call": e.onCall } : {}),
        ...(e.currentVersion ? { "weft.dev/version": e.currentVersion.version } : {}),
        "weft.dev/slo-state": e.sloState,
      },
    },
    spec: {
      type: "integration",
      lifecycle: LIFECYCLE[e.lifecycle] ?? "experimental",
      owner: `group:default/${entityName(e.ownerTeam.key)}`,
      system: entityName(`${e.domain}-integrations`),
      providesApis: e.produces.filter((p) => contracts.has(p)).map(entityName),
      consumesApis: e.consumes.filter((p) => contracts.has(p)).map(entityName),
      dependsOn: [...new Set(e.systems.map((s) => `resource:default/${entityName(s.system)}`))],
    },
  };
}

function alertCondition(rule: BurnRateRule): unknown {
  return {
    apiVersion: "openslo/v1",
    kind: "AlertCondition",
    metadata: {
      name: `burn-rate-${rule.id.replace("/", "-")}`,
      displayName: `Burn rate ${rule.burnRate}× over ${rule.id}`,
    },
    spec: {
      description: `Fires when the error rate exceeds ${rule.burnRate}× the budget rate over both ${duration(rule.longMs)} and ${duration(rule.shortMs)}.`,
      severity: rule.severity,
      condition: {
        kind: "burnrate",
        op: "gt",
        threshold: rule.burnRate,
        lookbackWindow: duration(rule.longMs),
        alertAfter: duration(rule.shortMs),
      },
    },
  };
}

export async function openSloYaml(db: Db): Promise<string> {
  const slos = await db.slo.findMany({ orderBy: [{ flowId: "asc" }, { name: "asc" }] });
  const flows = new Map(
    (await db.flow.findMany({ where: { id: { in: slos.map((s) => s.flowId) } }, include: { ownerTeam: true } })).map(
      (f) => [f.id, f],
    ),
  );
  const out: unknown[] = [];
  for (const f of [...flows.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    out.push({
      apiVersion: "openslo/v1",
      kind: "Service",
      metadata: {
        name: entityName(f.key),
        displayName: f.name,
        labels: { team: [f.ownerTeam.key], domain: [f.domain] },
      },
      spec: { description: f.description || f.name },
    });
  }
  for (const r of BURN_RATE_RULES) out.push(alertCondition(r));
  out.push({
    apiVersion: "openslo/v1",
    kind: "AlertPolicy",
    metadata: { name: "weft-multiwindow-burn-rate", displayName: "Weft multi-window multi-burn-rate" },
    spec: {
      description: "The SRE workbook's four window pairs; a minimum-event guard per SLO holds back low-volume alerts.",
      alertWhenBreaching: true,
      alertWhenResolved: true,
      conditions: BURN_RATE_RULES.map((r) => ({ conditionRef: `burn-rate-${r.id.replace("/", "-")}` })),
    },
  });
  for (const s of slos) {
    const f = flows.get(s.flowId);
    if (!f) continue;
    const source = (what: string) => ({ metricSource: { type: "weft", spec: { flow: f.key, query: what } } });
    const good =
      s.kind === "success"
        ? "runs with status succeeded"
        : s.kind === "latency"
          ? `succeeded runs with finished_at - started_at <= ${s.thresholdMs} ms`
          : `succeeded runs with finished_at - source event time <= ${s.thresholdMs} ms`;
    out.push({
      apiVersion: "openslo/v1",
      kind: "SLO",
      metadata: {
        name: entityName(`${f.key}-${s.name}`),
        displayName: s.name,
        labels: { team: [f.ownerTeam.key], kind: [s.kind] },
        annotations: { "weft.dev/min-events": String(s.minEvents) },
      },
      spec: {
        description: describeSlo(s),
        service: entityName(f.key),
        indicator: {
          metadata: { name: entityName(`${f.key}-${s.name}-sli`) },
          spec: {
            ratioMetric: {
              counter: true,
              good: source(good),
              total: source("finished runs (succeeded or failed), test runs excluded"),
            },
          },
        },
        timeWindow: [{ duration: `${s.windowDays}d`, isRolling: true }],
        budgetingMethod: "Occurrences",
        objectives: [{ displayName: s.name, target: s.target }],
        alertPolicies: ["weft-multiwindow-burn-rate"],
      },
    });
  }
  return docs(out);
}
