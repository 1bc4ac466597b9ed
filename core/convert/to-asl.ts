// A weft/1 flow → an AWS Step Functions state machine (ASL) for the part of Weft that ASL can express, and a
// report naming every step it cannot (never dropped in silence). Pure.
//
// The definition uses ASL's JSONata query language (`QueryLanguage: "JSONata"`), not JSONPath: Weft's
// expressions are JSONata, so they go across as `{% … %}` text, and `fromAsl` reads them back to the same
// text — the round trip is exact, where JSONPath could carry only plain paths. Weft steps read any earlier
// step's output by id; ASL passes one document from state to state, so every state that has an output
// assigns it to a variable named after its step (`Assign: {"<id>": …}`) and `$steps.<id>.output` becomes
// `$<id>`. `$trigger` is `$states.context.Execution.Input`.
import { FlowSchema, type CallStep, type Flow, type RetryPolicy, type Step } from "../dsl";
import { parseDuration } from "../dsl/defaults";
import { allSteps, literal } from "./common";

const durationMs = (d: string): number | undefined => parseDuration(d) ?? undefined;

export type ExportStatus = "exported" | "approximated" | "refused";
export interface ExportEntry {
  stepId: string;
  type: Step["type"];
  status: ExportStatus;
  notes: string[];
}
export interface ExportReport {
  flow: string;
  entries: ExportEntry[];
  notes: string[];
  /** Steps exported as they are / all steps. */
  exported: number;
  total: number;
}
export interface ToAslResult {
  definition: Record<string, unknown>;
  report: ExportReport;
}

/** The ASL value a state assigns to its step's variable: what Weft calls the step's output. */
export function assignedOutput(
  step: Pick<Step, "type"> & { branches?: { name: string }[]; wait?: boolean },
): string | undefined {
  switch (step.type) {
    case "subflow":
      return step.wait === false ? '{% {"runId": $states.result.ExecutionArn} %}' : "{% $states.result.Output %}";
    case "call":
      return '{% {"status": $states.result.StatusCode, "body": $states.result.ResponseBody, "headers": $states.result.Headers} %}';
    case "foreach":
      return "{% $states.result %}";
    case "parallel":
      return `{% {${(step.branches ?? []).map((b, i) => `${literal(b.name)}: $states.result[${i}]`).join(", ")}} %}`;
    default:
      return undefined;
  }
}

/** ASL error names for Weft error matchers (what `errorMatcher` reads back); undefined = none in ASL. */
function aslError(matcher: string): string | undefined {
  if (matcher.startsWith("business:")) return matcher.slice("business:".length);
  return (
    {
      any: "States.ALL",
      timeout: "States.Timeout",
      auth: "States.Permissions",
      internal: "States.Runtime",
      mapping: "States.QueryEvaluationError",
      transient: "States.Http.Socket",
    } as Record<string, string>
  )[matcher];
}

/** A Weft mapping as one JSONata expression (a record of field paths becomes a nested object). */
export function mappingExpression(m: string | Record<string, string>): string {
  if (typeof m === "string") return m;
  type Tree = { [k: string]: Tree | string };
  const tree: Tree = {};
  for (const [k, v] of Object.entries(m)) {
    const parts = k.split(".");
    let t = tree;
    for (const p of parts.slice(0, -1)) t = (typeof t[p] === "object" ? t[p] : (t[p] = {})) as Tree;
    t[parts[parts.length - 1]!] = v;
  }
  const render = (t: Tree): string =>
    `{${Object.entries(t)
      .map(([k, v]) => `${literal(k)}: ${typeof v === "string" ? v : render(v)}`)
      .join(", ")}}`;
  return render(tree);
}
/** The same, as an ASL JSONata template (objects stay objects so `fromAsl` renders them the same way). */
function mappingTemplate(m: string | Record<string, string>, x: (e: string) => string): unknown {
  if (typeof m === "string") return `{% ${x(m)} %}`;
  type Tree = { [k: string]: Tree | string };
  const tree: Tree = {};
  for (const [k, v] of Object.entries(m)) {
    const parts = k.split(".");
    let t = tree;
    for (const p of parts.slice(0, -1)) t = (typeof t[p] === "object" ? t[p] : (t[p] = {})) as Tree;
    t[parts[parts.length - 1]!] = `{% ${x(v)} %}`;
  }
  return tree;
}

const wholeSeconds = (d: string): number | undefined => {
  const ms = durationMs(d);
  return ms !== undefined && ms % 1000 === 0 ? ms / 1000 : undefined;
};

