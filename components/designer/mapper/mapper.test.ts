// The data mapper's pure logic: trees from JSON Schema and samples, fields ⇄ JSONata without loss,
// functions compiling to JSONata that evaluates as labelled, element-wise lists, and the checks.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { evaluate, evaluateMapping, mappingToJsonata } from "@/core/dsl";
import {
  checkMapping,
  mappingCode,
  mappingFromCode,
  mappingView,
  previewScope,
  setField,
  sourceIndex,
  sourceTrees,
  targetTree,
} from "./model";
import { decomposeObject, literalFrom, parseRule, renderRule, sourcePath, type FieldRule } from "./rules";
import { findNode, sampleTree, schemaTree } from "./schema-tree";
import type { JsonSchema, MapperSource } from "./types";

const Invoice = z.object({
  customerId: z.string(),
  issueDate: z.string().meta({ format: "date" }),
  total: z.number(),
  currency: z.enum(["EUR", "USD"]).optional(),
  memo: z.string().nullable().optional(),
  lines: z.array(z.object({ sku: z.string(), quantity: z.number().int(), amount: z.number() })),
  billTo: z.object({ name: z.string(), city: z.string().optional() }).optional(),
});
const invoiceSchema = z.toJSONSchema(Invoice) as JsonSchema;

const opportunity = {
  Id: "006A",
  Name: "ACME rollout",
  Amount: "1234.567",
  CloseDate: "2026-03-31T10:00:00Z",
  Account: { Id: "001X", Name: "ACME Ltd", BillingCity: "Utrecht" },
  Items: [
    { Code: "CONS", Qty: 3, Price: 100 },
    { Code: "LIC", Qty: 1, Price: 50.5 },
  ],
  Stage: "won",
  Probability: 90,
};
const sources: MapperSource[] = [{ ref: "$trigger", label: "Opportunity (trigger)", sample: opportunity }];

describe("trees", () => {
  it("builds the target tree from a zod JSON Schema: types, formats, required, nullable, list elements", () => {
    const t = schemaTree(invoiceSchema, "Invoice");
    expect(t.children.map((c) => c.name)).toEqual([
      "customerId",
      "issueDate",
      "total",
      "currency",
      "memo",
      "lines",
      "billTo",
    ]);
    expect(findNode(t, "customerId")).toMatchObject({ type: "string", required: true });
    expect(findNode(t, "issueDate")).toMatchObject({ format: "date" });
    expect(findNode(t, "currency")).toMatchObject({ type: "string", required: false, enum: ["EUR", "USD"] });
    expect(findNode(t, "memo")).toMatchObject({ type: "string", nullable: true });
    expect(findNode(t, "lines")).toMatchObject({ type: "array", itemType: "object", required: true });
    expect(findNode(t, "lines.quantity")).toMatchObject({ type: "integer", required: true, path: "lines.[].quantity" });
    expect(findNode(t, "billTo.city")).toMatchObject({ required: false });
  });

  it("follows $ref/$defs and stops at recursion", () => {
    const s: JsonSchema = {
      $defs: { Node: { type: "object", properties: { name: { type: "string" }, parent: { $ref: "#/$defs/Node" } } } },
      $ref: "#/$defs/Node",
    };
    const t = schemaTree(s);
    expect(findNode(t, "name")?.type).toBe("string");
    expect(findNode(t, "parent")?.type).toBe("any");
    expect(findNode(t, "parent")?.children).toEqual([]);
  });

  it("infers a tree from a pinned sample, merging the fields of list elements", () => {
    const t = sampleTree({ a: 1.5, d: "2026-01-02", rows: [{ x: 1 }, { y: "z", x: 2.5 }, { y: null }], tags: ["p"] });
    expect(findNode(t, "rows.x")?.type).toBe("number");
    expect(findNode(t, "rows.y")?.type).toBe("string");
    expect(findNode(t, "a")?.type).toBe("number");
    expect(findNode(t, "d")?.format).toBe("date");
    expect(findNode(t, "rows")?.children.map((c) => c.name)).toEqual(["x", "y"]);
    expect(findNode(t, "tags")).toMatchObject({ type: "array", itemType: "string" });
  });

  it("names source fields by their JSONata paths, back-quoting names that are not identifiers", () => {
    const idx = sourceIndex(
      sourceTrees([
        { ref: "$steps.load.output", label: "load", sample: { "first name": "A", and: 1, rows: [{ v: 1 }] } },
      ]),
    );
    expect([...idx.keys()]).toEqual([
      "$steps.load.output",
      "$steps.load.output.`first name`",
      "$steps.load.output.`and`",
      "$steps.load.output.rows",
      "$steps.load.output.rows.v",
    ]);
    expect(idx.get("$steps.load.output.rows.v")?.throughList).toBe(true);
    expect(sourcePath("$trigger", "a.[].b")).toBe("$trigger.a.b");
  });

  it("a schema that names no fields does not hide the pinned sample's fields (an event trigger without a contract schema)", () => {
    const [open] = sourceTrees([
      {
        ref: "$trigger",
        label: "Trigger",
        schema: { type: "object" },
        sample: { userId: "U-42", weekEnd: "2026-11-29" },
      },
    ]);
    expect(open!.tree.children.map((c) => c.name)).toEqual(["userId", "weekEnd"]);
    const [described] = sourceTrees([
      {
        ref: "$trigger",
        label: "Trigger",
        schema: { type: "object", properties: { id: { type: "string" } } },
        sample: { other: 1 },
      },
    ]);
    expect(described!.tree.children.map((c) => c.name)).toEqual(["id"]);
  });
});

