// executeOperation: how the runtime (and "test connection", and the contract tests) run one connector
// operation. It validates config, secrets and input against the manifest, builds the context (guarded
// HTTP client, per-connection limiter and token cache, redacting logger, idempotency key), runs the
// handler, validates the output, and turns every failure into a classified ConnectorError.
import "server-only";
import { createHash } from "node:crypto";
import { ZodError, type z } from "zod";
import { ConnectorError } from "./errors";
import type { AnyConnectorDefinition, ConnectorContext, ConnectorLogger } from "./define";
import { defaultGuard, type HttpGuard } from "./http-guard";
import { createHttpClient } from "./http";
import { credentialScope } from "./credential-scope";
import { tokenCacheFor } from "./oauth";
import { limiterFor, type RateLimit } from "./rate-limiter";
import { createRedactor, type Redactor } from "./redact";

/** A pino-compatible sink (pino's `logger.info(obj, msg)`). */
export interface LogSink {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ConnectionInput {
  key: string;
  connectorKey?: string;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  /** Other hosts the admin lets the credentials go to (connectors/sdk/credential-scope.ts). */
  allowedHosts?: readonly string[];
}

export interface ContextOptions {
  connection: ConnectionInput;
  connectorKey: string;
  idempotencyKey?: string;
  signal?: AbortSignal;
  logger?: LogSink;
  httpGuard?: HttpGuard;
  timeoutMs?: number;
  maxInCallWaitMs?: number;
}

export interface ExecuteArgs extends Omit<ContextOptions, "connectorKey"> {
  connectorKey: string;
  operation: string;
  input: unknown;
  /** Where to find the connector: defaults to the built-in registry (connectors/server.ts passes it). */
  definitions: ReadonlyMap<string, AnyConnectorDefinition> | Record<string, AnyConnectorDefinition>;
}

export function zodMessage(e: ZodError): string {
  return e.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

function lookup(defs: ExecuteArgs["definitions"], key: string): AnyConnectorDefinition | undefined {
  return defs instanceof Map ? defs.get(key) : (defs as Record<string, AnyConnectorDefinition>)[key];
}

const silent: LogSink = { debug() {}, info() {}, warn() {}, error() {} };

function connectorLogger(sink: LogSink, redactor: Redactor, bound: Record<string, unknown>): ConnectorLogger {
  const emit = (level: keyof LogSink) => (msg: string, data?: Record<string, unknown>) =>
    sink[level]({ ...bound, ...((redactor.value(data ?? {}) as object) ?? {}) }, redactor.text(msg));
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** Builds the context a handler receives. Exported for "test connection" and for contract tests. */
export function createContext<C, S>(opts: ContextOptions & { config: C; secrets: S }): ConnectorContext<C, S> {
  const secretValues = Object.values(opts.connection.secrets).filter((v): v is string => typeof v === "string");
  const redactor = createRedactor(secretValues);
  const logger = connectorLogger(opts.logger ?? silent, redactor, {
    connector: opts.connectorKey,
    connection: opts.connection.key,
  });
  const guard = opts.httpGuard ?? defaultGuard();
  const fingerprint = createHash("sha256")
    .update(JSON.stringify([opts.connection.config, opts.connection.secrets]))
    .digest("hex")
    .slice(0, 16);
  const rateLimit = (opts.connection.config as { rateLimit?: RateLimit }).rateLimit;
  const signal = opts.signal ?? new AbortController().signal;
  return {
    connection: {
      key: opts.connection.key,
      connectorKey: opts.connectorKey,
      config: opts.config,
      secrets: opts.secrets,
    },
    http: createHttpClient({
      guard,
      limiter: limiterFor(opts.connection.key, rateLimit),
      logger,
      redactor,
      signal,
      defaultTimeoutMs: opts.timeoutMs,
      maxInCallWaitMs: opts.maxInCallWaitMs,
      idempotencyKey: opts.idempotencyKey,
      credentials: {
        connectionKey: opts.connection.key,
        scope: credentialScope(opts.connection.config, opts.connection.allowedHosts),
      },
    }),
    idempotencyKey: opts.idempotencyKey,
    signal,
    logger,
    tokens: tokenCacheFor(opts.connection.key, fingerprint),
    net: { resolveAllowed: (host, port) => guard.resolveAllowed(host, port) },
    addSecret: (v) => redactor.add(v),
    excerpt: (e) => redactor.value(e) as ReturnType<ConnectorContext["excerpt"]>,
  };
}

function parseOr<T extends z.ZodType>(schema: T, value: unknown, fail: (e: ZodError) => ConnectorError): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw fail(r.error);
  return r.data;
}

/** A connection's settings and secrets, checked against the connector's manifest (one wording for runs and tests). */
function parseConnection(
  def: AnyConnectorDefinition,
  connection: ConnectionInput,
): { config: unknown; secrets: unknown } {
  const config = parseOr(
    def.manifest.auth.config,
    connection.config,
    (e) =>
      new ConnectorError({
        errorClass: "validation",
        reason: "schema",
        code: "config_invalid",
        message: `Connection "${connection.key}" settings are invalid: ${zodMessage(e)}`,
        cause: e,
      }),
  );
  const secrets = parseOr(
    def.manifest.auth.secrets,
    connection.secrets,
    (e) =>
      new ConnectorError({
        errorClass: "auth",
        reason: "unauthorized",
        code: "secrets_invalid",
        message: `Connection "${connection.key}" is missing credentials: ${e.issues.map((i) => `${i.path.join(".") || "(secrets)"} ${i.message}`).join("; ")}`,
        cause: e,
      }),
  );
  return { config, secrets };
}

export async function executeOperation(args: ExecuteArgs): Promise<unknown> {
  const def = lookup(args.definitions, args.connectorKey);
  if (!def)
    throw new ConnectorError({
      errorClass: "validation",
      reason: "unsupported",
      code: "unknown_connector",
      message: `No connector "${args.connectorKey}".`,
    });
  if (args.connection.connectorKey && args.connection.connectorKey !== args.connectorKey) {
    throw new ConnectorError({
      errorClass: "validation",
      reason: "invalid_request",
      code: "connection_mismatch",
      message: `Connection "${args.connection.key}" is for ${args.connection.connectorKey}, not ${args.connectorKey}.`,
    });
  }
  const spec = def.manifest.operations[args.operation];
  const handler = def.handlers[args.operation];
  if (!spec || !handler) {
    throw new ConnectorError({
      errorClass: "validation",
      reason: "unsupported",
      code: "unknown_operation",
      message: `${def.manifest.name} has no callable operation "${args.operation}".`,
    });
  }
  const where = `${args.connectorKey}.${args.operation}`;
  const { config, secrets } = parseConnection(def, args.connection);
  const input = parseOr(
    spec.input,
    args.input,
    (e) =>
      new ConnectorError({
        errorClass: "validation",
        reason: "schema",
        code: "input_invalid",
        message: `${where} input: ${zodMessage(e)}`,
        details: { issues: e.issues },
        cause: e,
      }),
  );
  const ctx = createContext({
    ...args,
    config,
    secrets,
    idempotencyKey: spec.effect === "write" ? args.idempotencyKey : undefined,
  });
  let out: unknown;
  try {
    out = await handler(input, ctx);
  } catch (e) {
    throw asConnectorError(e, where, ctx);
  }
  if (spec.outputValidation === "lenient") {
    const r = spec.output.safeParse(out);
    if (r.success) return r.data;
    ctx.logger.warn("result does not match the operation's output schema; passing it through", {
      operation: where,
      issues: r.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`),
    });
    return out;
  }
  return parseOr(
    spec.output,
    out,
    (e) =>
      new ConnectorError({
        errorClass: "validation",
        reason: "schema",
        code: "output_invalid",
        message: `${where} returned data that does not match its output schema: ${zodMessage(e)}`,
        details: { issues: e.issues.slice(0, 20) },
        cause: e,
      }),
  );
}

/** Any thrown value as a ConnectorError (handlers should throw classified ones; this is the safety net). */
export function asConnectorError(e: unknown, where: string, ctx?: ConnectorContext): ConnectorError {
  if (e instanceof ConnectorError) return e;
  if (e instanceof ZodError)
    return new ConnectorError({
      errorClass: "validation",
      reason: "schema",
      code: "schema",
      message: `${where}: ${zodMessage(e)}`,
      cause: e,
    });
  const err = e as { name?: string; message?: string; code?: string };
  if (err?.name === "AbortError" || err?.name === "TimeoutError")
    return new ConnectorError({
      errorClass: "transient",
      reason: "timeout",
      code: "timeout",
      message: `${where} was aborted: ${err.message ?? ""}`,
      cause: e,
    });
  const message = ctx ? ctx.excerpt({ body: String(err?.message ?? e) }).body : String(err?.message ?? e);
  return new ConnectorError({
    errorClass: "internal",
    reason: "internal",
    code: err?.code,
    message: `${where} failed: ${String(message)}`,
    cause: e,
  });
}

export interface TestConnectionArgs extends Omit<ContextOptions, "connectorKey"> {
  connectorKey: string;
  definitions: ExecuteArgs["definitions"];
}

/**
 * "Test connection": validates the connection's settings and credentials against the manifest, then runs
 * the connector's test hook (its cheapest authenticated call) through the same guarded context as a
 * step. Returns the hook's detail; throws a classified ConnectorError. The token cache is bypassed so
 * the credentials themselves are exercised, not a token cached from before a rotation.
 */
export async function testConnection(args: TestConnectionArgs): Promise<{ detail: string }> {
  const def = lookup(args.definitions, args.connectorKey);
  if (!def)
    throw new ConnectorError({
      errorClass: "validation",
      reason: "unsupported",
      code: "unknown_connector",
      message: `No connector "${args.connectorKey}".`,
    });
  if (!def.test)
    throw new ConnectorError({
      errorClass: "validation",
      reason: "unsupported",
      code: "no_test",
      message: `${def.manifest.name} connections have nothing to test: it makes no outbound calls.`,
    });
  const { config, secrets } = parseConnection(def, args.connection);
  const ctx = createContext({ ...args, config, secrets, idempotencyKey: undefined });
  ctx.tokens.invalidate();
  try {
    return await def.test(ctx);
  } catch (e) {
    throw asConnectorError(e, `${args.connectorKey} connection test`, ctx);
  }
}
