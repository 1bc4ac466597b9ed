// Classification before retry, Retry-After parsing, secret redaction and exception signatures.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import jsonata from "jsonata";
import { classifyError, classOfStatus, parseRetryAfter, StepError } from "./errors";
import { redact, REDACTED } from "./redact";
import { exceptionSignature, normaliseMessage, stepIdOfPath } from "./signature";

describe("error classification", () => {
  it("maps HTTP statuses to classes", () => {
    expect([401, 403].map(classOfStatus)).toEqual(["auth", "auth"]);
    expect([408, 425, 429, 500, 502, 503, 504].map(classOfStatus)).toEqual(Array(7).fill("transient"));
    expect([400, 404, 409, 422].map(classOfStatus)).toEqual(Array(4).fill("validation"));
  });

  it("keeps a connector's own class, excerpts and Retry-After", () => {
    const e = classifyError(
      Object.assign(new Error("Too many requests"), {
        errorClass: "transient",
        status: 429,
        retryAfterMs: 1500,
        request: { method: "POST", url: "https://x/y" },
      }),
    );
    expect(e).toMatchObject({
      errorClass: "transient",
      code: "http_429",
      retryAfterMs: 1500,
      request: { method: "POST" },
    });
  });

  it("reads Retry-After from a response excerpt when the error carries only a status", () => {
    const e = classifyError(
      Object.assign(new Error("busy"), { response: { status: 503, headers: { "retry-after": "7" } } }),
    );
    expect(e).toMatchObject({ errorClass: "transient", code: "http_503", retryAfterMs: 7000 });
  });

  it("classifies network failures, aborts, zod and JSONata errors", () => {
    expect(classifyError(Object.assign(new Error("reset"), { code: "ECONNRESET" })).errorClass).toBe("transient");
    expect(
      classifyError(new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" }) }))
        .errorClass,
    ).toBe("transient");
    expect(classifyError(new DOMException("timed out", "TimeoutError"))).toMatchObject({
      errorClass: "transient",
      code: "timeout",
    });
    const zerr = z.object({ a: z.string() }).safeParse({ a: 1 }).error;
    expect(classifyError(zerr)).toMatchObject({ errorClass: "validation", code: "schema" });
    return jsonata("$number('abc') + {}")
      .evaluate({})
      .then(
        () => expect.unreachable(),
        (err: unknown) => expect(classifyError(err).errorClass).toBe("mapping"),
      );
  });

  it("treats the unknown as internal (never retried), and leaves StepErrors alone", () => {
    expect(classifyError(new Error("boom")).errorClass).toBe("internal");
    expect(classifyError("a string").errorClass).toBe("internal");
    const s = new StepError({ errorClass: "business", message: "no" });
    expect(classifyError(s)).toBe(s);
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

describe("redaction", () => {
  it("masks secret-looking keys, known secret values and bearer tokens, and cuts long strings", () => {
    const out = redact(
      {
        headers: { Authorization: "Bearer abc.def.ghi", "x-api-key": "k" },
        body: { note: "used s3cr3t-value here", client_secret: "zz" },
        msg: "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x'",
        long: "y".repeat(3000),
      },
      { secrets: ["s3cr3t-value"] },
    ) as Record<string, Record<string, unknown>>;
    expect(out.headers!.Authorization).toBe(REDACTED);
    expect(out.headers!["x-api-key"]).toBe(REDACTED);
    expect(out.body!.client_secret).toBe(REDACTED);
    expect(out.body!.note).toBe(`used ${REDACTED} here`);
    expect(JSON.stringify(out)).not.toContain("eyJhbGciOiJIUzI1NiJ9");
    expect((out as unknown as { long: string }).long.length).toBeLessThan(2100);
  });

  it("is the connectors' redactor: a JWT-bearer assertion and a secret's URL-encoded spelling are masked in exception records too", () => {
    const out = JSON.stringify(
      redact(
        { form: { client_assertion: "eyJ.header.sig", grant: "jwt" }, body: "client_secret=a%2Bb%2Fc%3D%3D&x=1" },
        { secrets: ["a+b/c=="] },
      ),
    );
    expect(out).not.toContain("eyJ.header.sig");
    expect(out).not.toContain("a%2Bb%2Fc%3D%3D");
    expect(out).toContain("jwt");
  });

  it("keeps its limits: 100 items and keys, dates as ISO strings", () => {
    const out = redact({ list: Array.from({ length: 150 }, (_, i) => i), at: new Date("2026-01-02T03:04:05Z") }) as {
      list: unknown[];
      at: string;
    };
    expect(out.list).toHaveLength(101);
    expect(out.list.at(-1)).toBe("… 50 more items");
    expect(out.at).toBe("2026-01-02T03:04:05.000Z");
  });
});

describe("exception signature", () => {
  it("groups failures that differ only in numbers, ids, uuids and quoted values", () => {
    const a = exceptionSignature(
      "invoice-sync",
      "post",
      "validation",
      "Invoice INV-20931 for project 4411 rejected: customer '0018000000abcd' is inactive",
    );
    const b = exceptionSignature(
      "invoice-sync",
      "post",
      "validation",
      "Invoice INV-77 for project 12 rejected: customer 'X9' is inactive",
    );
    expect(a).toBe(b);
    expect(
      exceptionSignature(
        "invoice-sync",
        "post",
        "transient",
        "Invoice INV-77 for project 12 rejected: customer 'X9' is inactive",
      ),
    ).not.toBe(a);
    expect(
      exceptionSignature(
        "invoice-sync",
        "other",
        "validation",
        "Invoice INV-77 for project 12 rejected: customer 'X9' is inactive",
      ),
    ).not.toBe(a);
    expect(normaliseMessage("run 3f2b1c4e-1111-4222-8333-123456789abc failed after 3 tries")).toBe(
      "run <uuid> failed after # tries",
    );
  });

  it("uses the step id, not its loop position", () => {
    expect(stepIdOfPath("lines[3].post")).toBe("post");
    expect(stepIdOfPath("fetch")).toBe("fetch");
  });
});
