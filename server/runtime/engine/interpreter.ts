// The DSL interpreter: a published (or draft) weft/1 document becomes a Program over the kernel. Each step
// executes through the kernel, so it is memoized, checkpointed and retried per its policy; the interpreter
// adds the DSL's semantics — next/switch routing, catch routes, compensation in reverse order, foreach with
// bounded concurrency and tolerated failures, parallel joins, waits, emit, subflows, fail, business keys.
//
// Step paths: a step's id at the top level; "<foreach>[<i>].<id>" inside a foreach iteration;
// "<parallel>.<branch>.<id>" inside a branch; "<path>~compensate" for the step undoing <path>.
import "server-only";
import {
  approvalDecisions,
  effectiveRetry,
  effectiveTimeoutMs,
  errorMatches,
  evaluate,
  evaluateBusinessEvents,
  evaluateMapping,
  parseDuration,
  parseFlow,
  stepsOf,
  type Flow,
  type Mapping,
  type Step,
} from "../../../core/dsl";
import { StepError, serializeError } from "../errors";
import { Kernel, StepFailed, Suspend, type RetryPolicy, type StepSpec } from "./kernel";
import type { Compile, Program, RunEnv } from "./run";
import { callConnector } from "../connectors";
import { sendsInDryRun, simulatedCall } from "../dry-run";
import { resolveSources, runReconcile } from "../reconcile";
import { parseDefinition, type ReconDefinitionInput } from "../../../core/reconcile";
import type { ApprovalRoute, ApprovalStep } from "../../../core/dsl/schema";
import type { TaskOutcome, TaskSpec } from "../../tasks/runtime";
import { mergeKeys, type BusinessKeys } from "../../../core/exceptions/keys";
import { openItemExceptions, type ItemFailure } from "../exceptions";

type Frame = {
  trigger: unknown;
  steps: Record<string, { output?: unknown; error?: unknown }>;
  item?: unknown;
  index?: number;
  flow: unknown;
  run: unknown;
  error?: unknown;
};

interface Completed {
  path: string;
  step: Step;
  scope: Map<string, Step>;
  frame: Frame;
}

export const compileFlow: Compile = (doc) => new FlowProgram(parseFlow(doc));

const byId = (steps: Step[]) => new Map(steps.map((s) => [s.id, s]));

// Tables keyed by step ids or branch names have no prototype: an id like `__proto__` or `constructor` is
// then an ordinary key (on a plain object `__proto__` would replace the prototype and lose the output).
function table<T>(from?: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, from);
}

export class FlowProgram implements Program {
  private readonly root: Map<string, Step>;
  readonly failureRoute: { assignTeamKey?: string; flow?: { key: string; range?: string } };
  readonly reconciles: boolean;

  constructor(readonly flow: Flow) {
    this.root = byId(flow.steps);
    this.reconciles = stepsOf(flow).some((v) => v.step.type === "reconcile");
    const f = flow.onFailure;
    this.failureRoute =
      f?.type === "flow" ? { flow: { key: f.flow, range: f.version } } : { assignTeamKey: f?.assignTo ?? flow.owner };
  }

  /** Business keys from what is known at the start (the trigger); keys naming steps are filled in at the end. */
  async businessKeys(input: unknown): Promise<Record<string, unknown> | null> {
    return this.evaluateKeys({ trigger: input, steps: table(), flow: this.flowInfo(), run: {} });
  }

  private evaluateKeys(frame: Frame): Promise<Record<string, unknown> | null> {
    return evaluateKeyMap(this.flow.businessKeys, frame);
  }

  private flowInfo() {
    const f = this.flow;
    return {
      key: f.key,
      version: f.version,
      name: f.name,
      domain: f.domain,
      owner: f.owner,
      classification: f.classification,
    };
  }

