// The registry of domain events: each published version of an event's contract is a row; within a
// major version every new schema must stay compatible (checkContractChange), a breaking one starts a new
// major. Flows' emitted events are checked against the registry when a version is requested.
import "server-only";
import { DomainError } from "../../core/domain-error";
import semver from "semver";
import type { Db } from "../db/client";
import type { GovCtx, Tx } from "./context";
import {
  checkContractChange,
  checkEmittedFields,
  type CompatibilityMode,
  type ContractChangeCheck,
  type JsonSchema,
} from "../../core/governance/contract-compat";
import type { FlowFacts } from "./flow-facts";
import { flowsByEvent, type EventFlows } from "./catalog";
import { EVENT_NAME } from "../../core/governance/inputs";

export { EVENT_NAME };

export interface ContractVersionView {
  id: string;
  name: string;
  version: string;
  major: number;
  schema: JsonSchema;
  ownerTeam: { id: string; key: string; name: string } | null;
  domain: string;
  description: string;
  producers: string[];
  consumers: string[];
  status: string;
  changelog: string;
  createdAt: Date;
}

type Row = {
  id: string;
  name: string;
  version: string;
  major: number;
  schema: unknown;
  ownerTeamId: string;
  domain: string;
  description: string;
  producers: string[];
  consumers: string[];
  status: string;
  changelog: string;
  createdAt: Date;
};

async function views(db: Db | Tx, rows: Row[]): Promise<ContractVersionView[]> {
  const teams = await db.team.findMany({
    where: { id: { in: [...new Set(rows.map((r) => r.ownerTeamId))] } },
    select: { id: true, key: true, name: true },
  });
  const byId = new Map(teams.map((t) => [t.id, t]));
  return rows.map((r) => ({ ...r, schema: r.schema as JsonSchema, ownerTeam: byId.get(r.ownerTeamId) ?? null }));
}

/**
 * Every event with all its versions, newest first; `latest` is the newest version overall; `flows` are the
 * flows that emit and consume it, derived from their steps and triggers (the contract's `producers`/`consumers`
 * are what its owner declared, typically external systems).
 */
export async function listContracts(
  db: Db,
): Promise<Array<{ name: string; latest: ContractVersionView; versions: ContractVersionView[]; flows: EventFlows }>> {
  const [rows, byEvent] = await Promise.all([
    db.eventContract.findMany({ orderBy: [{ name: "asc" }, { createdAt: "desc" }] }),
    flowsByEvent(db),
  ]);
  const all = await views(db, rows);
  const by = new Map<string, ContractVersionView[]>();
  for (const v of all) (by.get(v.name) ?? by.set(v.name, []).get(v.name)!).push(v);
  return [...by.entries()].map(([name, versions]) => {
    versions.sort((a, b) => semver.rcompare(a.version, b.version));
    return { name, latest: versions[0]!, versions, flows: byEvent.get(name) ?? { producedBy: [], consumedBy: [] } };
  });
}

export interface NewContract {
  name: string;
  version?: string;
  schema: JsonSchema;
  ownerTeamKey: string;
  domain: string;
  description?: string;
  producers?: string[];
  consumers?: string[];
}

export async function createContract(ctx: GovCtx, input: NewContract): Promise<ContractVersionView> {
  if (!EVENT_NAME.test(input.name))
    throw new DomainError("invalid", 'Name events as "<entity>.<past-tense verb>", e.g. "timesheet.approved".');
  const version = input.version ?? "1.0.0";
  if (!semver.valid(version)) throw new DomainError("invalid", `"${version}" is not a semantic version.`);
  return ctx.db.$transaction(async (tx) => {
    if (await tx.eventContract.findFirst({ where: { name: input.name }, select: { id: true } })) {
      throw new DomainError(
        "conflict",
        `The event "${input.name}" is already registered: publish a new version of it instead.`,
      );
    }
    const team = await tx.team.findUnique({ where: { key: input.ownerTeamKey } });
    if (!team) throw new DomainError("not_found", `No team "${input.ownerTeamKey}".`);
    const row = await tx.eventContract.create({
      data: {
        name: input.name,
        version,
        major: semver.major(version),
        schema: input.schema as object,
        ownerTeamId: team.id,
        domain: input.domain,
        description: input.description ?? "",
        producers: input.producers ?? [],
        consumers: input.consumers ?? [],
        changelog: "Registered.",
        createdById: ctx.user.id,
      },
    });
    await ctx.audit(tx, {
      action: "event_contract.created",
      entityType: "event_contract",
      entityId: `${row.name}@${row.version}`,
      after: { name: row.name, version: row.version, owner: team.key, domain: row.domain, schema: row.schema },
    });
    return (await views(tx, [row]))[0]!;
  });
}

