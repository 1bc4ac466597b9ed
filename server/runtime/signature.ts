// Identical failures group under one signature: the flow, the step (its id, not its loop index), the
// error class and the message with every number, id, uuid, email and quoted value stripped out.
import { createHash } from "node:crypto";

export function normaliseMessage(message: string): string {
  return message
    .toLowerCase()
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>")
    .replace(/[^\s@]+@[^\s@]+\.[a-z]{2,}/g, "<email>")
    .replace(/"[^"]*"|'[^']*'/g, "<value>")
    .replace(/\b(?=[a-z0-9_-]*\d)[a-z0-9_-]{6,}\b/g, "<id>") // tokens that mix letters and digits: record ids
    .replace(/\d+(\.\d+)?/g, "#")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 500);
}

/** The step's id without loop indexes and branch prefixes ("lines[3].post" → "post"). */
export function stepIdOfPath(path: string): string {
  const last = path.split(".").pop() ?? path;
  return last.replace(/\[\d+\]/g, "");
}

export function exceptionSignature(
  flowKey: string,
  stepId: string | null,
  errorClass: string,
  message: string,
): string {
  return createHash("sha256")
    .update([flowKey, stepId ?? "", errorClass, normaliseMessage(message)].join("\u0000"))
    .digest("hex")
    .slice(0, 32);
}
