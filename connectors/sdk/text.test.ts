import { describe, expect, it } from "vitest";
import { withArticle } from "./text";
import { connectors } from "../registry";

describe("withArticle", () => {
  it("chooses a/an by sound", () => {
    expect(
      ["invoice", "expense", "assignment", "uniqueLocal address", "unparseable address", "hour", "object"].map(
        withArticle,
      ),
    ).toEqual([
      "an invoice",
      "an expense",
      "an assignment",
      "a uniqueLocal address",
      "an unparseable address",
      "an hour",
      "an object",
    ]);
    expect(
      ["customer", "project (job)", "time bill", "user", "one-off", "European customer", "story (task)"].map(
        withArticle,
      ),
    ).toEqual([
      "a customer",
      "a project (job)",
      "a time bill",
      "a user",
      "a one-off",
      "a European customer",
      "a story (task)",
    ]);
    expect(["sObject", "HTTP request", "URL", "API", "SOQL query", "JSON body"].map(withArticle)).toEqual([
      "an sObject",
      "an HTTP request",
      "a URL",
      "an API",
      "a SOQL query",
      "a JSON body",
    ]);
  });

  it("no operation description of a shipped connector says 'a' before a vowel or 'an' before a consonant", () => {
    const bad: string[] = [];
    for (const m0 of Object.values(connectors))
      for (const op of Object.values(m0.operations))
        for (const m of (op.description ?? "").matchAll(/\b(a|an) ([A-Za-z][\w-]*)/g))
          if (withArticle(m[2]!).split(" ")[0] !== m[1]!.toLowerCase()) bad.push(`${m0.key}.${op.name}: ${m[0]}`);
    expect(bad).toEqual([]);
  });
});
