// weft/1 documents used by the runtime tests.
import { defaultWebhookSecret } from "../../core/dsl/defaults";
export function webhookFlow(o: {
  idempotencyKey?: string;
  secret?: string;
  key?: string;
  payloadSchema?: Record<string, unknown>;
  onInvalidPayload?: "accept" | "reject";
}): Record<string, unknown> {
  const key = o.key ?? "hook-flow";
  return {
    dsl: "weft/1",
    key,
    version: "1.0.0",
    name: key,
    description: "",
    domain: "customer",
    owner: "platform",
    classification: "internal",
    trigger: {
      type: "webhook",
      secret: o.secret ?? defaultWebhookSecret(key),
      ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
      ...(o.payloadSchema ? { payloadSchema: o.payloadSchema } : {}),
      ...(o.onInvalidPayload ? { onInvalidPayload: o.onInvalidPayload } : {}),
    },
    start: "echo",
    steps: [{ id: "echo", type: "map", output: "$trigger.body" }],
  };
}