describe("rules ⇄ JSONata", () => {
  const cases: Array<[FieldRule, unknown]> = [
    [{ kind: "source", source: "$trigger.Account.Name" }, "ACME Ltd"],
    [{ kind: "literal", value: "EUR" }, "EUR"],
    [{ kind: "literal", value: 0 }, 0],
    [{ kind: "literal", value: false }, false],
    [{ kind: "fn", fn: "formatDate", sources: ["$trigger.CloseDate"], param: "[D01]/[M01]/[Y0001]" }, "31/03/2026"],
    [{ kind: "fn", fn: "money", sources: ["$trigger.Amount"], param: 2 }, "1234.57"],
    [{ kind: "fn", fn: "money", sources: ["$trigger.Probability"], param: 0 }, "90"],
    [{ kind: "fn", fn: "round", sources: ["$trigger.Amount"], param: 2 }, 1234.57],
    [{ kind: "fn", fn: "formatNumber", sources: ["$trigger.Amount"], param: "#,##0.00" }, "1,234.57"],
    [
      {
        kind: "fn",
        fn: "concat",
        sources: ["$trigger.Account.Name", "$trigger.Missing", "$trigger.Name"],
        param: " – ",
      },
      "ACME Ltd – ACME rollout",
    ],
    [
      { kind: "fn", fn: "lookup", sources: ["$trigger.Stage"], param: { won: "Closed Won", lost: "Closed Lost" } },
      "Closed Won",
    ],
    [{ kind: "fn", fn: "default", sources: ["$trigger.Currency"], param: "EUR" }, "EUR"],
    [{ kind: "fn", fn: "default", sources: ["$trigger.Stage"], param: "none" }, "won"],
    [{ kind: "fn", fn: "uppercase", sources: ["$trigger.Stage"] }, "WON"],
    [{ kind: "fn", fn: "toNumber", sources: ["$trigger.Amount"] }, 1234.567],
    [{ kind: "fn", fn: "toText", sources: ["$trigger.Probability"] }, "90"],
    [
      {
        kind: "each",
        source: "$trigger.Items",
        fields: { sku: "Code", quantity: "Qty", "price.amount": "$round($number(Price), 0)" },
      },
      [
        { sku: "CONS", quantity: 3, price: { amount: 100 } },
        { sku: "LIC", quantity: 1, price: { amount: 50 } },
      ],
    ],
  ];

  it.each(cases)(
    "%j compiles to JSONata that reads back as itself and evaluates as labelled",
    async (rule, expected) => {
      const text = renderRule(rule);
      expect(parseRule(text)).toEqual(rule);
      expect(await evaluate(text, { trigger: opportunity })).toEqual(expected);
    },
  );

  it("keeps a one-element list a list when mapping element-wise", async () => {
    const text = renderRule({ kind: "each", source: "$trigger.Items", fields: { sku: "Code" } });
    expect(await evaluate(text, { trigger: { Items: [{ Code: "A" }] } })).toEqual([{ sku: "A" }]);
    expect(await evaluate(text, { trigger: { Items: [] } })).toEqual([]);
  });

  it("reads equivalent spellings, and keeps anything else verbatim as custom", () => {
    expect(parseRule("( $trigger.a )")).toEqual({ kind: "source", source: "$trigger.a" });
    expect(parseRule("$exists($trigger.c) ? $trigger.c : 'x'")).toEqual({
      kind: "fn",
      fn: "default",
      sources: ["$trigger.c"],
      param: "x",
    });
    for (const expr of [
      "$trigger.a[0]",
      "$trigger.a + 1",
      "$sum($trigger.lines.amount)",
      "$trigger.items[qty > 1].sku",
      "$uppercase($trigger.a & 'x')",
      "  $trigger.a /* why */ ",
    ]) {
      const r = parseRule(expr);
      expect(r.kind === "custom" || r.kind === "source").toBe(true);
      if (r.kind === "custom") expect(r.expr).toBe(expr);
    }
    expect(parseRule("$trigger.items[qty > 1].sku")).toEqual({ kind: "custom", expr: "$trigger.items[qty > 1].sku" });
    expect(parseRule("not jsonata (")).toEqual({ kind: "custom", expr: "not jsonata (" });
  });
});

