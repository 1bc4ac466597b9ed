// npm run bench:dsl — validate + compile a generated 1,000-step flow, against the baseline of a plain
// JSON.parse + zod parse of the same document, in the same process. Prints medians; --json for tooling.
//
//   warm: the designer's case — re-validating after an edit, JSONata parses cached (expressions are
//         compiled once and cached by text);
//   cold: the CLI's case — a first validation with an empty expression cache.
import { FlowSchema, type Flow, type Step } from "@/core/dsl/schema";
import { validate } from "@/core/dsl/validate";
import { compile, decompile } from "@/core/dsl/graph";
import { clearExpressionCache } from "@/core/dsl/expressions";

const STEPS = Number(process.env.BENCH_STEPS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);

/** A realistic flow: chains of calls and maps, switches that rejoin, foreach bodies and parallel branches. */
export function generateFlow(total: number): Flow {
  // Nested steps count too: find the number of top-level steps that gives `total` steps in all.
  let lo = 1;
  let hi = total;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countSteps(generateTopLevel(mid).steps) <= total) lo = mid;
    else hi = mid - 1;
  }
  const flow = generateTopLevel(lo);
  // Pad with plain map steps to exactly `total`.
  let missing = total - countSteps(flow.steps);
  let last = flow.steps[flow.steps.length - 1]!;
  while (missing-- > 0) {
    const next: Step = { id: `pad${missing}`, type: "map", output: { id: `$steps.${flow.steps[0]!.id}.output.id` } };
    if (last.type !== "switch" && last.type !== "fail") last.next = next.id;
    flow.steps.push(next);
    last = next;
  }
  return flow;
}

function generateTopLevel(total: number): Flow {
  let n = 0;
  const id = () => `s${n++}`;
  const makeChain = (count: number, inBody: boolean, before: string[]): Step[] => {
    const steps: Step[] = [];
    const prev = [...before];
    while (steps.length < count) {
      const left = count - steps.length;
      const k = n % 20;
      const ref = prev.length ? prev[prev.length - 1]! : null;
      const val = ref ? `$steps.${ref}.output.id` : "$trigger.id";
      if (k === 7 && left >= 4) {
        // switch → a | b → join
        const sw = id(),
          a = id(),
          b = id(),
          join = id();
        steps.push(
          { id: sw, type: "switch", cases: [{ when: `${val} = 'x${n}'`, next: a }], default: b },
          { id: a, type: "map", output: { [`f${n}`]: `${val} & '-a'` }, next: join },
          { id: b, type: "map", output: `{ "v": ${val}, "n": ${n} }`, next: join },
          { id: join, type: "map", output: `$steps.${sw}.output` },
        );
        prev.push(sw, join);
      } else if (k === 13 && left >= 6 && !inBody) {
        const fe = id();
        const body = makeChain(4, true, prev);
        steps.push({
          id: fe,
          type: "foreach",
          items: `${val}.lines`,
          maxConcurrency: 4,
          toleratedFailurePercent: 5,
          body: { start: body[0]!.id, steps: body },
        });
        prev.push(fe);
      } else if (k === 17 && left >= 5 && !inBody) {
        const par = id();
        const b1 = makeChain(2, true, prev);
        const b2 = makeChain(2, true, prev);
        steps.push({
          id: par,
          type: "parallel",
          join: "all",
          branches: [
            { name: "erp", start: b1[0]!.id, steps: b1 },
            { name: "bi", start: b2[0]!.id, steps: b2 },
          ],
        });
        prev.push(par);
      } else if (k % 3 === 0) {
        const s = id();
        steps.push({
          id: s,
          type: "map",
          output: {
            id: `${val}`,
            amount: `$sum(${inBody ? "$item" : "$trigger"}.lines.amount) * 1.21`,
            "customer.name": `$uppercase(${val})`,
          },
        });
        prev.push(s);
      } else {
        const s = id();
        steps.push({
          id: s,
          type: "call",
          connector: "netsuite",
          operation: "createInvoice",
          connection: "netsuite-prod",
          input: {
            customerId: val,
            projectCode: `${inBody ? "$item" : "$trigger"}.projectCode`,
            currency: "'EUR'",
            lines: `${inBody ? "$item" : "$trigger"}.lines`,
          },
          retry: { on: ["transient", "timeout"], maxAttempts: 5, interval: "2s", backoffRate: 2, maxDelay: "2m" },
          timeout: "30s",
          idempotencyKey: `'inv-' & ${val}`,
        });
        prev.push(s);
      }
    }
    // Link the chain: every step without a successor of its own goes to the next one.
    for (let i = 0; i < steps.length - 1; i++) {
      const s = steps[i]!;
      if (s.type === "switch" || s.type === "fail") continue;
      if (s.next === undefined) s.next = steps[i + 1]!.id;
    }
    return steps;
  };
  const steps = makeChain(total, false, []);
  return {
    dsl: "weft/1",
    key: "bench-flow",
    version: "1.0.0",
    name: "Benchmark flow",
    description: `${total} steps`,
    domain: "invoice",
    owner: "finance",
    classification: "internal",
    trigger: { type: "event", event: "psa.timesheet.approved" },
    businessKeys: { project: "$trigger.projectCode" },
    start: steps[0]!.id,
    steps,
  };
}

