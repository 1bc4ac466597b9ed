// Flow programs written directly against the kernel, loaded by worker *processes* in tests through
// WEFT_RUNTIME_COMPILE_MODULE (they cannot receive a function). The DSL interpreter replaces them once
// flows can be written in the DSL; the durability under test (kernel, queue, checkpoints) is the same.
import "server-only";
import type { Compile } from "./engine/run";

/**
 * "chain": `steps` effectful calls to WEFT_TEST_TARGET_URL, each with its idempotency key and a map after it.
 * "bench5": the benchmark's flow — webhook → map → call → map → emit.
 */
export const compile: Compile = (dsl) => {
  const d = dsl as { program?: string; steps?: number };
  const target = process.env.WEFT_TEST_TARGET_URL ?? "";
  if (d.program === "bench5") return bench5(target);
  return {
    businessKeys: async (input) => ({ orderId: (input as { orderId?: string } | null)?.orderId ?? null }),
    execute: async (k, env) => {
      let last: unknown = env.run.input;
      for (let i = 1; i <= (d.steps ?? 3); i++) {
        const step = `s${i}`;
        const before = last;
        last = await k.step(
          {
            path: step,
            stepId: step,
            type: "call",
            effectful: true,
            retry: {
              on: ["transient"],
              maxAttempts: 5,
              initialDelayMs: 200,
              backoffRate: 2,
              maxDelayMs: 5000,
              jitter: "full",
            },
          },
          async ({ idempotencyKey, signal }) => {
            const res = await fetch(`${target}/effect`, {
              method: "POST",
              headers: { "idempotency-key": idempotencyKey, "x-step": step, "content-type": "application/json" },
              body: JSON.stringify(before),
              signal,
            });
            if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
            return res.json() as Promise<unknown>;
          },
        );
        last = await k.pure({ path: `${step}.map`, stepId: `${step}.map`, type: "map" }, () => ({
          after: step,
          prev: last,
        }));
      }
      return last;
    },
  };
};

function bench5(target: string): ReturnType<Compile> {
  return {
    businessKeys: async (input) => ({ orderId: (input as { orderId?: string } | null)?.orderId ?? null }),
    execute: async (k, env) => {
      const raw = env.run.input as { body?: unknown };
      const input = (raw.body ?? raw) as { orderId: string; amount: number; lines?: unknown[] };
      const order = await k.pure({ path: "toOrder", stepId: "toOrder", type: "map" }, () => ({
        externalId: input.orderId,
        total: input.amount,
        currency: "EUR",
      }));
      const created = (await k.step(
        {
          path: "post",
          stepId: "post",
          type: "call",
          effectful: true,
          retry: {
            on: ["transient"],
            maxAttempts: 3,
            initialDelayMs: 200,
            backoffRate: 2,
            maxDelayMs: 5000,
            jitter: "full",
          },
        },
        async ({ idempotencyKey, signal }) => {
          const res = await fetch(`${target}/effect`, {
            method: "POST",
            headers: { "idempotency-key": idempotencyKey, "x-step": "post", "content-type": "application/json" },
            body: JSON.stringify(order),
            signal,
          });
          if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
          return res.json() as Promise<{ id: string }>;
        },
      )) as { id: string };
      const event = await k.pure({ path: "toEvent", stepId: "toEvent", type: "map" }, () => ({
        orderId: input.orderId,
        invoiceId: created.id,
      }));
      await k.emit({ path: "done", stepId: "done", type: "emit" }, "bench.order.posted", event);
      return event;
    },
  };
}
