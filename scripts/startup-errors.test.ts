// Bad start-up conditions end with one clear sentence on stderr and exit 1 — never a stack trace.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile, chmod } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../server/testing/db";

function runScript(
  script: string,
  env: Record<string, string | undefined>,
  args: string[] = [],
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.resolve("node_modules/.bin/tsx"), [script, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NEXT_TELEMETRY_DISABLED: "1",
        ...env,
      } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    // A safety net, not a time limit: on a busy shared machine one tsx start can take over a minute.
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

function expectOneSentence(stderr: string, pattern: RegExp) {
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(
    stderr
      .trim()
      .split("\n")
      .filter((l) => l.trim()),
  ).toHaveLength(1);
}

const strongSecrets = { BETTER_AUTH_SECRET: "x".repeat(40), WEFT_SECRET_KEY: "y".repeat(40) };

describe("start-up errors", () => {
  let t: TestDatabase;
  let tmp: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    tmp = await mkdtemp(path.join(os.tmpdir(), "weft-startup-"));
  });
  afterAll(() => t.drop());

  it("a malformed DATABASE_URL", async () => {
    const r = await runScript("scripts/start.ts", { ...strongSecrets, DATABASE_URL: "mysql://nope", PORT: "3291" });
    expect(r.code).toBe(1);
    expectOneSentence(r.stderr, /DATABASE_URL must start with postgresql:\/\//);
  });

  it("an unreachable database", async () => {
    const r = await runScript("scripts/start.ts", {
      ...strongSecrets,
      DATABASE_URL: "postgresql://postgres@127.0.0.1:1/weft",
      PORT: "3292",
    });
    expect(r.code).toBe(1);
    expectOneSentence(
      r.stderr,
      /Cannot reach the database at postgresql:\/\/postgres@127\.0\.0\.1:1\/weft: nothing is listening there/,
    );
  });

  it("a database that does not exist", async () => {
    const u = new URL(t.url);
    u.pathname = "/no_such_database_here";
    const r = await runScript("scripts/start.ts", { ...strongSecrets, DATABASE_URL: u.toString(), PORT: "3293" });
    expect(r.code).toBe(1);
    expectOneSentence(r.stderr, /does not exist\. Create it/);
  });

  it("default secrets in production", async () => {
    const r = await runScript("scripts/start.ts", {
      DATABASE_URL: t.url,
      BETTER_AUTH_SECRET: "weft-dev-auth-secret-change-me",
      WEFT_SECRET_KEY: "y".repeat(40),
      PORT: "3294",
    });
    expect(r.code).toBe(1);
    expectOneSentence(r.stderr, /BETTER_AUTH_SECRET is a default or too short/);
  });

  it("a port already in use", async () => {
    const srv = net.createServer().listen(0);
    await new Promise((r) => srv.once("listening", r));
    const port = (srv.address() as net.AddressInfo).port;
    const r = await runScript("scripts/start.ts", { ...strongSecrets, DATABASE_URL: t.url, PORT: String(port) });
    srv.close();
    expect(r.code).toBe(1);
    expectOneSentence(r.stderr, new RegExp(`Port ${port} is already in use`));
  });

  it("a data directory that cannot be written", async () => {
    const file = path.join(tmp, "not-a-dir");
    await writeFile(file, "x");
    await chmod(file, 0o400);
    const r = await runScript("scripts/dev.ts", { WEFT_DATA_DIR: path.join(file, "sub"), PORT: "3295" });
    expect(r.code).toBe(1);
    expectOneSentence(r.stderr, /The data directory .* cannot be written/);
  });

  it("a migration whose checksum changed", async () => {
    await t.db.$executeRawUnsafe(
      `UPDATE "_prisma_migrations" SET checksum = 'deadbeef' WHERE migration_name = '20261124000000_foundation'`,
    );
    const r = await runScript("scripts/worker.ts", { DATABASE_URL: t.url });
    expect(r.code).toBe(1);
    expectOneSentence(r.stderr, /Migration 20261124000000_foundation was changed after it was applied/);
  });
});

describe("weft CLI", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it("creates the first admin and verifies the audit chain", async () => {
    // The server's audit key, as production sets it in the environment.
    const env = { DATABASE_URL: t.url, WEFT_AUDIT_KEY: process.env.WEFT_AUDIT_KEY };
    const created = await runScript("scripts/cli.ts", env, [
      "user",
      "create",
      "--admin",
      "--email",
      "first@corp.example",
      "--password",
      "s3cret-pass-1",
    ]);
    expect(created.stderr).toBe("");
    expect(created.stdout).toContain("created first@corp.example with roles admin");
    const user = await t.db.user.findUnique({ where: { email: "first@corp.example" } });
    expect(user?.roles).toEqual(["admin"]);

    const again = await runScript("scripts/cli.ts", env, ["user", "create", "--email", "first@corp.example"]);
    expect(again.code).toBe(1);
    expectOneSentence(again.stderr, /An account for first@corp.example already exists/);

    const ok = await runScript("scripts/cli.ts", env, ["audit", "verify"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/audit log intact: 1 rows/);

    // A signed anchor, then the newest rows deleted behind the trigger: the chain alone still looks intact.
    const dir = await mkdtemp(path.join(os.tmpdir(), "weft-anchor-"));
    const file = path.join(dir, "anchor.json");
    const anchored = await runScript("scripts/cli.ts", env, ["audit", "anchor", "--out", file]);
    expect(anchored.stdout).toMatch(/anchor written to .*: 2 rows up to \d+, head [0-9a-f]{64}/);
    expect((await runScript("scripts/cli.ts", env, ["audit", "verify", "--anchor", file])).stdout).toMatch(
      /intact: 2 rows.*contains the anchored rows/,
    );
    await t.db.$executeRawUnsafe(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await t.db.$executeRawUnsafe(`DELETE FROM audit_log WHERE action = 'audit.anchor_exported'`);
    const cut = await runScript("scripts/cli.ts", env, ["audit", "verify", "--anchor", file]);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toMatch(/TAMPERED[\s\S]*anchored row .* is gone/);
    await writeFile(file, "{}");
    expectOneSentence(
      (await runScript("scripts/cli.ts", env, ["audit", "verify", "--anchor", file])).stderr,
      /not a Weft audit anchor/,
    );

    await t.db.$executeRawUnsafe(`UPDATE audit_log SET actor_email = 'someone-else'`);
    const bad = await runScript("scripts/cli.ts", env, ["audit", "verify"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/TAMPERED/);
  }, 300_000); // eight CLI processes on a shared machine
});
