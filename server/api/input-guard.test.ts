// Bad input gets a 4xx naming the field, never a 500 or a database's text: the input guard on every tRPC
// procedure (NUL, unpaired surrogates, deep nesting — through the caller and through the HTTP handler with
// superjson), and the one error mapper that turns database errors into a sentence and a code.
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import fc from "fast-check";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { seedTeams } from "../seed/demo";
import { ROLES } from "../../core/roles";
import { appRouter, createCaller } from "./root";
import { handleTrpcRequest } from "./http";
import { createTRPCRouter, procedure, type Context } from "./trpc";
import { inspectInput } from "../../core/input-guard";

type AnyProc = { _def: { type: "query" | "mutation" | "subscription" } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProc>);

const deep = (levels: number): unknown => JSON.parse(deepJson(levels));
// Built as text: a sender's JSON.stringify / superjson would overflow on it first.
const deepJson = (levels: number): string => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: "OK", message: "" };
  } catch (e) {
    return e instanceof TRPCError ? { code: e.code, message: e.message } : { code: "THREW", message: String(e) };
  }
}

describe("input guard and error mapping", () => {
  let t: TestDatabase;
  let ctx: Context;
  beforeAll(async () => {
    t = await createTestDatabase();
    await seedTeams(t.db);
    const u = await t.db.user.create({
      data: { id: crypto.randomUUID(), email: "ada@weft.local", name: "Ada", roles: [...ROLES] },
    });
    ctx = {
      db: t.db,
      requestId: "test",
      user: { id: u.id, email: u.email, name: u.name, roles: [...ROLES], teamIds: [] },
    };
  });
  afterAll(() => t.drop());

  const call = (path: string, input: unknown) => {
    const caller = createCaller(ctx) as unknown as Record<string, unknown>;
    const fn = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (
      i?: unknown,
    ) => Promise<unknown>;
    return fn(input);
  };

  // The class, on every procedure: whatever its schema, the guard answers first and names the field.
  it.each(procedures)(
    "%s refuses NUL, unpaired surrogates and deep nesting with a 4xx naming the field",
    async (path) => {
      expect(await failure(call(path, { note: "a\u0000b" }))).toEqual({
        code: "BAD_REQUEST",
        message: expect.stringContaining("`note` contains a NUL character"),
      });
      expect(await failure(call(path, { list: ["ok", "x\ud800"] }))).toEqual({
        code: "BAD_REQUEST",
        message: expect.stringContaining("`list[1]` contains an unpaired UTF-16 surrogate"),
      });
      expect(await failure(call(path, { ["k\u0000"]: 1 }))).toEqual({
        code: "BAD_REQUEST",
        message: expect.stringContaining("has a field name that contains a NUL"),
      });
      expect(await failure(call(path, deep(5_000)))).toEqual({
        code: "PAYLOAD_TOO_LARGE",
        message: expect.stringContaining("nested more than 100 levels deep"),
      });
    },
  );

  // Over HTTP, as the browser sends it (superjson, batched): the status and the field reach the client.
  const http = async (path: string, input: unknown, type: "query" | "mutation" = "mutation", rawJson?: string) => {
    const body =
      rawJson !== undefined ? `{"0":{"json":${rawJson}}}` : JSON.stringify({ 0: superjson.serialize(input) });
    const url = `http://weft.test/api/trpc/${path}?batch=1${type === "query" ? `&input=${encodeURIComponent(body)}` : ""}`;
    const req = new Request(
      url,
      type === "query" ? { method: "GET" } : { method: "POST", headers: { "content-type": "application/json" }, body },
    );
    const res = await handleTrpcRequest(req, { context: () => Promise.resolve(ctx) });
    const json = (await res.json()) as Array<{
      error?: { json: { message: string; data: { zodIssues: Array<{ path: string[]; message: string }> | null } } };
    }>;
    return { status: res.status, error: json[0]?.error?.json };
  };

  // The procedures the outside test reported, each with an otherwise valid input.
  const reported: Array<[string, (bad: string) => unknown]> = [
    ["flows.create", (bad) => ({ key: "nul-flow", name: bad, domain: "invoice", ownerTeamKey: "finance" })],
    ["exceptions.saveView", (bad) => ({ name: bad, filter: {} })],
    ["apiTokens.create", (bad) => ({ name: bad })],
    ["exceptions.comment", (bad) => ({ id: crypto.randomUUID(), text: bad })],
    ["flows.pinSample", (bad) => ({ flowKey: "nul-flow", nodeId: "trigger", payload: { customer: { name: bad } } })],
    ["runs.test", (bad) => ({ flowKey: "nul-flow", input: { body: { lines: [{ memo: bad }] } } })],
  ];

  it.each(reported)(
    "%s over HTTP: 400 naming the field for a NUL or a lone surrogate, 413 for 100k levels",
    async (path, make) => {
      for (const bad of ["Acme\u0000Corp", "Acme \udc00"]) {
        const r = await http(path, make(bad));
        expect(r.status).toBe(400);
        const issue = r.error!.data.zodIssues![0]!;
        expect(inspectInput(make(bad))!.path.map(String)).toEqual(issue.path);
        expect(r.error!.message).toMatch(/^`[^`]+` contains (a NUL character|an unpaired UTF-16 surrogate)/);
        expect(r.error!.message).not.toMatch(/prisma|invalid byte sequence|0x00/i);
      }
      const d = await http(path, undefined, "mutation", deepJson(100_000));
      expect(d.status).toBe(413);
      expect(d.error!.message).toContain("nested more than 100 levels deep");
    },
  );

  it("the guard also covers GET queries and superjson's metadata", async () => {
    expect((await http("runs.list", { flowKey: "x\u0000" }, "query")).status).toBe(400);
    const res = await handleTrpcRequest(
      new Request("http://weft.test/api/trpc/apiTokens.create?batch=1", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"0":{"json":{"name":"t"},"meta":{"values":${deepJson(20_000)}}}}`,
      }),
      { context: () => Promise.resolve(ctx) },
    );
    expect(res.status).toBe(413);
  });

  // One request must not make the web process buffer an unbounded body: beyond the limit it is refused
  // before anything runs, whether the sender declared its length or streamed it.
  it("a body over the limit is a 413 before any procedure runs; a body under it goes through", async () => {
    const limit = 64 * 1024;
    const big = `{"0":{"json":{"name":"${"x".repeat(limit)}"}}}`;
    const declared = await handleTrpcRequest(
      new Request("http://weft.test/api/trpc/apiTokens.create?batch=1", {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(big.length) },
        body: big,
      }),
      { context: () => Promise.resolve(ctx), maxBodyBytes: limit },
    );
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { message: string } }).error.message).toContain(`${limit} bytes`);
    const bytes = new TextEncoder().encode(big);
    const streamed = await handleTrpcRequest(
      new Request("http://weft.test/api/trpc/apiTokens.create?batch=1", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: new ReadableStream({
          start(c) {
            for (let i = 0; i < bytes.length; i += 8192) c.enqueue(bytes.slice(i, i + 8192));
            c.close();
          },
        }),
        duplex: "half",
      } as RequestInit),
      { context: () => Promise.resolve(ctx), maxBodyBytes: limit },
    );
    expect(streamed.status).toBe(413);
    expect(await t.db.apiToken.count()).toBe(0);
    const small = await handleTrpcRequest(
      new Request("http://weft.test/api/trpc/runs.list?batch=1", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"0":{"json":{}}}`,
      }),
      { context: () => Promise.resolve(ctx), maxBodyBytes: limit },
    );
    expect(small.status).not.toBe(413);
  });

  // Property: wherever a bad character lands in an otherwise valid input, the answer is a 400 naming exactly
  // that field — never a 500, never another field.
  it("a NUL or unpaired surrogate anywhere in a valid input is a 400 naming that field", async () => {
    const badText = fc
      .tuple(
        fc.string({ maxLength: 8 }),
        fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff"),
        fc.string({ maxLength: 8 }),
      )
      .map(([a, b, c]) => a + b + c)
      .filter((s) => inspectInput(s) !== null);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...reported), badText, async ([path, make], bad) => {
        const r = await http(path, make(bad));
        expect(r.status).toBe(400);
        expect(r.error!.data.zodIssues![0]!.path).toEqual(inspectInput(make(bad))!.path.map(String));
      }),
      { numRuns: 60 },
    );
  });

  describe("database errors", () => {
    // A tiny router built with the same procedure(): the error mapping is part of every procedure.
    const router = createTRPCRouter({
      duplicateTeam: procedure("admin").mutation(({ ctx }) =>
        ctx.db.team.create({ data: { key: "finance", name: "Finance again" } }),
      ),
      nulBehindTheGuard: procedure("admin").mutation(({ ctx }) =>
        ctx.db.team.update({ where: { key: "finance" }, data: { name: ["a", "b"].join("\u0000") } }),
      ),
      missing: procedure("admin").mutation(({ ctx }) =>
        ctx.db.team.update({ where: { key: "no-such-team" }, data: { name: "x" } }),
      ),
      ownBug: procedure("admin").mutation(() => {
        throw new Error("Invalid `prisma.team.findMany()` invocation: SELECT secret FROM …");
      }),
    });
    const send = async (path: string) => {
      const req = new Request(`http://weft.test/api/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      const res = await fetchRequestHandler({
        endpoint: "/api/trpc",
        req,
        router,
        createContext: () => Promise.resolve(ctx),
      });
      const body = (await res.json()) as {
        error: { json: { message: string; data: { code: string; stack?: string } } };
      };
      return {
        status: res.status,
        message: body.error.json.message,
        code: body.error.json.data.code,
        stack: body.error.json.data.stack,
      };
    };

    it.each([
      ["duplicateTeam", 409, "CONFLICT", /already exists/],
      ["nulBehindTheGuard", 400, "BAD_REQUEST", /cannot be stored/],
      ["missing", 404, "NOT_FOUND", /not found/],
      ["ownBug", 500, "INTERNAL_SERVER_ERROR", /^Something went wrong on our side/],
    ] as const)(
      "%s → %i %s with a clear sentence and none of the database's text",
      async (path, status, code, message) => {
        const r = await send(path);
        expect(r).toMatchObject({ status, code });
        expect(r.message).toMatch(message);
        expect(r.message + (r.stack ?? "")).not.toMatch(/prisma|invocation|constraint|0x00|SELECT/i);
      },
    );
  });
});
