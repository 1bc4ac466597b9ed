// n8n workflow export (JSON) → a weft/1 draft and a conversion report. Pure.
//
// How the models differ, and what that means here:
// - n8n passes lists of items from node to node and runs each node once per item; a Weft step runs once and
//   names what it reads (`$steps.<id>.output`). `$json` of a node becomes the output of the node feeding it.
// - n8n wires nodes by output index; Weft names successors: IF/Switch become switch steps, an output wired to
//   several nodes becomes a parallel step (joined where the branches meet again, usually a Merge), the Loop
//   (SplitInBatches) node becomes a foreach owning the nodes between its loop output and the way back.
// - Whatever has no Weft equivalent (Code/Function nodes, unknown node types) becomes a placeholder step the
//   validator refuses until someone replaces it, and the report says so.
import {
  defaultWebhookSecret,
  fieldsToJsonata,
  type Flow,
  type MapStep,
  type RetryPolicy,
  type Step,
  type Trigger,
} from "../dsl";
import { isObj } from "../is-obj";
import {
  StepIds,
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
import { translateValue, type N8nExprContext } from "./n8n-expressions";

interface N8nNode {
  name: string;
  type: string;
  typeVersion?: number;
  position?: [number, number];
  parameters?: Record<string, unknown>;
  disabled?: boolean;
  credentials?: Record<string, { id?: string; name?: string }>;
  continueOnFail?: boolean;
  onError?: string;
  retryOnFail?: boolean;
  maxTries?: number;
  waitBetweenTries?: number;
}
interface Edge {
  from: string;
  out: number;
  to: string;
  in: number;
}
type Scope = { steps: Step[]; kind: "main" | "body" | "branch"; owner?: string };

const TRIGGERS = new Set([
  "webhook",
  "scheduleTrigger",
  "cron",
  "manualTrigger",
  "start",
  "executeWorkflowTrigger",
  "errorTrigger",
  "formTrigger",
  "interval",
]);
const PASS_THROUGH = new Set(["if", "switch", "filter", "wait"]);

function shortType(t: string): string {
  return t.replace(/^n8n-nodes-base\./, "").replace(/^@n8n\/n8n-nodes-langchain\./, "langchain.");
}
/** How many outputs a node has before its error output (n8n adds that one last). */
function regularOutputs(n: N8nNode): number {
  const t = shortType(n.type);
  const p = obj(n.parameters);
  if (t === "if" || t === "splitInBatches") return 2;
  if (t === "switch") {
    if (p.mode === "expression") return num(p.numberOutputs) ?? 4;
    const rules = arr(obj(p.rules).values).length || arr(obj(p.rules).rules).length;
    return rules + (obj(p.options).fallbackOutput === "extra" ? 1 : 0);
  }
  return 1;
}
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v)
    ? v
    : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;
