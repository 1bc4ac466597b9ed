// Secrets never reach an exception record, a log line or the timeline: values under secret-looking keys
// are replaced, known secret values (a connection's secrets) are masked wherever they appear, and long
// bodies are cut to an excerpt. The connectors' redactor (connectors/sdk/redact.ts) with the runtime's limits.
import { createRedactor, REDACTED } from "@/connectors/sdk/redact";

export { REDACTED };

export interface RedactOptions {
  /** Literal secret values to mask anywhere they appear (e.g. the connection's secrets). */
  secrets?: readonly string[];
  /** Longest string kept whole. */
  maxString?: number;
  maxDepth?: number;
  /** Array items and object keys kept. */
  maxKeys?: number;
}

export function redact(value: unknown, opts: RedactOptions = {}): unknown {
  const maxKeys = opts.maxKeys ?? 100;
  return createRedactor(opts.secrets ?? [], {
    maxString: opts.maxString ?? 2000,
    maxDepth: opts.maxDepth ?? 8,
    maxItems: maxKeys,
    maxKeys,
  }).value(value);
}
