// Webhook trigger: the runtime's ingress (server/runtime/ingress.ts) receives the call, verifies the
// HMAC signature with the connection's signing secret, de-duplicates and starts the flow. The connector
// only declares the trigger's settings and payload shape for the designer. Browser-safe.
import { z } from "zod";
import { defineConnector } from "../sdk/define";

export const webhookManifest = defineConnector({
  key: "webhook",
  name: "Webhook",
  system: "generic",
  icon: "webhook",
  version: "1.0.0",
  description: "Starts a flow when an external system POSTs to the flow's webhook URL.",
  docs: "Senders sign the body with HMAC-SHA256 using the connection's signing secret; stale or unsigned calls are refused, duplicates (same delivery id) start one run.",
  auth: {
    type: "none",
    config: z.object({}),
    secrets: z.object({ signingSecret: z.string().min(16).optional().describe("HMAC secret shared with the sender") }),
  },
  operations: {
    receive: {
      kind: "trigger",
      trigger: { type: "webhook" },
      name: "Webhook received",
      description: "A verified call to the flow's webhook URL.",
      input: z.object({
        path: z.string().optional().describe("Optional sub-path for routing"),
        schema: z.unknown().optional().describe("JSON Schema the body must satisfy"),
      }),
      output: z.object({
        headers: z.record(z.string(), z.string()),
        body: z.unknown(),
        receivedAt: z.string(),
        deliveryId: z.string().optional(),
      }),
    },
  },
});