  async execute(k: Kernel, env: RunEnv): Promise<unknown> {
    const run = new RunInterpreter(this, k, env);
    const frame: Frame = {
      trigger: env.run.input,
      steps: table(),
      flow: this.flowInfo(),
      run: {
        id: env.run.id,
        startedAt: env.run.createdAt.toISOString(),
        isTest: env.run.isTest,
        dryRun: env.run.dryRun,
      },
    };
    let last: unknown;
    try {
      last = await run.scope(this.flow.start, this.root, "", frame);
    } catch (err) {
      if (err instanceof StepFailed) {
        await run.compensate(err);
        await this.refreshKeys(env, frame);
        // The run's exception is about its records and the items that failed it (their money is on their own
        // exceptions), not those that went through.
        env.run.failureKeys = mergeKeys(env.run.businessKeys, run.failedItems, { sumMeasures: false });
        env.run.businessKeys = mergeKeys(env.run.businessKeys, run.doneItems, { sumMeasures: false });
      }
      throw err;
    }
    await this.refreshKeys(env, frame);
    // The items the run processed are among its records: a later run that processes a failed item resolves its exception.
    env.run.businessKeys = mergeKeys(env.run.businessKeys, run.doneItems, { sumMeasures: false });
    return this.flow.output !== undefined
      ? evaluateMapping(this.flow.output, frame).catch((e: unknown) => {
          throw new StepFailed("output", asStepError(e));
        })
      : last;
  }

  private async refreshKeys(env: RunEnv, frame: Frame) {
    const more = await this.evaluateKeys(frame);
    if (more) env.run.businessKeys = Object.assign(table(), env.run.businessKeys, more);
  }

  retryOf(step: Step): RetryPolicy {
    const r = effectiveRetry(step, this.flow);
    return {
      on: r.on,
      maxAttempts: r.maxAttempts,
      initialDelayMs: r.intervalMs,
      backoffRate: r.backoffRate,
      maxDelayMs: r.maxDelayMs,
      jitter: r.jitter,
    };
  }

  timeoutOf(step: Step): number {
    return effectiveTimeoutMs(step, this.flow);
  }
}

/** Evaluates a name → expression map (business keys); a key whose expression fails or yields nothing is left out. */
async function evaluateKeyMap(
  keys: Record<string, string> | undefined,
  frame: Frame,
): Promise<Record<string, unknown> | null> {
  if (!keys) return null;
  const out = table<unknown>();
  for (const [name, expr] of Object.entries(keys)) {
    const v = await evaluate(expr, frame).catch(() => undefined);
    if (v !== undefined && v !== null) out[name] = v;
  }
  return out;
}

function asStepError(e: unknown): StepError {
  if (e instanceof StepError) return e;
  const x = e as { errorClass?: string; code?: string; message?: string };
  if (x && x.errorClass === "mapping")
    return new StepError({ errorClass: "mapping", code: x.code, message: x.message ?? "mapping failed", cause: e });
  return new StepError({ errorClass: "internal", message: x?.message ?? String(e), cause: e });
}

/** Pure evaluation inside a step: a JSONata failure becomes a classified mapping error. */
async function mapping(m: Mapping | undefined, frame: Frame): Promise<unknown> {
  if (m === undefined) return undefined;
  try {
    return await evaluateMapping(m, frame);
  } catch (e) {
    throw asStepError(e);
  }
}

async function expr(text: string, frame: Frame): Promise<unknown> {
  try {
    return await evaluate(text, frame);
  } catch (e) {
    throw asStepError(e);
  }
}

class RunInterpreter {
  /** Completed steps that declare a compensation, in completion order. */
  private readonly done: Completed[] = [];
  /** The team whose queue gets the exceptions a step opens itself (breaks, failed items): the failure route's, else the owner. */
  private get exceptionTeam(): string {
    return this.p.failureRoute.assignTeamKey ?? this.p.flow.owner;
  }
  /** Identities of the foreach items that succeeded (their itemKeys), merged into the run's business keys. */
  doneItems: BusinessKeys | null = null;
  /** Identities of the items that failed a foreach beyond its tolerance: the failed run's exception names them. */
  failedItems: BusinessKeys | null = null;

  constructor(
    private readonly p: FlowProgram,
    private readonly k: Kernel,
    private readonly env: RunEnv,
  ) {}

