// Schema pieces shared by manifests. Browser-safe.
import { z } from "zod";

export const rateLimitSchema = z
  .object({
    requestsPerSecond: z.number().positive().optional().describe("Sustained requests per second for this connection"),
    burst: z.number().int().positive().optional(),
    maxConcurrent: z.number().int().positive().optional().describe("Requests in flight at once for this connection"),
  })
  .describe("Client-side limits, shared by every flow using the connection");

export const httpUrl = z.url({ protocol: /^https?$/ });

/** A poll trigger's cursor: opaque to the runtime, which stores it and hands it back. */
export const pollCursor = z
  .string()
  .optional()
  .describe("The cursor returned by the previous poll; omit on the first poll");
