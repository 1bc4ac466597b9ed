import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import {
  checkExpression,
  checkExpressions,
  clearExpressionCache,
  compileExpression,
  evaluate,
  evaluateMapping,
  expressionRefs,
  ExpressionError,
  fieldsToJsonata,
} from "./expressions";

describe("checkExpression", () => {
  it("returns the AST of a valid expression, cached", () => {
    const a = checkExpression("$steps.post.output.tranId");
    expect(a.ok).toBe(true);
    expect(checkExpression("$steps.post.output.tranId")).toBe(a);
  });

  it("returns the position of a syntax error", () => {
    const r = checkExpression("$sum(lines.amount");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe("S0203");
      expect(r.position).toBe(17);
      expect(r.message).toContain(")");
    }
  });

  it("refuses deep nesting before the recursive parser sees it", () => {
    const r = checkExpression("(".repeat(5000) + "1" + ")".repeat(5000));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe("too-complex");
  });

  it("does not count brackets inside strings", () => {
    expect(checkExpression(`"${"(".repeat(500)}"`).ok).toBe(true);
  });

  it("survives a stack overflow in the parser", () => {
    // Unary minus recursion is not bracket nesting, so only the try/catch stands between it and a crash.
    const r = checkExpression("-".repeat(15_000) + "1");
    expect(typeof r.ok).toBe("boolean");
  });
});

describe("evaluate", () => {
  const scope = {
    trigger: { projectCode: "P-1", lines: [{ amount: 5 }, { amount: 20 }] },
    steps: { post: { output: { tranId: "INV-7" } } },
    flow: { key: "approved-time-to-invoice" },
    run: { id: "r1" },
  };

  it("binds $trigger, $steps, $flow, $run and uses $trigger as context", async () => {
    expect(
      await evaluate("$steps.post.output.tranId & '/' & $trigger.projectCode & '/' & $flow.key & '/' & $run.id", scope),
    ).toBe("INV-7/P-1/approved-time-to-invoice/r1");
    expect(await evaluate("$sum(lines.amount)", scope)).toBe(25);
  });

  it("uses $item as context inside a foreach", async () => {
    expect(await evaluate("amount * 2 + $index", { ...scope, item: { amount: 4 }, index: 1 })).toBe(9);
  });

  it("returns plain JSON (no sequence markers)", async () => {
    const v = await evaluate("lines[amount > 1].amount", scope);
    expect(JSON.stringify(v)).toBe("[5,20]");
    expect(Object.keys(v as object)).toEqual(["0", "1"]);
  });

  it("stops infinite recursion with a depth limit", async () => {
    const e = await evaluate("($f := function($x){ $f($x) + 1 }; $f(1))", {}, { maxDepth: 200 }).catch(
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ExpressionError);
    expect((e as ExpressionError).code).toBe("D1011");
    expect((e as ExpressionError).errorClass).toBe("mapping");
  });

  it("stops infinite tail-recursive loops with a time limit", async () => {
    const t = Date.now();
    const e = await evaluate("($f := function($x){ $f($x) }; $f(1))", {}, { timeoutMs: 100 }).catch(
      (err: unknown) => err,
    );
    expect((e as ExpressionError).code).toBe("D1012");
    // Said plainly, with the limit and what usually causes it.
    expect((e as ExpressionError).message).toMatch(
      /ran longer than its 100 ms limit and was stopped: an endless loop, or work that grows with the data/,
    );
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it("caps the size of sequences", async () => {
    const e = await evaluate("[1..5000000].($)", {}).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ExpressionError);
  });

  it("throws an ExpressionError on syntax errors and runtime errors", async () => {
    await expect(evaluate("1 +", {})).rejects.toBeInstanceOf(ExpressionError);
    await expect(evaluate("$number('abc') + $uppercase(1)", {})).rejects.toBeInstanceOf(ExpressionError);
  });

  it("caches compiled expressions per limits", () => {
    expect(compileExpression("$x")).toBe(compileExpression("$x"));
    expect(compileExpression("$x", { timeoutMs: 5 })).not.toBe(compileExpression("$x"));
  });
});

describe("mappings", () => {
  it("compiles field mappings to one object constructor", async () => {
    const src = fieldsToJsonata({
      "customer.id": "$trigger.c",
      "customer.name": "'ACME'",
      total: "1 + 1",
      "odd key": "true",
    });
    expect(src).toBe('{"customer": {"id": ($trigger.c), "name": (\'ACME\')}, "total": (1 + 1), "odd key": (true)}');
    expect(await evaluateMapping({ "customer.id": "$trigger.c", total: "1 + 1" }, { trigger: { c: "C9" } })).toEqual({
      customer: { id: "C9" },
      total: 2,
    });
  });

  it("evaluates a one-expression mapping and an empty one", async () => {
    expect(await evaluateMapping("$trigger.a", { trigger: { a: [1] } })).toEqual([1]);
    expect(await evaluateMapping({}, {})).toEqual({});
  });
});

describe("expressionRefs", () => {
  it("finds step references and variables, not strings", () => {
    const r = checkExpression(
      "$steps.a.output.x & $steps.b.error.message & '$steps.c' & $item.id & $count($steps.d.output[x > 1])",
    );
    if (!r.ok) throw new Error("parse");
    const refs = expressionRefs(r.ast);
    expect(refs.steps.map((s) => s.id).sort()).toEqual(["a", "b", "d"]);
    // Function names ($count) are variables to JSONata too.
    expect([...refs.variables].sort()).toEqual(["count", "item", "steps"]);
  });
});

describe("batched syntax checks agree with one-by-one parsing", () => {
  // Pieces that combine into valid and invalid expressions, including the lexically tricky ones.
  const pieces = [
    "$a",
    "b.c",
    "1",
    "'x'",
    '"y,"',
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    "+",
    "&",
    "?",
    ":",
    "$f(",
    "and",
    "/r,/",
    "`n`",
    "\\\\",
    "'",
    '"',
    ":=",
    "..",
    " ",
    "-",
    "*",
    "%",
  ];
  const exprArb = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 8 }).map((p) => p.join(""));
  it("a range outside an array constructor is refused even in a batch (found by this property: $a..$a)", () => {
    clearExpressionCache();
    checkExpressions(["b.c + 1", "$a..$a"]);
    expect(checkExpression("$a..$a").ok).toBe(false);
    expect(checkExpression("[$a..$a]").ok).toBe(true);
  });

  it("for any mix of expressions", () => {
    fc.assert(
      fc.property(fc.array(exprArb, { minLength: 1, maxLength: 30 }), (texts) => {
        clearExpressionCache();
        checkExpressions(texts);
        const batched = texts.map((t) => checkExpression(t).ok);
        const alone = texts.map((t) => {
          try {
            jsonata(t);
            return t.trim() !== "";
          } catch {
            return false;
          }
        });
        expect(batched).toEqual(alone);
      }),
      { numRuns: 400 },
    );
  });

  it("and the refs from a batch are those of a lone parse", () => {
    clearExpressionCache();
    const texts = ["$steps.a.output & $steps.b.output", "$count($steps.c.output[x > 1])", "{ 'k': $item.v }"];
    checkExpressions(texts);
    for (const t of texts) {
      const r = checkExpression(t);
      if (!r.ok) throw new Error(t);
      const alone = expressionRefs(jsonata(t).ast());
      expect(expressionRefs(r.ast).steps.map((s) => s.id)).toEqual(alone.steps.map((s) => s.id));
      expect([...expressionRefs(r.ast).variables].sort()).toEqual([...alone.variables].sort());
    }
  });
});