  /** Executes one scope from `start`, following next / switch / catch edges; returns the last output. */
  async scope(start: string | undefined, steps: Map<string, Step>, prefix: string, frame: Frame): Promise<unknown> {
    let cur = start;
    let last: unknown;
    const seen = new Set<string>();
    while (cur) {
      const step = steps.get(cur);
      if (!step)
        throw new StepFailed(
          prefix + cur,
          new StepError({ errorClass: "validation", code: "unknown_step", message: `No step "${cur}" in this scope.` }),
        );
      // The validator refuses cycles; a step reached twice (through a catch route) would reuse its path.
      if (seen.has(step.id))
        throw new StepFailed(
          prefix + step.id,
          new StepError({
            errorClass: "validation",
            code: "cycle",
            message: `Step "${step.id}" was reached twice in one scope.`,
          }),
        );
      seen.add(step.id);
      const path = prefix + step.id;
      try {
        const r = await this.step(step, path, steps, frame);
        frame.steps[step.id] = { output: r.output };
        last = r.output;
        if (step.type !== "switch" && step.type !== "fail" && "compensate" in step && step.compensate)
          this.done.push({ path, step, scope: steps, frame });
        cur = r.next;
      } catch (err) {
        if (!(err instanceof StepFailed)) throw err;
        const route =
          "catch" in step
            ? step.catch?.find((c) =>
                errorMatches(c.errors, { errorClass: err.error.errorClass, code: err.error.code }),
              )
            : undefined;
        if (!route) throw err;
        const caught = {
          errorClass: err.error.errorClass,
          code: err.error.code,
          message: err.error.message,
          stepId: step.id,
        };
        frame.steps[step.id] = { error: caught };
        frame.error = caught;
        if (route.output !== undefined) {
          // The route gives the failed step an output (pure, so a re-run of the segment computes the same).
          let output: unknown;
          try {
            output = await mapping(route.output, frame);
          } catch (e) {
            throw new StepFailed(path, asStepError(e));
          }
          frame.steps[step.id] = { output, error: caught };
          last = output;
        }
        this.k.log.info(
          { runId: this.env.run.id, step: path, errorClass: caught.errorClass, to: route.next },
          "step failed; catch route taken",
        );
        cur = route.next;
      }
    }
    return last;
  }

  /**
   * Evaluates what a step needs before it executes (input mapping, key, items). A failure there is the
   * step's failure: recorded as its row (class "mapping") so the timeline, catch routes and the
   * exception all point at the step.
   */
  private async prepare<T>(step: Step, path: string, fn: () => Promise<T>): Promise<T> {
    if (this.k.row(path)?.status === "succeeded" && step.type !== "foreach") return undefined as T; // memoized: not needed
    try {
      return await fn();
    } catch (e) {
      if (e instanceof Suspend || e instanceof StepFailed) throw e;
      const err = asStepError(e);
      await this.k.step({ path, stepId: step.id, type: step.type, effectful: false }, async () => {
        throw err;
      });
      throw new StepFailed(path, err);
    }
  }

  private spec(step: Step, path: string, effectful: boolean, input?: unknown, frame?: Frame): StepSpec {
    return {
      path,
      stepId: step.id,
      type: step.type,
      effectful,
      input,
      retry: this.p.retryOf(step),
      timeoutMs: this.p.timeoutOf(step),
      ...(frame ? this.events(step, input, frame) : {}),
    };
  }

  /** The step's business events, evaluated by the kernel from its output when it succeeds. */
  private events(step: Step, input: unknown, frame: Frame): Pick<StepSpec, "events" | "team"> {
    const decls = "business" in step ? step.business : undefined;
    if (!decls?.length) return {};
    return {
      team: this.p.flow.owner ?? null,
      events: async (output) => {
        try {
          return await evaluateBusinessEvents(decls, { ...frame, input, output }, new Date());
        } catch (e) {
          throw asStepError(e);
        }
      },
    };
  }

