// Which DSL a trigger starts: the flow's current published version — the newest approved one, else the newest
// deprecated one (deprecated versions keep running until retired) — cached for a few seconds per process so a
// burst of webhooks costs one lookup, not one per call.
import "server-only";
import type { Sql } from "./sql";

export interface PublishedFlow {
  flowId: string;
  flowKey: string;
  lifecycle: string;
  versionId: string;
  version: string;
  dsl: unknown;
}

const cache = new Map<string, { at: number; value: PublishedFlow | null }>();
const TTL_MS = 2000;

export async function loadPublishedFlow(
  sql: Sql,
  flowKey: string,
  opts: { fresh?: boolean } = {},
): Promise<PublishedFlow | null> {
  const hit = cache.get(flowKey);
  if (!opts.fresh && hit && Date.now() - hit.at < TTL_MS) return hit.value;
  const { rows } = await sql.query<{
    flow_id: string;
    key: string;
    lifecycle: string;
    version_id: string;
    version: string;
    dsl: unknown;
  }>(
    `SELECT f.id AS flow_id, f.key, f.lifecycle::text AS lifecycle, v.id AS version_id, v.version, v.dsl
       FROM flow f JOIN flow_version v ON v.flow_id = f.id AND v.status IN ('approved', 'deprecated')
      WHERE f.key = $1 AND f.lifecycle <> 'retired'
      ORDER BY v.status = 'approved' DESC, v.approved_at DESC NULLS LAST, v.created_at DESC LIMIT 1`,
    [flowKey],
  );
  const r = rows[0];
  const value = r
    ? {
        flowId: r.flow_id,
        flowKey: r.key,
        lifecycle: r.lifecycle,
        versionId: r.version_id,
        version: r.version,
        dsl: r.dsl,
      }
    : null;
  cache.set(flowKey, { at: Date.now(), value });
  return value;
}

export function forgetPublishedFlow(flowKey?: string): void {
  if (flowKey) cache.delete(flowKey);
  else cache.clear();
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