const obj = (v: unknown): Record<string, unknown> => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function fromN8n(input: unknown, opts: ConvertOptions = {}): ConvertResult {
  if (!isObj(input) || !Array.isArray(input.nodes))
    throw new ConvertError(
      'This is not an n8n workflow export: expected a JSON object with "nodes" and "connections".',
    );
  const wfName = opts.name ?? str(input.name) ?? "Imported n8n workflow";
  const key = opts.key ?? flowKeyFrom(wfName);
  const entries = new Map<string, ReportEntry>();
  const flowNotes: string[] = [
    "n8n runs each node once per incoming item; a Weft step runs once per run and reads whole outputs. Where a node received a list, wrap the steps that handle one item in a foreach.",
  ];
  const connections = new Map<string, ConnectionToCreate>();
  const pinned: Record<string, unknown> = {};

  // --- Nodes and edges ---------------------------------------------------------------------------------
  const nodes = new Map<string, N8nNode>();
  for (const raw of input.nodes) {
    if (!isObj(raw) || typeof raw.name !== "string" || typeof raw.type !== "string")
      throw new ConvertError("Every n8n node needs a name and a type.");
    nodes.set(raw.name, raw as unknown as N8nNode);
  }
  let edges: Edge[] = [];
  for (const [from, byKind] of Object.entries(obj(input.connections))) {
    arr(obj(byKind).main).forEach((targets, out) => {
      for (const t of arr(targets))
        if (isObj(t) && typeof t.node === "string") edges.push({ from, out, to: t.node, in: num(t.index) ?? 0 });
    });
    for (const kind of Object.keys(obj(byKind)))
      if (kind !== "main")
        flowNotes.push(`Node "${from}" has "${kind}" connections (AI sub-nodes); they are not converted.`);
  }
  edges = edges.filter((e) => nodes.has(e.from) && nodes.has(e.to));

  // Notes can arrive before a node's entry (translating its parameters comes first); they wait here.
  const early = new Map<string, { notes: string[]; approximate: boolean }>();
  const entry = (name: string, e: Omit<ReportEntry, "source" | "sourceType" | "notes"> & { notes?: string[] }) => {
    const n = nodes.get(name)!;
    const pre = early.get(name);
    early.delete(name);
    const status = e.status === "converted" && pre?.approximate ? "approximated" : e.status;
    entries.set(name, {
      source: name,
      sourceType: n.type,
      notes: [...(pre?.notes ?? []), ...(e.notes ?? [])],
      status,
      stepId: e.stepId,
      became: e.became,
    });
  };
  const note = (name: string, text: string, approximate = true) => {
    const e = entries.get(name);
    if (!e) {
      const pre = early.get(name) ?? { notes: [], approximate: false };
      pre.notes.push(text);
      pre.approximate ||= approximate;
      early.set(name, pre);
      return;
    }
    e.notes.push(text);
    if (approximate && e.status === "converted") e.status = "approximated";
  };

  // Sticky notes are canvas comments; disabled nodes pass their input through in n8n, so their edges are bridged.
  const disabledPred = new Map<string, string>();
  for (const n of [...nodes.values()]) {
    if (shortType(n.type) === "stickyNote") {
      entries.set(n.name, {
        source: n.name,
        sourceType: n.type,
        status: "skipped",
        notes: ["A sticky note (a comment on the canvas): not carried over."],
      });
      nodes.delete(n.name);
    }
  }
  for (const n of [...nodes.values()]) {
    if (!n.disabled) continue;
    const ins = edges.filter((e) => e.to === n.name);
    const outs = edges.filter((e) => e.from === n.name && e.out === 0);
    edges = edges.filter((e) => e.to !== n.name && e.from !== n.name);
    for (const i of ins) for (const o of outs) edges.push({ from: i.from, out: i.out, to: o.to, in: o.in });
    if (ins[0]) disabledPred.set(n.name, ins[0].from);
    entries.set(n.name, {
      source: n.name,
      sourceType: n.type,
      status: "skipped",
      notes: ["Disabled in n8n (it passes its input through): left out, its connections joined up."],
    });
    nodes.delete(n.name);
  }
  const targets = (name: string, out: number) => [
    ...new Set(edges.filter((e) => e.from === name && e.out === out).map((e) => e.to)),
  ];

  // --- Trigger ----------------------------------------------------------------------------------------------
  const triggerNodes = [...nodes.values()].filter((n) => TRIGGERS.has(shortType(n.type)) || /Trigger$/.test(n.type));
  const triggerNode = triggerNodes.find((n) => edges.some((e) => e.from === n.name)) ?? triggerNodes[0];
  for (const t of triggerNodes)
    if (t !== triggerNode)
      entries.set(t.name, {
        source: t.name,
        sourceType: t.type,
        status: "skipped",
        notes: [
          `A Weft flow has one trigger; "${triggerNode!.name}" became it. Convert this trigger's path as a second flow.`,
        ],
      });
  const trigger = convertTrigger(
    triggerNode,
    key,
    obj(input.settings),
    (e) =>
      triggerNode &&
      entries.set(triggerNode.name, {
        source: triggerNode.name,
        sourceType: triggerNode.type,
        stepId: "trigger",
        ...e,
      }),
  );
  if (!triggerNode) flowNotes.push("The workflow has no trigger node: the flow got a manual trigger.");
  for (const t of triggerNodes) if (t !== triggerNode) nodes.delete(t.name);

  // --- Step ids, references ---------------------------------------------------------------------------------
  const ids = new StepIds();
  const idOf = new Map<string, string>();
  for (const n of nodes.values()) if (n !== triggerNode) idOf.set(n.name, ids.take(n.name));
  const emitted = new Map<string, Scope>();
  const primaryPred = new Map<string, Edge | null>();
  const branchExit = new Map<string, string>();
  const loopOutput = (n: N8nNode) => ((n.typeVersion ?? 1) >= 3 ? 1 : 0);
  const isLoop = (n: N8nNode | undefined) => n !== undefined && shortType(n.type) === "splitInBatches";

  const inRef = (name: string, seen = new Set<string>()): string => {
    const e = primaryPred.get(name) ?? edges.find((x) => x.to === name && x.in === 0) ?? null;
    if (!e) return "$trigger";
    const src = nodes.get(e.from);
    if (isLoop(src) && e.out === loopOutput(src!)) return "$item";
    // Reached through an error output: n8n's item carries the error as `error`; Weft's catch handler reads $error.
    if (src?.onError === "continueErrorOutput" && e.out === regularOutputs(src)) return '{"error": $error}';
    return outRef(e.from, seen);
  };
  const outRef = (name: string, seen = new Set<string>()): string => {
    if (seen.has(name)) return "$trigger";
    seen.add(name);
    if (disabledPred.has(name)) return outRef(disabledPred.get(name)!, seen);
    const n = nodes.get(name);
    if (!n) return "$trigger";
    const t = shortType(n.type);
    if (n === triggerNode) return SCHEDULE_TRIGGERS.has(t) ? SCHEDULE_ITEM : "$trigger";
    if (PASS_THROUGH.has(t)) return inRef(name, seen);
    const id = idOf.get(name)!;
    if (branchExit.has(name)) return branchExit.get(name)!;
    if (t === "httpRequest")
      return obj(obj(obj(n.parameters).options).response).response &&
        obj(obj(obj(obj(n.parameters).options).response).response).fullResponse
        ? `$steps.${id}.output`
        : `$steps.${id}.output.body`;
    if (t === "postgres") return `$steps.${id}.output.rows`;
    if (t === "salesforce" && obj(n.parameters).operation === "getAll") return `$steps.${id}.output.records`;
    return `$steps.${id}.output`;
  };
  const exprCtx = (name: string): N8nExprContext => ({
    json: () => inRef(name),
    node: (other) =>
      nodes.has(other) || disabledPred.has(other) || other === triggerNode?.name ? outRef(other) : undefined,
  });
  /** An n8n parameter → JSONata; untranslated expressions are kept as text and noted on the node. */
  const tr = (name: string, v: unknown, where: string): string => {
    const r = translateValue(v, exprCtx(name));
    if (!r.ok)
      note(
        name,
        `${where}: the n8n expression ${JSON.stringify(String(v).slice(1))} was kept as text, not translated (${r.reason}). Rewrite it in JSONata.`,
      );
    return r.expr;
  };

  // --- Walk -------------------------------------------------------------------------------------------------
  const main: Scope = { steps: [], kind: "main" };
  let flowOutput: string | undefined;

  /** The step a node became in `scope`, converting it on first sight; undefined = end of the scope. */
  const emit = (name: string, scope: Scope, stop: ReadonlySet<string>): string | undefined => {
    if (stop.has(name)) return undefined;
    const n = nodes.get(name);
    if (!n) return undefined;
    const done = emitted.get(name);
    if (done) {
      if (done === scope) return idOf.get(name);
      return undefined; // noted by the caller
    }
    emitted.set(name, scope);
    primaryPred.set(
      name,
      edges.find((e) => e.to === name && e.in === 0 && (e.from === triggerNode?.name || emitted.has(e.from))) ??
        edges.find((e) => e.to === name && (e.from === triggerNode?.name || emitted.has(e.from))) ??
        null,
    );
    convertNode(n, scope, stop);
    return idOf.get(name);
  };

  /** The successor of output `out` of a node: one step, a parallel step for a fan-out, or nothing. */
  const nextOf = (name: string, out: number, scope: Scope, stop: ReadonlySet<string>): string | undefined => {
    const ts = targets(name, out);
    const reach = (t: string): string | undefined => {
      const done = emitted.get(t);
      if (done && done !== scope && !stop.has(t)) {
        note(
          name,
          `Its connection to "${t}" crosses into another loop or branch, which Weft cannot express: it was dropped. Reconnect the steps by hand.`,
        );
        return undefined;
      }
      return emit(t, scope, stop);
    };
    if (ts.length === 0) return undefined;
    if (ts.length === 1) return reach(ts[0]!);
    const join = findJoin(ts, edges);
    // A target converted already cannot start a branch (a step sits in one scope): it is reported, not forked.
    for (const t of ts)
      if (t !== join && !stop.has(t) && emitted.has(t))
        note(name, `Its connection to "${t}", which another path already leads to, was dropped: reconnect it by hand.`);
    const forks = ts.filter((t) => t !== join && !stop.has(t) && !emitted.has(t));
    if (forks.length <= 1) return forks[0] || join ? reach(forks[0] ?? join!) : undefined;
    const parId = ids.take(`${name} branches`);
    const branchStop = new Set([...stop, ...(join ? [join] : [])]);
    const par: Step = {
      id: parId,
      type: "parallel",
      name: `${name} → ${forks.length} branches`,
      join: "all",
      branches: [],
    };
    scope.steps.push(par);
    for (const t of forks) {
      const b: Scope = { steps: [], kind: "branch", owner: parId };
      const start = reach2(t, b, branchStop);
      const branchName = idOf.get(t) ?? `b${par.branches.length}`;
      par.branches.push({ name: branchName, ...(start ? { start } : {}), steps: b.steps });
      // What the join reads of this branch: the parallel's output, by branch name.
      if (join)
        for (const e of edges)
          if (e.to === join && b.steps.some((s) => s.id === idOf.get(e.from))) {
            const own = `$steps.${idOf.get(e.from)}.output`;
            const ref = outRef(e.from);
            branchExit.set(
              e.from,
              ref.startsWith(own) ? `$steps.${parId}.output.${branchName}${ref.slice(own.length)}` : ref,
            );
          }
    }
    note(
      name,
      `Its output goes to ${forks.length} nodes: they became the branches of parallel step '${parId}' (n8n runs them one after another, Weft at the same time)${join ? `, joined at "${join}"` : ""}.`,
    );
    if (join) par.next = reach(join);
    return parId;
    function reach2(t: string, b: Scope, st: ReadonlySet<string>) {
      return emit(t, b, st);
    }
  };

  const withPolicies = (
    n: N8nNode,
    step: Step,
    scope: Scope,
    stop: ReadonlySet<string>,
    regularOutputs: number,
  ): void => {
    if (step.type === "fail") return;
    if (n.retryOnFail) {
      const retry: RetryPolicy = {
        on: ["any"],
        maxAttempts: Math.min(25, Math.max(1, n.maxTries ?? 3)),
        interval: seconds(Math.max(0.1, (n.waitBetweenTries ?? 1000) / 1000)),
        backoffRate: 1,
        jitter: "none",
      };
      step.retry = retry;
    }
    if (n.onError === "continueErrorOutput") {
      const target = nextOf(n.name, regularOutputs, scope, stop);
      if (target) step.catch = [{ errors: ["any"], next: target }];
      note(n.name, "Its error output became a catch route (any error); the handler reads the error as $error.", false);
    } else if (n.continueOnFail || n.onError === "continueRegularOutput") {
      // n8n hands the next node { error: <message> } in place of the output: a catch route to the same next
      // step whose output is that item, so the next step's reads of this one's output still hold.
      const target = "next" in step ? step.next : undefined;
      if (target) {
        step.catch = [...(step.catch ?? []), { errors: ["any"], next: target, output: '{"error": $error.message}' }];
        note(
          n.name,
          `'Continue on fail' became a catch route to '${target}' (any error) whose output is {"error": <message>}, the item n8n passed on.`,
          false,
        );
      } else
        note(
          n.name,
          "'Continue on fail' on a last node: nothing follows, so a failure now fails the run (it lands in the exception queue).",
        );
    }
  };

  const convertNode = (n: N8nNode, scope: Scope, stop: ReadonlySet<string>): void => {
    const id = idOf.get(n.name)!;
    const p = obj(n.parameters);
    const t = shortType(n.type);
    const v = n.typeVersion ?? 1;
    const push = <S extends Step>(s: S): S => (scope.steps.push(s), s);
    const ok = (
      became: string,
      notes: string[] = [],
      status: "converted" | "approximated" = notes.length ? "approximated" : "converted",
    ) => entry(n.name, { status, stepId: id, became, notes });
    switch (t) {
      case "httpRequest": {
        const s = push<Step>(
          httpStep(
            n,
            id,
            p,
            v,
            (val, w) => tr(n.name, val, w),
            connections,
            (msg) => ok("call http.request", msg ? [msg] : []),
          ),
        );
        if (s.type === "call") s.next = nextOf(n.name, 0, scope, stop);
        withPolicies(n, s, scope, stop, 1);
        return;
      }
      case "set": {
        const { fields, keepInput, raw } = setFields(p, v);
        const out: Record<string, string> = {};
        for (const [k, val, type] of fields)
          out[k] =
            type === "number" && typeof val !== "string"
              ? literal(val)
              : type === "number" && !String(val).startsWith("=") && num(val) !== undefined
                ? String(num(val))
                : type === "boolean" && typeof val === "string" && !val.startsWith("=")
                  ? String(val === "true")
                  : tr(n.name, val, `field '${k}'`);
        let output: string | Record<string, string> = out;
        if (raw !== undefined) output = tr(n.name, raw, "JSON output");
        if (keepInput)
          output = `$merge([${inRef(n.name)}, ${typeof output === "string" ? output : fieldsToJsonata(output)}])`;
        if (typeof output !== "string" && Object.keys(output).length === 0) output = "{}";
        ok("map");
        const s = push<MapStep>({ id, type: "map", name: n.name, output });
        s.next = nextOf(n.name, 0, scope, stop);
        withPolicies(n, s, scope, stop, 1);
        return;
      }
      case "if":
      case "filter": {
        const cond = conditionOf(
          p,
          (val, w) => tr(n.name, val, w),
          (msg) => note(n.name, msg),
        );
        const yes = nextOf(n.name, 0, scope, stop);
        const no = t === "if" ? nextOf(n.name, 1, scope, stop) : undefined;
        ok(
          "switch",
          t === "filter"
            ? ["A Filter drops the items that fail the condition; here the flow ends when the condition is false."]
            : [],
        );
        const s = push<Step>({ id, type: "switch", name: n.name, cases: [] });
        if (s.type !== "switch") return;
        if (yes) s.cases.push({ when: cond, next: yes, label: t === "if" ? "true" : "kept" });
        else if (no) s.cases.push({ when: `$not(${cond})`, next: no, label: "false" });
        if (yes && no) s.default = no;
        if (!s.cases.length) {
          scope.steps.splice(scope.steps.indexOf(s), 1, { id, type: "map", name: n.name, output: inRef(n.name) });
          note(n.name, "No output of this IF is connected: it became a map step passing its input on.");
          return;
        }
        withPolicies(n, s, scope, stop, t === "if" ? 2 : 1);
        return;
      }
      case "switch": {
        const cases = switchCases(
          p,
          v,
          (val, w) => tr(n.name, val, w),
          (msg) => note(n.name, msg),
        );
        ok("switch");
        const s = push<Step>({ id, type: "switch", name: n.name, cases: [] });
        if (s.type !== "switch") return;
        for (const c of cases.rules) {
          const next = nextOf(n.name, c.output, scope, stop);
          if (next) s.cases.push({ when: c.when, next, ...(c.label ? { label: c.label.slice(0, 200) } : {}) });
        }
        if (cases.fallback !== undefined) {
          const d = nextOf(n.name, cases.fallback, scope, stop);
          if (d) s.default = d;
        }
        if (!s.cases.length) {
          // Replaced where it stands: the steps its fallback led to were pushed after it.
          scope.steps.splice(scope.steps.indexOf(s), 1, {
            id,
            type: "map",
            name: n.name,
            output: inRef(n.name),
            ...(s.default ? { next: s.default } : {}),
          });
          note(
            n.name,
            "No rule output of this Switch is connected: it became a map step passing its input on (to its fallback, if connected).",
          );
          return;
        }
        withPolicies(n, s, scope, stop, cases.rules.length + (cases.fallback !== undefined ? 1 : 0));
        return;
      }
      case "merge": {
        // Inputs by index; emitted after the branches that feed it, so their references are known.
        const inputs: string[] = [];
        for (const e of edges.filter((x) => x.to === n.name)) if (inputs[e.in] === undefined) inputs[e.in] = e.from;
        // An input whose node has not been converted before this one (unreachable, or after it) cannot be read.
        const refs = inputs.map((src, i) => {
          if (src === undefined) return "[]";
          if (!emitted.has(src) && src !== triggerNode?.name) {
            note(n.name, `Input ${i + 1} comes from "${src}", which does not run before it: that input is left empty.`);
            return "[]";
          }
          return outRef(src);
        });
        while (refs.length < 2) refs.push("[]");
        const m = mergeExpr(p, v, refs);
        if (!m.expr) {
          push(placeholder(id, n.name, `Rewrite the n8n Merge node "${n.name}": ${m.note}`));
          entry(n.name, { status: "placeholder", stepId: id, became: "placeholder", notes: [m.note!] });
        } else {
          push<Step>({ id, type: "map", name: n.name, output: m.expr });
          ok("map", m.note ? [m.note] : []);
        }
        const s = scope.steps[scope.steps.length - 1]!;
        if (s.type === "map" || s.type === "call") s.next = nextOf(n.name, 0, scope, stop);
        return;
      }
      case "splitInBatches": {
        const s = push<Step>({ id, type: "foreach", name: n.name, items: inRef(n.name), body: { steps: [] } });
        if (s.type !== "foreach") return;
        const notes: string[] = [];
        const batch = num(p.batchSize) ?? 1;
        if (batch > 1)
          notes.push(`n8n handed the loop ${batch} items at a time; the foreach runs its body once per item.`);
        if (v < 3)
          notes.push(
            "Before version 3 the loop's end was decided by an IF on noItemsLeft; check what follows the foreach.",
          );
        const body: Scope = { steps: [], kind: "body", owner: id };
        const start = nextOf(n.name, loopOutput(n), body, new Set([...stop, n.name]));
        s.body.steps = body.steps;
        if (start) s.body.start = start;
        else notes.push("Nothing is connected to the loop output: the foreach body is empty.");
        ok("foreach", notes);
        if (v >= 3) s.next = nextOf(n.name, 0, scope, stop);
        withPolicies(n, s, scope, stop, 2);
        return;
      }
      case "wait": {
        const resume = str(p.resume) ?? "timeInterval";
        if (resume === "timeInterval") {
          const amount = num(p.amount) ?? 1;
          const unit = str(p.unit) ?? "hours";
          const mult = { seconds: 1, minutes: 60, hours: 3600, days: 86400 }[unit] ?? 3600;
          push<Step>({ id, type: "wait", name: n.name, duration: seconds(Math.max(1, Math.round(amount * mult))) });
          ok("wait");
        } else if (resume === "specificTime") {
          push<Step>({ id, type: "wait", name: n.name, until: tr(n.name, p.dateTime, "date and time") });
          ok("wait");
        } else {
          push(
            placeholder(
              id,
              n.name,
              `Rewrite the n8n Wait node "${n.name}": it waited for ${resume === "webhook" ? "a call to its resume URL" : `a ${resume} submission`}, which Weft cannot resume on. Split the flow at this point: a second flow with a webhook trigger continues it.`,
            ),
          );
          entry(n.name, {
            status: "placeholder",
            stepId: id,
            became: "placeholder",
            notes: [`Resumes on ${resume}: no Weft equivalent.`],
          });
        }
        const s = scope.steps[scope.steps.length - 1]!;
        if (s.type === "wait" || s.type === "call") s.next = nextOf(n.name, 0, scope, stop);
        return;
      }
      case "noOp": {
        const s = push<Step>({ id, type: "map", name: n.name, output: inRef(n.name) });
        ok("map (passes its input on)");
        if (s.type === "map") s.next = nextOf(n.name, 0, scope, stop);
        return;
      }
      case "respondToWebhook": {
        const w = str(p.respondWith) ?? "firstIncomingItem";
        const output =
          w === "json"
            ? tr(n.name, p.responseBody, "response body")
            : w === "text"
              ? tr(n.name, p.responseBody, "response body")
              : w === "noData"
                ? "{}"
                : inRef(n.name);
        const s = push<Step>({ id, type: "map", name: n.name, output });
        flowOutput = `$steps.${id}.output`;
        ok("map + the flow's output", [
          "Weft answers a webhook with 202 as soon as the run is accepted; the response body became the flow's output (read it from the run, or have the flow call the sender back).",
        ]);
        if (s.type === "map") s.next = nextOf(n.name, 0, scope, stop);
        return;
      }
      case "stopAndError": {
        const message = p.errorMessage;
        const lit = typeof message === "string" && !message.startsWith("=");
        push<Step>({
          id,
          type: "fail",
          name: n.name,
          errorClass: "business",
          code: "n8n_stop_and_error",
          message: lit ? (message as string).slice(0, 4000) || "Stopped" : `Stopped at "${n.name}"`,
          ...(lit ? {} : { details: { message: tr(n.name, message ?? (p.errorObject as unknown), "error message") } }),
        });
        ok("fail");
        return;
      }
      case "postgres":
        if ((str(p.operation) ?? "executeQuery") === "executeQuery" && typeof p.query === "string") {
          const cred = Object.values(n.credentials ?? {})[0]?.name ?? "postgres";
          const conn = flowKeyFrom(cred);
          addConnection(connections, { key: conn, connector: "postgres", from: `n8n credential "${cred}"`, step: id });
          const replacement = str(obj(p.options).queryReplacement);
          const s = push<Step>({
            id,
            type: "call",
            name: n.name,
            connector: "postgres",
            operation: "query",
            connection: conn,
            input: {
              sql: tr(n.name, p.query, "query"),
              ...(replacement ? { params: `$split(${tr(n.name, replacement, "query parameters")}, ",")` } : {}),
            },
          });
          ok(
            "call postgres.query",
            p.query.startsWith("=")
              ? [
                  "The query was built with an expression in n8n; Weft sends values as parameters ($1, $2…): move the values into params.",
                ]
              : [],
          );
          if (s.type === "call") s.next = nextOf(n.name, 0, scope, stop);
          withPolicies(n, s, scope, stop, 1);
          return;
        }
        break;
      case "salesforce": {
        const sf = salesforceCall(p, (val, w) => tr(n.name, val, w));
        if (!sf) break;
        const cred = Object.values(n.credentials ?? {})[0]?.name ?? "salesforce";
        const conn = flowKeyFrom(cred);
        addConnection(connections, {
          key: conn,
          connector: "salesforce",
          auth: "oauth2",
          from: `n8n credential "${cred}"`,
          step: id,
        });
        const s = push<Step>({
          id,
          type: "call",
          name: n.name,
          connector: "salesforce",
          operation: sf.operation,
          connection: conn,
          input: sf.input,
        });
        ok(`call salesforce.${sf.operation}`, sf.notes);
        if (s.type === "call") s.next = nextOf(n.name, 0, scope, stop);
        withPolicies(n, s, scope, stop, 1);
        return;
      }
      case "executeWorkflow": {
        const wf = obj(p.workflowId);
        const target = str(wf.cachedResultName) ?? str(p.workflowId) ?? str(wf.value) ?? "subflow";
        const s = push<Step>({
          id,
          type: "subflow",
          name: n.name,
          flow: flowKeyFrom(target),
          version: "^0.1.0",
          input: inRef(n.name),
        });
        ok("subflow", [
          `Starts flow '${flowKeyFrom(target)}': convert n8n workflow "${target}" too, or point this step at the flow that replaces it.`,
        ]);
        if (s.type === "subflow") s.next = nextOf(n.name, 0, scope, stop);
        return;
      }
      default:
        break;
    }
    // Code, Function and every node Weft has no equivalent for: a placeholder that says what to do.
    const code = t === "code" || t === "function" || t === "functionItem";
    const todo = code
      ? `Rewrite this n8n ${t === "code" ? "Code" : "Function"} node ("${n.name}") as Weft steps: a map step with a JSONata expression for data shaping, or a call step for a side effect. Its JavaScript is in the report.`
      : `Replace this n8n "${t}" node ("${n.name}"): Weft has no converter for it. Pick the connector and operation that does the same, or remove it.`;
    const s = push(placeholder(id, n.name, todo, { from: inRef(n.name) }));
    const source = str(p.jsCode) ?? str(p.functionCode) ?? str(p.pythonCode);
    entry(n.name, {
      status: "placeholder",
      stepId: id,
      became: "placeholder",
      notes: [
        code ? "Code cannot be converted." : `No converter for ${n.type}.`,
        ...(source ? [`Source:\n${source.slice(0, 2000)}`] : []),
      ],
    });
    s.next = nextOf(n.name, 0, scope, stop);
  };

  // Start at the trigger; then anything not reached from it (kept, as unreachable steps, never dropped).
  const first = triggerNode ? nextOf(triggerNode.name, 0, main, new Set()) : undefined;
  for (const n of nodes.values()) {
    if (n === triggerNode || emitted.has(n.name)) continue;
    emit(n.name, main, new Set());
    note(n.name, "Not reachable from the trigger in n8n: kept as an unreachable step.", false);
  }
  let start = first ?? main.steps[0]?.id;
  if (!start) {
    main.steps.push({ id: ids.take("start"), type: "map", name: "Start", output: "$trigger" });
    start = main.steps[0]!.id;
    flowNotes.push("The workflow had no steps after its trigger: the draft has one map step to start from.");
  }

  // Pinned data → samples.
  for (const [name, items] of Object.entries(obj(input.pinData))) {
    const list = arr(items).map((i) => (isObj(i) && "json" in i ? i.json : i));
    const target = name === triggerNode?.name ? "trigger" : idOf.get(name);
    if (!target || list.length === 0) continue;
    let sample: unknown = list.length === 1 ? list[0] : list;
    if (target === "trigger" && trigger.type === "webhook" && isObj(sample))
      sample = { body: sample.body ?? {}, headers: sample.headers ?? {}, query: sample.query ?? {} };
    pinned[target] = sample;
    note(name, "Its pinned data became a pinned sample.", false);
  }

  const settings = obj(input.settings);
  if (settings.errorWorkflow)
    flowNotes.push(
      `n8n started error workflow ${JSON.stringify(settings.errorWorkflow)} on failure: failed runs now go to the owner's exception queue. To start a flow instead, set onFailure to { "type": "flow", "flow": "<its key>" }.`,
    );

  const flow: Flow = {
    ...header(wfName, `Imported from n8n workflow "${wfName}".`, trigger, { ...opts, key }),
    ...(flowOutput ? { output: flowOutput } : {}),
    start,
    steps: main.steps,
  };
  // Positions from n8n when every top-level node has one and nothing is nested; else the designer lays out.
  const pos = new Map(
    [...nodes.values()].map((n) => [n === triggerNode ? "trigger" : idOf.get(n.name)!, n.position] as const),
  );
  if (
    triggerNode &&
    main.steps.every((s) => s.type !== "foreach" && s.type !== "parallel" && Array.isArray(pos.get(s.id))) &&
    Array.isArray(pos.get("trigger"))
  )
    flow.layout = {
      nodes: Object.fromEntries(
        ["trigger", ...main.steps.map((s) => s.id)].map((i) => [i, { x: pos.get(i)![0], y: pos.get(i)![1] }]),
      ),
    };

  const ordered = [...(input.nodes as { name: string }[])]
    .map((n) => entries.get(n.name))
    .filter((e): e is ReportEntry => e !== undefined);
  return {
    flow,
    report: finishReport({
      source: "n8n",
      name: wfName,
      entries: reportValidation(flow, ordered, flowNotes),
      notes: flowNotes,
      connections: [...connections.values()],
      pinned,
    }),
  };
}