async function historyOf(db: Db | Tx, name: string): Promise<Row[]> {
  return db.eventContract.findMany({ where: { name } });
}

/** Dry run of a new contract version: what the compatibility check says, without saving anything. */
export async function checkContractProposal(
  db: Db,
  input: { name: string; version: string; schema: JsonSchema; mode?: CompatibilityMode },
): Promise<ContractChangeCheck> {
  const history = await historyOf(db, input.name);
  if (!history.length) throw new DomainError("not_found", `No event "${input.name}".`);
  return checkContractChange(
    history.map((h) => ({ version: h.version, schema: h.schema as JsonSchema })),
    input.version,
    input.schema,
    input.mode,
  );
}

export async function publishContractVersion(
  ctx: GovCtx,
  input: {
    name: string;
    version: string;
    schema: JsonSchema;
    changelog: string;
    description?: string;
    producers?: string[];
    consumers?: string[];
  },
): Promise<{ version: ContractVersionView; check: ContractChangeCheck }> {
  return ctx.db.$transaction(async (tx) => {
    const history = await historyOf(tx, input.name);
    if (!history.length) throw new DomainError("not_found", `No event "${input.name}".`);
    if (input.changelog.trim().length < 3) throw new DomainError("invalid", "Say what changed (changelog).");
    const check = checkContractChange(
      history.map((h) => ({ version: h.version, schema: h.schema as JsonSchema })),
      input.version,
      input.schema,
    );
    if (!check.ok)
      throw new DomainError(
        "precondition",
        [...check.problems, ...check.issues.map((i) => `${i.path}: ${i.message}`)].join(" "),
      );
    const latest = history.sort((a, b) => semver.rcompare(a.version, b.version))[0]!;
    const row = await tx.eventContract.create({
      data: {
        name: input.name,
        version: input.version,
        major: semver.major(input.version),
        schema: input.schema as object,
        ownerTeamId: latest.ownerTeamId,
        domain: latest.domain,
        description: input.description ?? latest.description,
        producers: input.producers ?? latest.producers,
        consumers: input.consumers ?? latest.consumers,
        changelog: input.changelog.trim(),
        createdById: ctx.user.id,
      },
    });
    await ctx.audit(tx, {
      action: "event_contract.version_published",
      entityType: "event_contract",
      entityId: `${row.name}@${row.version}`,
      before: { version: latest.version, schema: latest.schema },
      after: { version: row.version, schema: row.schema },
      meta: { requiredBump: check.requiredBump, changelog: row.changelog },
    });
    return { version: (await views(tx, [row]))[0]!, check };
  });
}

/** The contract problems of what a flow emits: unknown events, unknown majors, fields the contract refuses. */
export async function checkFlowContracts(db: Db | Tx, facts: FlowFacts): Promise<string[]> {
  if (!facts.produces.length) return [];
  const rows = await db.eventContract.findMany({ where: { name: { in: facts.produces.map((p) => p.event) } } });
  const out: string[] = [];
  for (const p of facts.produces) {
    const versions = rows.filter((r) => r.name === p.event).sort((a, b) => semver.rcompare(a.version, b.version));
    if (!versions.length) {
      out.push(`emits "${p.event}", which has no contract in the event registry`);
      continue;
    }
    const contract = p.major === null ? versions[0]! : versions.find((v) => v.major === p.major);
    if (!contract) {
      out.push(
        `emits "${p.event}" version ${p.major}, but the registry has majors ${[...new Set(versions.map((v) => v.major))].join(", ")}`,
      );
      continue;
    }
    if (contract.status === "deprecated") out.push(`emits "${p.event}@${contract.version}", which is deprecated`);
    if (p.fields)
      for (const i of checkEmittedFields(contract.schema as JsonSchema, p.fields))
        out.push(`"${p.event}@${contract.version}" ${i.path}: ${i.message}`);
  }
  return out;
}