describe("fields ⇄ one JSONata expression", () => {
  it("decomposes an object constructor into dotted fields, slicing the original text", () => {
    expect(
      decomposeObject(
        `{"customer": {"id": ($trigger.Account.Id), "name": $trigger.Account.Name}, 'total': $round($trigger.Amount, 2)}`,
      ),
    ).toEqual({
      "customer.id": "$trigger.Account.Id",
      "customer.name": "$trigger.Account.Name",
      total: "$round($trigger.Amount, 2)",
    });
    expect(decomposeObject(`{"a": {"b": [1, {"c": 2}]}, "s": "x,}y"}`)).toEqual({
      "a.b": `[1, {"c": 2}]`,
      s: `"x,}y"`,
    });
    expect(decomposeObject("{}")).toEqual({});
  });

  it("refuses what field mappings cannot say exactly", () => {
    for (const t of [
      `{"a.b": 1}`,
      `{"a": 1, "a": 2}`,
      `{$k: 1}`,
      `$trigger`,
      `{"a": 1} /* c */`,
      `{"a": 1}.a`,
      `{"a": 1, "a": {"b": 2}}`,
    ])
      expect(decomposeObject(t), t).toBeNull();
  });

  it("round-trips: fields → code → fields is the same mapping, and code that is not fields stays code", async () => {
    const fields = {
      "customer.id": "$trigger.Account.Id",
      "customer.city": '$trigger.Account.BillingCity ?? "n/a"',
      total: "$round($number($trigger.Amount), 2)",
      lines: renderRule({ kind: "each", source: "$trigger.Items", fields: { sku: "Code" } }),
    };
    const code = mappingCode(fields);
    expect(code.split("\n")).toEqual([
      "{",
      '  "customer": {',
      '    "id": $trigger.Account.Id,',
      '    "city": $trigger.Account.BillingCity ?? "n/a"',
      "  },",
      '  "total": $round($number($trigger.Amount), 2),',
      '  "lines": ([$trigger.Items.{"sku": (Code)}])',
      "}",
    ]);
    expect(mappingFromCode(code)).toEqual(fields);
    expect(await evaluate(code, { trigger: opportunity })).toEqual(
      await evaluate(mappingToJsonata(fields), { trigger: opportunity }),
    );
    const multi = { note: '(\n  $a := "x  y";\n  $a\n)' };
    expect(mappingFromCode(mappingCode(multi))).toEqual(multi);
    expect(await evaluateMapping(mappingFromCode(code), { trigger: opportunity })).toEqual(
      await evaluateMapping(fields, { trigger: opportunity }),
    );
    const custom = `($t := $trigger; {"id": $t.Id})`;
    expect(mappingFromCode(custom)).toBe(custom);
    expect(mappingView(custom)).toEqual({ mode: "expression", expr: custom });
    expect(mappingCode({})).toBe("{}");
    expect(mappingFromCode("{}")).toEqual({});
  });

  it("sets and clears fields; mapping a field as a whole replaces its sub-fields", () => {
    let m = setField({ "a.x": "1", b: "2" }, "c", "3");
    expect(m).toEqual({ "a.x": "1", b: "2", c: "3" });
    m = setField(m, "a", "$trigger.a");
    expect(m).toEqual({ b: "2", c: "3", a: "$trigger.a" });
    expect(setField(m, "b", null)).toEqual({ c: "3", a: "$trigger.a" });
    expect(setField(`{"x": 1}`, "y", "2")).toEqual({ x: "1", y: "2" });
    expect(() => setField("$trigger", "y", "2")).toThrow(/custom expression/);
  });
});

