// `npm test`: the lint, then every test Weft has — unit and integration (vitest, real Postgres) and end-to-end
// (Playwright, Chromium, production build) — then one closing line "N passed, N failed".
// Without DATABASE_URL everything runs on embedded Postgres; with it, throwaway databases on that server.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { e2eWorkers, serverDatabaseUrl } from "../e2e/servers";

const tmp = mkdtempSync(path.join(os.tmpdir(), "weft-test-run-"));
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
let passed = 0;
let failed = 0;
let skipped = 0;

function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): number {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...env, ...extraEnv } });
  return r.status ?? 1;
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const only = process.argv[2]; // "unit" | "e2e" | undefined
  // The lint first (typescript-eslint, rules of hooks, the import boundaries), then the format check: each failure counts as one.
  if (run("eslint", ["."]) !== 0) {
    console.error("lint failed");
    failed += 1;
  }
  // Formatting is Prettier's (npm run format): an unformatted file counts as one failure.
  if (run("prettier", ["--check", "--log-level=warn", "."]) !== 0) {
    console.error("format check failed: run npm run format");
    failed += 1;
  }
  if (only !== "e2e") {
    const out = path.join(tmp, "vitest.json");
    const code = run("vitest", ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`]);
    const r = readJson<{
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    }>(out);
    if (r) {
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += r.numPendingTests + r.numTodoTests;
    }
    if (code !== 0 && (!r || r.numFailedTests === 0)) failed += 1; // a crash or a failed suite outside any test
  }
  if (only !== "unit") {
    if (!process.env.WEFT_SKIP_BUILD || !existsSync(".next/BUILD_ID")) {
      if (run("next", ["build"]) !== 0) {
        console.error("next build failed");
        failed += 1;
        return summary();
      }
    }
    const e2eDbs: string[] = [];
    const extra: Record<string, string> = {
      PW_JSON_OUTPUT: path.join(tmp, "playwright.json"),
      E2E_DATA_DIR: path.join(tmp, "e2e-data"),
    };
    if (process.env.DATABASE_URL) {
      // One database per e2e server (e2e/servers.ts): the first named here, the others after it.
      const u = new URL(process.env.DATABASE_URL);
      u.pathname = `/weft_e2e_${process.pid}`;
      extra.E2E_DATABASE_URL = u.toString();
      const admin = adminUrl(process.env.DATABASE_URL);
      for (let i = 0; i < e2eWorkers(); i++) {
        const name = decodeURIComponent(new URL(serverDatabaseUrl(i, extra.E2E_DATABASE_URL)!).pathname.slice(1));
        await sql(admin, `CREATE DATABASE "${name}"`);
        e2eDbs.push(name);
      }
    }
    const code = run("playwright", ["test"], extra);
    const r = readJson<{ stats: { expected: number; unexpected: number; skipped: number; flaky: number } }>(
      extra.PW_JSON_OUTPUT!,
    );
    if (r) {
      passed += r.stats.expected + r.stats.flaky;
      failed += r.stats.unexpected;
      skipped += r.stats.skipped;
    }
    if (code !== 0 && (!r || r.stats.unexpected === 0)) failed += 1;
    for (const name of e2eDbs)
      await sql(adminUrl(process.env.DATABASE_URL!), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(
        () => undefined,
      );
  }
  return summary();
}

function summary(): number {
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  return failed > 0 ? 1 : 0;
}

function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}

async function sql(url: string, q: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
}

main()
  .then((code) => {
    rmSync(tmp, { recursive: true, force: true });
    process.exit(code);
  })
  .catch((err: unknown) => {
    console.error(err);
    console.log("\n0 passed, 1 failed");
    process.exit(1);
  });
