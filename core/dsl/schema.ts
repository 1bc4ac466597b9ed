// The Weft flow DSL, v1 ("weft/1"): zod schemas and the TypeScript types inferred from them. This file is
// the contract between the designer, the runtime, the CLI, version history and governance; docs/dsl.md
// describes it for people and json-schema.ts turns it into a JSON Schema for editors.
//
// Choices that shape everything else:
// - Every object is strict, so an unknown key is a named error instead of a silently ignored typo.
// - No `.default()` and no transforms: a parsed document is exactly the input, so hashes, diffs and the
//   canvas round trip never see values the author did not write. Defaults live in `defaults.ts`.
// - Control flow is explicit and structural: the flow (and each foreach body / parallel branch) names its
//   `start`; steps name their `next`; a switch names a `next` per case and a `default`. Loops only exist as
//   `foreach`, which owns its body, so any cycle in the next-graph is an error.
// - Step schemas are built by a factory that takes the schema of nested steps. The validator uses a
//   "shallow" variant (nested steps = unknown) so that one broken step does not hide the problems of all
//   the others; the full recursive variant is what the JSON Schema and `parseFlow` use.
import { z } from "zod";
import { ERROR_CLASSES, type ErrorClass } from "../error-classes";
import { CLASSIFICATIONS, DOMAINS } from "../flow-constants";
import { BusinessEvents } from "./business-events";
import { ROLES } from "../roles";

export const DSL_VERSION = "weft/1" as const;

export { CLASSIFICATIONS, DOMAINS, ERROR_CLASSES, type ErrorClass };
export type Domain = (typeof DOMAINS)[number];
export type Classification = (typeof CLASSIFICATIONS)[number];

export const STEP_TYPES = [
  "call",
  "map",
  "switch",
  "foreach",
  "parallel",
  "wait",
  "emit",
  "subflow",
  "fail",
  "reconcile",
  "approval",
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const TRIGGER_TYPES = ["webhook", "schedule", "event", "manual", "poll"] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** Ids a step may not take: "trigger" names the trigger node on the canvas; "and" … "function" are JSONata
 *  keywords, so `$steps.and` would not parse as a path; the names of Object.prototype (`__proto__`,
 *  `constructor`, `hasOwnProperty`, …) are what any JavaScript table of steps — in a tool, a script or a
 *  connector — would confuse with its own machinery. */
export const RESERVED_STEP_IDS: ReadonlySet<string> = new Set([
  "trigger",
  "and",
  "or",
  "in",
  "true",
  "false",
  "null",
  "function",
  // Object.prototype's names, spelled out so the browser and the server refuse the same set.
  "__proto__",
  "constructor",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toString",
  "toLocaleString",
  "valueOf",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
]);

// ---------------------------------------------------------------------------------------------------
// Scalars

export const STEP_ID_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const FLOW_KEY_RE = /^[a-z][a-z0-9]*(?:[-.][a-z0-9]+)*$/;
export const EVENT_NAME_RE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_-]*){1,5}$/;
export const ERROR_CODE_RE = /^[a-z][a-z0-9_.-]{0,79}$/;
export const DURATION_RE =
  /^(?:\d{1,9}(?:ms|s|m|h|d)|P(?!$)(?:\d{1,6}W)?(?:\d{1,6}D)?(?:T(?=\d)(?:\d{1,6}H)?(?:\d{1,6}M)?(?:\d{1,6}(?:\.\d{1,3})?S)?)?)$/;
// semver 2.0.0 (the official regex, without the leading "v").
export const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** A JSONata expression. Checked for syntax (and step references) by the validator, not by the schema. */
export const Expression = z
  .string()
  .min(1, "An expression cannot be empty.")
  .max(20_000, "An expression may have at most 20,000 characters.")
  .meta({
    description:
      "A JSONata expression. Variables: $trigger, $steps.<id>.output, $item/$index (inside foreach), $flow, $run, $error (in catch handlers).",
  });

export const StepId = z
  .string()
  .regex(STEP_ID_RE, "A step id starts with a letter or _ and has only letters, digits and _ (at most 64).")
  .meta({ description: "Step id: letters, digits and _, starting with a letter or _. Unique in the whole flow." });

const StepRef = StepId.meta({
  description: "The id of another step in the same scope (the flow, a foreach body or a parallel branch).",
});