  private async step(
    step: Step,
    path: string,
    scope: Map<string, Step>,
    frame: Frame,
  ): Promise<{ output: unknown; next: string | undefined }> {
    const k = this.k;
    switch (step.type) {
      case "map": {
        const output = await k.step(this.spec(step, path, false, undefined, frame), () => mapping(step.output, frame));
        return { output, next: step.next };
      }
      case "switch": {
        // The decision is recorded, so a resumed run takes the same branch even if data changed since.
        const decision = (await k.step(this.spec(step, path, false), async () => {
          for (let i = 0; i < step.cases.length; i++) {
            if (await expr(step.cases[i]!.when, frame)) return { case: i, next: step.cases[i]!.next };
          }
          return { case: null, next: step.default ?? null };
        })) as { case: number | null; next: string | null };
        return { output: decision, next: decision.next ?? undefined };
      }
      case "call": {
        const input = await this.prepare(step, path, () => mapping(step.input ?? {}, frame));
        const businessKey = step.idempotencyKey
          ? await this.prepare(step, path, () => expr(step.idempotencyKey!, frame))
          : null;
        const lock = step.concurrencyKey
          ? await this.prepare(step, path, () => expr(step.concurrencyKey!, frame))
          : null;
        const spec: StepSpec = {
          ...this.spec(step, path, true, input, frame),
          target: { connector: step.connector, operation: step.operation, connection: step.connection ?? null },
          lockKey:
            lock === null || lock === undefined
              ? null
              : `${this.p.flow.key}:${step.id}:${typeof lock === "string" ? lock : JSON.stringify(lock)}`,
          idempotencyKey:
            businessKey === null || businessKey === undefined
              ? null
              : `${this.p.flow.key}:${step.id}:${typeof businessKey === "string" ? businessKey : JSON.stringify(businessKey)}`,
        };
        // A dry test run sends reads only; a write is answered by its pinned sample or a synthesised response.
        if (
          this.env.run.dryRun &&
          k.row(path)?.status !== "succeeded" &&
          !(await sendsInDryRun(this.env, step.connector, step.operation))
        ) {
          const sim = await this.prepare(step, path, () => simulatedCall(this.env, step, input));
          const output = await k.step(
            { ...spec, effectful: false, lockKey: null, simulated: sim.simulated },
            async () => sim.output,
          );
          return { output, next: step.next };
        }
        const output = await k.step(spec, ({ idempotencyKey, signal }) =>
          callConnector(this.env, {
            connector: step.connector,
            operation: step.operation,
            connection: step.connection,
            input,
            idempotencyKey,
            signal,
            timeoutMs: spec.timeoutMs,
            logger: k.log.child({ step: path }),
          }),
        );
        return { output, next: step.next };
      }
      case "emit": {
        const payload = await this.prepare(step, path, () => mapping(step.payload, frame));
        const output = await k.emit(
          {
            path,
            stepId: step.id,
            type: "emit",
            input: { event: step.event, version: step.version ?? 1, payload },
            ...this.events(step, payload, frame),
          },
          step.event,
          payload,
        );
        return { output, next: step.next };
      }
      case "wait": {
        // A suspended wait keeps the time it computed first (the kernel stores it), so "5m" is not restarted.
        const until = (await this.prepare(step, path, async () => {
          if (step.until) {
            const v = await expr(step.until, frame);
            const t = typeof v === "string" ? Date.parse(v) : NaN;
            if (Number.isNaN(t))
              throw new StepError({
                errorClass: "mapping",
                code: "bad_timestamp",
                message: `wait.until gave ${JSON.stringify(v)}, not an ISO 8601 timestamp.`,
              });
            return new Date(t).toISOString();
          }
          return new Date(Date.now() + (parseDuration(step.duration ?? "0s") ?? 0)).toISOString();
        })) as string;
        await k.wait({ path, stepId: step.id, type: "wait" }, new Date(until));
        return { output: { until }, next: step.next };
      }
      case "fail": {
        const details = await mapping(step.details, frame).catch(() => undefined);
        const err = new StepError({
          errorClass: step.errorClass ?? "business",
          code: step.code,
          message: step.message,
          details,
        });
        await k.step({ path, stepId: step.id, type: "fail", effectful: false }, async () => {
          throw err;
        });
        throw new StepFailed(path, err); // unreachable: the step above always fails
      }
      case "subflow": {
        const input = await this.prepare(step, path, () =>
          step.input === undefined ? Promise.resolve(frame.trigger) : mapping(step.input, frame),
        );
        const r = (await this.env.subflow({ path, stepId: step.id, input }, step.flow, input, {
          range: step.version,
          wait: step.wait ?? true,
        })) as { childRunId: string; output?: unknown };
        return { output: step.wait === false ? { childRunId: r.childRunId } : r.output, next: step.next };
      }
      case "reconcile":
        return { output: await this.reconcile(step, path, frame), next: step.next };
      case "approval": {
        const outcome = await this.approval(step, path, frame);
        const route = outcome.status === "expired" ? "expired" : (outcome.decision as ApprovalRoute | null);
        return { output: outcome, next: (route && step.routes?.[route]) ?? step.next };
      }
      case "foreach":
        return { output: await this.foreach(step, path, frame), next: step.next };
      case "parallel":
        return { output: await this.parallel(step, path, frame), next: step.next };
    }
  }

