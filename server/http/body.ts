// Request bodies for route handlers that take untrusted input.
import "server-only";
import { describeInputFault, inputFaultStatus, inspectInput } from "../../core/input-guard";

/** Reads at most `limit` bytes and gives up beyond it, so a huge body never sits in memory. */
export async function readLimited(req: Request, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) return null;
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * The input guard for a route that hands a JSON body to a library (better-auth): a 400/413 naming the field
 * when the body holds what cannot be stored or is nested too deeply; null to go on (also for bodies that
 * are not JSON, which the library refuses itself). Reads a clone, so the original body is untouched.
 */
export async function refuseUnstorableJson(req: Request): Promise<Response | null> {
  if (!/^application\/(?:[a-z0-9.+-]+\+)?json\b/i.test(req.headers.get("content-type") ?? "")) return null;
  let value: unknown;
  try {
    value = JSON.parse(await req.clone().text());
  } catch {
    return null;
  }
  const fault = inspectInput(value);
  return fault
    ? Response.json(
        { code: "BAD_INPUT", message: describeInputFault(fault, "The body") },
        { status: inputFaultStatus(fault) },
      )
    : null;
}
