// The connector SDK's declarative half: manifests (key, system, auth schema, operations with zod input and
// output schemas, docs) and the context an implementation receives. Browser-safe — zod and types only —
// so the designer can import every manifest to build forms and mapping trees, and the DSL validator can
// check `call` inputs, without pulling in undici, dns or pg (those live in the sdk's server files).
import type { z } from "zod";
import type { HttpExcerpt } from "./errors";

export type ConnectorSystem = "crm" | "psa" | "hris" | "erp" | "data" | "generic";

export type AuthType =
  | "oauth2_client_credentials"
  | "oauth2_refresh_token"
  | "oauth2_jwt_bearer"
  | "bearer"
  | "basic"
  | "api_key"
  | "preset"
  | "database"
  | "none";

export interface AuthSpec<C extends z.ZodType = z.ZodType, S extends z.ZodType = z.ZodType> {
  type: AuthType;
  /** Non-secret connection settings (base URL, tenant, API version…): stored in clear. */
  config: C;
  /** Secret fields: sealed at rest, never logged, masked in exception records. */
  secrets: S;
  docs?: string;
}

export type TriggerKind = "poll" | "webhook" | "schedule";

export interface OperationSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  kind: "action" | "trigger";
  name: string;
  description: string;
  /** Longer Markdown help shown in the designer's side panel. */
  docs?: string;
  input: I;
  output: O;
  /** "write" operations change the target system; they send the step's idempotency key. */
  effect?: "read" | "write";
  /**
   * Trigger operations. A poll trigger takes `{cursor?, …}` and returns `{items, cursor}`: the runtime
   * persists the returned cursor and passes it back on the next poll (at-least-once, de-duplicated by it).
   * Webhook and schedule triggers are served by the runtime itself and have no handler.
   */
  trigger?: { type: TriggerKind };
  /** For generated operations (OpenAPI import): the HTTP method and path template. */
  http?: { method: string; path: string };
  /**
   * "strict" (default): a result that does not match `output` fails the step (validation). "lenient": the
   * mismatch is logged and the raw result returned — for imported specs, which real APIs drift from.
   */
  outputValidation?: "strict" | "lenient";
  /**
   * Read operations that list over vendor pages: how to ask for exactly one page, and for the page after a
   * page's output (null: that was the last). A consumer that must never hold the whole list (a reconcile
   * side, docs/reconciliation.md) calls the operation once per page; without this the operation is one call.
   */
  pages?: OperationPages;
  /**
   * Outputs that depend on the input and on the target account's metadata (a Salesforce record has the fields
   * the org's sObject has, custom ones included). `subject` reads what to describe from the step's literal
   * inputs; `describe` is the connector's read-only operation that describes it (run on the server with the
   * step's connection); `schema` builds the output from that description — or, without one (offline, no
   * connection chosen), from the connector's canonical shapes. The designer's mapper and autocomplete use it;
   * `output` stays the runtime's contract.
   */
  describedOutput?: {
    subject(input: Record<string, unknown>): string | undefined;
    describe: { operation: string; input(subject: string): unknown };
    schema(input: Record<string, unknown>, description?: unknown): z.ZodType | undefined;
  };
}

/** One-page-at-a-time reading of a list operation (OperationSpec.pages); pure, so manifests stay browser-safe. */
export interface OperationPages {
  first(input: Record<string, unknown>): Record<string, unknown>;
  next(input: Record<string, unknown>, output: unknown): Record<string, unknown> | null;
}

export interface ConnectorManifest<
  C extends z.ZodType = z.ZodType,
  S extends z.ZodType = z.ZodType,
  Ops extends Record<string, OperationSpec> = Record<string, OperationSpec>,
> {
  key: string;
  name: string;
  system: ConnectorSystem;
  /** A short icon name the designer maps to an SVG (e.g. "cloud", "briefcase", "users", "ledger"). */
  icon: string;
  description: string;
  docs?: string;
  version: string;
  auth: AuthSpec<C, S>;
  operations: Ops;
}

export type AnyManifest = ConnectorManifest<z.ZodType, z.ZodType, Record<string, OperationSpec>>;

const KEY = /^[a-z][a-zA-Z0-9_-]{0,63}$/;

/** Declares a connector manifest. Identity at runtime (plus checks); its value is the precise type. */
export function defineConnector<
  C extends z.ZodType,
  S extends z.ZodType,
  const Ops extends Record<string, OperationSpec>,
>(manifest: ConnectorManifest<C, S, Ops>): ConnectorManifest<C, S, Ops> {
  if (!KEY.test(manifest.key)) throw new Error(`Connector key "${manifest.key}" must match ${KEY}`);
  for (const [k, o] of Object.entries(manifest.operations)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      throw new Error(`${manifest.key}: operation key "${k}" is not an identifier`);
    if (o.kind === "trigger" && !o.trigger) throw new Error(`${manifest.key}.${k}: a trigger needs trigger.type`);
  }
  return manifest;
}

// ---------------------------------------------------------------------------------------------------
// The context an operation handler receives (implemented in sdk/context.ts on the server).

export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>;

export interface HttpRequest {
  method?: string;
  /** Absolute URL, or a path joined to `baseUrl`. */
  url: string;
  baseUrl?: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string | undefined>;
  /** JSON body (sets content-type). */
  json?: unknown;
  /** application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
  /** A raw body: text, or bytes (binary uploads). */
  body?: string | Uint8Array;
  timeoutMs?: number;
  /**
   * Whether a repeat of this request cannot cause a second effect (GET, PUT, DELETE, or a write carrying an
   * idempotency key). Only such requests are retried after a 5xx or a dropped connection; 429s are always
   * retried because the server refused them before doing anything.
   */
  idempotent?: boolean;
  /** In-call attempts (default 3). The runtime retries further, durably. */
  maxAttempts?: number;
  /** Statuses that are not errors (default: 2xx and 3xx without a followable Location). */
  acceptStatus?: (status: number) => boolean;
  /** Extracts the vendor's error message and code from an error response. */
  parseError?: (res: HttpResponse) => VendorError | undefined;
  /** "json" parses (empty → undefined), "text" keeps the string; default: by content-type. */
  responseType?: "json" | "text" | "auto";
}

