// Demo mode: the vendor sandboxes run beside Weft, and the demo workspace's connections point at them —
// under the keys the example flows use ("salesforce-prod", …), so an example opened in the designer test-runs
// as it is. Sandboxes get new ports when theirs are taken, so every boot re-points the connections; a change
// is written to the audit log like any other connection change (by the system, not a user).
import "server-only";
import canonicalize from "canonicalize";
import type { Db } from "../db/client";
import { appendAudit } from "../audit/audit";
import { sealSecrets } from "../connections/service";
import type { SandboxInfo } from "@/connectors/sandbox-kit/server";

export interface DemoConnection {
  key: string;
  name: string;
  connectorKey: string;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
}

/** The connection a sandbox stands in for: `<connector>-prod`, named after the sandbox. */
export function sandboxConnection(info: SandboxInfo): DemoConnection {
  return {
    key: `${info.connectorKey}-prod`,
    name: info.name,
    connectorKey: info.connectorKey,
    config: (info.config ?? {}) as Record<string, unknown>,
    secrets: (info.secrets ?? {}) as Record<string, string>,
  };
}

/** Creates or re-points the demo connections; returns the keys whose row changed. */
export async function syncDemoConnections(db: Db, wanted: readonly DemoConnection[]): Promise<string[]> {
  const changed: string[] = [];
  for (const c of wanted) {
    await db.$transaction(async (tx) => {
      const row = await tx.connection.findUnique({ where: { key: c.key } });
      // Secrets are sealed with a random IV, so compare what they would seal, not the ciphertext.
      // jsonb reorders keys: compare canonical forms.
      const sameConfig =
        row && canonicalize(row.config) === canonicalize(c.config) && row.connectorKey === c.connectorKey;
      if (row && sameConfig && row.name === c.name) return;
      const secretsEnc = sealSecrets(c.key, c.secrets);
      const saved = row
        ? await tx.connection.update({
            where: { key: c.key },
            data: { name: c.name, connectorKey: c.connectorKey, config: c.config as object, secretsEnc },
          })
        : await tx.connection.create({
            data: { key: c.key, name: c.name, connectorKey: c.connectorKey, config: c.config as object, secretsEnc },
          });
      await appendAudit(tx, {
        actor: null,
        action: row ? "connection.updated" : "connection.created",
        entityType: "connection",
        entityId: saved.key,
        before: row ? { name: row.name, connectorKey: row.connectorKey, config: row.config } : undefined,
        after: {
          name: c.name,
          connectorKey: c.connectorKey,
          config: c.config,
          secretFields: Object.keys(c.secrets).sort(),
        },
        meta: { reason: "demo sandboxes started" },
      });
      changed.push(c.key);
    });
  }
  return changed;
}