export function toAsl(flow: Flow): ToAslResult {
  const entries: ExportEntry[] = [];
  const notes: string[] = [];
  if (flow.trigger.type !== "manual")
    notes.push(
      `The ${flow.trigger.type} trigger has no ASL equivalent: start executions with an API call or an EventBridge rule.`,
    );
  if (flow.output !== undefined)
    notes.push("The flow's output is not exported: the execution's output is the last state's.");

  /** What the placeholder ARNs stand for (account 000000000000): to replace before deploying. */
  const arns = new Set<string>();
  const typeOf = new Map(allSteps(flow.steps).map((s) => [s.id, s]));
  const scope = (steps: Step[], start: string | undefined, inForeach: boolean): Record<string, unknown> => {
    const states: Record<string, unknown> = {};
    for (const step of steps) {
      const e: ExportEntry = { stepId: step.id, type: step.type, status: "exported", notes: [] };
      entries.push(e);
      const refuse = (why: string) => {
        e.notes.push(why);
        e.status = "refused";
      };
      const approx = (why: string) => {
        e.notes.push(why);
        if (e.status === "exported") e.status = "approximated";
      };
      /** A Weft expression as ASL JSONata: variables renamed; what ASL has no equivalent of is refused. */
      const x = (expr: string): string => {
        for (const v of ["$flow", "$run", "$error"])
          if (new RegExp(`\\${v}\\b`).test(expr)) refuse(`It reads ${v}, which ASL has no equivalent of.`);
        if (/\$steps\b(?!\.\w+\.output\b)/.test(expr))
          refuse("It reads $steps other than as $steps.<id>.output, which has no ASL equivalent.");
        for (const [, id] of expr.matchAll(/\$steps\.(\w+)\.output\b/g)) {
          const t = typeOf.get(id!);
          const http = t?.type === "call" && t.connector === "http" && t.operation === "request";
          if (t && (t.type === "call" ? !http : !assignedOutput(t) && t.type !== "map"))
            refuse(`It reads the output of '${id}', a ${t.type} step, which ASL keeps no variable for.`);
        }
        // In JSONata a variable hides the function of the same name: a step 'count' would break $count(…).
        for (const [, fn] of expr.matchAll(/\$(\w+)\s*\(/g))
          if (typeOf.has(fn!))
            refuse(
              `It calls $${fn}(…), which the variable holding step '${fn}''s output would hide: rename that step.`,
            );
        if ((/\$item\b/.test(expr) || /\$index\b/.test(expr)) && !inForeach)
          refuse("It reads $item/$index outside a foreach.");
        return expr
          .replace(/\$steps\.(\w+)\.output\b/g, "$$$1")
          .replace(/\$trigger\b/g, "$states.context.Execution.Input")
          .replace(/\$item\b/g, "$states.context.Map.Item.Value")
          .replace(/\$index\b/g, "$states.context.Map.Item.Index");
      };
      const tmpl = (m: string | Record<string, string>) => mappingTemplate(m, x);
      const st: Record<string, unknown> = {};
      const next = (n: string | undefined) => {
        if (n) st.Next = n;
        else st.End = true;
      };
      const policies = (s: Step) => {
        if (s.type === "fail") return;
        if (s.retry) st.Retry = [retry(s.retry, approx)];
        if (s.catch?.length) st.Catch = s.catch.map((c) => ({ ErrorEquals: errorsOf(c.errors, approx), Next: c.next }));
        if (s.catch?.some((c) => c.output !== undefined))
          refuse("A catch route's output (the failed step's stand-in output) has no ASL equivalent in this exporter.");
        if (s.timeout) {
          const t = wholeSeconds(s.timeout);
          if (t === undefined) approx(`Timeout ${s.timeout} rounded up to whole seconds.`);
          st.TimeoutSeconds = t ?? Math.ceil((durationMs(s.timeout) ?? 1000) / 1000);
        }
        if (s.idempotencyKey) refuse("idempotencyKey has no ASL equivalent.");
        if (s.compensate) refuse("compensate (saga rollback) has no ASL equivalent.");
        if (s.concurrencyKey) refuse("concurrencyKey has no ASL equivalent.");
      };
      const assign = () => {
        const a = assignedOutput(step);
        if (a) st.Assign = { [step.id]: a };
      };
      switch (step.type) {
        case "map": {
          st.Type = "Pass";
          st.Output = tmpl(step.output);
          st.Assign = { [step.id]: st.Output };
          policies(step);
          next(step.next);
          break;
        }
        case "call": {
          if (step.connector !== "http" || step.operation !== "request") {
            refuse(
              `${step.connector}.${step.operation}: only calls of the http connector have an ASL equivalent (an HTTP task).`,
            );
            st.Type = "Pass";
            next(step.next);
            break;
          }
          st.Type = "Task";
          st.Resource = "arn:aws:states:::http:invoke";
          st.Arguments = httpArguments(step, x, approx);
          if (step.connection !== "http") arns.add(`the EventBridge connection for '${step.connection}'`);
          assign();
          policies(step);
          next(step.next);
          break;
        }
        case "switch": {
          st.Type = "Choice";
          st.Choices = step.cases.map((c) => ({
            Condition: `{% ${x(c.when)} %}`,
            Next: c.next,
            ...(c.label ? { Comment: c.label } : {}),
          }));
          if (step.default) st.Default = step.default;
          policies(step);
          break;
        }
        case "wait": {
          st.Type = "Wait";
          if (step.duration) {
            const s = wholeSeconds(step.duration);
            if (s === undefined) approx(`Duration ${step.duration} rounded up to whole seconds.`);
            st.Seconds = s ?? Math.ceil((durationMs(step.duration) ?? 1000) / 1000);
          } else if (step.until) st.Timestamp = `{% ${x(step.until)} %}`;
          else st.Seconds = 0;
          policies(step);
          next(step.next);
          break;
        }
        case "fail": {
          st.Type = "Fail";
          st.Error = step.code;
          st.Cause = step.message;
          if (step.errorClass === "validation")
            approx("ASL errors have no class: the validation failure is an error named by its code.");
          // ASL takes a fixed Error or a computed one, not both: Weft's fixed code stays, its details cannot.
          if (step.details !== undefined) refuse("Failure details have no ASL equivalent next to a fixed error code.");
          break;
        }
        case "foreach": {
          st.Type = "Map";
          st.Items = `{% ${x(step.items)} %}`;
          st.MaxConcurrency = step.maxConcurrency ?? 1;
          if (step.toleratedFailurePercent !== undefined) st.ToleratedFailurePercentage = step.toleratedFailurePercent;
          if (step.collect !== undefined)
            refuse("collect: an ASL Map's result is each iteration's last output; export the mapping as a last step.");
          const body = scope(step.body.steps, step.body.start, true);
          st.ItemProcessor = body;
          assign();
          policies(step);
          next(step.next);
          break;
        }
        case "parallel": {
          st.Type = "Parallel";
          if (step.join !== "all")
            refuse(`join "${step.join}": an ASL Parallel state always waits for every branch and fails if one fails.`);
          st.Branches = step.branches.map((b) => scope(b.steps, b.start, inForeach));
          assign();
          policies(step);
          next(step.next);
          break;
        }
        case "subflow": {
          // Output parsed as JSON (.sync:2), like a Weft child run's output.
          st.Type = "Task";
          st.Resource =
            step.wait === false
              ? "arn:aws:states:::states:startExecution"
              : "arn:aws:states:::states:startExecution.sync:2";
          st.Arguments = {
            StateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${step.flow}`,
            ...(step.input !== undefined ? { Input: tmpl(step.input) } : {}),
          };
          arns.add(`the state machine of flow '${step.flow}' (export it too)`);
          if (step.version !== "^0.1.0")
            approx(
              `The version range ${step.version} does not go across: a state machine ARN names one state machine (read back as ^0.1.0).`,
            );
          if (/\./.test(step.flow)) approx("A flow key with '.' comes back with '-' (state machine names).");
          assign();
          policies(step);
          next(step.next);
          break;
        }
        default:
          refuse(`A ${step.type} step has no ASL equivalent in this exporter.`);
          st.Type = "Pass";
          if ("next" in step) next(step.next);
          else st.End = true;
      }
      // Pass, Choice and Wait states take no Retry, Catch or TimeoutSeconds.
      if (["Pass", "Choice", "Wait"].includes(st.Type as string) && (st.Retry || st.Catch || st.TimeoutSeconds)) {
        refuse(
          `A ${st.Type as string} state has no Retry, Catch or TimeoutSeconds: the step's retry, catch and timeout cannot go across.`,
        );
        delete st.Retry;
        delete st.Catch;
        delete st.TimeoutSeconds;
      }
      if (e.status === "refused") st.Comment = `NOT EXPORTED (${e.notes.join(" ")})`.slice(0, 1000);
      states[step.id] = st;
    }
    return { StartAt: start ?? steps[0]?.id, States: states };
  };

  const main = scope(flow.steps, flow.start, false);
  if (arns.size)
    notes.push(`Placeholder ARNs (account 000000000000) to replace with real ones: ${[...arns].join(", ")}.`);
  if (/\$states\.context\.Map\.Item/.test(JSON.stringify(main)))
    notes.push(
      "Foreach bodies read $item/$index as $states.context.Map.Item.Value/Index. Step Functions documents these context fields for a Map's ItemSelector: where a state inside the item processor cannot read them, pass the item in with an ItemSelector and read it from $states.input.",
    );
  const definition = {
    Comment: flow.name,
    QueryLanguage: "JSONata",
    ...main,
  };
  return {
    definition,
    report: {
      flow: flow.key,
      entries,
      notes,
      exported: entries.filter((e) => e.status === "exported").length,
      total: entries.length,
    },
  };
}

function errorsOf(matchers: string[], approx: (m: string) => void): string[] {
  const out: string[] = [];
  for (const m of matchers) {
    const a = aslError(m);
    if (a) out.push(a);
    else approx(`The error class "${m}" has no ASL error name: it was left out (use States.ALL or the error's code).`);
  }
  return out.length ? [...new Set(out)] : ["States.ALL"];
}

function retry(r: RetryPolicy, approx: (m: string) => void): Record<string, unknown> {
  const interval = wholeSeconds(r.interval ?? "1s");
  if (interval === undefined) approx(`Retry interval ${r.interval} rounded up to whole seconds.`);
  const jitter = r.jitter ?? "full";
  if (jitter === "equal") approx('Jitter "equal" has no ASL equivalent: FULL.');
  const maxDelay = r.maxDelay ? wholeSeconds(r.maxDelay) : undefined;
  return {
    ErrorEquals: errorsOf(r.on ?? ["transient", "timeout"], approx),
    MaxAttempts: r.maxAttempts - 1,
    IntervalSeconds: interval ?? Math.max(1, Math.ceil((durationMs(r.interval ?? "1s") ?? 1000) / 1000)),
    BackoffRate: r.backoffRate ?? 2,
    ...(maxDelay !== undefined ? { MaxDelaySeconds: maxDelay } : {}),
    JitterStrategy: jitter === "none" ? "NONE" : "FULL",
  };
}

function httpArguments(step: CallStep, x: (e: string) => string, approx: (m: string) => void): Record<string, unknown> {
  const input = typeof step.input === "string" ? undefined : (step.input ?? {});
  if (!input) {
    approx("Its input is one expression: ApiEndpoint and Method read its url and method fields.");
    const whole = x(step.input as string);
    return {
      ApiEndpoint: `{% (${whole}).url %}`,
      Method: `{% (${whole}).method %}`,
      RequestBody: `{% (${whole}).body %}`,
    };
  }
  const args: Record<string, unknown> = {
    ApiEndpoint: `{% ${x(input.url ?? '""')} %}`,
    Method: `{% ${x(input.method ?? '"GET"')} %}`,
  };
  if (input.headers) args.Headers = `{% ${x(input.headers)} %}`;
  if (input.query) args.QueryParameters = `{% ${x(input.query)} %}`;
  if (input.body) args.RequestBody = `{% ${x(input.body)} %}`;
  const other = Object.keys(input).filter((k) => !["url", "method", "headers", "query", "body"].includes(k));
  if (other.length) approx(`Input fields ${other.join(", ")} have no HTTP task equivalent: left out.`);
  if (step.connection !== "http")
    args.Authentication = {
      ConnectionArn: `arn:aws:events:us-east-1:000000000000:connection/${step.connection}/weft`,
    };
  return args;
}

const EXPORT_MARK = { exported: "ok", approximated: "~ ", refused: "!!" } as const;

/** The export report as plain text: one line per step, then its notes. */
export function formatExportReport(r: ExportReport): string {
  const lines = [`Flow "${r.flow}": ${r.exported}/${r.total} steps exported to ASL as they are`];
  for (const e of r.entries) {
    lines.push(`${EXPORT_MARK[e.status]} ${e.stepId} (${e.type}) → ${e.status}`);
    for (const n of e.notes) lines.push(`     ${n}`);
  }
  for (const n of r.notes) lines.push(`Note: ${n}`);
  return lines.join("\n");
}

/** A document read from a file or a server as a flow to export: its shape must be weft/1 (`$schema` ignored). */
export function exportableFlowOf(doc: unknown): { flow: Flow } | { problem: string } {
  const parsed = FlowSchema.safeParse(doc);
  if (parsed.success) return { flow: parsed.data };
  const i = parsed.error.issues[0];
  return {
    problem: `not a weft/1 flow: ${i ? `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}` : "invalid"} (run \`weft validate\` on it)`,
  };
}
