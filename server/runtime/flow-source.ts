// Which DSL a trigger starts in an environment (docs/environments.md): the version the environment's newest
// deployment names. A flow never deployed anywhere keeps, in production, the rule from before environments —
// the newest approved version, else the newest deprecated one (deprecated versions keep running until
// retired) — so existing flows keep working; its first deployment pins production to what it ran then (a
// baseline deployment), after which only promotions and rollbacks change production. Cached for a few seconds per process so a burst of webhooks
// costs one lookup, not one per call.
import "server-only";
import type { Sql } from "./sql";

import { PRODUCTION } from "../../core/environment-scope";
export { PRODUCTION };

export interface PublishedFlow {
  flowId: string;
  flowKey: string;
  lifecycle: string;
  versionId: string;
  version: string;
  dsl: unknown;
  environment: string;
  /** true: the version comes from a deployment; false: production's rule for flows never deployed. */
  deployed: boolean;
}

const cache = new Map<string, { at: number; value: PublishedFlow | null }>();
const TTL_MS = 2000;

type Row = {
  flow_id: string;
  key: string;
  lifecycle: string;
  version_id: string;
  version: string;
  dsl: unknown;
  deployed: boolean;
};

export async function loadPublishedFlow(
  sql: Sql,
  flowKey: string,
  opts: { fresh?: boolean; environment?: string } = {},
): Promise<PublishedFlow | null> {
  const environment = opts.environment ?? PRODUCTION;
  const cacheKey = `${environment}\u0000${flowKey}`;
  const hit = cache.get(cacheKey);
  if (!opts.fresh && hit && Date.now() - hit.at < TTL_MS) return hit.value;
  const { rows } = await sql.query<Row>(
    `SELECT f.id AS flow_id, f.key, f.lifecycle::text AS lifecycle, v.id AS version_id, v.version, v.dsl, true AS deployed
       FROM flow f
       JOIN LATERAL (SELECT d.flow_version_id FROM deployment d
                      WHERE d.flow_id = f.id AND d.environment_key = $2 ORDER BY d.created_at DESC LIMIT 1) d ON true
       JOIN flow_version v ON v.id = d.flow_version_id
      WHERE f.key = $1 AND f.lifecycle <> 'retired'`,
    [flowKey, environment],
  );
  let r: Row | undefined = rows[0];
  if (!r && environment === PRODUCTION) {
    const legacy = await sql.query<Row>(
      `SELECT f.id AS flow_id, f.key, f.lifecycle::text AS lifecycle, v.id AS version_id, v.version, v.dsl, false AS deployed
         FROM flow f JOIN flow_version v ON v.flow_id = f.id AND v.status IN ('approved', 'deprecated')
        WHERE f.key = $1 AND f.lifecycle <> 'retired'
          AND NOT EXISTS (SELECT 1 FROM deployment d WHERE d.flow_id = f.id)
        ORDER BY v.status = 'approved' DESC, v.approved_at DESC NULLS LAST, v.created_at DESC LIMIT 1`,
      [flowKey],
    );
    r = legacy.rows[0];
  }
  const value = r
    ? {
        flowId: r.flow_id,
        flowKey: r.key,
        lifecycle: r.lifecycle,
        versionId: r.version_id,
        version: r.version,
        dsl: r.dsl,
        environment,
        deployed: r.deployed,
      }
    : null;
  cache.set(cacheKey, { at: Date.now(), value });
  return value;
}

export function forgetPublishedFlow(flowKey?: string): void {
  if (!flowKey) return cache.clear();
  for (const k of cache.keys()) if (k.endsWith(`\u0000${flowKey}`)) cache.delete(k);
}

/** A version's DSL by id, cached for the life of the process (published versions are immutable). */
const versions = new Map<string, unknown>();
export async function loadVersionDsl(sql: Sql, versionId: string): Promise<unknown> {
  if (versions.has(versionId)) return versions.get(versionId);
  const { rows } = await sql.query<{ dsl: unknown }>(`SELECT dsl FROM flow_version WHERE id = $1`, [versionId]);
  if (!rows[0]) throw new Error(`flow version ${versionId} does not exist`);
  if (versions.size > 500) versions.clear();
  versions.set(versionId, rows[0].dsl);
  return rows[0].dsl;
}

const bindings = new Map<string, { at: number; key: string }>();
const BINDING_TTL_MS = 2000;

/**
 * The concrete connection a logical name means in an environment: its binding, else the name itself (a flow
 * naming "netsuite-prod" with no binding calls the connection "netsuite-prod", as before environments).
 */
export async function resolveConnectionKey(sql: Sql, environment: string, logical: string): Promise<string> {
  const k = `${environment}\u0000${logical}`;
  const hit = bindings.get(k);
  if (hit && Date.now() - hit.at < BINDING_TTL_MS) return hit.key;
  const { rows } = await sql.query<{ connection_key: string }>(
    `SELECT connection_key FROM connection_binding WHERE environment_key = $1 AND logical_key = $2`,
    [environment, logical],
  );
  const key = rows[0]?.connection_key ?? logical;
  if (bindings.size > 2000) bindings.clear();
  bindings.set(k, { at: Date.now(), key });
  return key;
}

/** After a binding changed in this process: the next call reads it afresh. */
export function forgetBindings(): void {
  bindings.clear();
}
