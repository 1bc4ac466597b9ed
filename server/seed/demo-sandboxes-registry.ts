// Demo mode only: the vendor sandboxes this process started (scripts/lib/demo-sandboxes.ts), so the server
// can reach the sandbox behind a demo connection — e.g. to inject faults for the SLO demo. Kept on
// globalThis because the boot script and the Next bundle load this module separately in one process.
import "server-only";
import type { StartedSandboxes } from "@/connectors/sandboxes";

const KEY = Symbol.for("weft.demoSandboxes");
type Slot = { started: StartedSandboxes | null };
const slot = (): Slot => {
  const g = globalThis as unknown as Record<symbol, Slot | undefined>;
  return (g[KEY] ??= { started: null });
};

export function setDemoSandboxes(started: StartedSandboxes | null): void {
  slot().started = started;
}

export interface DemoSandbox {
  system: string;
  connectorKey: string;
  baseUrl: string;
  /** The sandbox's admin API (state, faults, reset): connectors/sandbox-kit/server.ts. */
  admin: string;
}

/** The running sandbox for a connector, or null (not demo mode, or no sandbox for that connector). */
export function demoSandboxFor(connectorKey: string): DemoSandbox | null {
  const s = slot().started?.systems.find((x) => x.connectorKey === connectorKey);
  return s
    ? { system: s.system, connectorKey: s.connectorKey, baseUrl: s.baseUrl, admin: `${s.baseUrl}/__sandbox` }
    : null;
}