// --- Pieces -----------------------------------------------------------------------------------------------

const SF_OBJECTS: Record<string, string> = { account: "Account", opportunity: "Opportunity", contact: "Contact" };
/** The record fields an n8n Salesforce node sets outside "additional fields", by resource. */
const SF_FIELDS: Record<string, Record<string, string>> = {
  account: { name: "Name" },
  opportunity: { name: "Name", closeDate: "CloseDate", stageName: "StageName" },
  contact: { lastName: "LastName" },
};

const SCHEDULE_TRIGGERS = new Set(["scheduleTrigger", "cron", "interval"]);
/** What n8n's schedule trigger item is, in terms of Weft's schedule input ({ firedAt }). */
const SCHEDULE_ITEM = '({"timestamp": $trigger.firedAt})';

/** The n8n Salesforce node's record operations → the Weft salesforce connector's; undefined = no match. */
function salesforceCall(
  p: Record<string, unknown>,
  tr: Tr,
): { operation: string; input: Record<string, string>; notes: string[] } | undefined {
  const resource = str(p.resource) ?? "lead";
  const op = str(p.operation) ?? "create";
  if (op === "getAll") return salesforceQuery(resource, p, tr);
  const sobject = SF_OBJECTS[resource];
  if (!sobject || !["create", "get", "update", "upsert"].includes(op)) return undefined;
  const notes: string[] = [];
  const fields: string[] = [];
  for (const [param, field] of Object.entries(SF_FIELDS[resource] ?? {}))
    if (p[param] !== undefined) fields.push(`${literal(field)}: ${tr(p[param], field)}`);
  for (const group of [obj(p.additionalFields), obj(p.updateFields)])
    for (const [k, v] of Object.entries(group)) {
      if (k === "customFieldsUi") continue;
      const field = k.charAt(0).toUpperCase() + k.slice(1);
      fields.push(`${literal(field)}: ${tr(v, field)}`);
      notes.push(`Field "${k}" became "${field}": check the API name.`);
    }
  const custom = [
    obj(obj(p.additionalFields).customFieldsUi),
    obj(obj(p.updateFields).customFieldsUi),
    obj(p.customFieldsUi),
  ];
  for (const c of custom)
    for (const f of arr(c.customFieldsValues).filter(isObj))
      if (typeof f.fieldId === "string") fields.push(`${literal(f.fieldId)}: ${tr(f.value, f.fieldId)}`);
  const input: Record<string, string> = { sobject: literal(sobject) };
  const idParam = p[`${resource}Id`] ?? p.recordId;
  if (op === "get" || op === "update") {
    if (idParam === undefined) return undefined;
    input.id = tr(idParam, "record id");
  }
  if (op === "upsert") {
    if (typeof p.externalId !== "string" || p.externalIdValue === undefined) return undefined;
    input.externalIdField = literal(p.externalId);
    input.externalId = tr(p.externalIdValue, "external id");
  }
  if (op !== "get") input.fields = `{${fields.join(", ")}}`;
  const operation = { create: "createRecord", get: "getRecord", update: "updateRecord", upsert: "upsertRecord" }[op]!;
  return { operation, input, notes };
}

