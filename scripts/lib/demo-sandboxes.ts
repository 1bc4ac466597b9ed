// Demo mode only: start the vendor sandboxes in this process and put them (and the Weft database, which the
// demo's reporting connection writes to) on the outbound allow-list — the SSRF guard stays on for everything
// else. The demo connections pointing at them are made by seedDemo. Ports follow the web port (PORT + 1000…)
// so a restart keeps the connections unchanged; taken ports fall back to free ones.
import { startSandboxes, type StartedSandboxes } from "@/connectors/sandboxes";
import type { DemoConnection } from "@/server/seed/sandbox-connections";
import { demoConnections } from "@/server/seed/platform-connections";
import { setDemoSandboxes } from "@/server/seed/demo-sandboxes-registry";

export async function startDemoSandboxes(
  databaseUrl: string,
  webPort: number,
  log: (m: string) => void,
): Promise<{ sandboxes: StartedSandboxes; connections: DemoConnection[] }> {
  const sandboxes = await startSandboxes({ basePort: webPort + 1000 }).catch(() => startSandboxes());
  setDemoSandboxes(sandboxes); // for the server's demo-only fault injection (governance SLO demo)
  const demo = demoConnections(sandboxes.systems, databaseUrl);
  const allow = new Set([
    ...(process.env.WEFT_HTTP_ALLOWLIST ?? "").split(/[\s,]+/).filter(Boolean),
    ...demo.allowHosts,
  ]);
  process.env.WEFT_HTTP_ALLOWLIST = [...allow].join(",");
  log(`sandboxes: ${sandboxes.systems.map((s) => `${s.system} ${s.baseUrl}`).join(", ")}`);
  return { sandboxes, connections: demo.connections };
}
