// The catalog of integrations: every flow with its ownership, classification, lifecycle, current version,
// SLO status, open exceptions, last run, the systems it touches and the events it produces and consumes;
// duplicate-interface warnings; and the lineage graph of systems, flows and domain events.
import "server-only";
import semver from "semver";
import { Prisma, type Db } from "../db/client";
import type { SessionUser } from "../auth/session-user";
import { connectors } from "@/connectors/registry";
import { PRODUCTION } from "../runtime/flow-source";
import { extractFlowFacts, type FlowFacts, type SystemTouch } from "./flow-facts";
import { sloSummaries, type SloSummary } from "./slo-store";
import type { SloState } from "../../core/governance/slo-math";
import type { Lifecycle } from "../../core/flow-constants";

export interface CatalogFilters {
  search?: string;
  domain?: string;
  ownerTeamKey?: string;
  lifecycle?: Lifecycle;
  classification?: string;
  sloState?: SloState;
  mine?: boolean;
}

export interface DuplicateInterface {
  domain: string;
  system: string;
  operation: string;
  flows: string[];
}

export interface CatalogEntry {
  id: string;
  key: string;
  name: string;
  description: string;
  domain: string;
  ownerTeam: { id: string; key: string; name: string };
  onCall: string | null;
  classification: string;
  lifecycle: string;
  /** The version production runs (its deployment, else the rule for flows never deployed), not the newest approved. */
  currentVersion: { version: string; status: string } | null;
  /** The version live in each environment, by name, production first ("production: v1.2.0", "test: v1.3.0"). */
  live: Array<{ environment: string; version: string; status: string }>;
  pendingVersion: { id: string; version: string } | null;
  sloState: SloState;
  slos: SloSummary[];
  openExceptions: number;
  lastRun: { status: string; at: Date } | null;
  systems: SystemTouch[];
  produces: string[];
  consumes: string[];
  duplicates: DuplicateInterface[];
}

const STATE_RANK: Record<SloState, number> = { "no-data": 0, ok: 1, "at-risk": 2, breached: 3, firing: 4 };
export function worstState(states: SloState[]): SloState {
  return states.reduce<SloState>((w, s) => (STATE_RANK[s] > STATE_RANK[w] ? s : w), "no-data");
}

interface FlowRow {
  id: string;
  key: string;
  name: string;
  description: string;
  domain: string;
  onCall: string | null;
  classification: string;
  lifecycle: string;
  ownerTeam: { id: string; key: string; name: string };
  versions: Array<{ id: string; version: string; status: string; approvedAt: Date | null; createdAt: Date }>;
  /** Of the current version, else of the draft (factsOf). */
  facts: FlowFacts;
}

/** The version production runs for a flow never deployed there: the newest approved, else the newest deprecated. */
export function currentVersionOf<
  V extends { version: string; status: string; approvedAt: Date | null; createdAt: Date },
>(versions: V[]): V | null {
  const by = (status: string) =>
    versions
      .filter((v) => v.status === status)
      .sort((a, b) =>
        semver.valid(a.version) && semver.valid(b.version)
          ? semver.rcompare(a.version, b.version)
          : b.createdAt.getTime() - a.createdAt.getTime(),
      )[0];
  return by("approved") ?? by("deprecated") ?? null;
}

// A version's document never changes once requested, so its facts are kept by version id: the catalog,
// lineage and event pages then parse only drafts and newly published versions, not every flow's document
// on every request (Lineage and Event contracts took seconds with many flows). Bounded; oldest out first.
const versionFacts = new Map<string, FlowFacts>();
const VERSION_FACTS_MAX = 5000;

/**
 * Every flow with its versions' metadata and the facts of what it runs: the version live in production (its
 * newest production deployment), else — never deployed there — the newest approved (else deprecated) one, else
 * the draft. Documents are read only where needed: that version's when its facts are not cached yet, the draft's
 * when nothing is published.
 */