  /**
   * An approval: the task's settings are evaluated once (title, summary, requester), then the run parks until a
   * person decides (server/tasks/). A replay whose task would be the same reuses the original decision.
   */
  private async approval(step: ApprovalStep, path: string, frame: Frame): Promise<TaskOutcome> {
    const row = this.k.row(path);
    if (row?.status === "succeeded") return row.output as TaskOutcome;
    if (step.when !== undefined) {
      // The condition is recorded with the step, so a resumed run decides the same way even if data changed since.
      const ask = await this.prepare(step, path, async () => !!(await expr(step.when!, frame)));
      if (!ask && !row)
        return this.k.step(this.spec(step, path, false), async (): Promise<TaskOutcome> => ({
          taskId: null,
          status: "not-required",
          decision: "approve",
          fields: null,
          comment: null,
          decidedBy: null,
          decidedAt: null,
          decidedVia: null,
        }));
    }
    const task = await this.prepare(step, path, async (): Promise<TaskSpec> => {
      const title = await expr(step.title, frame);
      const requester = step.fourEyes
        ? step.requester
          ? await expr(step.requester, frame)
          : this.env.run.createdById
        : null;
      return {
        path,
        stepId: step.id,
        title: typeof title === "string" ? title : JSON.stringify(title ?? step.name ?? step.id),
        summary: step.summary !== undefined ? ((await expr(step.summary, frame)) ?? null) : null,
        form: await withChoices(step.form, step.choices, (e) => expr(e, frame)),
        decisions: approvalDecisions(step),
        assignee: step.assignee,
        requester: requester === null || requester === undefined ? null : String(requester).toLowerCase(),
        fourEyes: !!step.fourEyes,
        bulk: !!step.bulk,
        dueMs: step.due !== undefined ? parseDuration(step.due) : null,
        expiresMs: step.expiresAfter !== undefined ? parseDuration(step.expiresAfter) : null,
        escalation: step.escalation ?? null,
      };
    });
    const spec: StepSpec = {
      path,
      stepId: step.id,
      type: "approval",
      effectful: true,
      input: { title: task.title, summary: task.summary, assignee: task.assignee, decisions: task.decisions },
      target: { approval: step.id },
    };
    const reused = this.k.replayed(spec);
    if (reused) return reused.output as TaskOutcome;
    return this.env.approval(spec, task, step.routes?.expired === undefined);
  }

  /** A reconciliation (server/runtime/reconcile.ts): one run at a time per reconciliation, resumable from its checkpoints. */
  private async reconcile(step: Extract<Step, { type: "reconcile" }>, path: string, frame: Frame): Promise<unknown> {
    const sources = await this.prepare(step, path, () =>
      resolveSources(
        step,
        (e) => expr(e, frame),
        (m) => mapping(m, frame),
      ),
    );
    const def = await this.prepare(step, path, async () => parseDefinition(step.definition as ReconDefinitionInput));
    const lock = step.concurrencyKey
      ? await this.prepare(step, path, () => expr(step.concurrencyKey!, frame))
      : def.key;
    const spec: StepSpec = {
      ...this.spec(step, path, true, { sources }),
      target: { reconcile: def.key },
      lockKey: `${this.p.flow.key}:reconcile:${typeof lock === "string" ? lock : JSON.stringify(lock)}`,
    };
    return this.k.step(spec, ({ signal }) =>
      runReconcile(this.env, {
        path,
        definition: def,
        sources,
        checkpointEvery: step.checkpointEvery,
        assignTeamKey: this.exceptionTeam,
        signal,
        logger: this.k.log.child({ step: path }),
      }),
    );
  }