export const Duration = z
  .string()
  .regex(DURATION_RE, 'A duration is like "30s", "5m", "2h", "1d", "250ms" or ISO 8601 ("PT30S", "P1D").')
  .meta({ description: 'Duration: "250ms", "30s", "5m", "2h", "1d" or ISO 8601 ("PT1H30M", "P2D").' });

const FlowKey = z
  .string()
  .min(2)
  .max(64)
  .regex(FLOW_KEY_RE, 'A flow key is lower-case words joined by "-" or ".", e.g. "approved-time-to-invoice".');
const EventName = z
  .string()
  .max(120)
  .regex(EVENT_NAME_RE, 'An event name is dotted lower-case words, e.g. "crm.opportunity.won".')
  .meta({ description: 'A domain event name: <system or domain>.<entity>.<verb>, e.g. "crm.opportunity.won".' });
const SemVer = z.string().max(64).regex(SEMVER_RE, 'A version is semantic: "1.4.0".');
const VersionRange = z.string().min(1).max(64).meta({ description: 'A semver range, e.g. "^1.2.0" or "1.x".' });
const Label = z.string().max(200);
const Text = z.string().max(4000);
const FieldPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^.\s][^.]*(?:\.[^.\s][^.]*)*$/, 'A field path is field names joined by ".", e.g. "billingAddress.city".');

/**
 * A mapping: either one JSONata expression that yields the whole value, or field mappings
 * (target field path → JSONata expression) that compile to a JSONata object constructor.
 */
export const Mapping = z.union([Expression, z.record(FieldPath, Expression)]).meta({
  description: 'One JSONata expression for the whole value, or { "<field.path>": "<JSONata>" } field mappings.',
});

/** Business keys: key name → expression (the records a run, or one foreach item, is about; numbers named like amount/hours are measures). */
const BusinessKeyMap = z.record(
  z.string().regex(STEP_ID_RE, "A business key name has only letters, digits and _."),
  Expression,
);

/** A JSON Schema (not checked further here; used for trigger and output contracts). */
const JsonSchemaObject = z
  .record(z.string(), z.unknown())
  .meta({ description: "A JSON Schema (draft 2020-12) object." });

export const ERROR_MATCHER_RE =
  /^(?:any|transient|auth|validation|mapping|business|timeout|internal|business:[a-z][a-z0-9_.-]{0,79})$/;
const ErrorMatcher = z
  .string()
  .regex(
    ERROR_MATCHER_RE,
    'An error matcher is an error class (transient, auth, validation, mapping, business, timeout, internal), "any", or "business:<code>".',
  )
  .meta({ description: 'An error class, "any", or "business:<code>" for one typed business error.' });

/** What a person can decide on an approval task; "expired" is the route taken when nobody decided in time. */
export const APPROVAL_DECISIONS = ["approve", "reject", "approve-with-changes"] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];
export const APPROVAL_ROUTES = [...APPROVAL_DECISIONS, "expired"] as const;
export type ApprovalRoute = (typeof APPROVAL_ROUTES)[number];

const TeamKey = z.string().min(1).max(64).meta({ description: 'A team key, e.g. "finance".' });
const UserEmail = z.email("A person is named by their e-mail address.").max(254);

// ---------------------------------------------------------------------------------------------------
// Per-step policies

export const RetryPolicy = z
  .strictObject({
    on: z
      .array(ErrorMatcher)
      .min(1)
      .max(10)
      .optional()
      .meta({ description: 'Which errors are retried. Default ["transient", "timeout"].' }),
    maxAttempts: z
      .int()
      .min(1)
      .max(25)
      .meta({ description: "Attempts in total, the first included (1 = no retry). At most 25." }),
    interval: Duration.optional().meta({ description: "Delay before the first retry. Default 1s; at most 1h." }),
    backoffRate: z
      .number()
      .min(1)
      .max(10)
      .optional()
      .meta({ description: "Each delay is the previous one times this. Default 2." }),
    maxDelay: Duration.optional().meta({ description: "Upper bound of one delay. Default 5m; at most 24h." }),
    jitter: z
      .enum(["none", "full", "equal"])
      .optional()
      .meta({ description: 'Randomisation of delays. Default "full".' }),
  })
  .meta({
    description: "Retry policy: which error classes, how many attempts, exponential backoff with a cap and jitter.",
  });

