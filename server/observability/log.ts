// Structured JSON logs (pino). Request and run ids travel as child-logger bindings.
import "server-only";
import pino from "pino";

const g = globalThis as unknown as { __weftLogger?: pino.Logger };
export const logger: pino.Logger = (g.__weftLogger ??= pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: { service: process.env.WEFT_PROCESS ?? "weft" },
  redact: {
    paths: ["*.password", "*.secret", "*.token", "*.authorization", "req.headers.cookie", "req.headers.authorization"],
    censor: "[redacted]",
  },
  timestamp: pino.stdTimeFunctions.isoTime,
}));
