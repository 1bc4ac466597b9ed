// Walks every tRPC procedure in the app router and proves that it refuses an anonymous caller and a
// caller without its declared role, and that no procedure forgets to declare one.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { ROLES, type Role } from "../auth/roles";
import { appRouter, createCaller } from "./root";
import type { Context, Meta } from "./trpc";

type AnyProc = { _def: { type: "query" | "mutation" | "subscription"; meta?: Meta } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProc>);

function call(ctx: Context, path: string): Promise<unknown> {
  const caller = createCaller(ctx) as unknown as Record<string, unknown>;
  const fn = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (i?: unknown) => Promise<unknown>;
  return fn(undefined);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    return e instanceof TRPCError ? e.code : `THREW ${(e as Error).message}`;
  }
}

describe("role matrix", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  const ctx = (roles: Role[] | null): Context => ({
    db: t.db,
    requestId: "test",
    user: roles ? { id: "u-test", email: "t@weft.local", name: "T", roles, teamIds: [] } : null,
  });

  it("covers a non-trivial router", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(6);
  });

  it.each(procedures)("%s declares a role", (_path, proc) => {
    expect(ROLES).toContain(proc._def.meta?.role);
  });

  it.each(procedures)("%s refuses an anonymous caller", async (path) => {
    expect(await codeOf(call(ctx(null), path))).toBe("UNAUTHORIZED");
  });

  it.each(procedures)("%s refuses every caller without its role", async (path, proc) => {
    const required = proc._def.meta!.role;
    if (required === "viewer") return; // every signed-in user holds viewer
    for (const role of ROLES) {
      if (role === required || role === "admin") continue;
      expect(await codeOf(call(ctx([role]), path)), `${path} as ${role}`).toBe("FORBIDDEN");
    }
  });

  it.each(procedures)("%s lets its role past the gate", async (path, proc) => {
    const code = await codeOf(call(ctx([proc._def.meta!.role]), path));
    // Past the gate the call may still fail on its (missing) input, but never on authorisation.
    expect(["UNAUTHORIZED", "FORBIDDEN"]).not.toContain(code);
  });
});