export const CatchRoute = z.strictObject({
  errors: z.array(ErrorMatcher).min(1).max(20),
  next: StepRef,
  output: Mapping.optional().meta({
    description:
      'The failed step\'s output when this route is taken, e.g. {"error": $error.message}: later steps read it as if the step had succeeded (n8n\'s "continue on fail"). Without it the step has no output on this route.',
  }),
});

// ---------------------------------------------------------------------------------------------------
// Steps

const base = {
  id: StepId,
  name: Label.optional(),
  description: Text.optional(),
};
const policies = {
  retry: RetryPolicy.optional(),
  timeout: Duration.optional().meta({ description: "Time limit of one attempt: 1s to 24h." }),
  idempotencyKey: Expression.optional().meta({
    description: "Expression for a key that is the same on every retry and replay; passed to the target system.",
  }),
  catch: z
    .array(CatchRoute)
    .max(20)
    .optional()
    .meta({ description: "Routes taken when the step fails after its retries: the first route whose errors match." }),
  compensate: StepRef.optional().meta({
    description: "Step that undoes this one when the flow fails later (saga rollback).",
  }),
  concurrencyKey: Expression.optional().meta({
    description: "Expression; runs with the same key execute this step one at a time.",
  }),
};
/** Business facts recorded when the step succeeds (business-events.ts; call, map and emit steps). */
const business = { business: BusinessEvents.optional() };
const next = { next: StepRef.optional().meta({ description: "The step that follows; absent = end of the scope." }) };

/**
 * Where one side of a reconcile step reads its records: a connector operation (read one vendor page per call
 * where the operation pages, staged in Postgres and read back in key order; at most RECON_CONNECTOR_LIMIT
 * records, and an operation that does not page — one response — at most RECON_MEMORY_LIMIT), or a SQL query
 * on a PostgreSQL connection (the reporting warehouse), read in pages by keyset on its `sortKey` column.
 */
export const RECON_MEMORY_LIMIT = 50_000;
/** Staged rows live on disk, not in the worker; the bound keeps one side's staging to a few GB at most. */
export const RECON_CONNECTOR_LIMIT = 5_000_000;
export const ReconSource = z.union([
  z.strictObject({
    connector: z.string().min(1).max(64),
    operation: z.string().min(1).max(128),
    connection: z.string().min(1).max(128),
    input: Mapping.optional(),
    items: z
      .string()
      .max(200)
      .optional()
      .meta({ description: 'Dotted path of the record array in the output. Default "items".' }),
  }),
  z.strictObject({
    connection: z.string().min(1).max(128).meta({ description: "A PostgreSQL connection (connector postgres)." }),
    sql: z.string().min(1).max(20_000).meta({ description: "A SELECT; parameters $1… come from `params`." }),
    params: z.array(Expression).max(20).optional(),
    sortKey: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a column name")
      .meta({
        description: 'Column of the query holding the side\'s normalised key (sorted COLLATE "C")',
      }),
    idColumn: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a column name")
      .meta({ description: "A unique column: breaks ties between rows of one key when paging." }),
    pageSize: z.int().min(1).max(50_000).optional().meta({ description: "Rows a page. Default 5000." }),
  }),
]);
export type ReconSource = z.infer<typeof ReconSource>;

/**
 * The flow that synchronises one record of the reconciliation: "Re-sync" on a break starts its published
 * version (a manual run) with `input` evaluated over the break — `recordKey`, `keyParts`, `rule`,
 * `reconciliation`, `ids.<side>` (record ids), `values.<side>` (the compared values); also as `$trigger`.
 */
export const ReconResync = z
  .strictObject({
    flow: FlowKey.meta({ description: "Key of the flow that writes the record (its published version runs)." }),
    input: Mapping.optional().meta({
      description:
        "The run's input, evaluated over the break: recordKey, keyParts, rule, reconciliation, ids.<side>, values.<side>. Default { recordKey }.",
    }),
  })
  .meta({ description: 'What "Re-sync" on a break runs: a flow and its input for the break\'s record.' });
export type ReconResync = z.infer<typeof ReconResync>;

