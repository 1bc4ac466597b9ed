import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { connectorCatalog } from "@/connectors/registry";
import { evaluate, findStep, validate, type Flow, type Step } from "../dsl";
import { convert, ConvertError, fromAsl, fromN8n, formatReport, type ConvertSource } from ".";
import { translateJs, translateValue } from "./n8n-expressions";

const FIXTURES = path.join(__dirname, "fixtures");
const corpus = (["n8n", "asl"] as const).flatMap((source) =>
  readdirSync(path.join(FIXTURES, source))
    .filter((f) => f.endsWith(".json"))
    .map((file) => ({
      source: source as ConvertSource,
      file,
      doc: JSON.parse(readFileSync(path.join(FIXTURES, source, file), "utf8")) as unknown,
    })),
);
const catalog = connectorCatalog();

function step(flow: Flow, id: string): Step {
  const s = findStep(flow, id);
  if (!s) throw new Error(`no step ${id}`);
  return s.step;
}

describe("the corpus", () => {
  it.each(corpus.map((c) => [`${c.source}/${c.file}`, c] as const))(
    "%s converts and validates apart from exactly its placeholders",
    (_, c) => {
      const { flow, report } = convert(c.source, c.doc);
      const v = validate(flow, { catalog });
      const errors = v.problems.filter((p) => p.severity === "error");
      // Every error is a placeholder the report names; every placeholder in the report fails validation.
      expect(errors.filter((p) => p.code !== "placeholder-step")).toEqual([]);
      const placeholders = report.entries.filter((e) => e.status === "placeholder").map((e) => e.stepId);
      expect(errors.map((p) => p.stepId).sort()).toEqual([...placeholders].sort());
      // Nothing dropped silently: every source node/state has an entry.
      const sourceNames = c.source === "n8n" ? (c.doc as { nodes: { name: string }[] }).nodes.map((n) => n.name) : [];
      for (const n of sourceNames) expect(report.entries.map((e) => e.source)).toContain(n);
      expect(report.converted).toBeLessThanOrEqual(report.total);
      expect(formatReport(report)).toContain(`${report.converted}/${report.total}`);
    },
  );

  it("has the conversion rate recorded in docs/benchmarks.md", () => {
    let converted = 0;
    let total = 0;
    for (const c of corpus) {
      const { report } = convert(c.source, c.doc);
      converted += report.converted;
      total += report.total;
    }
    const docs = readFileSync(path.join(__dirname, "../../docs/benchmarks.md"), "utf8");
    expect(docs).toContain(`${converted} of ${total} source nodes/states`);
  });
});