/** A vendor's error as read from its response; `errorClass`/`reason` override the status-based class. */
export interface VendorError {
  message: string;
  code?: string;
  details?: unknown;
  errorClass?: "transient" | "auth" | "validation";
  reason?: "rate_limited" | "server" | "unauthorized" | "forbidden" | "not_found" | "conflict" | "invalid_request";
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
  /** The final URL after redirects. */
  url: string;
}

export interface HttpClient {
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
}

export interface ConnectorLogger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

export interface AccessToken {
  accessToken: string;
  /** Epoch ms after which the token must not be used (a safety margin is applied by the cache). */
  expiresAt?: number;
  /** Vendor extras, e.g. Salesforce's instance_url. */
  extra?: Record<string, string>;
}

/** Per-process token cache keyed by connection (and a hash of its secrets, so rotation invalidates). */
export interface TokenCache {
  get(fetch: () => Promise<AccessToken>): Promise<AccessToken>;
  invalidate(token?: string): void;
}

/** Address checks for non-HTTP clients (databases): resolves a host and refuses forbidden addresses. */
export interface NetGuard {
  /** The address to connect to (connect to it, not the name, so DNS cannot change between check and use). */
  resolveAllowed(host: string, port: number): Promise<string>;
}

export interface ConnectionRef<C = Record<string, unknown>, S = Record<string, string>> {
  key: string;
  connectorKey: string;
  config: C;
  secrets: S;
}

export interface ConnectorContext<C = unknown, S = unknown> {
  connection: ConnectionRef<C, S>;
  http: HttpClient;
  /** The step's idempotency key (stable across retries and crash recovery); set for write operations. */
  idempotencyKey: string | undefined;
  signal: AbortSignal;
  logger: ConnectorLogger;
  tokens: TokenCache;
  net: NetGuard;
  /** Every secret value of the connection plus tokens obtained with them: masked in logs and excerpts. */
  addSecret(value: string): void;
  /** Redacts a request/response excerpt for an error or log. */
  excerpt(e: HttpExcerpt): HttpExcerpt;
}

type OpsOf<M extends AnyManifest> = M["operations"];
export type ConfigOf<M extends AnyManifest> = z.output<M["auth"]["config"]>;
export type SecretsOf<M extends AnyManifest> = z.output<M["auth"]["secrets"]>;
/** The context a connector's handlers get, typed by what its manifest's auth schemas produce. */
export type ConnectorContextOf<M extends AnyManifest> = ConnectorContext<ConfigOf<M>, SecretsOf<M>>;

declare const vendorDataBrand: unique symbol;
/** Vendor JSON passed through as an operation's result: its shape is checked by the output schema at runtime. */
export type VendorData = { readonly [vendorDataBrand]: true };
/** Marks a vendor payload as the result (executeOperation validates it against the output schema). */
export function vendorData(value: unknown): VendorData {
  return value as VendorData;
}

export type OperationHandler<M extends AnyManifest, K extends keyof OpsOf<M>> = (
  input: z.output<OpsOf<M>[K]["input"]>,
  ctx: ConnectorContextOf<M>,
) => Promise<z.input<OpsOf<M>[K]["output"]> | VendorData>;

export type ConnectorHandlers<M extends AnyManifest> = { [K in keyof OpsOf<M>]?: OperationHandler<M, K> };

/** What a connection test found (shown on the Connections page): e.g. "API requests: 14,980 of 15,000 left". */
export interface ConnectionTestResult {
  detail: string;
}

/**
 * "Test connection": the connector's cheapest authenticated call (or its token step), made with the
 * connection's real credentials through the guarded client. Throws a classified ConnectorError on failure.
 */
export type ConnectionTest<M extends AnyManifest> = (ctx: ConnectorContextOf<M>) => Promise<ConnectionTestResult>;

export interface ConnectorDefinition<M extends AnyManifest = AnyManifest> {
  manifest: M;
  handlers: ConnectorHandlers<M>;
  test?: ConnectionTest<M>;
}

/** The type-erased form kept in registries; executeOperation validates input before calling. */
export interface AnyConnectorDefinition {
  manifest: AnyManifest;
  handlers: Record<string, ((input: unknown, ctx: ConnectorContext) => Promise<unknown>) | undefined>;
  test?: (ctx: ConnectorContext) => Promise<ConnectionTestResult>;
}

/** Binds handlers (and the connection test) to a manifest: each is typed by its schemas and the auth schema. */
export function implementConnector<M extends AnyManifest>(
  manifest: M,
  handlers: ConnectorHandlers<M>,
  test?: ConnectionTest<M>,
): AnyConnectorDefinition & ConnectorDefinition<M> {
  for (const k of Object.keys(handlers)) {
    if (!(k in manifest.operations))
      throw new Error(`${manifest.key}: handler "${k}" has no operation in the manifest`);
  }
  // The erased view is sound: executeOperation parses input, config and secrets with the manifest's
  // schemas before a handler sees them.
  return { manifest, handlers, ...(test ? { test } : {}) } as unknown as AnyConnectorDefinition &
    ConnectorDefinition<M>;
}