/** Builds the step union. `nested` is the schema of steps inside foreach bodies and parallel branches. */
function stepUnion(nested: z.ZodType, named: boolean) {
  const id = <T extends z.ZodType>(schema: T, name: string): T => (named ? schema.meta({ id: name }) : schema);
  const Block = id(
    z.strictObject({
      start: StepRef.optional(),
      steps: z.array(nested).max(5000),
    }),
    "Block",
  );

  const Call = id(
    z.strictObject({
      ...base,
      type: z.literal("call"),
      connector: z.string().min(1).max(64).meta({ description: 'Connector key, e.g. "netsuite".' }),
      operation: z
        .string()
        .min(1)
        .max(128)
        .meta({ description: 'Operation key of the connector, e.g. "createInvoice".' }),
      connection: z
        .string()
        .min(1)
        .max(128)
        .meta({ description: "Named connection (credentials + base URL) in the workspace." }),
      input: Mapping.optional(),
      ...policies,
      ...business,
      ...next,
    }),
    "CallStep",
  );
  const MapStep = id(
    z.strictObject({ ...base, type: z.literal("map"), output: Mapping, ...policies, ...business, ...next }),
    "MapStep",
  );
  const Switch = id(
    z.strictObject({
      ...base,
      type: z.literal("switch"),
      cases: z
        .array(z.strictObject({ when: Expression, next: StepRef, label: Label.optional() }))
        .min(1, "A switch needs at least one case.")
        .max(50),
      default: StepRef.optional().meta({ description: "Taken when no case matches; absent = end of the scope." }),
      ...policies,
    }),
    "SwitchStep",
  );
  const Foreach = id(
    z.strictObject({
      ...base,
      type: z.literal("foreach"),
      items: Expression.meta({
        description: "Expression yielding the array to iterate; each element is $item (and $index).",
      }),
      maxConcurrency: z
        .int()
        .min(1)
        .max(100)
        .optional()
        .meta({ description: "Iterations running at once. Default 1." }),
      toleratedFailurePercent: z
        .number()
        .min(0)
        .max(100)
        .optional()
        .meta({ description: "Share of failed iterations tolerated before the step fails. Default 0." }),
      collect: Mapping.optional().meta({
        description: "Per-iteration result; default: the output of the iteration's last step.",
      }),
      itemKeys: BusinessKeyMap.optional().meta({
        description:
          'Business keys of one item, evaluated at the end of each iteration like collect, e.g. { "project": "$item.projectId", "amount": "$item.amount" }. Each failed item opens an exception of its own with them (its money counted once); the items that succeeded add theirs to the run\'s keys, so a later run that processes an item resolves its exception.',
      }),
      body: Block,
      ...policies,
      ...next,
    }),
    "ForeachStep",
  );
  const Parallel = id(
    z.strictObject({
      ...base,
      type: z.literal("parallel"),
      branches: z
        .array(
          z.strictObject({
            name: z.string().regex(STEP_ID_RE, "A branch name has only letters, digits and _."),
            start: StepRef.optional(),
            steps: z.array(nested).max(5000),
          }),
        )
        .min(2, "A parallel step needs at least two branches.")
        .max(20),
      join: z.enum(["all", "any", "settled"]).meta({
        description:
          "all: wait for every branch, fail if one fails; any: the first branch to succeed wins; settled: wait for every branch, never fail.",
      }),
      ...policies,
      ...next,
    }),
    "ParallelStep",
  );
  const Wait = id(
    z.strictObject({
      ...base,
      type: z.literal("wait"),
      duration: Duration.optional(),
      until: Expression.optional().meta({ description: "Expression yielding an ISO 8601 timestamp." }),
      ...policies,
      ...next,
    }),
    "WaitStep",
  );
  const Emit = id(
    z.strictObject({
      ...base,
      type: z.literal("emit"),
      event: EventName,
      version: z
        .int()
        .min(1)
        .max(999)
        .optional()
        .meta({ description: "Major version of the event contract. Default 1." }),
      payload: Mapping,
      ...policies,
      ...business,
      ...next,
    }),
    "EmitStep",
  );
  const Subflow = id(
    z.strictObject({
      ...base,
      type: z.literal("subflow"),
      flow: FlowKey,
      version: VersionRange,
      input: Mapping.optional(),
      wait: z.boolean().optional().meta({
        description: "Wait for the child run and use its output (default true); false starts it and moves on.",
      }),
      ...policies,
      ...next,
    }),
    "SubflowStep",
  );
  const Fail = id(
    z.strictObject({
      ...base,
      type: z.literal("fail"),
      errorClass: z.enum(["business", "validation"]).optional().meta({ description: 'Default "business".' }),
      code: z.string().regex(ERROR_CODE_RE, 'An error code is lower-case, e.g. "customer_on_credit_hold".'),
      message: Text.min(1).meta({ description: "Plain text shown to whoever handles the failure." }),
      details: Mapping.optional(),
    }),
    "FailStep",
  );
  const Reconcile = id(
    z.strictObject({
      ...base,
      type: z.literal("reconcile"),
      definition: z.record(z.string(), z.unknown()).meta({
        description:
          "The reconciliation (docs/reconciliation.md): key, name, sides, maps, rules, period, impact. Checked by the validator.",
      }),
      sources: z
        .record(z.string().regex(STEP_ID_RE, "A side name has only letters, digits and _."), ReconSource)
        .meta({ description: "Where each side's records come from, by side name." }),
      checkpointEvery: z.int().min(1).max(1_000_000).optional().meta({
        description: "Keys matched between checkpoints (a resumed run continues from the last). Default 1000.",
      }),
      resync: ReconResync.optional(),
      ...policies,
      ...next,
    }),
    "ReconcileStep",
  );
  const Approval = id(
    z.strictObject({
      ...base,
      type: z.literal("approval"),
      assignee: z
        .strictObject({
          team: TeamKey.optional(),
          role: z
            .enum(ROLES)
            .optional()
            .meta({ description: "Only people with this role (in the team, if one is named)." }),
          user: UserEmail.optional().meta({ description: "One person, by e-mail." }),
        })
        .meta({ description: "Who decides: a team (optionally only its members with a role), a role, or one person." }),
      when: Expression.optional().meta({
        description:
          'Expression: ask only when this is true (e.g. an amount above a threshold); otherwise the step approves at once (status "not-required") and no task is opened.',
      }),
      title: Expression.meta({ description: "Expression: the task's title in the Inbox." }),
      summary: Expression.optional().meta({
        description:
          "Expression: the business summary the approver decides on (text, or an object of labelled values).",
      }),
      form: JsonSchemaObject.optional().meta({
        description:
          "JSON Schema (an object) of the fields the approver may fill or change, e.g. an adjusted amount; required with approve-with-changes.",
      }),
      choices: z.record(z.string().min(1).max(64), Expression).optional().meta({
        description:
          "Per form field, an expression giving the values it may take, evaluated when the task opens (e.g. the ids of the proposed candidates): the task's form offers only those, and a decision with another value is refused naming the field. A value may be { value, label }: the approver sees the label, the decision carries the value.",
      }),
      decisions: z.array(z.enum(APPROVAL_DECISIONS)).min(1).max(3).optional().meta({
        description: "The decisions offered. Default: approve, reject (and approve-with-changes when there is a form).",
      }),
      due: Duration.optional().meta({
        description: "Decide within this time (from when the task opens); then it escalates.",
      }),
      escalation: z
        .strictObject({
          reassignTo: z
            .strictObject({ team: TeamKey.optional(), user: UserEmail.optional() })
            .optional()
            .meta({ description: "Who gets the task when it is overdue." }),
          notify: z
            .boolean()
            .optional()
            .meta({ description: "Post to the assignee team's alert channel when overdue." }),
        })
        .optional()
        .meta({ description: "What happens at the due time when nobody decided." }),
      expiresAfter: Duration.optional().meta({
        description:
          'After this time (from when the task opens) nobody can decide; the run takes routes.expired, else fails with business error "approval_expired".',
      }),
      fourEyes: z.boolean().optional().meta({
        description: "The requester cannot decide: the person who started the run, or whom `requester` names.",
      }),
      requester: Expression.optional().meta({
        description:
          'Expression: the requester\'s e-mail (four-eyes), e.g. "$trigger.body.requestedBy". Default: who started the run.',
      }),
      bulk: z
        .boolean()
        .optional()
        .meta({ description: "Approvers may approve many of these tasks at once in the Inbox." }),
      routes: z
        .strictObject({
          approve: StepRef.optional(),
          reject: StepRef.optional(),
          "approve-with-changes": StepRef.optional(),
          expired: StepRef.optional(),
        })
        .optional()
        .meta({ description: "The step each decision leads to; a decision without a route takes `next`." }),
      ...policies,
      ...next,
    }),
    "ApprovalStep",
  );
  const union = z.discriminatedUnion("type", [
    Approval,
    Call,
    MapStep,
    Switch,
    Foreach,
    Parallel,
    Wait,
    Emit,
    Subflow,
    Fail,
    Reconcile,
  ]);
  return named ? union.meta({ id: "Step" }) : union;
}

