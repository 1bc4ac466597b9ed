// The e2e suite's servers: one Weft demo server per Playwright worker, so two workers never share a database,
// sandboxes or pg-boss — each spec file sees a demo workspace as a user's first start does, whichever worker
// runs it. Read by playwright.config.ts (the servers to start), e2e/test.ts (each worker's baseURL),
// e2e/global-setup.ts (the SSO provider's redirect URIs) and scripts/test.ts (a database per server).
import os from "node:os";

/**
 * Workers, and so servers: E2E_WORKERS, else one per two cores. Each worker's Chromium and server keep about two
 * cores busy: on the 2-core CI machine two workers took 20.3 min against 18.5 min for one (docs/benchmarks.md).
 */
export function e2eWorkers(): number {
  const byCores = Math.max(1, Math.floor(os.availableParallelism() / 2));
  const n = Number(process.env.E2E_WORKERS ?? byCores);
  return Number.isInteger(n) && n >= 1 ? n : byCores;
}

/** The first server's port (E2E_PORT, else 3210); server i is 10 ports on, its sandboxes 1000 on from that. */
export function serverPort(index: number): number {
  return Number(process.env.E2E_PORT ?? 3210) + 10 * index;
}

export function serverUrl(index: number): string {
  return `http://localhost:${serverPort(index)}`;
}

/**
 * Server i's database when the test orchestrator gave one (E2E_DATABASE_URL names the first; the others are
 * `<name>_<i>`), else null: the server starts an embedded Postgres in its own data directory.
 */
export function serverDatabaseUrl(index: number, given = process.env.E2E_DATABASE_URL): string | null {
  if (!given) return null;
  if (index === 0) return given;
  const u = new URL(given);
  u.pathname = `${u.pathname}_${index}`;
  return u.toString();
}