describe("n8n", () => {
  const load = (f: string) => JSON.parse(readFileSync(path.join(FIXTURES, "n8n", f), "utf8")) as unknown;

  it("maps the webhook → HTTP → Set → IF shape, with auth as a connection to create and no secrets", async () => {
    const { flow, report } = fromN8n(load("webhook-order-approval.json"));
    expect(flow.trigger).toEqual({ type: "webhook", secret: "webhook-order-approval" });
    // The webhook's path, method and response mode are reported with what Weft does instead.
    const hook = report.entries.find((e) => e.source === "Webhook")!.notes.join("\n");
    expect(hook).toContain("POST /webhook/orders");
    expect(hook).toContain("POST /api/hooks/order-approval");
    expect(hook).toContain('Response mode "responseNode"');
    const get = step(flow, "getCustomer");
    expect(get).toMatchObject({
      type: "call",
      connector: "http",
      operation: "request",
      connection: "crm-api-key",
      timeout: "10s",
      retry: { maxAttempts: 4, interval: "2s" },
    });
    expect(report.connections.find((c) => c.key === "crm-api-key")).toMatchObject({
      connector: "http",
      auth: "apiKey",
      steps: ["getCustomer"],
    });
    expect(JSON.stringify(flow)).not.toMatch(/password|secret"\s*:\s*"[^w]/i);
    // The URL template reads the webhook body.
    const url = (get as { input: Record<string, string> }).input.url!;
    expect(await evaluate(url, { trigger: { body: { customerId: "C-1" } } })).toBe(
      "https://crm.example.com/customers/C-1",
    );
    // Set: fields from the previous node ($json) and from a named node ($('Webhook').item.json).
    const set = step(flow, "editFields") as { output: Record<string, string> };
    const scope = {
      trigger: { body: { amount: 1000 } },
      steps: { getCustomer: { output: { body: { name: "Acme", tier: "gold" } } } },
    };
    expect(await evaluate(set.output.customer!, scope)).toBe("Acme");
    expect(await evaluate(set.output.total!, scope)).toBeCloseTo(1210);
    expect(await evaluate(set.output.currency!, scope)).toBe("EUR");
    expect(await evaluate(set.output.vip!, scope)).toBe(true);
    // IF → switch: true output first, false output the default.
    const iff = step(flow, "needsApproval");
    expect(iff).toMatchObject({
      type: "switch",
      cases: [{ next: "requestApproval", label: "true" }],
      default: "autoApproved",
    });
    const when = (iff as { cases: { when: string }[] }).cases[0]!.when;
    expect(await evaluate(when, { steps: { editFields: { output: { total: 1500, vip: false } } } })).toBe(true);
    expect(await evaluate(when, { steps: { editFields: { output: { total: 1500, vip: true } } } })).toBe(false);
    expect(await evaluate(when, { steps: { editFields: { output: { total: 10, vip: false } } } })).toBe(false);
    // Continue on fail (continueRegularOutput): a catch route to the same next step, whose output is n8n's item.
    expect(step(flow, "requestApproval")).toMatchObject({
      next: "respond",
      catch: [{ errors: ["any"], next: "respond", output: '{"error": $error.message}' }],
    });
    // Pinned data → the trigger's sample, as Weft's webhook envelope; positions → layout.
    expect(report.pinned.trigger).toEqual({
      body: { customerId: "C-1", amount: 1200 },
      headers: { "content-type": "application/json" },
      query: {},
    });
    expect(flow.layout?.nodes.getCustomer).toEqual({ x: 220, y: 0 });
    // Respond to Webhook → the flow's output; the JS object literal translated.
    expect(flow.output).toBe("$steps.respond.output");
    expect(await evaluate((step(flow, "respond") as { output: string }).output, {})).toEqual({ status: "received" });
  });

  it("turns Loop Over Items into a foreach whose body ends where n8n loops back", async () => {
    const { flow } = fromN8n(load("schedule-loop.json"));
    expect(flow.trigger).toEqual({ type: "schedule", cron: "30 6 * * *", timezone: "Europe/Amsterdam" });
    const loop = step(flow, "loopOverItems");
    expect(loop).toMatchObject({
      type: "foreach",
      items: "$steps.listInvoices.output.body",
      body: { start: "postToLedger" },
      next: "summary",
    });
    expect((loop as { body: { steps: Step[] } }).body.steps.map((s) => s.id)).toEqual(["postToLedger", "throttle"]);
    const post = step(flow, "postToLedger") as { input: Record<string, string> };
    expect(await evaluate(post.input.url!, { item: { id: 7 } })).toBe("https://ledger.example.com/invoices/7/post");
    expect(await evaluate(post.input.body!, { item: { id: 7, amount: 5 } })).toEqual({ amount: 5, currency: "EUR" });
    expect(step(flow, "throttle")).toMatchObject({ type: "wait", duration: "1s" });
  });

  it("turns a fan-out into a parallel step joined at the Merge, which reads the branches' outputs", async () => {
    const { flow } = fromN8n(load("switch-merge.json"));
    const par = step(flow, "getTicketBranches");
    expect(par).toMatchObject({ type: "parallel", join: "all", next: "merge" });
    expect((par as { branches: { name: string }[] }).branches.map((b) => b.name)).toEqual(["getAccount", "getBalance"]);
    const merge = step(flow, "merge") as { output: string };
    const out = await evaluate(merge.output, {
      steps: {
        getTicketBranches: {
          output: {
            getAccount: {
              body: [
                { accountId: 1, name: "A" },
                { accountId: 2, name: "B" },
              ],
            },
            getBalance: { body: [{ accountId: 2, balance: -5 }] },
          },
        },
      },
    });
    // n8n's default output type for fields to match is "Keep Matches": account 1 has no balance, so no item.
    expect(out).toEqual([{ accountId: 2, name: "B", balance: -5 }]);
    // Switch rules by output index; the fallback output is the default.
    const route = step(flow, "route") as { cases: { when: string; next: string; label?: string }[]; default?: string };
    expect(route.cases.map((c) => [c.next, c.label])).toEqual([
      ["pageOnCall", "Urgent"],
      ["openBillingCase", "Billing"],
    ]);
    expect(route.default).toBe("setQueue");
    expect(await evaluate(route.cases[0]!.when, { steps: { merge: { output: { priority: "URGENT" } } } })).toBe(true); // case-insensitive rule
    expect(
      await evaluate(route.cases[1]!.when, { steps: { merge: { output: { balance: 3, email: "x@example.com" } } } }),
    ).toBe(true);
    expect(step(flow, "pageOnCall")).toMatchObject({ input: { bodyType: '"form"' } });
    expect(step(flow, "openBillingCase")).toMatchObject({ input: { body: '{"source":"desk"}' } });
    expect(
      await evaluate((step(flow, "setQueue") as { output: string }).output, {
        steps: { merge: { output: { id: 1 } } },
      }),
    ).toEqual({ id: 1, queue: "general", priority: 3 });
  });

  it("maps each Merge mode to what n8n outputs for it, and the SQL mode to a placeholder", async () => {
    const mergeOf = (parameters: Record<string, unknown>, typeVersion = 3) => {
      const wf = {
        name: "Merge modes",
        nodes: [
          { name: "Manual", type: "n8n-nodes-base.manualTrigger", typeVersion: 1, position: [0, 0], parameters: {} },
          { name: "A", type: "n8n-nodes-base.noOp", typeVersion: 1, position: [200, -100], parameters: {} },
          { name: "B", type: "n8n-nodes-base.noOp", typeVersion: 1, position: [200, 100], parameters: {} },
          { name: "Merge", type: "n8n-nodes-base.merge", typeVersion, position: [400, 0], parameters },
        ],
        connections: {
          Manual: {
            main: [
              [
                { node: "A", type: "main", index: 0 },
                { node: "B", type: "main", index: 0 },
              ],
            ],
          },
          A: { main: [[{ node: "Merge", type: "main", index: 0 }]] },
          B: { main: [[{ node: "Merge", type: "main", index: 1 }]] },
        },
      };
      const { flow, report } = fromN8n(wf);
      return { step: step(flow, "merge") as { type: string; output?: string }, entry: report.entries.at(-1)! };
    };
    // The two inputs as the branches of the parallel step the fan-out became.
    const a = [
      { id: 1, name: "A" },
      { id: 2, name: "B" },
      { id: 2, name: "B2" },
    ];
    const b = [
      { id: 2, score: 5 },
      { id: 2, score: 6 },
      { id: 3, score: 7 },
    ];
    const out = async (parameters: Record<string, unknown>, typeVersion?: number) => {
      const m = mergeOf(parameters, typeVersion);
      expect(m.step.type, JSON.stringify(m.entry)).toBe("map");
      const id = /\$steps\.(\w+)\.output/.exec(m.step.output!)![1]!;
      return evaluate(m.step.output!, { trigger: {}, steps: { [id]: { output: { a, b } } } });
    };
    expect(await out({ mode: "append" })).toEqual([...a, ...b]);
    expect(await out({ mode: "combine", combineBy: "combineByPosition" })).toEqual([
      { id: 2, name: "A", score: 5 },
      { id: 2, name: "B", score: 6 },
      { id: 3, name: "B2", score: 7 },
    ]);
    // Keep Matches (the default): an inner join, every match; "first" keeps one match per item.
    const byId = { mode: "combine", combineBy: "combineByFields", fieldsToMatchString: "id" };
    expect(await out(byId)).toEqual([
      { id: 2, name: "B", score: 5 },
      { id: 2, name: "B", score: 6 },
      { id: 2, name: "B2", score: 5 },
      { id: 2, name: "B2", score: 6 },
    ]);
    expect(await out({ ...byId, options: { multipleMatches: "first" } })).toEqual([
      { id: 2, name: "B", score: 5 },
      { id: 2, name: "B2", score: 5 },
    ]);
    const enrich = mergeOf({ ...byId, joinMode: "enrichInput1" });
    expect(enrich.entry.status).toBe("approximated");
    expect(enrich.entry.notes.join()).toContain("enrichInput1");
    expect(await out({ mode: "combine", combineBy: "combineAll" })).toHaveLength(9);
    expect(await out({ mode: "chooseBranch", chooseBranchMode: "waitForBoth", output: "input2" })).toEqual(b);
    const sql = mergeOf({ mode: "combineBySql", query: "SELECT * FROM input1" });
    expect(sql.entry).toMatchObject({ status: "placeholder", stepId: "merge" });
    expect(sql.entry.notes.join()).toContain("combineBySql");
  });

  it("keeps Code and unknown nodes as placeholders, bridges disabled nodes, keeps unreachable nodes, reports the error workflow", () => {
    const { flow, report } = fromN8n(load("code-and-legacy.json"));
    const byName = Object.fromEntries(report.entries.map((e) => [e.source, e]));
    expect(byName.Reshape).toMatchObject({ status: "placeholder", stepId: "reshape" });
    expect(byName.Reshape!.notes.join("\n")).toContain("i.json.NAME.trim()");
    expect(byName["Mark synced"]).toMatchObject({ status: "skipped" });
    expect(step(flow, "reshape")).toMatchObject({ next: "if" });
    expect(byName.Slack).toMatchObject({ status: "placeholder" });
    expect(byName["Wait until retry"]!.notes.join()).toContain("Not reachable");
    // Wait "at a specific time" → wait until that time (kept, though nothing reaches it).
    expect(step(flow, byName["Wait until retry"]!.stepId!)).toMatchObject({ type: "wait" });
    expect((step(flow, byName["Wait until retry"]!.stepId!) as { until: string }).until).toMatch(/retryAt/);
    expect(step(flow, "postgres")).toMatchObject({
      type: "call",
      connector: "postgres",
      operation: "query",
      connection: "warehouse-db",
    });
    expect(step(flow, "stopAndError")).toMatchObject({ type: "fail", message: "Legacy export returned nothing" });
    expect(report.notes.join()).toContain("error workflow");
    expect(flow.trigger).toEqual({ type: "schedule", cron: "15 7 * * 1", timezone: "UTC" });
    expect(validate(flow).problems.find((p) => p.stepId === "reshape")?.message).toContain(
      "Rewrite this n8n Code node",
    );
  });

  it("routes an error output to a catch handler that reads $error, and keeps untranslatable expressions as reported text", async () => {
    const { flow, report } = fromN8n(load("webhook-wait-subflow.json"));
    expect(step(flow, "callBack")).toMatchObject({
      catch: [{ errors: ["any"], next: "callbackFailed" }],
      next: "respondToWebhook",
    });
    const failed = step(flow, "callbackFailed") as unknown as { details: { message: string } };
    expect(await evaluate(failed.details.message, { error: { message: "boom" } })).toBe("Callback failed: boom");
    const collect = report.entries.find((e) => e.source === "Collect ids")!;
    expect(collect.status).toBe("approximated");
    expect(collect.notes.join()).toContain("arrow function");
    expect(step(flow, "createAccounts")).toMatchObject({ type: "subflow", flow: "create-accounts" });
    expect(report.entries.find((e) => e.source === "Wait for approval")!.status).toBe("placeholder");
  });

  it("translates n8n expressions that are paths and simple operators, and refuses the rest", async () => {
    const ctx = { json: () => "$steps.prev.output", node: (n: string) => (n === "A" ? "$steps.a.output" : undefined) };
    const ok = (src: string) => {
      const r = translateJs(src, ctx);
      if (!r.ok) throw new Error(r.reason);
      return r.expr;
    };
    expect(ok("$json.a.b")).toBe("$steps.prev.output.a.b");
    expect(ok('$json["first name"]')).toBe("$steps.prev.output.`first name`");
    expect(ok('$node["A"].json.y')).toBe("$steps.a.output.y");
    expect(ok("$('A').item.json.y")).toBe("$steps.a.output.y");
    expect(ok("$('A').first().json.items[0]")).toBe("$steps.a.output.items[0]");
    expect(ok("$input.item.json.x")).toBe("$steps.prev.output.x");
    expect(
      await evaluate(ok("$json.n > 2 && !$json.off ? 'yes' : 'no'"), {
        steps: { prev: { output: { n: 3, off: false } } },
      }),
    ).toBe("yes");
    expect(
      await evaluate(ok("'Hi ' + $json.name.toUpperCase()"), { steps: { prev: { output: { name: "ann" } } } }),
    ).toBe("Hi ANN");
    for (const bad of [
      "$json.a + $json.b",
      "$json.items.map(i => i.id)",
      "DateTime.now()",
      "$json.s.length",
      '$node["Nope"].json.x',
      "$binary.data",
    ])
      expect(translateJs(bad, ctx).ok).toBe(false);
    expect(translateValue("plain text", ctx)).toEqual({ ok: true, expr: '"plain text"' });
    expect(
      await evaluate(translateValue("=Order {{ $json.id }} for {{ $json.who }}", ctx).expr, {
        steps: { prev: { output: { id: 5, who: "Bo" } } },
      }),
    ).toBe("Order 5 for Bo");
  });

  it("maps Salesforce record operations to the salesforce connector where the operation matches", async () => {
    const { flow, report } = fromN8n(load("salesforce-sync.json"));
    expect(step(flow, "upsertAccount")).toMatchObject({
      connector: "salesforce",
      operation: "upsertRecord",
      connection: "salesforce-prod",
      input: { sobject: '"Account"', externalIdField: '"Customer_Number__c"' },
    });
    const upsert = step(flow, "upsertAccount") as { input: Record<string, string> };
    expect(await evaluate(upsert.input.fields!, { trigger: { customerName: "Acme", website: "acme.test" } })).toEqual({
      Name: "Acme",
      Website: "acme.test",
    });
    const won = step(flow, "markWon") as { input: Record<string, string> };
    expect(await evaluate(won.input.id!, { trigger: { opportunityId: "006000000000001" } })).toBe("006000000000001");
    expect(await evaluate(won.input.fields!, { steps: { upsertAccount: { output: { id: "001X" } } } })).toEqual({
      StageName: "Closed Won",
      Account_Ref__c: "001X",
    });
    const leads = step(flow, "allLeads") as { operation: string; input: Record<string, string> };
    expect(leads).toMatchObject({ connector: "salesforce", operation: "query" });
    expect(await evaluate(leads.input.soql!, {})).toBe("SELECT Id FROM Lead");
    expect(leads.input.maxRecords).toBeUndefined();
    expect(report.entries.find((e) => e.source === "All leads")!.status).toBe("approximated");
    expect(report.connections).toEqual([
      {
        key: "salesforce-prod",
        connector: "salesforce",
        auth: "oauth2",
        from: 'n8n credential "Salesforce prod"',
        steps: ["upsertAccount", "markWon", "allLeads"],
      },
    ]);
  });

  it("maps Salesforce 'Get many' to a SOQL query with its fields, conditions and limit, values quoted safely", async () => {
    const wf = {
      name: "Open opportunities",
      nodes: [
        { name: "Manual", type: "n8n-nodes-base.manualTrigger", typeVersion: 1, position: [0, 0], parameters: {} },
        {
          name: "Find",
          type: "n8n-nodes-base.salesforce",
          typeVersion: 1,
          position: [200, 0],
          parameters: {
            resource: "opportunity",
            operation: "getAll",
            limit: 10,
            options: {
              fields: "Id,Name, Amount",
              conditionsUi: {
                conditionValues: [
                  { field: "StageName", operation: "equal", value: "Closed Won" },
                  { field: "Amount", operation: ">=", value: 5000 },
                  { field: "AccountId", operation: "equal", value: "={{ $json.account }}" },
                ],
              },
            },
          },
          credentials: { salesforceOAuth2Api: { id: "1", name: "SF" } },
        },
      ],
      connections: { Manual: { main: [[{ node: "Find", type: "main", index: 0 }]] } },
    };
    const { flow, report } = fromN8n(wf);
    const find = step(flow, "find") as { operation: string; input: Record<string, string> };
    expect(find.operation).toBe("query");
    expect(find.input.maxRecords).toBe("10");
    const soql = (account: unknown) => evaluate(find.input.soql!, { trigger: { account } });
    expect(await soql("001A")).toBe(
      "SELECT Id, Name, Amount FROM Opportunity WHERE StageName = 'Closed Won' AND Amount >= 5000 AND AccountId = '001A' LIMIT 10",
    );
    // A value cannot end the string literal and add to the query.
    expect(await soql("x' OR Name != '")).toContain("AccountId = 'x\\' OR Name != \\'' LIMIT 10");
    expect(await soql(7)).toContain("AccountId = 7 LIMIT");
    expect(report.entries.find((e) => e.source === "Find")!.status).toBe("approximated");
  });

  it("refuses what is not an n8n export", () => {
    expect(() => fromN8n({ foo: 1 })).toThrow(ConvertError);
    expect(() => fromN8n([])).toThrow(/not an n8n workflow/);
  });
});