/** Step schema whose nested steps are not checked (the validator parses those one by one). */
export const ShallowStepSchema = stepUnion(z.unknown(), false);
type ShallowStep = z.infer<typeof ShallowStepSchema>;
type Shallow<T extends StepType> = Extract<ShallowStep, { type: T }>;

export interface Block {
  start?: string;
  steps: Step[];
}
export interface Branch {
  name: string;
  start?: string;
  steps: Step[];
}
export type CallStep = Shallow<"call">;
export type MapStep = Shallow<"map">;
export type SwitchStep = Shallow<"switch">;
export type ForeachStep = Omit<Shallow<"foreach">, "body"> & { body: Block };
export type ParallelStep = Omit<Shallow<"parallel">, "branches"> & { branches: Branch[] };
export type WaitStep = Shallow<"wait">;
export type EmitStep = Shallow<"emit">;
export type SubflowStep = Shallow<"subflow">;
export type FailStep = Shallow<"fail">;
export type ReconcileStep = Shallow<"reconcile">;
export type ApprovalStep = Shallow<"approval">;
export type Step =
  | CallStep
  | MapStep
  | SwitchStep
  | ForeachStep
  | ParallelStep
  | WaitStep
  | EmitStep
  | SubflowStep
  | FailStep
  | ReconcileStep
  | ApprovalStep;
