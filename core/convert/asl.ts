// AWS Step Functions state machine (Amazon States Language) → a weft/1 draft and a conversion report. Pure.
//
// ASL passes one JSON document from state to state and reshapes it with InputPath/Parameters/ResultSelector/
// ResultPath/OutputPath; Weft steps name what they read. So every state's input is a JSONata expression over
// the outputs of the steps before it (`$trigger` for the execution input), and the paths become JSONata:
// `ResultPath: "$.order"` after a task is `$merge([<input>, {"order": $steps.task.output}])`.
// Where a state is reached from several states whose data differ, its input is the data at the state that
// decides between them (its immediate dominator) and the report says so: Weft has no "whatever came in".
import type { CallStep, Flow, RetryPolicy, Step, SubflowStep } from "../dsl";
import { isObj } from "../is-obj";
import { Untranslatable, jsonPath, template, type PathScope } from "./asl-paths";
import {
  StepIds,
  appendPath,
  finishReport,
  reportValidation,
  flowKeyFrom,
  header,
  literal,
  placeholder,
  seconds,
  type ConnectionToCreate,
  type ConvertOptions,
  type ConvertResult,
  type ReportEntry,
} from "./common";
import { ConvertError } from "./errors";
import { assignedOutput } from "./to-asl";

type State = Record<string, unknown> & { Type: string };
interface Out {
  to: string;
  kind: "next" | "choice" | "default" | "catch";
  index: number;
}
interface ScopeResult {
  start: string;
  steps: Step[];
  /** The data the scope ends with, when it has one terminal state. */
  terminalData?: string;
  terminals: string[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** ASL error names → Weft error matchers. */
export function errorMatcher(name: string): string {
  switch (name) {
    case "States.ALL":
    case "States.TaskFailed":
      return "any";
    case "States.Timeout":
    case "States.HeartbeatTimeout":
      return "timeout";
    case "States.Permissions":
      return "auth";
    case "States.Runtime":
    case "States.DataLimitExceeded":
    case "States.BranchFailed":
    case "States.ExceedToleratedFailureThreshold":
      return "internal";
    case "States.IntrinsicFailure":
    case "States.ResultPathMatchFailure":
    case "States.ParameterPathFailure":
    case "States.QueryEvaluationError":
      return "mapping";
    default:
      if (/^Lambda\.|^States\.Http\.Socket|TooManyRequests|Throttl|ServiceUnavailable/.test(name)) return "transient";
      return `business:${errorCode(name)}`;
  }
}
/** A Weft error code from an ASL error name ("Order.Rejected" → "order.rejected"). */
export function errorCode(name: string): string {
  const c = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .slice(0, 80);
  return c || "error";
}

export function fromAsl(input: unknown, opts: ConvertOptions = {}): ConvertResult {
  if (!isObj(input) || typeof input.StartAt !== "string" || !isObj(input.States))
    throw new ConvertError(
      'This is not a Step Functions state machine: expected a JSON object with "StartAt" and "States".',
    );
  const name = opts.name ?? str(input.Comment)?.slice(0, 120) ?? "Imported state machine";
  const ids = new StepIds();
  const entries: ReportEntry[] = [];
  const notes: string[] = [];
  const connections = new Map<string, ConnectionToCreate>();
  const jsonataMode = input.QueryLanguage === "JSONata";
  /** Variables assigned a step's output the way toAsl does (see ./to-asl): read back as `$steps.<id>.output`. */
  const vars = new Set<string>();
  if (input.TimeoutSeconds !== undefined)
    notes.push(
      `The state machine's TimeoutSeconds (${String(input.TimeoutSeconds)}) has no flow-wide equivalent; steps have their own timeouts.`,
    );
  notes.push(
    "Step Functions executions are started by an API call or an EventBridge rule: the flow got a manual trigger. Use a webhook, event or schedule trigger for what started it.",
  );

  const scope = (
    states: Record<string, unknown>,
    startAt: string,
    inputExpr: string,
    where: string,
    lang: boolean,
    item?: { item: string },
  ): ScopeResult => {
    if (!(startAt in states)) throw new ConvertError(`${where}: StartAt "${startAt}" is not one of its states.`);
    for (const [k, s] of Object.entries(states))
      if (!isObj(s) || typeof s.Type !== "string") throw new ConvertError(`${where}: state "${k}" has no Type.`);
    const S = states as Record<string, State>;
    const idOf = new Map(Object.keys(S).map((k) => [k, ids.take(k)]));
    const outs = (n: string): Out[] => {
      const s = S[n]!;
      const o: Out[] = [];
      if (typeof s.Next === "string") o.push({ to: s.Next, kind: "next", index: 0 });
      if (Array.isArray(s.Choices))
        s.Choices.forEach(
          (c, i) => isObj(c) && typeof c.Next === "string" && o.push({ to: c.Next, kind: "choice", index: i }),
        );
      if (typeof s.Default === "string") o.push({ to: s.Default, kind: "default", index: 0 });
      if (Array.isArray(s.Catch))
        s.Catch.forEach(
          (c, i) => isObj(c) && typeof c.Next === "string" && o.push({ to: c.Next, kind: "catch", index: i }),
        );
      return o.filter((x) => {
        if (x.to in S) return true;
        throw new ConvertError(`${where}: state "${n}" goes to "${x.to}", which is not one of its states.`);
      });
    };
    // Depth-first order; edges back to a state on the stack are loops, which Weft expresses only as foreach.
    const order: string[] = [];
    const back = new Set<string>();
    const state = new Map<string, 1 | 2>();
    const visit = (n: string) => {
      state.set(n, 1);
      for (const e of outs(n)) {
        if (state.get(e.to) === 1) back.add(`${n}|${e.kind}|${e.index}`);
        else if (!state.has(e.to)) visit(e.to);
      }
      state.set(n, 2);
      order.unshift(n);
    };
    visit(startAt);
    for (const n of Object.keys(S)) if (!state.has(n)) visit(n); // unreachable states: kept, reported
    const isBack = (from: string, e: Out) => back.has(`${from}|${e.kind}|${e.index}`);
    const preds = new Map<string, { from: string; e: Out }[]>(Object.keys(S).map((k) => [k, []]));
    for (const n of order) for (const e of outs(n)) if (!isBack(n, e)) preds.get(e.to)!.push({ from: n, e });

    // Immediate dominators over forward edges (small graphs: the simple iterative algorithm).
    const rpoIndex = new Map(order.map((n, i) => [n, i]));
    const idom = new Map<string, string>([[startAt, startAt]]);
    for (let changed = true; changed;) {
      changed = false;
      for (const n of order) {
        if (n === startAt) continue;
        const ps = preds
          .get(n)!
          .map((p) => p.from)
          .filter((p) => idom.has(p));
        if (!ps.length) continue;
        let d = ps[0]!;
        for (const p of ps.slice(1)) {
          let a = d;
          let b = p;
          while (a !== b) {
            while (rpoIndex.get(a)! > rpoIndex.get(b)!) a = idom.get(a)!;
            while (rpoIndex.get(b)! > rpoIndex.get(a)!) b = idom.get(b)!;
          }
          d = a;
        }
        if (idom.get(n) !== d) {
          idom.set(n, d);
          changed = true;
        }
      }
    }

    const dataOut = new Map<string, string>();
    const catchData = new Map<string, string[]>();
    const inputOf = new Map<string, string>();
    const lastStep = new Map<string, string>();
    const steps: Step[] = [];
    const edgeData = (p: { from: string; e: Out }) =>
      p.e.kind === "catch" ? catchData.get(p.from)![p.e.index]! : dataOut.get(p.from)!;

    for (const n of order) {
      const s = S[n]!;
      const id = idOf.get(n)!;
      const rep: ReportEntry = { source: n, sourceType: s.Type, status: "converted", stepId: id, notes: [] };
      entries.push(rep);
      const approx = (m: string) => {
        rep.notes.push(m);
        if (rep.status === "converted") rep.status = "approximated";
      };
      const ps = preds.get(n)!;
      let inp: string;
      if (n === startAt || ps.length === 0) {
        inp = inputExpr;
        if (n !== startAt) rep.notes.push("Not reachable from StartAt: kept as an unreachable step.");
      } else {
        const datas = [...new Set(ps.map(edgeData))];
        if (datas.length === 1) inp = datas[0]!;
        else {
          const d = idom.get(n);
          // A catch edge means the dominator may have failed: only its input is certain then.
          const viaCatch = ps.some((p) => p.e.kind === "catch");
          inp = d && dataOut.has(d) ? (viaCatch ? inputOf.get(d)! : dataOut.get(d)!) : inputExpr;
          approx(
            `Reached from ${ps.length} states whose data differ; its input is the data at "${d ?? "the start"}". Read what the earlier steps set through $steps.<id>.output.`,
          );
        }
      }
      inputOf.set(n, inp);
      const ps0: PathScope = { input: inp, vars, ...(item ? { item: item.item } : {}) };
      const fail = (what: string) => approx(`Not translated, kept as text: ${what}. Rewrite it in JSONata.`);
      const path = (p: unknown, base: PathScope, what: string): string => {
        if (typeof p !== "string") return base.input;
        try {
          return jsonPath(p, base);
        } catch (e) {
          if (!(e instanceof Untranslatable)) throw e;
          fail(`${what} ${JSON.stringify(p)} (${e.message})`);
          return literal(p);
        }
      };
      const langHere = s.QueryLanguage === "JSONata" || (lang && s.QueryLanguage !== "JSONPath");
      // A Parallel exported by toAsl names its branches in its Assign ({"<name>": $states.result[i], …}).
      const branchNames = ((): string[] => {
        const fallback = arrOf(s.Branches).map((_, i) => `b${i + 1}`);
        const v = isObj(s.Assign) ? s.Assign[id] : undefined;
        if (s.Type !== "Parallel" || typeof v !== "string") return fallback;
        const names = [...v.matchAll(/"(\w+)": \$states\.result\[\d+\]/g)].map((m) => m[1]!);
        return names.length === fallback.length && new Set(names).size === names.length ? names : fallback;
      })();
      // `Assign: {"<id>": <the step's Weft output>}`, as toAsl writes it: the variable is the step's output.
      const expectedAssign =
        s.Type === "Pass"
          ? s.Output
          : s.Type === "Task" && /:::http:invoke$/.test(str(s.Resource) ?? "")
            ? assignedOutput({ type: "call" })
            : s.Type === "Task" && /:::states:startExecution/.test(str(s.Resource) ?? "")
              ? assignedOutput({ type: "subflow", wait: /\.sync(:2)?$/.test(str(s.Resource) ?? "") })
              : s.Type === "Map"
                ? assignedOutput({ type: "foreach" })
                : s.Type === "Parallel"
                  ? assignedOutput({ type: "parallel", branches: branchNames.map((name) => ({ name })) })
                  : undefined;
      const canonicalAssign =
        langHere &&
        expectedAssign !== undefined &&
        isObj(s.Assign) &&
        Object.keys(s.Assign).length === 1 &&
        JSON.stringify(s.Assign[id]) === JSON.stringify(expectedAssign);
      // Effective input after InputPath (null = {}) and Parameters.
      const effInput = (): string => {
        if (langHere) return s.Arguments !== undefined ? template(s.Arguments, ps0, fail) : inp;
        const afterPath = s.InputPath === null ? "{}" : path(s.InputPath, ps0, "InputPath");
        return s.Parameters !== undefined ? template(s.Parameters, { ...ps0, input: afterPath }, fail) : afterPath;
      };
      /** The state's output from its result: ResultSelector, ResultPath, OutputPath (or JSONata Output). */
      const shapeOutput = (result: string | undefined): string => {
        if (langHere)
          return s.Output !== undefined
            ? template(s.Output, { ...ps0, ...(result ? { result } : {}) }, fail)
            : (result ?? inp);
        let r = result;
        if (r !== undefined && s.ResultSelector !== undefined)
          r = template(s.ResultSelector, { ...ps0, input: r }, fail);
        let out = inp;
        if (r !== undefined) out = resultPath(s.ResultPath, inp, r, approx);
        else if (
          s.Type === "Pass" &&
          s.ResultPath !== undefined &&
          s.Result === undefined &&
          s.Parameters === undefined
        )
          out = inp;
        return s.OutputPath === null
          ? "{}"
          : s.OutputPath !== undefined
            ? path(s.OutputPath, { ...ps0, input: out }, "OutputPath")
            : out;
      };
      const next = (to: unknown, from = n, kind: Out["kind"] = "next", index = 0): string | undefined => {
        if (typeof to !== "string") return undefined;
        if (isBack(from, { to, kind, index })) {
          approx(
            `Its transition back to "${to}" is a loop, which Weft expresses only as a foreach: it was dropped. Model the repetition with a foreach or a retry policy.`,
          );
          return undefined;
        }
        return idOf.get(to);
      };
      const policies = (step: Step) => {
        if (step.type === "fail") return;
        const retry = retryOf(s.Retry, approx);
        if (retry) step.retry = retry;
        if (Array.isArray(s.Catch) && s.Catch.length) {
          const routes: { errors: string[]; next: string }[] = [];
          const datas: string[] = [];
          s.Catch.forEach((c, i) => {
            if (!isObj(c)) return;
            const errors = [...new Set(arrOfStr(c.ErrorEquals).map(errorMatcher))].slice(0, 20);
            const err = `{"Error": $error.code ? $error.code : $error.errorClass, "Cause": $error.message}`;
            datas[i] = langHere
              ? c.Output !== undefined
                ? template(c.Output, { ...ps0, error: err }, fail)
                : err
              : resultPath(c.ResultPath, inp, err, approx);
            const to = next(c.Next, n, "catch", i);
            if (to && errors.length) routes.push({ errors, next: to });
          });
          catchData.set(n, datas);
          if (routes.length) step.catch = routes;
        }
        const t = num(s.TimeoutSeconds);
        if (t !== undefined) step.timeout = seconds(Math.min(86_400, Math.max(1, t)));
        if (s.TimeoutSecondsPath !== undefined || s.HeartbeatSeconds !== undefined)
          approx("TimeoutSecondsPath/HeartbeatSeconds have no Weft equivalent.");
        if (s.Assign !== undefined && !canonicalAssign)
          approx("Assign (workflow variables): Weft has none; later states read this step's output instead.");
      };
      const push = (st: Step) => (steps.push(st), st);
      /** The state's output: inline when it is a path, else a map step right after it (readable, and computed once). */
      const settle = (st: { next?: string }, shaped: string) => {
        if (canonicalAssign && s.Output === undefined) {
          // Exported by toAsl: later states read the variable, never the state's raw output.
          dataOut.set(n, `$steps.${id}.output`);
          return;
        }
        if (/^\$[A-Za-z_]\w*(?:\.(?:[A-Za-z_]\w*|`[^`]*`))*$/.test(shaped)) {
          dataOut.set(n, shaped);
          return;
        }
        const oid = ids.take(`${n} output`);
        steps.push({
          id: oid,
          type: "map",
          name: `${n}: output`,
          output: shaped,
          ...(st.next ? { next: st.next } : {}),
        });
        st.next = oid;
        lastStep.set(n, oid);
        dataOut.set(n, `$steps.${oid}.output`);
        rep.notes.push(`Map step '${oid}' computes its output (ResultSelector/ResultPath/OutputPath).`);
      };

      switch (s.Type) {
        case "Pass": {
          const result =
            s.Result !== undefined
              ? literal(s.Result)
              : !langHere && s.Parameters !== undefined
                ? effInput()
                : langHere
                  ? undefined
                  : s.InputPath !== undefined
                    ? effInput()
                    : inp;
          const out = shapeOutput(result);
          const st = push({ id, type: "map", name: n, output: out, ...(next(s.Next) ? { next: next(s.Next)! } : {}) });
          rep.became = "map";
          dataOut.set(n, `$steps.${st.id}.output`);
          break;
        }
        case "Succeed": {
          const out = langHere
            ? shapeOutput(undefined)
            : s.OutputPath === null
              ? "{}"
              : s.OutputPath !== undefined
                ? path(
                    s.OutputPath,
                    { ...ps0, input: s.InputPath === null ? "{}" : path(s.InputPath, ps0, "InputPath") },
                    "OutputPath",
                  )
                : s.InputPath !== undefined
                  ? effInput()
                  : inp;
          push({ id, type: "map", name: n, output: out });
          rep.became = "map (the scope ends here)";
          dataOut.set(n, `$steps.${id}.output`);
          break;
        }
        case "Fail": {
          const code = typeof s.Error === "string" ? errorCode(s.Error) : "failed";
          const message =
            (typeof s.Cause === "string" && s.Cause) ||
            (typeof s.Error === "string" && s.Error) ||
            `The state machine failed at "${n}".`;
          const details: Record<string, string> = {};
          if (s.ErrorPath !== undefined)
            details.error = langHere ? template(s.ErrorPath, ps0, fail) : path(s.ErrorPath, ps0, "ErrorPath");
          if (s.CausePath !== undefined)
            details.cause = langHere ? template(s.CausePath, ps0, fail) : path(s.CausePath, ps0, "CausePath");
          push({
            id,
            type: "fail",
            name: n,
            errorClass: "business",
            code,
            message: message.slice(0, 4000),
            ...(Object.keys(details).length ? { details } : {}),
          });
          rep.became = `fail (business:${code})`;
          if (s.ErrorPath !== undefined || s.CausePath !== undefined)
            approx("The error and cause computed at run time are in the failure's details; its code is fixed.");
          dataOut.set(n, inp);
          break;
        }
        case "Wait": {
          const st: Step = { id, type: "wait", name: n };
          if (typeof s.Seconds === "number") st.duration = seconds(Math.max(1, s.Seconds));
          else if (typeof s.Seconds === "string")
            st.until = `$fromMillis($toMillis($now()) + (${template(s.Seconds, ps0, fail)}) * 1000)`;
          else if (typeof s.Timestamp === "string")
            st.until = /^\{%/.test(s.Timestamp) ? template(s.Timestamp, ps0, fail) : literal(s.Timestamp);
          else if (s.SecondsPath !== undefined)
            st.until = `$fromMillis($toMillis($now()) + ${path(s.SecondsPath, ps0, "SecondsPath")} * 1000)`;
          else if (s.TimestampPath !== undefined) st.until = path(s.TimestampPath, ps0, "TimestampPath");
          const to = next(s.Next);
          if (to) st.next = to;
          push(st);
          rep.became = "wait";
          dataOut.set(n, shapeOutput(undefined));
          break;
        }
        case "Choice": {
          const cases: { when: string; next: string; label?: string }[] = [];
          arrOf(s.Choices).forEach((c, i) => {
            const to = next(c.Next, n, "choice", i);
            if (!to) return;
            let when: string;
            try {
              when = typeof c.Condition === "string" ? template(c.Condition, ps0, fail) : choiceRule(c, ps0);
            } catch (e) {
              if (!(e instanceof Untranslatable)) throw e;
              fail(`choice ${i + 1} (${e.message})`);
              when = "false";
            }
            cases.push({
              when,
              next: to,
              label: (typeof c.Comment === "string" ? c.Comment : `→ ${String(c.Next)}`).slice(0, 200),
            });
          });
          const def = next(s.Default, n, "default", 0);
          if (!cases.length) {
            push({ id, type: "map", name: n, output: inp, ...(def ? { next: def } : {}) });
            approx("No choice could be kept: it became a map step going to the default.");
          } else push({ id, type: "switch", name: n, cases, ...(def ? { default: def } : {}) });
          rep.became ??= "switch";
          if (!s.Default)
            rep.notes.push(
              "No Default: when no choice matches, ASL fails with States.NoChoiceMatched; Weft ends the scope.",
            );
          dataOut.set(n, shapeOutput(undefined));
          break;
        }
        case "Task": {
          const resource = str(s.Resource) ?? "";
          const args = effInput();
          let st: CallStep | SubflowStep;
          let result: string;
          if (/^arn:aws[\w-]*:states:::http:invoke$/.test(resource)) {
            const call = httpInvoke(s, ps0, langHere, fail);
            const conn = call.connection;
            const prev = connections.get(conn.key);
            if (prev) prev.steps.push(id);
            else connections.set(conn.key, { ...conn, steps: [id] });
            st = {
              id,
              type: "call",
              name: n,
              connector: "http",
              operation: "request",
              connection: conn.key,
              input: call.input,
            };
            result = `{"ResponseBody": $steps.${id}.output.body, "StatusCode": $steps.${id}.output.status, "Headers": $steps.${id}.output.headers}`;
            rep.became = "call http.request";
          } else if (/^arn:aws[\w-]*:states:::states:startExecution/.test(resource)) {
            const arn =
              (isObj(s.Parameters) ? str(s.Parameters.StateMachineArn) : undefined) ??
              (isObj(s.Arguments) ? str(s.Arguments.StateMachineArn) : undefined) ??
              "child";
            const flowKey = flowKeyFrom(arn.split(":").pop() ?? arn);
            const wait = resource.endsWith(".sync") || resource.endsWith(".sync:2");
            st = {
              id,
              type: "subflow",
              name: n,
              flow: flowKey,
              version: "^0.1.0",
              // JSONata mode: the Arguments' Input itself (none when absent), as toAsl writes it.
              ...(langHere && isObj(s.Arguments)
                ? s.Arguments.Input !== undefined
                  ? { input: template(s.Arguments.Input, ps0, fail) }
                  : {}
                : { input: appendPath(args, ["Input"]) }),
              ...(wait ? {} : { wait: false }),
            };
            result = wait ? `{"Output": $steps.${id}.output}` : `{"ExecutionArn": $steps.${id}.output.runId}`;
            rep.became = "subflow";
            approx(`Starts state machine "${arn}": convert it too, as flow '${flowKey}'.`);
          } else {
            const lambda = /:lambda:|^arn:aws[\w-]*:states:::lambda:invoke/.test(resource);
            const fn = lambda
              ? ((isObj(s.Parameters) ? str(s.Parameters.FunctionName) : undefined) ??
                resource.split(":function:")[1] ??
                resource)
              : resource;
            st = placeholder(
              id,
              n,
              lambda
                ? `Configure this step: it invoked Lambda function "${fn}". Call its HTTP endpoint (http connector), or rewrite its logic as Weft steps; its input is the 'payload' field.`
                : `Configure this step: it used the AWS integration "${resource}", which Weft has no connector for. Replace it with a call to a connector that does the same.`,
              { payload: args },
            );
            result =
              lambda && resource.includes(":::lambda:invoke")
                ? `{"Payload": $steps.${id}.output}`
                : `$steps.${id}.output`;
            rep.status = "placeholder";
            rep.became = "placeholder";
            rep.notes.push(
              lambda ? `Lambda function ${fn}: code Weft cannot see.` : `No Weft connector for ${resource}.`,
            );
          }
          const to = next(s.Next);
          if (to) st.next = to;
          policies(st);
          push(st);
          settle(st, shapeOutput(result));
          break;
        }
        case "Parallel": {
          const branches = arrOf(s.Branches);
          const par: Step = { id, type: "parallel", name: n, join: "all", branches: [] };
          const branchInput = effInput();
          branches.forEach((b, i) => {
            if (typeof b.StartAt !== "string" || !isObj(b.States))
              throw new ConvertError(`${where}: branch ${i + 1} of "${n}" has no StartAt/States.`);
            const r = scope(b.States, b.StartAt, branchInput, `Branch ${i + 1} of "${n}"`, langHere);
            const bname = canonicalAssign ? branchNames[i]! : `b${i + 1}`;
            const bsteps = [...r.steps];
            const last = r.terminals.length === 1 ? r.terminals[0] : undefined;
            // The branch's result is what its last step outputs; add a map where ASL's terminal output differs.
            if (r.terminalData && last && r.terminalData !== `$steps.${last}.output`) {
              const fin = ids.take(`${n} ${bname} result`);
              const lastStep = bsteps.find((x) => x.id === last);
              if (lastStep && lastStep.type !== "fail" && lastStep.type !== "switch") {
                (lastStep as { next?: string }).next = fin;
                bsteps.push({ id: fin, type: "map", name: `Result of branch ${i + 1}`, output: r.terminalData });
              }
            } else if (r.terminals.length > 1)
              approx(`Branch ${i + 1} ends in several states; its result is the output of whichever ran last.`);
            par.branches.push({ name: bname, start: r.start, steps: bsteps });
          });
          if (par.branches.length < 2) approx("A parallel step needs two branches; Weft reports the missing one.");
          const to = next(s.Next);
          if (to) par.next = to;
          policies(par);
          push(par);
          rep.became = "parallel";
          settle(par, shapeOutput(`[${par.branches.map((b) => `$steps.${id}.output.${b.name}`).join(", ")}]`));
          break;
        }
        case "Map": {
          const proc = isObj(s.ItemProcessor) ? s.ItemProcessor : isObj(s.Iterator) ? s.Iterator : undefined;
          if (!proc || typeof proc.StartAt !== "string" || !isObj(proc.States))
            throw new ConvertError(`${where}: Map state "${n}" has no ItemProcessor.`);
          const base =
            s.InputPath === null
              ? "{}"
              : !langHere && s.InputPath !== undefined
                ? path(s.InputPath, ps0, "InputPath")
                : inp;
          const items = langHere
            ? s.Items !== undefined
              ? template(s.Items, ps0, fail)
              : base
            : s.ItemsPath !== undefined
              ? path(s.ItemsPath, { ...ps0, input: base }, "ItemsPath")
              : base;
          const selector = langHere ? s.ItemSelector : (s.ItemSelector ?? s.Parameters);
          const bodyInput =
            selector !== undefined
              ? template(selector, { input: base, item: "$item", index: "$index" }, fail)
              : "$item";
          const r = scope(proc.States, proc.StartAt, bodyInput, `The item processor of "${n}"`, langHere, {
            item: "$item",
          });
          const st: Step = { id, type: "foreach", name: n, items, body: { start: r.start, steps: r.steps } };
          const mc = num(s.MaxConcurrency);
          if (mc === undefined || mc === 0) {
            st.maxConcurrency = 100;
            if (mc === 0) approx("MaxConcurrency 0 (unlimited) became 100, Weft's most.");
          } else st.maxConcurrency = Math.min(100, Math.max(1, mc));
          if (mc === undefined) rep.notes.push("ASL runs Map iterations concurrently by default: maxConcurrency 100.");
          if (mc !== undefined && mc > 100) approx(`MaxConcurrency ${mc} became 100, Weft's most.`);
          const tol = num(s.ToleratedFailurePercentage);
          if (tol !== undefined) st.toleratedFailurePercent = Math.min(100, Math.max(0, tol));
          if (s.ToleratedFailureCount !== undefined || s.ToleratedFailurePercentagePath !== undefined)
            approx("ToleratedFailureCount/…Path: set toleratedFailurePercent by hand.");
          if (s.ItemReader !== undefined || s.ResultWriter !== undefined || s.ItemBatcher !== undefined)
            approx(
              "Distributed-map settings (ItemReader, ItemBatcher, ResultWriter) are not converted: the items are read from the state's input.",
            );
          if (r.terminalData && r.terminals.length === 1 && r.terminalData !== `$steps.${r.terminals[0]}.output`)
            st.collect = r.terminalData;
          const to = next(s.Next);
          if (to) st.next = to;
          policies(st);
          push(st);
          rep.became = "foreach";
          settle(st, shapeOutput(`$steps.${id}.output`));
          break;
        }
        default:
          push(placeholder(id, n, `Replace this step: the ASL state type "${s.Type}" is unknown to the converter.`));
          rep.status = "placeholder";
          rep.became = "placeholder";
          dataOut.set(n, inp);
      }
      if (canonicalAssign) vars.add(id);
    }
    const terminals = order.filter(
      (n) => !["Fail"].includes(S[n]!.Type) && outs(n).filter((e) => e.kind !== "catch" && !isBack(n, e)).length === 0,
    );
    return {
      start: idOf.get(startAt)!,
      steps,
      terminals: terminals.map((t) => lastStep.get(t) ?? idOf.get(t)!),
      ...(terminals.length === 1 ? { terminalData: dataOut.get(terminals[0]!)! } : {}),
    };
  };

  const main = scope(input.States, input.StartAt, "$trigger", "The state machine", jsonataMode);
  const flow: Flow = {
    ...header(
      name,
      `Imported from an AWS Step Functions state machine${typeof input.Comment === "string" ? `: ${input.Comment}` : ""}.`,
      { type: "manual" },
      opts,
    ),
    ...(main.terminalData && main.terminalData !== "$trigger" ? { output: main.terminalData } : {}),
    start: main.start,
    steps: main.steps,
  };
  return {
    flow,
    report: finishReport({
      source: "asl",
      name,
      entries: reportValidation(flow, entries, notes),
      notes,
      connections: [...connections.values()],
      pinned: {},
    }),
  };
}

function arrOf(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}
function arrOfStr(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** ResultPath: "$" (default) = the result; null = the input; "$.a.b" = the input with the result at a.b. */
function resultPath(rp: unknown, input: string, result: string, approx: (m: string) => void): string {
  if (rp === undefined || rp === "$") return result;
  if (rp === null) return input;
  if (typeof rp !== "string") return result;
  const m = /^\$((?:\.[A-Za-z_][\w-]*)+)$/.exec(rp);
  if (!m) {
    approx(`ResultPath ${JSON.stringify(rp)} is not a plain field path: the result replaces the input.`);
    return result;
  }
  const names = m[1]!.slice(1).split(".");
  // {"a": {"b": result}} merged one level at a time, keeping the input's other fields at every level.
  const build = (base: string, rest: string[]): string => {
    const [head, ...tail] = rest;
    const value = tail.length ? build(appendPath(base, [head!]), tail) : result;
    return `$merge([${base}, {${literal(head)}: ${value}}])`;
  };
  return build(input, names);
}

function retryOf(v: unknown, approx: (m: string) => void): RetryPolicy | undefined {
  const rs = arrOf(v);
  if (!rs.length) return undefined;
  const on = [...new Set(rs.flatMap((r) => arrOfStr(r.ErrorEquals).map(errorMatcher)))].slice(0, 10);
  const r0 = rs[0]!;
  const maxAttempts = Math.max(...rs.map((r) => num(r.MaxAttempts) ?? 3)) + 1;
  if (maxAttempts <= 1) return undefined;
  if (rs.length > 1)
    approx(
      `${rs.length} retriers became one retry policy (Weft has one per step): errors ${on.join(", ")}, the most attempts, the first retrier's timing.`,
    );
  const interval = num(r0.IntervalSeconds) ?? 1;
  const policy: RetryPolicy = {
    on,
    maxAttempts: Math.min(25, maxAttempts),
    interval: seconds(Math.min(3600, interval)),
    backoffRate: Math.min(10, Math.max(1, num(r0.BackoffRate) ?? 2)),
    jitter: r0.JitterStrategy === "FULL" ? "full" : "none",
  };
  const md = num(r0.MaxDelaySeconds);
  if (md !== undefined) policy.maxDelay = seconds(Math.min(86_400, Math.max(md, Math.min(3600, interval))));
  if (maxAttempts > 25) approx(`MaxAttempts ${maxAttempts - 1} became 24 retries (25 attempts), Weft's most.`);
  if (interval > 3600) approx("IntervalSeconds above an hour became an hour, Weft's most.");
  return policy;
}

/** JSONata: whether `v` is an RFC 3339 timestamp, as ASL's IsTimestamp and Timestamp… comparisons read one. */
const isTimestamp = (v: string) =>
  `($type(${v}) = "string" and $contains(${v}, /^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}/))`;

function choiceRule(c: Record<string, unknown>, scope: PathScope): string {
  if (Array.isArray(c.And))
    return `(${arrOf(c.And)
      .map((x) => choiceRule(x, scope))
      .join(" and ")})`;
  if (Array.isArray(c.Or))
    return `(${arrOf(c.Or)
      .map((x) => choiceRule(x, scope))
      .join(" or ")})`;
  if (isObj(c.Not)) return `$not(${choiceRule(c.Not, scope)})`;
  if (typeof c.Variable !== "string") throw new Untranslatable("a choice rule without Variable");
  const v = jsonPath(c.Variable, scope);
  const op = Object.keys(c).find((k) => k !== "Variable" && k !== "Next" && k !== "Comment");
  if (!op) throw new Untranslatable("a choice rule without a comparison");
  const raw = c[op];
  const byPath = op.endsWith("Path");
  const bare = byPath ? op.slice(0, -4) : op;
  const r = byPath ? jsonPath(String(raw), scope) : literal(raw);
  const rel: Record<string, string> = {
    Equals: "=",
    LessThan: "<",
    GreaterThan: ">",
    LessThanEquals: "<=",
    GreaterThanEquals: ">=",
  };
  let m: RegExpExecArray | null;
  if (
    (m = /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals)$/.exec(
      bare,
    ))
  ) {
    const type = m[1]!;
    const o = rel[m[2]!]!;
    // ASL compares only values of the rule's type (a string never equals a number): so does the translation.
    // A value that is not a timestamp makes the rule false, as in ASL (JSONata's $toMillis would fail the step).
    if (type === "Timestamp")
      return `(${isTimestamp(v)} and ${isTimestamp(r)} and $toMillis(${v}) ${o} $toMillis(${r}))`;
    const jt = type === "String" ? "string" : type === "Numeric" ? "number" : "boolean";
    return `($type(${v}) = "${jt}" and ${v} ${o} ${r})`;
  }
  const flag = raw === true;
  switch (op) {
    case "StringMatches": {
      if (typeof raw !== "string") throw new Untranslatable("StringMatches without a pattern");
      const re = raw
        .split(/(\\\*|\*)/)
        .map((part) => (part === "*" ? ".*" : part === "\\*" ? "\\*" : part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")))
        .join("");
      return `($type(${v}) = "string" and $contains(${v}, /^${re}$/))`;
    }
    case "IsNull":
      return flag ? `($exists(${v}) and ${v} = null)` : `$not($exists(${v}) and ${v} = null)`;
    case "IsPresent":
      return flag ? `$exists(${v})` : `$not($exists(${v}))`;
    case "IsNumeric":
    case "IsString":
    case "IsBoolean": {
      const t = op === "IsNumeric" ? "number" : op === "IsString" ? "string" : "boolean";
      return flag ? `$type(${v}) = "${t}"` : `$type(${v}) != "${t}"`;
    }
    case "IsTimestamp":
      return flag ? isTimestamp(v) : `$not${isTimestamp(v)}`;
    default:
      throw new Untranslatable(`the comparison ${op}`);
  }
}

function httpInvoke(
  s: State,
  scope: PathScope,
  lang: boolean,
  fail: (w: string) => void,
): { input: Record<string, string>; connection: Omit<ConnectionToCreate, "steps"> } {
  const p = (lang ? s.Arguments : s.Parameters) as Record<string, unknown> | undefined;
  const field = (k: string): string | undefined => {
    if (!isObj(p)) return undefined;
    if (!lang && `${k}.$` in p)
      return template({ [`${k}.$`]: p[`${k}.$`] }, scope, fail).replace(/^\{"[^"]*": ([\s\S]*)\}$/, "$1");
    if (k in p) return template(p[k], scope, fail);
    return undefined;
  };
  const input: Record<string, string> = { method: field("Method") ?? '"GET"', url: field("ApiEndpoint") ?? '""' };
  const headers = field("Headers");
  if (headers) input.headers = headers;
  const query = field("QueryParameters");
  if (query) input.query = query;
  const body = field("RequestBody");
  if (body) input.body = body;
  const auth = isObj(p) && isObj(p.Authentication) ? str(p.Authentication.ConnectionArn) : undefined;
  const connName = auth ? (auth.split(":connection/")[1]?.split("/")[0] ?? auth) : "http";
  return {
    input,
    connection: {
      key: flowKeyFrom(connName),
      connector: "http",
      from: auth ? `EventBridge connection ${auth}` : "HTTP tasks",
      ...(auth ? {} : { auth: "none" }),
    },
  };
}