/** The sObjects behind the n8n Salesforce node's resources that "Get many" can list. */
const SF_LISTABLE: Record<string, string> = {
  ...SF_OBJECTS,
  lead: "Lead",
  case: "Case",
  task: "Task",
  user: "User",
  attachment: "Attachment",
};
/** n8n's condition operations → SOQL operators. */
const SOQL_OPS: Record<string, string> = { equal: "=", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

/**
 * "Get many" (getAll) → salesforce.query: n8n builds SOQL from the resource, its `fields` option and its
 * conditions, quoting values that are not numbers; the query here is the same SOQL, built in JSONata where a
 * condition's value is an expression (quoted and escaped at run time, so a value cannot change the query).
 */
function salesforceQuery(
  resource: string,
  p: Record<string, unknown>,
  tr: Tr,
): { operation: string; input: Record<string, string>; notes: string[] } | undefined {
  const sobject = SF_LISTABLE[resource];
  if (!sobject) return undefined;
  const options = obj(p.options);
  const notes: string[] = [];
  const fieldList = Array.isArray(options.fields)
    ? options.fields.filter((f): f is string => typeof f === "string")
    : (str(options.fields) ?? "")
        .split(",")
        .map((f) => f.trim())
        .filter(Boolean);
  const fields = fieldList.length ? fieldList : ["Id"];
  if (!fieldList.length) notes.push("No fields were chosen in n8n: the query reads Id only; add the fields you need.");
  const parts: string[] = [literal(`SELECT ${fields.join(", ")} FROM ${sobject}`)];
  const conditions = arr(obj(options.conditionsUi).conditionValues).filter(isObj);
  for (const [i, c] of conditions.entries()) {
    const field = str(c.field);
    const sop = SOQL_OPS[str(c.operation) ?? "equal"];
    if (!field || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(field) || !sop) return undefined;
    const head = `${i === 0 ? " WHERE " : " AND "}${field} ${sop} `;
    const v = c.value;
    if (typeof v === "number" || typeof v === "boolean") parts.push(literal(`${head}${String(v)}`));
    else if (typeof v === "string" && !v.startsWith("=")) parts.push(literal(`${head}${soqlQuote(v)}`));
    else {
      const expr = tr(v, `condition on ${field}`);
      parts.push(
        literal(head),
        `($v := ${expr}; $type($v) = "number" ? $string($v) : "'" & $replace($replace($string($v), "\\\\", "\\\\\\\\"), "'", "\\\\'") & "'")`,
      );
    }
  }
  const input: Record<string, string> = {};
  if (p.returnAll !== true) {
    const limit = typeof p.limit === "number" && p.limit > 0 ? Math.floor(p.limit) : 50;
    parts.push(literal(` LIMIT ${limit}`));
    input.maxRecords = String(limit);
  }
  input.soql = parts.join(" & ");
  notes.push(
    "n8n gave one item per record; the query's output holds them in `records`, which the next nodes read (a foreach handles one at a time).",
  );
  return { operation: "query", input, notes };
}

/** A SOQL string literal: backslashes and single quotes escaped. */
function soqlQuote(v: string): string {
  return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** The first node every fork reaches (where parallel branches meet again), nearest to the first fork. */
function findJoin(forks: string[], edges: Edge[]): string | undefined {
  const reach = (from: string): Map<string, number> => {
    const d = new Map<string, number>([[from, 0]]);
    const q = [from];
    while (q.length) {
      const x = q.shift()!;
      for (const e of edges)
        if (e.from === x && !d.has(e.to)) {
          d.set(e.to, d.get(x)! + 1);
          q.push(e.to);
        }
    }
    return d;
  };
  const sets = forks.map(reach);
  let best: [string, number] | undefined;
  for (const [node, dist] of sets[0]!)
    if (sets.every((s) => s.has(node)) && (!best || dist < best[1])) best = [node, dist];
  return best?.[0];
}

function addConnection(
  all: Map<string, ConnectionToCreate>,
  c: Omit<ConnectionToCreate, "steps"> & { step: string },
): void {
  const prev = all.get(c.key);
  if (prev) prev.steps.push(c.step);
  else
    all.set(c.key, {
      key: c.key,
      connector: c.connector,
      ...(c.auth ? { auth: c.auth } : {}),
      from: c.from,
      steps: [c.step],
    });
}

function convertTrigger(
  n: N8nNode | undefined,
  key: string,
  settings: Record<string, unknown>,
  report: (e: Omit<ReportEntry, "source" | "sourceType">) => void,
): Trigger {
  if (!n) return { type: "manual" };
  const t = shortType(n.type);
  const p = obj(n.parameters);
  const tz = str(settings.timezone) ?? "UTC";
  if (t === "webhook") {
    report({
      status: "approximated",
      became: "webhook trigger",
      notes: [
        `n8n listened on ${str(p.httpMethod) ?? "GET"} /webhook/${str(p.path) ?? ""}; Weft listens on POST /api/hooks/${key} and needs requests signed with the secret '${defaultWebhookSecret(key)}' (create it as a webhook connection).`,
        ...(p.responseMode && p.responseMode !== "onReceived"
          ? [
              `Response mode "${String(p.responseMode)}": Weft answers 202 when the run is accepted, not with the flow's result.`,
            ]
          : []),
      ],
    });
    return { type: "webhook", secret: defaultWebhookSecret(key) };
  }
  if (SCHEDULE_TRIGGERS.has(t)) {
    const cron = cronOf(t, p);
    report({
      status: "approximated",
      became: "schedule trigger",
      notes: [
        ...(cron.note ? [cron.note] : []),
        `n8n's schedule item (timestamp, "Readable date", "Day of week"…) is { firedAt } in Weft, in UTC: expressions reading timestamp read firedAt; derive other parts with $fromMillis($toMillis($trigger.firedAt), picture, offset).`,
      ],
    });
    return { type: "schedule", cron: cron.cron, timezone: tz };
  }
  if (t === "manualTrigger" || t === "start") {
    report({ status: "converted", became: "manual trigger", notes: [] });
    return { type: "manual" };
  }
  const why =
    t === "executeWorkflowTrigger"
      ? "It was started by other workflows: they start this flow with a subflow step."
      : t === "errorTrigger"
        ? "It handled other workflows' failures: name this flow in their onFailure ({ type: flow })."
        : `Weft has no ${n.type}: it became a manual trigger; a poll trigger on the system's connector may replace it.`;
  report({ status: "approximated", became: "manual trigger", notes: [why] });
  return { type: "manual" };
}

function cronOf(t: string, p: Record<string, unknown>): { cron: string; exact: boolean; note?: string } {
  if (t === "interval") {
    const v = num(p.interval) ?? 1;
    const unit = str(p.unit) ?? "seconds";
    if (unit === "minutes") return { cron: `*/${v} * * * *`, exact: 60 % v === 0 };
    if (unit === "hours") return { cron: `0 */${v} * * *`, exact: 24 % v === 0 };
    return { cron: `*/${v} * * * * *`, exact: 60 % v === 0 };
  }
  if (t === "cron") {
    const item = obj(arr(obj(p.triggerTimes).item)[0]);
    const h = num(item.hour) ?? 0;
    const m = num(item.minute) ?? 0;
    switch (str(item.mode) ?? "everyDay") {
      case "everyMinute":
        return { cron: "* * * * *", exact: true };
      case "everyHour":
        return { cron: `${m} * * * *`, exact: true };
      case "everyWeek":
        return { cron: `${m} ${h} * * ${num(item.weekday) ?? 1}`, exact: true };
      case "everyMonth":
        return { cron: `${m} ${h} ${num(item.dayOfMonth) ?? 1} * *`, exact: true };
      case "custom":
        return { cron: str(item.cronExpression) ?? "0 0 * * *", exact: true };
      default:
        return { cron: `${m} ${h} * * *`, exact: true };
    }
  }
  const rule = obj(arr(obj(p.rule).interval)[0]);
  const h = num(rule.triggerAtHour) ?? 0;
  const m = num(rule.triggerAtMinute) ?? 0;
  switch (str(rule.field) ?? "days") {
    case "cronExpression":
      return { cron: str(rule.expression) ?? "0 0 * * *", exact: true };
    case "seconds":
      return { cron: `*/${num(rule.secondsInterval) ?? 30} * * * * *`, exact: true };
    case "minutes":
      return { cron: `*/${num(rule.minutesInterval) ?? 5} * * * *`, exact: true };
    case "hours":
      return { cron: `${m} */${num(rule.hoursInterval) ?? 1} * * *`, exact: true };
    case "weeks": {
      const days = arr(rule.triggerAtDay)
        .map((d) => num(d))
        .filter((d) => d !== undefined);
      const every = num(rule.weeksInterval) ?? 1;
      return {
        cron: `${m} ${h} * * ${days.length ? days.join(",") : 0}`,
        exact: every === 1,
        ...(every > 1 ? { note: `Every ${every} weeks became every week: cron cannot count weeks.` } : {}),
      };
    }
    case "months":
      return {
        cron: `${m} ${h} ${num(rule.triggerAtDayOfMonth) ?? 1} */${num(rule.monthsInterval) ?? 1} *`,
        exact: true,
      };
    default: {
      const every = num(rule.daysInterval) ?? 1;
      return { cron: `${m} ${h} ${every > 1 ? `*/${every}` : "*"} * *`, exact: true };
    }
  }
}

function httpStep(
  n: N8nNode,
  id: string,
  p: Record<string, unknown>,
  v: number,
  tr: (v: unknown, where: string) => string,
  conns: Map<string, ConnectionToCreate>,
  report: (note?: string) => void,
): Step {
  const notes: string[] = [];
  const method = (str(v >= 3 ? p.method : p.requestMethod) ?? "GET").toUpperCase();
  const input: Record<string, string> = { method: literal(method), url: tr(p.url ?? "", "URL") };
  const pairs = (list: unknown, where: string): string | undefined => {
    const kv = arr(list)
      .filter(isObj)
      .filter((x) => typeof x.name === "string" && x.name);
    if (!kv.length) return undefined;
    return `{${kv.map((x) => `${literal(x.name)}: ${tr(x.value ?? "", `${where} '${String(x.name)}'`)}`).join(", ")}}`;
  };
  if (v >= 3) {
    if (p.sendQuery) {
      const q =
        p.specifyQuery === "json"
          ? jsonParam(p.jsonQuery, tr, "query")
          : pairs(obj(p.queryParameters).parameters, "query parameter");
      if (q) input.query = q;
    }
    if (p.sendHeaders) {
      const h =
        p.specifyHeaders === "json"
          ? jsonParam(p.jsonHeaders, tr, "headers")
          : pairs(obj(p.headerParameters).parameters, "header");
      if (h) input.headers = h;
    }
    if (p.sendBody) {
      const type = str(p.contentType) ?? "json";
      const b =
        type === "raw"
          ? tr(p.body ?? "", "body")
          : p.specifyBody === "json"
            ? jsonParam(p.jsonBody, tr, "body")
            : pairs(obj(p.bodyParameters).parameters, "body field");
      if (b) input.body = b;
      if (type === "form-urlencoded") input.bodyType = literal("form");
      else if (type === "raw") input.bodyType = literal("text");
      else if (type !== "json") notes.push(`Body type "${type}" became a JSON body.`);
    }
  } else {
    const q = pairs(obj(p.queryParametersUi).parameter, "query parameter");
    if (q) input.query = q;
    const h = pairs(obj(p.headerParametersUi).parameter, "header");
    if (h) input.headers = h;
    const b = p.jsonParameters
      ? jsonParam(p.bodyParametersJson, tr, "body")
      : pairs(obj(p.bodyParametersUi).parameter, "body field");
    if (b) input.body = b;
  }
  // Authentication: a connection to create (n8n exports credential names, never secrets, and so do we).
  const authKind = str(p.authentication) ?? "none";
  const generic = str(p.genericAuthType) ?? authKind;
  const cred = Object.entries(n.credentials ?? {})[0];
  const authWord: Record<string, string> = {
    httpBasicAuth: "basic",
    basicAuth: "basic",
    httpHeaderAuth: "apiKey",
    headerAuth: "apiKey",
    httpQueryAuth: "apiKey",
    oAuth2Api: "oauth2ClientCredentials",
    oAuth2: "oauth2ClientCredentials",
    httpBearerAuth: "bearer",
  };
  let connection = "http";
  if (authKind !== "none") {
    const credName = cred?.[1]?.name ?? cred?.[0] ?? generic;
    connection = flowKeyFrom(credName);
    const auth = authKind === "predefinedCredentialType" ? undefined : authWord[generic];
    addConnection(conns, {
      key: connection,
      connector: "http",
      ...(auth ? { auth } : {}),
      from: `n8n credential "${credName}" (${authKind === "predefinedCredentialType" ? (str(p.nodeCredentialType) ?? "predefined") : generic})`,
      step: id,
    });
    if (!auth)
      notes.push(
        `Authentication "${authKind === "predefinedCredentialType" ? str(p.nodeCredentialType) : generic}": create connection '${connection}' with the matching auth (or use the vendor's Weft connector).`,
      );
    if (generic === "oAuth2Api" || generic === "oAuth2")
      notes.push("OAuth 2.0 became client credentials; an authorization-code grant needs a vendor connector.");
  } else
    addConnection(conns, {
      key: connection,
      connector: "http",
      auth: "none",
      from: "HTTP Request nodes without authentication",
      step: id,
    });
  const fullResponse = obj(obj(obj(p.options).response).response).fullResponse;
  if (fullResponse) notes.push("Full response: later steps read status, headers and body of the call's output.");
  const timeout = num(obj(p.options).timeout);
  report(notes.join(" ") || undefined);
  return {
    id,
    type: "call",
    name: n.name,
    connector: "http",
    operation: "request",
    connection,
    input,
    ...(timeout ? { timeout: seconds(Math.min(86_400, Math.max(1, Math.round(timeout / 1000)))) } : {}),
  };
}

/** A JSON parameter (literal JSON text, or an expression/template building it). */
function jsonParam(v: unknown, tr: (v: unknown, where: string) => string, where: string): string | undefined {
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") return literal(v);
  if (!v.startsWith("=")) {
    try {
      return literal(JSON.parse(v));
    } catch {
      return literal(v);
    }
  }
  const inner = v.slice(1).trim();
  // A lone {{ … }} yields the value; a template with JSON text around expressions yields a string to parse.
  // n8n parses a JSON body that evaluates to text (JSON.stringify(…)) before sending it.
  if (/^\{\{[\s\S]*\}\}$/.test(inner) && inner.indexOf("{{", 2) < 0)
    return `($body := ${tr(v, where)}; $type($body) = "string" ? $eval($body) : $body)`;
  const t = tr(v, where);
  return t.startsWith('"') ? t : `$eval(${t})`;
}

function setFields(
  p: Record<string, unknown>,
  v: number,
): { fields: [string, unknown, string][]; keepInput: boolean; raw?: unknown } {
  if (v >= 3) {
    if (p.mode === "raw") return { fields: [], keepInput: p.includeOtherFields === true, raw: p.jsonOutput };
    const fields: [string, unknown, string][] = [];
    for (const a of arr(obj(p.assignments).assignments).filter(isObj))
      if (typeof a.name === "string" && a.name) fields.push([a.name, a.value, str(a.type) ?? "string"]);
    for (const f of arr(obj(p.fields).values).filter(isObj))
      if (typeof f.name === "string" && f.name) {
        const type = str(f.type) ?? "stringValue";
        fields.push([
          f.name,
          f[type.endsWith("Value") ? type : `${type}Value`] ?? f.stringValue,
          type.replace(/Value$/, ""),
        ]);
      }
    const keep =
      v >= 3.3 ? p.includeOtherFields === true : (str(p.include) ?? "all") !== "none" && p.includeOtherFields !== false;
    return { fields, keepInput: keep };
  }
  const fields: [string, unknown, string][] = [];
  for (const [type, list] of Object.entries(obj(p.values)))
    for (const f of arr(list).filter(isObj))
      if (typeof f.name === "string" && f.name) fields.push([f.name, f.value, type]);
  return { fields, keepInput: p.keepOnlySet !== true };
}

type Tr = (v: unknown, where: string) => string;

/** One n8n condition (IF v1 style: value1/operation/value2 per data type). */
function v1Condition(type: string, c: Record<string, unknown>, tr: Tr): string {
  const l = tr(c.value1, "condition");
  const r = tr(c.value2, "condition");
  const op = str(c.operation) ?? "equal";
  return compare(type, op, l, r, c.value2);
}

function compare(type: string, op: string, l: string, r: string, rawRight: unknown): string {
  const time = (x: string) => (type === "dateTime" ? `$toMillis(${x})` : x);
  switch (op) {
    case "equal":
    case "equals":
      return type === "dateTime" ? `${time(l)} = ${time(r)}` : `${l} = ${r}`;
    case "notEqual":
    case "notEquals":
      return `${l} != ${r}`;
    case "larger":
    case "gt":
    case "after":
      return `${time(l)} > ${time(r)}`;
    case "largerEqual":
    case "gte":
    case "afterOrEquals":
      return `${time(l)} >= ${time(r)}`;
    case "smaller":
    case "lt":
    case "before":
      return `${time(l)} < ${time(r)}`;
    case "smallerEqual":
    case "lte":
    case "beforeOrEquals":
      return `${time(l)} <= ${time(r)}`;
    case "contains":
      return type === "array" ? `${r} in ${l}` : `$contains(${l}, ${r})`;
    case "notContains":
      return type === "array" ? `$not(${r} in ${l})` : `$not($contains(${l}, ${r}))`;
    case "startsWith":
      return `$substring(${l}, 0, $length(${r})) = ${r}`;
    case "notStartsWith":
      return `$substring(${l}, 0, $length(${r})) != ${r}`;
    case "endsWith":
      return `$substring(${l}, -$length(${r})) = ${r}`;
    case "notEndsWith":
      return `$substring(${l}, -$length(${r})) != ${r}`;
    case "regex":
    case "notRegex": {
      if (typeof rawRight !== "string" || rawRight.startsWith("=")) throw new Error("regex");
      const m = /^\/(.*)\/([a-z]*)$/.exec(rawRight);
      const re = `/${(m ? m[1]! : rawRight).replace(/\//g, "\\/")}/${m?.[2]?.includes("i") ? "i" : ""}`;
      return op === "regex" ? `$contains(${l}, ${re})` : `$not($contains(${l}, ${re}))`;
    }
    case "exists":
    case "isNotEmpty":
    case "notEmpty":
      return op === "exists" ? `$exists(${l})` : `$boolean(${l})`;
    case "notExists":
      return `$not($exists(${l}))`;
    case "empty":
    case "isEmpty":
      return `$not($boolean(${l}))`;
    case "true":
      return `${l} = true`;
    case "false":
      return `${l} = false`;
    case "lengthEquals":
      return `$count(${l}) = ${r}`;
    case "lengthNotEquals":
      return `$count(${l}) != ${r}`;
    case "lengthGt":
      return `$count(${l}) > ${r}`;
    case "lengthLt":
      return `$count(${l}) < ${r}`;
    case "lengthGte":
      return `$count(${l}) >= ${r}`;
    case "lengthLte":
      return `$count(${l}) <= ${r}`;
    default:
      throw new Error(op);
  }
}

/** IF/Filter conditions (v1 per-type lists, or v2's condition list with a combinator) → one JSONata boolean. */
function conditionOf(p: Record<string, unknown>, tr: Tr, note: (m: string) => void): string {
  const c = obj(p.conditions);
  const parts: string[] = [];
  let joiner: string;
  const safe = (f: () => string, what: string) => {
    try {
      parts.push(`(${f()})`);
    } catch (e) {
      note(
        `Condition ${what} (operation "${(e as Error).message}") has no translation: it was left out. Add it to the switch case by hand.`,
      );
    }
  };
  if (Array.isArray(c.conditions)) {
    joiner = c.combinator === "or" ? " or " : " and ";
    const ci = obj(c.options).caseSensitive === false;
    for (const [i, x] of c.conditions.filter(isObj).entries()) {
      const op = obj(x.operator);
      const type = str(op.type) ?? "string";
      safe(
        () => {
          let l = tr(x.leftValue, "condition");
          let r = tr(x.rightValue, "condition");
          if (ci && type === "string") {
            l = `$lowercase(${l})`;
            r = `$lowercase(${r})`;
          }
          return compare(type, str(op.operation) ?? "equals", l, r, x.rightValue);
        },
        `${i + 1}`,
      );
    }
  } else {
    joiner = p.combineOperation === "any" ? " or " : " and ";
    for (const [type, list] of Object.entries(c))
      for (const [i, x] of arr(list).filter(isObj).entries()) safe(() => v1Condition(type, x, tr), `${type} ${i + 1}`);
  }
  return parts.length ? parts.join(joiner) : "true";
}

function switchCases(
  p: Record<string, unknown>,
  v: number,
  tr: Tr,
  note: (m: string) => void,
): { rules: { when: string; output: number; label?: string }[]; fallback?: number } {
  if ((str(p.mode) ?? "rules") === "expression") {
    const out = tr(p.output, "output");
    const n = num(p.numberOutputs) ?? 4;
    return { rules: Array.from({ length: n }, (_, i) => ({ when: `${out} = ${i}`, output: i, label: `output ${i}` })) };
  }
  if (v >= 3) {
    const rules = arr(obj(p.rules).values).filter(isObj);
    const opts = obj(p.options);
    if (opts.allMatchingOutputs)
      note("'Send data to all matching outputs': Weft's switch takes the first matching case only.");
    const fb = opts.fallbackOutput;
    return {
      rules: rules.map((r, i) => ({
        when: conditionOf({ conditions: r.conditions }, tr, note),
        output: i,
        label: str(r.outputKey) ?? (r.renameOutput ? str(r.outputKey) : undefined),
      })),
      fallback: fb === "extra" ? rules.length : typeof fb === "number" && fb >= 0 ? fb : undefined,
    };
  }
  const type = str(p.dataType) ?? "number";
  const rules = arr(obj(p.rules).rules).filter(isObj);
  const fb = num(p.fallbackOutput) ?? -1;
  const out: { when: string; output: number }[] = [];
  for (const r of rules)
    try {
      out.push({
        when: v1Condition(type, { value1: p.value1, operation: r.operation ?? "equal", value2: r.value2 }, tr),
        output: num(r.output) ?? 0,
      });
    } catch (e) {
      note(`A rule (operation "${(e as Error).message}") has no translation: it was left out.`);
    }
  return { rules: out, fallback: fb >= 0 ? fb : undefined };
}

function mergeExpr(p: Record<string, unknown>, v: number, refs: string[]): { expr?: string; note?: string } {
  const mode = str(p.mode) ?? (v >= 2 ? "append" : "append");
  const [a, b] = refs as [string, string];
  switch (mode) {
    case "append":
      return { expr: refs.slice(1).reduce((acc, r) => `$append(${acc}, ${r})`, refs[0]!) };
    case "mergeByIndex":
      return { expr: `$map($zip(${a}, ${b}), function($p) { $merge($p) })` };
    case "combine": {
      const by = str(p.combineBy) ?? (p.combinationMode ? "combineByPosition" : "combineByFields");
      if (by === "combineByPosition") return { expr: `$map($zip(${a}, ${b}), function($p) { $merge($p) })` };
      if (by === "combineAll") return { expr: `[${a}.($x := $; ${b}.$merge([$x, $]))]` };
      const pairs = arr(obj(p.fieldsToMatch ?? p.mergeByFields).values).filter(isObj);
      const f1 = str(pairs[0]?.field1) ?? str(p.fieldsToMatchString)?.split(",")[0]?.trim();
      const f2 = str(pairs[0]?.field2) ?? f1;
      if (!f1) return { note: "Combine by fields without fields to match." };
      const joinMode = str(p.joinMode) ?? "keepMatches";
      // n8n's default output type, "Keep Matches", is an inner join: items without a match are dropped.
      if (joinMode === "keepMatches")
        return { expr: matchesOnly(a, b, f1, f2!, str(obj(p.options).multipleMatches) === "first") };
      return {
        expr: byKey(a, b, f1, f2!),
        note: `Join mode "${joinMode}" became 'keep every item of input 1, merged with its first match'.`,
      };
    }
    case "mergeByKey": {
      const f1 = str(p.propertyName1);
      if (!f1) return { note: "Merge by key without key fields." };
      return { expr: byKey(a, b, f1, str(p.propertyName2) ?? f1) };
    }
    case "chooseBranch":
    case "passThrough":
    case "wait": {
      const which = str(p.output) ?? str(p.chooseBranchMode) ?? "input1";
      const idx = which === "input2" ? 1 : which === "specifiedInput" ? (num(p.useDataOfInput) ?? 1) - 1 : 0;
      return {
        expr: refs[idx] ?? a,
        note: mode === "wait" ? "Waits for both inputs (the parallel step does) and passes the first on." : undefined,
      };
    }
    case "multiplex":
      return { expr: `[${a}.($x := $; ${b}.$merge([$x, $]))]` };
    default:
      return { note: `Merge mode "${mode}" (e.g. SQL) has no JSONata translation.` };
  }
}

/** Keep Matches: each item of input 1 merged with each of its matches in input 2 (or the first), unmatched ones dropped. */
function matchesOnly(a: string, b: string, f1: string, f2: string, first: boolean): string {
  return `[${a}.($x := $; $filter(${b}, function($y) { $lookup($y, ${literal(f2)}) = $lookup($x, ${literal(f1)}) })${first ? "[0]" : ""}.$merge([$x, $]))]`;
}

function byKey(a: string, b: string, f1: string, f2: string): string {
  return `[$map(${a}, function($x) { $merge([$x, $filter(${b}, function($y) { $lookup($y, ${literal(f2)}) = $lookup($x, ${literal(f1)}) })[0]]) })]`;
}