export type StepOf<T extends StepType> = Extract<Step, { type: T }>;

/** The full, recursive step schema. */
export const StepSchema: z.ZodType<Step> = z.lazy(() => stepUnion(StepSchema, true)) as unknown as z.ZodType<Step>;

// ---------------------------------------------------------------------------------------------------
// Triggers

export const TriggerSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("webhook"),
      secret: z
        .string()
        .min(1)
        .max(128)
        .meta({ description: "Name of the secret (or connection) holding the HMAC signing key." }),
      idempotencyKey: Expression.optional().meta({
        description:
          'Where the sender\'s idempotency key is, e.g. "$trigger.headers.`x-request-id`" or "$trigger.body.eventId".',
      }),
      payloadSchema: JsonSchemaObject.optional().meta({
        description: "JSON Schema of the body: the contract with the sender.",
      }),
      onInvalidPayload: z.enum(["accept", "reject"]).optional().meta({
        description:
          'A body that breaks payloadSchema: "accept" (default) starts the run anyway, so a failure lands in the exception queue for repair; "reject" answers 422 with the schema errors and stores nothing, so the sender must fix and resend.',
      }),
      maxBodyBytes: z.int().min(1).max(10_000_000).optional(),
      toleranceSeconds: z
        .int()
        .min(1)
        .max(3600)
        .optional()
        .meta({ description: "Maximum age of a signed request (replay protection)." }),
    }),
    z.strictObject({
      type: z.literal("schedule"),
      cron: z.string().min(1).max(120).meta({ description: 'Cron expression (5 or 6 fields), e.g. "0 6 * * 1-5".' }),
      timezone: z.string().min(1).max(64).meta({ description: 'IANA time zone, e.g. "Europe/Amsterdam".' }),
    }),
    z.strictObject({
      type: z.literal("event"),
      event: EventName,
      version: z
        .int()
        .min(1)
        .max(999)
        .optional()
        .meta({ description: "Major version of the event contract consumed. Default 1." }),
      filter: Expression.optional().meta({ description: "Only events for which this is true start a run." }),
    }),
    z.strictObject({
      type: z.literal("poll"),
      connector: z.string().min(1).max(64).meta({ description: 'Connector key, e.g. "salesforce".' }),
      connection: z.string().min(1).max(128).meta({
        description: "Named connection the poll reads through (its connector's operation, credentials and base URL).",
      }),
      operation: z.string().min(1).max(128).meta({
        description:
          'A read operation of the connection\'s connector, e.g. "query" (Salesforce SOQL) or a poll trigger operation.',
      }),
      interval: Duration.meta({
        description:
          'How often to poll: 10s to 24h, e.g. "1m". A poll that finds a full page polls again at once; a failing poll backs off.',
      }),
      input: Mapping.meta({
        description:
          "The operation's input. Evaluated with $trigger = { cursor } (the watermark, ISO 8601 for date-time cursors), e.g. { \"soql\": \"'SELECT Id, Name, SystemModstamp FROM Opportunity WHERE IsWon = true AND SystemModstamp >= ' & $substring($trigger.cursor, 0, 19) & 'Z ORDER BY SystemModstamp'\" }.",
      }),
      records: Expression.optional().meta({
        description:
          "Where the records are in the operation's output. Default: items, else records, else the output if it is a list.",
      }),
      cursor: Expression.meta({
        description:
          'Per record ($trigger = the record): the watermark it carries, e.g. "SystemModstamp". The next poll reads from the largest one seen (>=, so a record changed at the same instant is not skipped).',
      }),
      recordId: Expression.meta({ description: 'Per record: its identity, e.g. "Id".' }),
      version: Expression.optional().meta({
        description:
          "Per record: its version; a record id + version starts at most one run. Default: the cursor value.",
      }),
      lookback: Duration.optional().meta({
        description:
          'Re-read this far behind the watermark, for systems whose timestamps can commit late (e.g. "2m"); re-read records are de-duplicated. Default: none.',
      }),
    }),
    z.strictObject({
      type: z.literal("manual"),
      inputSchema: JsonSchemaObject.optional().meta({ description: "JSON Schema of the input an operator provides." }),
    }),
  ])
  .meta({ description: "What starts a run. Any flow can also be started by hand by an operator." });