  private async foreach(step: Extract<Step, { type: "foreach" }>, path: string, frame: Frame): Promise<unknown> {
    const k = this.k;
    const items = await this.prepare(step, path, async () => {
      const v = await expr(step.items, frame);
      if (v === undefined || v === null) return [];
      return Array.isArray(v) ? v : [v];
    });
    const body = byId(step.body.steps);
    const frames: Frame[] = [];
    const results = await k.fanOut(items.length, step.maxConcurrency ?? 1, async (i) => {
      const iter: Frame = { ...frame, steps: table(frame.steps), item: items[i], index: i, error: undefined };
      frames[i] = iter;
      const last = await this.scope(step.body.start, body, `${path}[${i}].`, iter);
      return step.collect !== undefined ? mapping(step.collect, iter) : last;
    });
    // Each item's keys, from what its iteration saw (a failed one: the steps before the failure).
    const keys = await Promise.all(results.map((_, i) => evaluateKeyMap(step.itemKeys, frames[i]!)));
    results.forEach((r, i) => {
      if (r.ok) this.doneItems = mergeKeys(this.doneItems, keys[i]!, { sumMeasures: false });
    });
    const failed = results.filter((r) => !r.ok);
    const tolerated = step.toleratedFailurePercent ?? 0;
    const outcome = {
      results: results.map((r) => (r.ok ? r.value : null)),
      failures: results.flatMap((r, i) =>
        r.ok
          ? []
          : [{ index: i, path: r.error.path, errorClass: r.error.error.errorClass, message: r.error.error.message }],
      ),
    };
    // Recorded like any step so the timeline shows the iterations' outcome and the decision.
    return k.step(
      { path, stepId: step.id, type: "foreach", effectful: false, input: { items: items.length } },
      async () => {
        if (failed.length) this.openItemExceptions(path, results, keys);
        if (failed.length && (failed.length / Math.max(1, items.length)) * 100 > tolerated) {
          results.forEach((r, i) => {
            if (!r.ok) this.failedItems = mergeKeys(this.failedItems, keys[i]!, { sumMeasures: false });
          });
          const first = (failed[0] as { ok: false; error: StepFailed }).error.error;
          throw new StepError({
            errorClass: first.errorClass,
            code: first.code ?? "foreach_failed",
            message: `${failed.length} of ${items.length} iterations failed (${tolerated}% tolerated); first: ${first.message}`,
            details: outcome.failures.slice(0, 50),
            request: first.request,
            response: first.response,
          });
        }
        return failed.length ? outcome : outcome.results;
      },
    );
  }

  /**
   * Each failed item becomes an exception of its own (with the item's keys), so an operator sees which invoice or
   * project is held up and its money is counted once per item — also when the failures exceed the tolerance and the
   * run fails (its own exception then names the items, without their money). Committed with the foreach's row; a
   * test run opens none (as a failed test run opens none).
   */
  private openItemExceptions(
    path: string,
    results: Array<{ ok: true; value: unknown } | { ok: false; error: StepFailed }>,
    keys: Array<BusinessKeys | null>,
  ): void {
    const run = this.env.run;
    if (run.isTest) return;
    const failures: ItemFailure[] = results.flatMap((r, i) =>
      r.ok ? [] : [{ stepPath: r.error.path, error: serializeError(r.error.error), businessKeys: keys[i] ?? null }],
    );
    this.k.effect(async (tx) => {
      await openItemExceptions(tx, {
        runId: run.id,
        flowId: run.flowId,
        flowKey: run.flowKey,
        itemOf: path,
        assignTeamKey: this.exceptionTeam,
        failures,
      });
    });
  }