async function loadFlows(db: Db): Promise<FlowRow[]> {
  const flows = await db.flow.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      key: true,
      name: true,
      description: true,
      domain: true,
      onCall: true,
      classification: true,
      lifecycle: true,
      ownerTeam: { select: { id: true, key: true, name: true } },
      versions: { select: { id: true, version: true, status: true, approvedAt: true, createdAt: true } },
    },
  });
  // Each flow's newest production deployment (read in the order of the (environment, flow, created_at) index).
  const inProduction = new Map(
    (
      await db.$queryRaw<Array<{ flow_id: string; version_id: string }>>`
        SELECT DISTINCT ON (flow_id) flow_id::text AS flow_id, flow_version_id::text AS version_id
          FROM deployment WHERE environment_key = ${PRODUCTION}
         ORDER BY flow_id, created_at DESC`
    ).map((d) => [d.flow_id, d.version_id]),
  );
  const current = new Map(
    flows.map((f) => {
      const live = inProduction.get(f.id);
      return [f.id, (live && f.versions.find((v) => v.id === live)) || currentVersionOf(f.versions)];
    }),
  );
  const missing = [...current.values()].filter((v) => v && !versionFacts.has(v.id)).map((v) => v!.id);
  const draftOf = flows.filter((f) => !current.get(f.id)).map((f) => f.id);
  const [docs, drafts] = await Promise.all([
    missing.length
      ? db.flowVersion.findMany({ where: { id: { in: missing } }, select: { id: true, dsl: true } })
      : Promise.resolve([]),
    draftOf.length
      ? db.flow.findMany({ where: { id: { in: draftOf } }, select: { id: true, draft: true } })
      : Promise.resolve([]),
  ]);
  const fresh = new Map(docs.map((d) => [d.id, extractFlowFacts(d.dsl)]));
  const draftBy = new Map(drafts.map((d) => [d.id, d.draft]));
  const rows = flows.map((f) => {
    const v = current.get(f.id);
    const facts = v ? (fresh.get(v.id) ?? versionFacts.get(v.id)!) : extractFlowFacts(draftBy.get(f.id));
    return { ...f, facts };
  });
  for (const [id, facts] of fresh) {
    if (versionFacts.size >= VERSION_FACTS_MAX) versionFacts.delete(versionFacts.keys().next().value!);
    versionFacts.set(id, facts);
  }
  return rows;
}

/** Facts of what the flow runs (its current version), or of its draft when nothing is published yet. */
function factsOf(f: FlowRow): FlowFacts {
  return f.facts;
}

/** Two or more active flows writing the same operation of the same system for the same domain. */
export function findDuplicateInterfaces(
  flows: ReadonlyArray<{ key: string; domain: string; lifecycle: string; facts: FlowFacts }>,
): DuplicateInterface[] {
  const groups = new Map<string, DuplicateInterface>();
  for (const f of flows) {
    if (f.lifecycle !== "active") continue;
    for (const s of f.facts.systems) {
      if (s.effect !== "write") continue;
      const k = `${f.domain}|${s.system}|${s.operation}`;
      const g = groups.get(k) ?? { domain: f.domain, system: s.system, operation: s.operation, flows: [] };
      if (!g.flows.includes(f.key)) g.flows.push(f.key);
      groups.set(k, g);
    }
  }
  return [...groups.values()].filter((g) => g.flows.length > 1).map((g) => ({ ...g, flows: g.flows.sort() }));
}