export type Trigger = z.infer<typeof TriggerSchema>;
export type TriggerOf<T extends TriggerType> = Extract<Trigger, { type: T }>;

// ---------------------------------------------------------------------------------------------------
// The flow document

export const FailureRoute = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("exception-queue"),
    assignTo: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: "Team that owns the exceptions; default: the flow's owner." }),
  }),
  z.strictObject({
    type: z.literal("flow"),
    flow: FlowKey,
    version: VersionRange.optional(),
  }),
]);
export type FailureRoute = z.infer<typeof FailureRoute>;

const Position = z.strictObject({
  x: z.number(),
  y: z.number(),
  width: z.number().min(0).optional(),
  height: z.number().min(0).optional(),
});

function flowObject(stepSchema: z.ZodType) {
  return z.strictObject({
    $schema: z.string().max(500).optional().meta({ description: "For editors; ignored by Weft." }),
    dsl: z.literal(DSL_VERSION),
    key: FlowKey.meta({ description: "Stable identifier of the flow." }),
    version: SemVer,
    name: Label.min(1),
    description: Text,
    domain: z.enum(DOMAINS),
    owner: z.string().min(1).max(64).meta({ description: 'Owning team key, e.g. "finance".' }),
    classification: z.enum(CLASSIFICATIONS),
    tags: z.array(z.string().min(1).max(64)).max(50).optional(),
    trigger: TriggerSchema,
    concurrency: z
      .strictObject({
        key: Expression.meta({
          description: "Runs with the same key run one at a time, in order (e.g. one per project).",
        }),
      })
      .optional(),
    businessKeys: BusinessKeyMap.optional().meta({
      description:
        'The business entities a run touches, e.g. { "invoice": "$steps.post.output.tranId", "project": "$trigger.projectCode" }.',
    }),
    onFailure: FailureRoute.optional().meta({
      description: "Where failed runs go. Default: the exception queue of the owner team.",
    }),
    defaults: z.strictObject({ retry: RetryPolicy.optional(), timeout: Duration.optional() }).optional(),
    output: Mapping.optional().meta({ description: "The flow's result (what a parent subflow step receives)." }),
    start: StepRef.optional(),
    steps: z.array(stepSchema).max(5000),
    layout: z
      .strictObject({ nodes: z.record(z.string().max(64), Position) })
      .optional()
      .meta({
        description: "Canvas positions (relative to the parent group for nested steps). Not part of the behaviour.",
      }),
  });
}

export const ShallowFlowSchema = flowObject(z.unknown());
type ShallowFlow = z.infer<typeof ShallowFlowSchema>;
export type Flow = Omit<ShallowFlow, "steps"> & { steps: Step[] };
export type FlowHeader = Pick<Flow, "key" | "version" | "name" | "description" | "domain" | "owner" | "classification">;

/** The full recursive document schema (what the JSON Schema is generated from). */
export const FlowSchema: z.ZodType<Flow> = flowObject(StepSchema) as unknown as z.ZodType<Flow>;

export type Mapping = z.infer<typeof Mapping>;
export type RetryPolicy = z.infer<typeof RetryPolicy>;
export type CatchRoute = z.infer<typeof CatchRoute>;
