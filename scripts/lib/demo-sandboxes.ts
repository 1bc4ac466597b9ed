// Demo mode only: start the vendor sandboxes in this process, put them (and the Weft database, which the
// demo's reporting connection writes to) on the outbound allow-list (the SSRF guard stays on for everything
// else) and point the demo connections at them. Ports follow the web port (PORT + 1000…) so a restart keeps
// the connections unchanged; taken ports fall back to free ones.
import { startSandboxes, type StartedSandboxes } from "@/connectors/sandboxes";
import type { Db } from "@/server/db/client";
import { sandboxConnection, syncDemoConnections } from "@/server/seed/sandbox-connections";
import { kantataWebhookConnection, reportingConnection } from "@/server/seed/platform-connections";

export async function startDemoSandboxes(db: Db, webPort: number, log: (m: string) => void): Promise<StartedSandboxes> {
  const started = await startSandboxes({ basePort: webPort + 1000 }).catch(() => startSandboxes());
  // resolveDatabase() has set DATABASE_URL (given, or the embedded database's).
  const reporting = process.env.DATABASE_URL ? reportingConnection(process.env.DATABASE_URL) : null;
  const allow = new Set([...(process.env.WEFT_HTTP_ALLOWLIST ?? "").split(/[\s,]+/).filter(Boolean), ...started.allowHosts, ...(reporting ? [reporting.allowHost] : [])]);
  process.env.WEFT_HTTP_ALLOWLIST = [...allow].join(",");
  const changed = await syncDemoConnections(db, [...started.systems.map(sandboxConnection), ...(reporting ? [reporting.connection] : []), kantataWebhookConnection()]);
  log(`sandboxes: ${started.systems.map((s) => `${s.system} ${s.baseUrl}`).join(", ")}${changed.length ? ` (connections ${changed.join(", ")} updated)` : ""}`);
  return started;
}
