// Demo mode only: what the demo workspace offers beyond the product. Registered in the app router only when
// the process starts in demo mode (server/api/root.ts), so a production server has no such procedure.
import "server-only";
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import { webBoss } from "../../queue/boss";
import { injectSandboxFaults } from "../../seed/governance";
import { demoSimulationStatus } from "../../seed/demo-simulation";

export const demoRouter = createTRPCRouter({
  /** The dev server's background firm simulation (server/seed/demo-simulation.ts): null when none ran. */
  simulation: procedure("viewer").query(() => demoSimulationStatus()),
  /**
   * Faults the vendor sandbox behind the flow's first call step and starts real runs of its published
   * version, which fail once their retries are exhausted (the SLO job then folds them).
   */
  injectFaults: procedure("admin")
    .input(z.object({ flowKey: z.string().min(1).max(128), count: z.number().int().min(1).max(200).default(40) }))
    .mutation(async ({ ctx, input }) => {
      const r = await injectSandboxFaults(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.flowKey,
        input.count,
      );
      await ctx.db.$transaction((tx) =>
        ctx.audit(tx, { action: "slo.sandbox_faults_injected", entityType: "flow", entityId: input.flowKey, meta: r }),
      );
      return r;
    }),
});
