// Which flows use a connection: any `connection` reference (call steps, poll triggers, nested scopes) and a
// webhook trigger's signing `secret`, in a flow's draft or in a version that can still run or be approved
// (not rejected or retired).
import "server-only";
import type { Db } from "../db/client";

export interface ConnectionUse {
  flowKey: string;
  flowName: string;
  /** The versions ("live 1.2.0", "pending 1.3.0", "deprecated 1.1.0") and "draft" when the draft differs from them. */
  in: string[];
  /** The flow's webhook trigger verifies its callers with this connection's signing secret. */
  webhookSecret: boolean;
}

/** connection key → the flows that refer to it. One query over drafts and live versions (jsonpath). */
export async function connectionUsage(db: Db, onlyKey?: string): Promise<Map<string, ConnectionUse[]>> {
  const rows = await db.$queryRaw<
    Array<{ conn: string; flow_key: string; flow_name: string; src: string; hook: boolean }>
  >`
    WITH refs AS (
      -- The draft only where it differs from every version listed (an unchanged draft is the live version).
      SELECT f.key AS flow_key, f.name AS flow_name, 'draft' AS src, 2 AS ord, f.draft AS doc FROM flow f
      WHERE NOT EXISTS (SELECT 1 FROM flow_version v WHERE v.flow_id = f.id AND v.status IN ('approved', 'pending_approval', 'deprecated') AND v.dsl = f.draft)
      UNION ALL
      SELECT f.key, f.name, CASE v.status WHEN 'approved' THEN 'live ' WHEN 'pending_approval' THEN 'pending ' ELSE 'deprecated ' END || v.version, 1, v.dsl
      FROM flow_version v JOIN flow f ON f.id = v.flow_id
      WHERE v.status IN ('approved', 'pending_approval', 'deprecated')
    )
    SELECT DISTINCT r.flow_key, r.flow_name, r.src, r.ord, c.conn, c.hook
    FROM refs r, LATERAL (
      SELECT jsonb_path_query(r.doc, 'lax $.**.connection ? (@.type() == "string")') #>> '{}' AS conn, false AS hook
      UNION ALL
      SELECT jsonb_path_query(r.doc, 'lax $.trigger ? (@.type == "webhook").secret ? (@.type() == "string")') #>> '{}', true
    ) c
    WHERE ${onlyKey ?? null}::text IS NULL OR c.conn = ${onlyKey ?? null}::text
    ORDER BY r.flow_key, r.ord, r.src`;
  const out = new Map<string, ConnectionUse[]>();
  for (const r of rows) {
    const list = out.get(r.conn) ?? [];
    let use = list.find((u) => u.flowKey === r.flow_key);
    if (!use) {
      use = { flowKey: r.flow_key, flowName: r.flow_name, in: [], webhookSecret: false };
      list.push(use);
    }
    if (!use.in.includes(r.src)) use.in.push(r.src);
    if (r.hook) use.webhookSecret = true;
    out.set(r.conn, list);
  }
  return out;
}