function countSteps(list: Step[]): number {
  return list.reduce(
    (a, s) =>
      a +
      1 +
      (s.type === "foreach"
        ? countSteps(s.body.steps)
        : s.type === "parallel"
          ? s.branches.reduce((b, br) => b + countSteps(br.steps), 0)
          : 0),
    0,
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function time(fn: () => void, runs: number, before?: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

function main(): void {
  const flow = generateFlow(STEPS);
  const text = JSON.stringify(flow);
  const graph = decompile(flow).graph;
  const stepCount = countSteps(flow.steps);
  const check = validate(JSON.parse(text) as unknown);
  if (!check.ok) {
    console.error("The generated flow is not valid:", check.problems.slice(0, 5));
    process.exit(1);
  }
  const baseline = () => {
    FlowSchema.parse(JSON.parse(text));
  };
  const full = () => {
    const r = validate(JSON.parse(text) as unknown);
    if (!r.ok) throw new Error("invalid");
    compile(graph);
  };
  const validateOnly = () => {
    validate(JSON.parse(text) as unknown);
  };
  const compileOnly = () => {
    compile(graph);
  };
  // Warm up the JIT.
  time(baseline, 10);
  time(full, 10);
  const b = median(time(baseline, RUNS));
  const warm = median(time(full, RUNS));
  const v = median(time(validateOnly, RUNS));
  const c = median(time(compileOnly, RUNS));
  const cold = median(time(full, Math.max(5, Math.floor(RUNS / 4)), clearExpressionCache));
  const result = {
    steps: stepCount,
    bytes: text.length,
    runs: RUNS,
    baselineMs: +b.toFixed(2),
    warm: {
      totalMs: +warm.toFixed(2),
      validateMs: +v.toFixed(2),
      compileMs: +c.toFixed(2),
      ratio: +(warm / b).toFixed(1),
    },
    cold: { totalMs: +cold.toFixed(2), ratio: +(cold / b).toFixed(1) },
    targetMs: 50,
    node: process.version,
  };
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(
    `DSL benchmark: ${stepCount} steps, ${(text.length / 1024).toFixed(0)} KiB, median of ${RUNS} runs (Node ${process.version})`,
  );
  console.log(`  baseline  JSON.parse + zod parse           ${b.toFixed(2)} ms`);
  console.log(
    `  warm      validate + compile               ${warm.toFixed(2)} ms  (${(warm / b).toFixed(1)}× baseline)   validate ${v.toFixed(2)} ms, compile ${c.toFixed(2)} ms`,
  );
  console.log(
    `  cold      validate + compile, empty cache  ${cold.toFixed(2)} ms  (${(cold / b).toFixed(1)}× baseline)`,
  );
  console.log(
    `  target    < 50 ms for 1,000 steps: warm ${warm < 50 ? "met" : "MISSED"}, cold ${cold < 50 ? "met" : "MISSED"}`,
  );
}

if (process.argv[1]?.endsWith("bench-dsl.ts")) main();