  private async parallel(step: Extract<Step, { type: "parallel" }>, path: string, frame: Frame): Promise<unknown> {
    const k = this.k;
    const frames = step.branches.map(() => ({ ...frame, steps: table(frame.steps) }) as Frame);
    const results = await k.fanOut(step.branches.length, step.branches.length, (i) => {
      const b = step.branches[i]!;
      return this.scope(b.start, byId(b.steps as Step[]), `${path}.${b.name}.`, frames[i]!);
    });
    // Later steps may refer to any branch's steps ($steps.<id>): ids are unique flow-wide.
    for (const f of frames) Object.assign(frame.steps, f.steps);
    const out = table<unknown>();
    const errors = table<unknown>();
    step.branches.forEach((b, i) => {
      const r = results[i]!;
      if (r.ok) out[b.name] = r.value;
      else errors[b.name] = serializeError(r.error.error);
    });
    return k.step({ path, stepId: step.id, type: "parallel", effectful: false }, async () => {
      const failures = results.filter((r) => !r.ok) as Array<{ ok: false; error: StepFailed }>;
      if (step.join === "all" && failures.length) throw failures[0]!.error.error;
      if (step.join === "any" && failures.length === results.length) throw failures[0]!.error.error;
      return step.join === "settled" ? { results: out, errors } : out;
    });
  }

  /**
   * Saga rollback: every completed step that names a compensation is undone, newest first. Each
   * compensation is itself a durable step (path "<path>~compensate"), so a crash mid-rollback resumes it
   * without undoing anything twice. A compensation that fails is recorded and the rollback goes on.
   */
  async compensate(cause: StepFailed): Promise<void> {
    for (const c of [...this.done].reverse()) {
      const target = "compensate" in c.step ? c.step.compensate : undefined;
      if (!target) continue;
      const comp = c.scope.get(target);
      if (!comp) continue;
      const frame: Frame = {
        ...c.frame,
        error: {
          errorClass: cause.error.errorClass,
          code: cause.error.code,
          message: cause.error.message,
          stepId: cause.path,
        },
      };
      try {
        const r = await this.step(comp, `${c.path}~compensate`, c.scope, frame);
        frame.steps[comp.id] = { output: r.output };
        this.k.markCompensated(c.path);
      } catch (err) {
        if (err instanceof Suspend) throw err;
        if (!(err instanceof StepFailed)) throw err;
        this.k.log.warn(
          { runId: this.env.run.id, step: c.path, err: err.message },
          "compensation failed; continuing the rollback",
        );
      }
    }
  }
}

/**
 * The task's form with each `choices` field narrowed to the values its expression gives when the task opens
 * (an `enum`), so the Inbox offers only those and the server refuses another value naming the field. A choice
 * may be `{ value, label }`: the label is what the approver reads (JSON Schema's `oneOf` of `const` + `title`),
 * the value what the decision carries — a worker id means nothing to a resource manager, a name does.
 */
async function withChoices(
  form: unknown,
  choices: Record<string, string> | undefined,
  evaluate: (e: string) => Promise<unknown>,
): Promise<unknown> {
  if (!choices || !form || typeof form !== "object") return form;
  const f = form as { properties?: Record<string, Record<string, unknown>> };
  const properties = { ...(f.properties ?? {}) };
  for (const [field, e] of Object.entries(choices)) {
    const v = await evaluate(e);
    const items = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
    const options = items.flatMap((x): Array<{ const: string | number; title?: string }> => {
      if (typeof x === "string" || typeof x === "number") return [{ const: x }];
      const o = x as { value?: unknown; label?: unknown } | null;
      if (o && typeof o === "object" && (typeof o.value === "string" || typeof o.value === "number"))
        return [{ const: o.value, ...(typeof o.label === "string" ? { title: o.label } : {}) }];
      return [];
    });
    const labelled = options.some((o) => o.title !== undefined);
    properties[field] = {
      ...(properties[field] ?? {}),
      enum: options.map((o) => o.const),
      ...(labelled ? { oneOf: options.map((o) => ({ const: o.const, title: o.title ?? String(o.const) })) } : {}),
    };
  }
  return { ...f, properties };
}
