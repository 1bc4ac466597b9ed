// Starts every vendor sandbox (Salesforce, PSA, Workday, NetSuite) on local ports: used by
// `npm run sandboxes` and the dev server. Each system's info carries its base URL, its credentials and
// ready-made connection config/secrets; `allowHosts` lists the exact host:port pairs to put on the
// outbound HTTP allow-list (WEFT_HTTP_ALLOWLIST) — the guard itself is never disabled.
import "server-only";
import type { Sandbox, SandboxInfo } from "./sandbox-kit/server";
import { createSalesforceSandbox } from "./salesforce/sandbox";
import { createKantataSandbox } from "./kantata/sandbox";
import { createWorkdaySandbox } from "./workday/sandbox";
import { createNetSuiteSandbox } from "./netsuite/sandbox";

export interface StartedSandboxes {
  /** Each with `admin`, the URL of its admin API (state, faults). */
  systems: Array<SandboxInfo & { admin: string }>;
  /** host:port of every sandbox, for WEFT_HTTP_ALLOWLIST / HttpGuard allowHosts. */
  allowHosts: string[];
  sandboxes: Sandbox[];
  close(): Promise<void>;
}

export async function startSandboxes(opts: { host?: string; basePort?: number } = {}): Promise<StartedSandboxes> {
  const host = opts.host ?? "127.0.0.1";
  const made = [createSalesforceSandbox(), createKantataSandbox(), createWorkdaySandbox(), createNetSuiteSandbox()];
  const started: Sandbox[] = [];
  try {
    for (const [i, m] of made.entries()) {
      await m.sandbox.start(host, opts.basePort === undefined ? 0 : opts.basePort + i);
      started.push(m.sandbox);
    }
  } catch (e) {
    await Promise.all(started.map((s) => s.close()));
    throw e;
  }
  const systems = made.map((m) => ({ ...m.info(), admin: `${m.sandbox.baseUrl}/__sandbox` }));
  return {
    systems,
    allowHosts: made.map((m) => new URL(m.sandbox.baseUrl).host),
    sandboxes: started,
    close: async () => {
      await Promise.all(started.map((s) => s.close()));
    },
  };
}
