// `weft runs list` and `weft exceptions list|groups` read one environment: --env <key|all>, else the server's
// default (core/environment-scope.ts) — production for an operator, which the CLI reads as unless --as names an
// account with other roles. Run in process against a real database, as the CLI would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { insertRuns, makeFlow, makeUser } from "@/server/governance/testing";
import { runCommand } from "./run-command.test-helper";
import { registerRuntimeCommands } from "./runtime-commands";

const run = (...args: string[]) => runCommand(registerRuntimeCommands, ...args);

describe("weft runs / exceptions --env", () => {
  let t: TestDatabase;
  const saved = process.env.DATABASE_URL;
  const runIds: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url;
    const flowId = await makeFlow(t.db, { key: "cli-env", teamKey: "finance" });
    await makeUser(t.db, "designer@cli-env", ["designer"], ["finance"]);
    for (const environment of ["production", "test"]) {
      const [id] = await insertRuns(t.db, flowId, [{ status: "failed", createdAt: new Date(), environment }]);
      runIds[environment] = id!;
      await t.db.$executeRawUnsafe(
        `INSERT INTO exception (id, run_id, flow_id, error_class, message, signature, status, business_keys, updated_at)
         VALUES (gen_random_uuid(), $1::uuid, $2::uuid, 'auth', 'x', $3, 'open', '{}'::jsonb, now())`,
        id,
        flowId,
        `sig-${environment}`,
      );
    }
  }, 120_000);
  afterAll(async () => {
    process.env.DATABASE_URL = saved;
    await t?.drop();
  });

  const runsSeen = async (...args: string[]) => {
    const r = await run("runs", "list", "--flow", "cli-env", "--json", ...args);
    expect(r.code, r.err).toBe(0);
    return (JSON.parse(r.out) as { items: Array<{ id: string }> }).items.map((x) => x.id).sort();
  };
  const exceptionsSeen = async (...args: string[]) => {
    const r = await run("exceptions", "list", "--flow", "cli-env", "--json", ...args);
    expect(r.code, r.err).toBe(0);
    return (JSON.parse(r.out) as { items: Array<{ runId: string }> }).items.map((x) => x.runId).sort();
  };
  const groupsSeen = async (...args: string[]) => {
    const r = await run("exceptions", "groups", "--json", ...args);
    expect(r.code, r.err).toBe(0);
    return (JSON.parse(r.out) as Array<{ signature: string }>).map((g) => g.signature).sort();
  };

  it("reads production by default (an operator's view); --env all widens it; --env test narrows to test", async () => {
    const every = [runIds.production!, runIds.test!].sort();
    expect(await runsSeen()).toEqual([runIds.production]);
    expect(await runsSeen("--env", "all")).toEqual(every);
    expect(await runsSeen("--env", "test")).toEqual([runIds.test]);
    expect(await exceptionsSeen()).toEqual([runIds.production]);
    expect(await exceptionsSeen("--env", "all")).toEqual(every);
    expect(await exceptionsSeen("--env", "test")).toEqual([runIds.test]);
    expect(await groupsSeen()).toEqual(["sig-production"]);
    expect(await groupsSeen("--env", "all")).toEqual(["sig-production", "sig-test"]);
    expect(await groupsSeen("--env", "test")).toEqual(["sig-test"]);
    // The text form names each run's environment.
    const text = await run("runs", "list", "--flow", "cli-env", "--env", "all");
    expect(text.out).toMatch(new RegExp(`${runIds.test}.*\\btest$`, "m"));
  }, 60_000);

  it("--as an account with another role reads as the server answers that role: every environment", async () => {
    const every = [runIds.production!, runIds.test!].sort();
    expect(await runsSeen("--as", "designer@cli-env")).toEqual(every);
    expect(await exceptionsSeen("--as", "designer@cli-env")).toEqual(every);
    expect(await runsSeen("--as", "designer@cli-env", "--env", "production")).toEqual([runIds.production]);
  }, 60_000);

  it("an unknown environment is refused naming the ones there are", async () => {
    await expect(run("runs", "list", "--env", "staging")).rejects.toThrow(
      /--env: no environment "staging" \(there are production, test; or all for every one\)/,
    );
    await expect(run("exceptions", "list", "--env", "staging")).rejects.toThrow(/no environment "staging"/);
    await expect(run("runs", "list", "--as", "nobody@cli-env")).rejects.toThrow(/No account nobody@cli-env/);
  }, 60_000);
});
