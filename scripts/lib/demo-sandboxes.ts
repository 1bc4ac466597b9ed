// Demo mode only: start the vendor sandboxes in this process, put them on the outbound allow-list (the SSRF
// guard stays on for everything else) and point the demo connections at them. Ports follow the web port
// (PORT + 1000…) so a restart keeps the connections unchanged; taken ports fall back to free ones.
import { startSandboxes, type StartedSandboxes } from "@/connectors/sandboxes";
import type { Db } from "@/server/db/client";
import { sandboxConnection, syncDemoConnections } from "@/server/seed/sandbox-connections";

export async function startDemoSandboxes(db: Db, webPort: number, log: (m: string) => void): Promise<StartedSandboxes> {
  const started = await startSandboxes({ basePort: webPort + 1000 }).catch(() => startSandboxes());
  const allow = new Set([...(process.env.WEFT_HTTP_ALLOWLIST ?? "").split(/[\s,]+/).filter(Boolean), ...started.allowHosts]);
  process.env.WEFT_HTTP_ALLOWLIST = [...allow].join(",");
  const changed = await syncDemoConnections(db, started.systems.map(sandboxConnection));
  log(`sandboxes: ${started.systems.map((s) => `${s.system} ${s.baseUrl}`).join(", ")}${changed.length ? ` (connections ${changed.join(", ")} updated)` : ""}`);
  return started;
}