describe("checks before saving", () => {
  const target = { label: "Invoice", schema: invoiceSchema };
  const codes = (m: Record<string, string>) => checkMapping(m, sources, target).map((p) => `${p.code}:${p.path}`);

  it("flags unmapped required fields, also inside element-wise lists and mapped objects", () => {
    expect(codes({})).toEqual([
      "required-unmapped:customerId",
      "required-unmapped:issueDate",
      "required-unmapped:total",
      "required-unmapped:lines",
    ]);
    const m = {
      customerId: "$trigger.Account.Id",
      issueDate: renderRule({
        kind: "fn",
        fn: "formatDate",
        sources: ["$trigger.CloseDate"],
        param: "[Y0001]-[M01]-[D01]",
      }),
      total: "$round($number($trigger.Amount), 2)",
      lines: renderRule({ kind: "each", source: "$trigger.Items", fields: { sku: "Code", quantity: "Qty" } }),
      "billTo.city": "$trigger.Account.BillingCity",
    };
    expect(codes(m)).toEqual(["required-unmapped:lines.amount", "required-unmapped:billTo.name"]);
    expect(checkMapping(m, sources, target)[0]!.message).toBe("lines.amount is required by Invoice but not mapped.");
    // A required object with nothing mapped names its required fields.
    const nested = {
      label: "Customer",
      schema: z.toJSONSchema(
        z.object({
          body: z.object({
            companyName: z.string(),
            subsidiary: z.object({ id: z.string(), name: z.string().optional() }),
            memo: z.string().optional(),
          }),
          meta: z.object({ note: z.string().optional() }),
        }),
      ) as JsonSchema,
    };
    expect(checkMapping({}, sources, nested).map((p) => p.path)).toEqual([
      "body.companyName",
      "body.subsidiary.id",
      "meta",
    ]);
  });

  it("flags type mismatches with a fix, lists mapped onto single values, unknown fields and bad syntax", () => {
    const problems = checkMapping(
      {
        customerId: "$trigger.Account.Id",
        issueDate: "$trigger.CloseDate",
        total: "$trigger.Amount",
        lines: "$trigger.Items",
        "billTo.name": "$trigger.Items.Code",
        "billTo.zip": "1",
        memo: "$trigger.Nope",
        currency: "$trigger.(",
      },
      sources,
      target,
    );
    expect(problems.map((p) => `${p.code}:${p.path}`)).toEqual([
      "type-mismatch:total",
      "list-to-value:billTo.name",
      "unknown-target:billTo.zip",
      "unknown-source:memo",
      "syntax:currency",
    ]);
    expect(problems[0]!.message).toBe(
      'total expects a number but gets a text from $trigger.Amount; apply "To number" or "Round".',
    );
    expect(problems[3]!.message).toBe("memo: $trigger.Nope is not a field that Opportunity (trigger) describes.");
  });

  it("says nothing about fields when the mapping is one custom expression, except its syntax", () => {
    expect(checkMapping("$trigger.Account", sources, target)).toEqual([]);
    expect(checkMapping("$trigger.(", sources, target)[0]).toMatchObject({ code: "syntax", severity: "error" });
  });

  it("lists the mapped fields as the target when there is no target schema", () => {
    const { tree, extra } = targetTree(undefined, { "a.b": "1", c: "2" });
    expect(tree.children.map((c) => c.name)).toEqual(["a", "c"]);
    expect(findNode(tree, "a.b")).toBeDefined();
    expect(extra.size).toBe(0);
  });
});

describe("preview", () => {
  it("evaluates the mapping on the pinned samples of each source", async () => {
    const { scope, missing } = previewScope([
      { ref: "$trigger", label: "t", sample: { a: 1 } },
      { ref: "$steps.load.output", label: "load", sample: { b: 2 } },
      { ref: "$steps.other.output", label: "other" },
    ]);
    expect(missing).toEqual(["other"]);
    expect(await evaluateMapping({ x: "$trigger.a", y: "$steps.load.output.b" }, scope)).toEqual({ x: 1, y: 2 });
  });

  it("a fixed value typed onto a text field stays text; elsewhere numbers and true/false/null are typed", () => {
    expect(literalFrom("1", "string")).toBe("1");
    expect(renderRule({ kind: "literal", value: literalFrom("1", "string") })).toBe('"1"');
    expect(literalFrom("1", "integer")).toBe(1);
    expect(literalFrom("true")).toBe(true);
    expect(literalFrom("net 30", "any")).toBe("net 30");
  });
});
