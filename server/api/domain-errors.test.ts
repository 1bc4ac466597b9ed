// Domain code throws DomainError (it does not know tRPC: the CLI and pg-boss jobs call it too); the tRPC
// error middleware is the one place that turns it into a TRPCError with the matching code and message.
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { DOMAIN_ERROR_CODES, DOMAIN_ERROR_STATUS, DomainError } from "../../core/domain-error";
import { clientError } from "./errors";
import { createCallerFactory, createTRPCRouter, procedure } from "./trpc";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";

describe("DomainError → tRPC", () => {
  it.each(DOMAIN_ERROR_CODES)("%s keeps its message and maps to the HTTP status route handlers use", (code) => {
    const mapped = clientError(new DomainError(code, `Refused: ${code}.`));
    expect(mapped).toBeInstanceOf(TRPCError);
    expect(mapped!.message).toBe(`Refused: ${code}.`);
    expect(getHTTPStatusCodeFromError(mapped!)).toBe(DOMAIN_ERROR_STATUS[code]);
  });

  it("a procedure whose domain code throws answers with the tRPC code, the error (field, node) as its cause", async () => {
    const router = createTRPCRouter({
      boom: procedure("viewer").query(() => {
        throw new DomainError("conflict", "Revision 3 was saved by someone else.", {
          field: "baseRevision",
          node: "post",
        });
      }),
    });
    const caller = createCallerFactory(router)({
      db: undefined as never,
      requestId: "r",
      user: { id: "u", email: "u@x", name: "U", roles: ["viewer"], teamIds: [] },
    });
    const err = (await caller.boom().catch((e: unknown) => e)) as TRPCError;
    expect(err).toBeInstanceOf(TRPCError);
    expect(err).toMatchObject({ code: "CONFLICT", message: "Revision 3 was saved by someone else." });
    expect(err.cause).toMatchObject({ field: "baseRevision", node: "post" });
  });
});
