// The exception queue's filter, shared by the browser (URL state, saved views) and the server (SQL).
// Browser-safe: zod only.
import { z } from "zod";
import { ERROR_CLASSES } from "../error-classes";
import { ALL_ENVIRONMENTS, environmentKeyOf, openingEnvironment } from "../environment-scope";

export const EXCEPTION_STATUSES = ["open", "retrying", "resolved", "all"] as const;
/** Age buckets of an exception (since it was opened); "ageing" = older than its flow's threshold. */
export const AGE_BUCKETS = ["lt1h", "1h-24h", "1d-7d", "gt7d", "ageing"] as const;
export const AGE_LABELS: Record<(typeof AGE_BUCKETS)[number], string> = {
  lt1h: "< 1 hour",
  "1h-24h": "1–24 hours",
  "1d-7d": "1–7 days",
  gt7d: "> 7 days",
  ageing: "Past flow threshold",
};

export const exceptionFilterSchema = z.object({
  status: z.enum(EXCEPTION_STATUSES).optional(),
  flowKey: z.string().max(128).optional(),
  domain: z.string().max(64).optional(),
  /** The team that owns the exception: its assignee team, else the flow's owner team. */
  teamId: z.string().uuid().optional(),
  errorClass: z.enum(ERROR_CLASSES).optional(),
  signature: z.string().max(64).optional(),
  age: z.enum(AGE_BUCKETS).optional(),
  /** "me", "unassigned" or a user id. */
  assignee: z.string().max(100).optional(),
  /** Full-text search over business keys ("INV-1042", a project code, a customer name). */
  q: z.string().max(200).optional(),
  /** The environment of the failed run (docs/environments.md); "all" = every environment; absent: the caller's default (`withDefaultEnvironment`). */
  environment: z.string().max(40).optional(),
});
export type ExceptionFilter = z.infer<typeof exceptionFilterSchema>;

export const FILTER_KEYS = Object.keys(exceptionFilterSchema.shape) as Array<keyof ExceptionFilter>;

/** The environment a filter narrows to, or null for every environment. */
export const environmentOf = (f: ExceptionFilter): string | null => environmentKeyOf(f.environment) ?? null;

/**
 * The queue as a user opens it: the runs list's default (`openingEnvironment`); "every" stays implicit. Keeps the
 * rest of the filter as it is (a bulk scope keeps its ticked `ids`).
 */
export function withDefaultEnvironment<F extends ExceptionFilter>(f: F, roles: readonly string[]): F {
  const environment = openingEnvironment(f.environment, roles);
  return f.environment || environment !== ALL_ENVIRONMENTS ? { ...f, environment } : f;
}

/** Drops empty values, so that equal filters compare (and serialise into URLs) equally. */
export function cleanFilter(f: ExceptionFilter): ExceptionFilter {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (typeof v === "string" && v.trim() !== "") out[k] = k === "q" ? v.trim() : v;
  }
  return out as ExceptionFilter;
}

/** What a bulk action covers: a filter, optionally narrowed to hand-picked exceptions (ticked rows). */
export const bulkScopeSchema = exceptionFilterSchema.extend({
  ids: z.array(z.string().uuid()).min(1).max(500).optional(),
});
export type BulkScope = z.infer<typeof bulkScopeSchema>;

export const BULK_KINDS = ["retry", "replay_latest", "resolve", "assign"] as const;
export type BulkKind = (typeof BULK_KINDS)[number];