export async function listCatalog(
  db: Db,
  user: Pick<SessionUser, "teamIds">,
  filters: CatalogFilters = {},
): Promise<{ entries: CatalogEntry[]; duplicates: DuplicateInterface[]; myFiringAlerts: number }> {
  const flows = await loadFlows(db);
  const withFacts = flows;
  const duplicates = findDuplicateInterfaces(withFacts);

  const q = filters.search?.trim().toLowerCase();
  const selected = withFacts.filter((f) => {
    if (filters.domain && f.domain !== filters.domain) return false;
    if (filters.ownerTeamKey && f.ownerTeam.key !== filters.ownerTeamKey) return false;
    if (filters.lifecycle && f.lifecycle !== filters.lifecycle) return false;
    if (filters.classification && f.classification !== filters.classification) return false;
    if (filters.mine && !user.teamIds.includes(f.ownerTeam.id)) return false;
    if (q) {
      const hay = [
        f.key,
        f.name,
        f.description,
        f.domain,
        f.ownerTeam.name,
        ...f.facts.systems.flatMap((s) => [s.system, s.kind ?? ""]),
        ...f.facts.produces.map((p) => p.event),
        ...f.facts.consumes,
      ]
        .join(" ")
        .toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  });
  const ids = selected.map((f) => f.id);
  const [slos, lastRuns, exceptions, deployed] = await Promise.all([
    sloSummaries(db, ids),
    ids.length
      ? // Each flow's newest run through the (flow_id, created_at) index, not every run of every flow sorted.
        db.$queryRaw<Array<{ flow_id: string; status: string; created_at: Date }>>`
          SELECT f.id::text AS flow_id, r.status::text AS status, r.created_at
            FROM unnest(ARRAY[${Prisma.join(ids.map((id) => Prisma.sql`${id}::uuid`))}]) AS f(id)
            CROSS JOIN LATERAL (SELECT status, created_at FROM run WHERE flow_id = f.id AND NOT is_test
                                 ORDER BY created_at DESC LIMIT 1) r`
      : Promise.resolve([]),
    ids.length
      ? db.exception.groupBy({ by: ["flowId"], where: { flowId: { in: ids }, status: "open" }, _count: { _all: true } })
      : Promise.resolve([]),
    ids.length
      ? // What runs where: each environment's newest deployment of each flow (server/runtime/flow-source.ts).
        db.$queryRaw<Array<{ flow_id: string; environment: string; version: string; status: string }>>`
          SELECT DISTINCT ON (d.environment_key, d.flow_id) d.flow_id::text AS flow_id, d.environment_key AS environment,
                 v.version, v.status::text AS status
            FROM deployment d JOIN flow_version v ON v.id = d.flow_version_id
           WHERE d.flow_id IN (${Prisma.join(ids.map((id) => Prisma.sql`${id}::uuid`))})
           ORDER BY d.environment_key, d.flow_id, d.created_at DESC`
      : Promise.resolve([]),
  ]);
  const liveBy = new Map<string, Array<{ environment: string; version: string; status: string }>>();
  for (const d of deployed)
    liveBy.set(d.flow_id, [
      ...(liveBy.get(d.flow_id) ?? []),
      { environment: d.environment, version: d.version, status: d.status },
    ]);
  const runBy = new Map(lastRuns.map((r) => [r.flow_id, r]));
  const excBy = new Map(exceptions.map((e) => [e.flowId, e._count._all]));

  let entries: CatalogEntry[] = selected.map((f) => {
    // A flow never deployed anywhere runs its newest approved version in production (the rule from before
    // environments); once deployed, each environment runs what its newest deployment names.
    const deployments = liveBy.get(f.id);
    const legacy = deployments ? null : currentVersionOf(f.versions);
    const live = (
      deployments ?? (legacy ? [{ environment: PRODUCTION, version: legacy.version, status: legacy.status }] : [])
    )
      .slice()
      .sort((a, b) =>
        a.environment === PRODUCTION
          ? -1
          : b.environment === PRODUCTION
            ? 1
            : a.environment.localeCompare(b.environment),
      );
    const current = live.find((l) => l.environment === PRODUCTION) ?? null;
    const pending = f.versions.find((v) => v.status === "pending_approval");
    const mySlos = slos.filter((s) => s.flowId === f.id);
    const run = runBy.get(f.id);
    return {
      id: f.id,
      key: f.key,
      name: f.name,
      description: f.description,
      domain: f.domain,
      ownerTeam: f.ownerTeam,
      onCall: f.onCall,
      classification: f.classification,
      lifecycle: f.lifecycle,
      currentVersion: current ? { version: current.version, status: current.status } : null,
      live,
      pendingVersion: pending ? { id: pending.id, version: pending.version } : null,
      sloState: worstState(mySlos.map((s) => s.state)),
      slos: mySlos,
      openExceptions: excBy.get(f.id) ?? 0,
      lastRun: run ? { status: run.status, at: run.created_at } : null,
      systems: f.facts.systems,
      produces: f.facts.produces.map((p) => p.event),
      consumes: f.facts.consumes,
      duplicates: duplicates.filter((d) => d.flows.includes(f.key)),
    };
  });
  if (filters.sloState) entries = entries.filter((e) => e.sloState === filters.sloState);
  const myFiringAlerts = user.teamIds.length
    ? await db.sloAlert.count({ where: { teamId: { in: user.teamIds }, state: "firing" } })
    : 0;
  return { entries, duplicates, myFiringAlerts };
}

export type LineageNodeKind = "system" | "flow" | "event";
export interface LineageNode {
  id: string;
  kind: LineageNodeKind;
  label: string;
  /** Column in a left-to-right layout (sources first). */
  layer: number;
  meta: Record<string, string>;
}
export interface LineageEdge {
  id: string;
  source: string;
  target: string;
  kind: "reads" | "writes" | "emits" | "consumes" | "declared";
}

/**
 * The estate as a graph: event → flow (consumes), flow → event (emits), system → flow (reads),
 * flow → system (writes). Contracts' declared producers/consumers that are not flows appear as systems.
 */
export function buildLineage(
  flows: ReadonlyArray<{
    key: string;
    name: string;
    domain: string;
    lifecycle: string;
    ownerTeam: string;
    facts: FlowFacts;
  }>,
  contracts: ReadonlyArray<{ name: string; version: string; producers: string[]; consumers: string[] }>,
): { nodes: LineageNode[]; edges: LineageEdge[] } {
  const nodes = new Map<string, Omit<LineageNode, "layer">>();
  const edges = new Map<string, LineageEdge>();
  const flowKeys = new Set(flows.map((f) => f.key));
  const node = (id: string, kind: LineageNodeKind, label: string, meta: Record<string, string> = {}) => {
    if (!nodes.has(id)) nodes.set(id, { id, kind, label, meta });
  };
  // A system is a connector (its name and kind from the manifest); a contract may name one by key.
  const systemNode = (key: string) => {
    const m = connectors[key];
    node(`system:${key}`, "system", m?.name ?? key, m ? { connector: key, kind: m.system } : {});
  };
  const edge = (source: string, target: string, kind: LineageEdge["kind"]) =>
    edges.set(`${source}->${target}`, { id: `${source}->${target}`, source, target, kind });
  for (const f of flows) {
    const id = `flow:${f.key}`;
    node(id, "flow", f.name, { key: f.key, domain: f.domain, lifecycle: f.lifecycle, owner: f.ownerTeam });
    for (const s of f.facts.systems) {
      systemNode(s.system);
      if (s.effect === "write") edge(id, `system:${s.system}`, "writes");
      else edge(`system:${s.system}`, id, "reads");
    }
    for (const p of f.facts.produces) {
      node(`event:${p.event}`, "event", p.event);
      edge(id, `event:${p.event}`, "emits");
    }
    for (const c of f.facts.consumes) {
      node(`event:${c}`, "event", c);
      edge(`event:${c}`, id, "consumes");
    }
  }
  for (const c of contracts) {
    node(`event:${c.name}`, "event", c.name, { version: c.version });
    const n = nodes.get(`event:${c.name}`)!;
    n.meta = { ...n.meta, version: c.version };
    for (const p of c.producers) {
      const src = flowKeys.has(p) ? `flow:${p}` : `system:${p}`;
      if (!flowKeys.has(p)) systemNode(p);
      if (!edges.has(`${src}->event:${c.name}`)) edge(src, `event:${c.name}`, flowKeys.has(p) ? "emits" : "declared");
    }
    for (const k of c.consumers) {
      const dst = flowKeys.has(k) ? `flow:${k}` : `system:${k}`;
      if (!flowKeys.has(k)) systemNode(k);
      if (!edges.has(`event:${c.name}->${dst}`))
        edge(`event:${c.name}`, dst, flowKeys.has(k) ? "consumes" : "declared");
    }
  }
  // Layers by longest path over the event chain (flows and events; bounded, so a cycle cannot loop
  // forever). Systems are placed after: before the first flow reading them, else after their last writer.
  // (A flow that reads and writes one system would otherwise make a cycle of every edge through it.)
  const layer = new Map<string, number>([...nodes.keys()].map((k) => [k, 0]));
  const chain = [...edges.values()].filter((e) => !e.source.startsWith("system:") && !e.target.startsWith("system:"));
  for (let i = 0; i < nodes.size; i++) {
    let changed = false;
    for (const e of chain) {
      const next = (layer.get(e.source) ?? 0) + 1;
      if (next > (layer.get(e.target) ?? 0) && next <= nodes.size) {
        layer.set(e.target, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Column 0 is kept for systems that only feed flows.
  for (const [k, v] of layer) layer.set(k, v + 1);
  for (const n of nodes.values()) {
    if (n.kind !== "system") continue;
    const readers = [...edges.values()].filter((e) => e.source === n.id).map((e) => layer.get(e.target) ?? 0);
    const writers = [...edges.values()].filter((e) => e.target === n.id).map((e) => layer.get(e.source) ?? 0);
    layer.set(
      n.id,
      readers.length ? Math.max(0, Math.min(...readers) - 1) : writers.length ? Math.max(...writers) + 1 : 0,
    );
  }
  return {
    nodes: [...nodes.values()]
      .map((n) => ({ ...n, layer: layer.get(n.id) ?? 0 }))
      .sort((a, b) => a.layer - b.layer || a.id.localeCompare(b.id)),
    edges: [...edges.values()],
  };
}

export async function lineage(
  db: Db,
  opts: { domain?: string } = {},
): Promise<{ nodes: LineageNode[]; edges: LineageEdge[] }> {
  const [flows, contracts] = await Promise.all([
    loadFlows(db),
    db.eventContract.findMany({ orderBy: { createdAt: "desc" } }),
  ]);
  const latest = new Map<string, (typeof contracts)[number]>();
  for (const c of contracts) {
    const prev = latest.get(c.name);
    if (!prev || semver.gt(c.version, prev.version)) latest.set(c.name, c);
  }
  const selected = flows.filter((f) => f.lifecycle !== "retired" && (!opts.domain || f.domain === opts.domain));
  return buildLineage(
    selected.map((f) => ({
      key: f.key,
      name: f.name,
      domain: f.domain,
      lifecycle: f.lifecycle,
      ownerTeam: f.ownerTeam.name,
      facts: factsOf(f),
    })),
    opts.domain ? [...latest.values()].filter((c) => c.domain === opts.domain) : [...latest.values()],
  );
}

export interface EventFlows {
  /** Flows whose current version (else draft) has an `emit` step for the event. */
  producedBy: Array<{ key: string; name: string }>;
  /** Flows started by the event. */
  consumedBy: Array<{ key: string; name: string }>;
}

/** event name → the flows that emit and consume it, read from the flows themselves (retired flows left out). */
export async function flowsByEvent(db: Db): Promise<Map<string, EventFlows>> {
  const out = new Map<string, EventFlows>();
  const at = (e: string) => out.get(e) ?? out.set(e, { producedBy: [], consumedBy: [] }).get(e)!;
  for (const f of await loadFlows(db)) {
    if (f.lifecycle === "retired") continue;
    const facts = factsOf(f);
    for (const e of new Set(facts.produces.map((p) => p.event))) at(e).producedBy.push({ key: f.key, name: f.name });
    for (const e of new Set(facts.consumes)) at(e).consumedBy.push({ key: f.key, name: f.name });
  }
  return out;
}

export async function flowFacts(db: Db, flowKey: string): Promise<FlowFacts | null> {
  const f = (await loadFlows(db)).find((x) => x.key === flowKey);
  return f ? factsOf(f) : null;
}
