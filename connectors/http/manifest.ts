// Generic HTTP/REST connector: any method against any (guarded) URL with auth presets. Browser-safe.
import { z } from "zod";
import { defineConnector } from "../sdk/define";
import { httpUrl, rateLimitSchema } from "../sdk/common";

export const HttpAuthPreset = z.discriminatedUnion("type", [
  z.object({ type: z.literal("none") }),
  z.object({ type: z.literal("basic") }).describe("Username and password (secrets)"),
  z.object({ type: z.literal("bearer") }).describe("A static token (secret)"),
  z
    .object({
      type: z.literal("apiKey"),
      in: z.enum(["header", "query"]).default("header"),
      name: z.string().min(1).default("X-API-Key"),
    })
    .describe("An API key (secret) in a header or query parameter"),
  z
    .object({
      type: z.literal("oauth2ClientCredentials"),
      tokenUrl: httpUrl,
      scope: z.string().optional(),
      audience: z.string().optional(),
      clientAuth: z.enum(["body", "basic"]).default("body"),
    })
    .describe("OAuth 2.0 client credentials (client id and secret)"),
]);

export const httpManifest = defineConnector({
  key: "http",
  name: "HTTP / REST",
  system: "generic",
  icon: "globe",
  version: "1.0.0",
  description:
    "Calls any HTTP API: any method, JSON/form/text bodies, auth presets (basic, bearer, API key, OAuth 2.0 client credentials).",
  docs: "Outbound calls go through Weft's SSRF guard: private and internal addresses are refused unless an administrator allow-lists the host. Writes carry the step's Idempotency-Key header.",
  auth: {
    type: "preset",
    config: z.object({
      baseUrl: httpUrl.optional().describe("Relative paths are resolved against it"),
      auth: HttpAuthPreset.default({ type: "none" }),
      defaultHeaders: z.record(z.string(), z.string()).default({}),
      timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
      rateLimit: rateLimitSchema.optional(),
    }),
    secrets: z.object({
      username: z.string().optional(),
      password: z.string().optional(),
      token: z.string().optional(),
      apiKey: z.string().optional(),
      clientId: z.string().optional(),
      clientSecret: z.string().optional(),
    }),
  },
  operations: {
    request: {
      kind: "action",
      name: "HTTP request",
      description: "Sends one request and returns status, headers and the (parsed) body.",
      effect: "write",
      input: z.object({
        method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]).default("GET"),
        url: z.string().min(1).describe("Absolute URL, or a path under the connection's base URL"),
        query: z
          .record(
            z.string(),
            z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]),
          )
          .optional(),
        headers: z.record(z.string(), z.string()).optional(),
        body: z.unknown().optional(),
        bodyType: z.enum(["json", "form", "text"]).default("json"),
        acceptStatus: z
          .array(z.number().int().min(100).max(599))
          .optional()
          .describe("Statuses that are not errors (default: below 400)"),
        responseType: z.enum(["auto", "json", "text"]).default("auto"),
      }),
      output: z.object({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: z.unknown() }),
    },
  },
});