describe("Step Functions", () => {
  const load = (f: string) => JSON.parse(readFileSync(path.join(FIXTURES, "asl", f), "utf8")) as unknown;

  it("maps an HTTP task with Parameters, ResultSelector, ResultPath, Retry and Catch", async () => {
    const { flow, report } = fromAsl(load("order-http-choice.asl.json"));
    const get = step(flow, "getOrder") as {
      input: Record<string, string>;
      retry: unknown;
      catch: unknown;
      timeout: string;
      next: string;
    };
    expect(get).toMatchObject({
      connector: "http",
      operation: "request",
      connection: "shop-api",
      timeout: "30s",
      next: "getOrderOutput",
    });
    expect(get.retry).toEqual({
      on: ["timeout", "transient"],
      maxAttempts: 6,
      interval: "2s",
      backoffRate: 2,
      maxDelay: "30s",
      jitter: "full",
    });
    expect(get.catch).toEqual([{ errors: ["any"], next: "reportFailure" }]);
    expect(await evaluate(get.input.url!, { trigger: { orderId: 42 } })).toBe("https://shop.example.com/orders/42");
    const shaped = await evaluate((step(flow, "getOrderOutput") as { output: string }).output, {
      trigger: { orderId: 42 },
      steps: { getOrder: { output: { status: 200, headers: {}, body: { total: 5 } } } },
    });
    expect(shaped).toEqual({ orderId: 42, fetched: { order: { total: 5 }, status: 200 } });
    expect(report.connections.map((c) => c.key)).toEqual(["shop-api", "warehouse"]);
    expect(step(flow, "rejected")).toMatchObject({
      type: "fail",
      code: "order.rejected",
      message: "The order total is not positive.",
    });
    // ResultPath null + OutputPath: the input passes through, narrowed.
    expect(step(flow, "done")).toMatchObject({ output: "$steps.getOrderOutput.output.orderId" });
  });

  it("translates Choice rules with ASL's typed comparisons, And/Or/Not and the Is* tests", async () => {
    const { flow } = fromAsl(load("order-http-choice.asl.json"));
    const cases = (step(flow, "routeOrder") as { cases: { when: string; next: string }[] }).cases;
    const run = (i: number, order: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      evaluate(cases[i]!.when, { steps: { getOrderOutput: { output: { fetched: { order }, ...extra } } } });
    expect(await run(0, { total: 1500, customer: { vip: false } })).toBe(true);
    expect(await run(0, { total: 1500, customer: { vip: true } })).toBe(false);
    expect(await run(0, { total: "1500", customer: { vip: false } })).toBe(false); // a string is not numeric in ASL
    expect(await run(1, { country: "BE" })).toBe(true);
    expect(await run(1, { country: "DE" })).toBe(false);
    expect(await run(2, { dueAt: "2026-01-01T00:00:00Z" }, { now: "2026-06-01T00:00:00Z" })).toBe(true);
    expect(await run(3, { discount: 0 })).toBe(true);
    expect(await run(3, {})).toBe(false);
    expect(await run(4, { total: -1 })).toBe(true);
    expect(await run(5, { note: null })).toBe(true);
    expect(await run(5, {})).toBe(false);
  });

  it("translates every data-test comparison of a Choice rule as ASL evaluates it, typed, with and without Path", async () => {
    const ts = "2026-01-01T00:00:00Z";
    const later = "2026-01-01T00:00:01Z";
    // [operator, operand, value of $.v, expected]; a …Path operator reads the operand from $.r instead.
    const table: Array<[string, unknown, unknown, boolean]> = [
      ["StringEquals", "b", "b", true],
      ["StringEquals", "b", "c", false],
      ["StringEquals", "1", 1, false],
      ["StringLessThan", "b", "a", true],
      ["StringLessThan", "b", "b", false],
      ["StringGreaterThan", "b", "c", true],
      ["StringGreaterThan", "b", "b", false],
      ["StringLessThanEquals", "b", "b", true],
      ["StringLessThanEquals", "b", "c", false],
      ["StringGreaterThanEquals", "b", "b", true],
      ["StringGreaterThanEquals", "b", "a", false],
      ["NumericEquals", 5, 5, true],
      ["NumericEquals", 5, "5", false],
      ["NumericLessThan", 5, 4.5, true],
      ["NumericLessThan", 5, 5, false],
      ["NumericGreaterThan", 5, 6, true],
      ["NumericGreaterThan", 5, 5, false],
      ["NumericLessThanEquals", 5, 5, true],
      ["NumericLessThanEquals", 5, 6, false],
      ["NumericGreaterThanEquals", 5, 5, true],
      ["NumericGreaterThanEquals", 5, 4, false],
      ["BooleanEquals", true, true, true],
      ["BooleanEquals", true, "true", false],
      ["BooleanEquals", false, false, true],
      ["TimestampEquals", ts, ts, true],
      ["TimestampEquals", ts, later, false],
      ["TimestampEquals", ts, "not a timestamp", false],
      ["TimestampLessThan", later, ts, true],
      ["TimestampLessThan", ts, ts, false],
      ["TimestampGreaterThan", ts, later, true],
      ["TimestampGreaterThan", ts, ts, false],
      ["TimestampLessThanEquals", ts, ts, true],
      ["TimestampLessThanEquals", ts, later, false],
      ["TimestampGreaterThanEquals", ts, ts, true],
      ["TimestampGreaterThanEquals", later, ts, false],
    ];
    const rule = (r: Record<string, unknown>) => {
      const { flow } = fromAsl({
        StartAt: "Check",
        States: {
          Check: { Type: "Choice", Choices: [{ ...r, Next: "Yes" }], Default: "No" },
          Yes: { Type: "Succeed" },
          No: { Type: "Succeed" },
        },
      });
      return (step(flow, "check") as { cases: { when: string }[] }).cases[0]!.when;
    };
    const holds = async (r: Record<string, unknown>, input: Record<string, unknown>) =>
      evaluate(rule(r), { trigger: input });
    for (const [op, operand, v, expected] of table) {
      expect(await holds({ Variable: "$.v", [op]: operand }, { v }), `${op} ${operand} on ${v}`).toBe(expected);
      expect(
        await holds({ Variable: "$.v", [`${op}Path`]: "$.r" }, { v, r: operand }),
        `${op}Path ${operand} on ${v}`,
      ).toBe(expected);
    }
    // StringMatches: * is any run of characters, \* a literal star.
    for (const [pattern, v, expected] of [
      ["log-*.txt", "log-2026.txt", true],
      ["log-*.txt", "log-2026.csv", false],
      ["*.txt", ".txt", true],
      ["a\\*b", "a*b", true],
      ["a\\*b", "axb", false],
      ["log-*.txt", 5, false],
    ] as const)
      expect(await holds({ Variable: "$.v", StringMatches: pattern }, { v }), `${pattern} on ${v}`).toBe(expected);
    // The type tests, each as true and as false.
    const types: Array<[string, unknown, boolean]> = [
      ["IsNull", null, true],
      ["IsNull", 0, false],
      ["IsPresent", 0, true],
      ["IsNumeric", 1.5, true],
      ["IsNumeric", "1.5", false],
      ["IsString", "x", true],
      ["IsString", 1, false],
      ["IsBoolean", false, true],
      ["IsBoolean", "false", false],
      ["IsTimestamp", ts, true],
      ["IsTimestamp", "2026-01-01", false],
    ];
    for (const [op, v, expected] of types) {
      expect(await holds({ Variable: "$.v", [op]: true }, { v }), `${op} on ${v}`).toBe(expected);
      expect(await holds({ Variable: "$.v", [op]: false }, { v }), `${op}: false on ${v}`).toBe(!expected);
    }
    expect(await holds({ Variable: "$.v", IsPresent: true }, {})).toBe(false);
    expect(await holds({ Variable: "$.v", IsPresent: false }, {})).toBe(true);
    // And, Or, Not nest.
    const range = {
      And: [
        { Variable: "$.v", NumericGreaterThanEquals: 1 },
        {
          Not: {
            Or: [
              { Variable: "$.v", NumericEquals: 3 },
              { Variable: "$.v", NumericGreaterThan: 4 },
            ],
          },
        },
      ],
    };
    const inRange = await Promise.all([0, 1, 2, 3, 4, 5].map((v) => holds(range, { v })));
    expect(inRange).toEqual([false, true, true, false, true, false]);
  });

  it("maps Parallel and Map (ItemsPath, ItemSelector with the context object, MaxConcurrency, tolerated failures)", async () => {
    const { flow } = fromAsl(load("parallel-map.asl.json"));
    const par = step(flow, "fetchInParallel") as { branches: { name: string; steps: Step[] }[] };
    expect(par.branches.map((b) => [b.name, b.steps.map((s) => s.id)])).toEqual([
      ["b1", ["defaults"]],
      ["b2", ["getProducts", "getProductsOutput"]],
    ]);
    const map = step(flow, "priceEach") as {
      items: string;
      maxConcurrency: number;
      toleratedFailurePercent: number;
      collect?: string;
    };
    expect(map).toMatchObject({
      type: "foreach",
      items: "$steps.fetchInParallelOutput.output.products",
      maxConcurrency: 5,
      toleratedFailurePercent: 10,
    });
    const post = step(flow, "postPrice") as { input: Record<string, string> };
    expect(
      await evaluate(post.input.url!, {
        item: { sku: "S1", price: 10 },
        index: 0,
        steps: { fetchInParallelOutput: { output: { settings: { vat: 0.21 } } } },
      }),
    ).toBe("https://shop.example.com/prices/S1");
    expect(
      await evaluate(post.input.body!, {
        item: { sku: "S1", price: 10 },
        index: 0,
        steps: { fetchInParallelOutput: { output: { settings: { vat: 0.21 } } } },
      }),
    ).toEqual({ net: 10, vatRate: 0.21 });
    const sum = await evaluate((step(flow, "summarise") as { output: string }).output, {
      steps: { priceEachOutput: { output: { priced: [{ sku: "a" }, { sku: "b" }] } } },
    });
    expect(sum).toEqual({ count: 2, skus: ["a", "b"] });
  });

  it("maps Wait (Seconds, SecondsPath, Timestamp, TimestampPath), Pass with intrinsics, and reports what it keeps as text", async () => {
    const { flow, report } = fromAsl(load("wait-pass-intrinsics.asl.json"));
    expect(step(flow, "coolOff")).toMatchObject({ type: "wait", duration: "120s" });
    expect(step(flow, "waitUntilReminder")).toMatchObject({ type: "wait", until: "$steps.prepare.output.remindAt" });
    expect(step(flow, "waitForQuarterEnd")).toMatchObject({ until: '"2027-03-31T17:00:00Z"' });
    // SecondsPath: until now + the input's seconds.
    const delayId = report.entries.find((e) => e.source === "Wait the customer's delay")!.stepId!;
    const delay = step(flow, delayId) as { type: string; until: string };
    expect(delay.type).toBe("wait");
    const before = Date.now();
    const until = Date.parse(
      String(await evaluate(delay.until, { steps: { prepare: { output: { waitSeconds: 3600 } } } })),
    );
    expect(until).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3_600_000);
    const prep = await evaluate((step(flow, "prepare") as { output: string }).output, {
      trigger: {
        requestedBy: "ops",
        customer: {
          firstName: "Ann",
          lastName: "Lee",
          preferencesJson: '{"lang":"nl"}',
          email: "a@b.c",
          remindAt: "2027-01-01T00:00:00Z",
        },
      },
    });
    expect(prep).toMatchObject({
      greeting: "Dear Ann Lee",
      channels: ["email", "sms"],
      channelCount: 2,
      prefs: { lang: "nl" },
      encoded: "YUBiLmM=",
      startedBy: "ops",
      waitSeconds: 3600,
    });
    expect(report.entries.find((e) => e.source === "Prepare")).toMatchObject({ status: "approximated" });
    expect(report.entries.find((e) => e.source === "Prepare")!.notes.join()).toContain("States.UUID");
  });

  it("translates each intrinsic function to JSONata that gives what Step Functions documents for it", async () => {
    const parameters = {
      "format.$": "States.Format('Hello, my name is {}.', $.name)",
      "parsed.$": "States.StringToJson($.escaped)",
      "serialised.$": "States.JsonToString($.unescaped)",
      "array.$": "States.Array($.id, 'x')",
      "contains.$": "States.ArrayContains($.nine, 5)",
      "item.$": "States.ArrayGetItem($.nine, 5)",
      "length.$": "States.ArrayLength($.nine)",
      "unique.$": "States.ArrayUnique($.dups)",
      "range.$": "States.ArrayRange(1, 4, 1)",
      "encoded.$": "States.Base64Encode('Data to encode')",
      "decoded.$": "States.Base64Decode('RGF0YSB0byBlbmNvZGU=')",
      "merged.$": "States.JsonMerge($.json1, $.json2, false)",
      "sum.$": "States.MathAdd($.value, -1)",
      "random.$": "States.MathRandom(1, 999)",
      "split.$": "States.StringSplit('1,2,3,4,5', ',')",
      // Every character of the second argument delimits; empty pieces are left out.
      "splitSet.$": "States.StringSplit($.multi, $.splitter)",
      "splitEmpty.$": "States.StringSplit(',,a,,b,', ',')",
    };
    const { flow, report } = fromAsl({
      StartAt: "Compute",
      States: { Compute: { Type: "Pass", Parameters: parameters, End: true } },
    });
    expect(report.entries[0]).toMatchObject({ status: "converted" });
    const out = (await evaluate((step(flow, "compute") as { output: string }).output, {
      trigger: {
        name: "Arnav",
        escaped: '{"foo": "bar"}',
        unescaped: { foo: "bar" },
        id: 123456,
        nine: [1, 2, 3, 4, 5, 6, 7, 8, 9],
        dups: [1, 2, 3, 3, 3, 3, 3, 3, 4],
        json1: { a: { a1: 1, a2: 2 }, b: 2 },
        json2: { a: { a3: 1, a4: 2 }, c: 3 },
        value: 111,
        multi: "This.is+a,test=string",
        splitter: ".+,=",
      },
    })) as Record<string, unknown>;
    expect({ ...out, random: undefined }).toEqual({
      format: "Hello, my name is Arnav.",
      parsed: { foo: "bar" },
      serialised: '{"foo":"bar"}',
      array: [123456, "x"],
      contains: true,
      item: 6,
      length: 9,
      unique: [1, 2, 3, 4],
      range: [1, 2, 3, 4],
      encoded: "RGF0YSB0byBlbmNvZGU=",
      decoded: "Data to encode",
      merged: { a: { a3: 1, a4: 2 }, b: 2, c: 3 },
      sum: 110,
      random: undefined,
      split: ["1", "2", "3", "4", "5"],
      splitSet: ["This", "is", "a", "test", "string"],
      splitEmpty: ["a", "b"],
    });
    expect(Number.isInteger(out.random)).toBe(true);
    expect(out.random).toBeGreaterThanOrEqual(1);
    expect(out.random).toBeLessThan(999);
    // What has no translation is kept as text and reported, never dropped.
    const partition = fromAsl({
      StartAt: "P",
      States: { P: { Type: "Pass", Parameters: { "parts.$": "States.ArrayPartition($.nine, 4)" }, End: true } },
    });
    expect(partition.report.entries[0]!.status).toBe("approximated");
    expect(partition.report.entries[0]!.notes.join()).toContain("States.ArrayPartition");
  });

  it("turns Lambda and other AWS integrations into placeholders to configure, and reports loops it cannot express", () => {
    const lambda = fromAsl(load("lambda-sns.asl.json"));
    expect(lambda.report.entries.filter((e) => e.status === "placeholder").map((e) => e.stepId)).toEqual([
      "checkStock",
      "notify",
    ]);
    expect(step(lambda.flow, "checkStock")).toMatchObject({
      retry: { on: ["transient"], maxAttempts: 4, interval: "1s", backoffRate: 2, jitter: "none" },
    });
    const loop = fromAsl(load("polling-loop.asl.json"));
    expect(loop.report.entries.find((e) => e.source === "Done?")!.notes.join()).toContain("loop");
    expect(step(loop.flow, "runChild")).toMatchObject({ type: "subflow", flow: "distribute-report" });
  });

  it("reads JSONata-mode state machines ($states.input, $states.result, Condition)", async () => {
    const { flow } = fromAsl(load("jsonata-mode.asl.json"));
    const lookup = step(flow, "lookup") as { input: Record<string, string> };
    expect(await evaluate(lookup.input.url!, { trigger: { customerId: "c9" } })).toBe(
      "https://crm.example.com/customers/c9",
    );
    const when = (step(flow, "active") as { cases: { when: string }[] }).cases[0]!.when;
    expect(
      await evaluate(when, { steps: { lookupOutput: { output: { customer: { active: true, balance: 3 } } } } }),
    ).toBe(true);
  });

  it("refuses what is not a state machine, naming the problem", () => {
    expect(() => fromAsl({ States: {} })).toThrow(ConvertError);
    expect(() => fromAsl({ StartAt: "X", States: { Y: { Type: "Pass", End: true } } })).toThrow(/StartAt "X"/);
  });
});
