// The firm simulator against the demo runtime, for tests: the demo workspace running (startDemoRuntime), Weft's
// webhook ingress on real HTTP for the sandboxes' pushes, and the reference flows' triggers activated as the dev
// server does for its background simulation (server/seed/demo-simulation.ts) — the Kantata approval push and
// the Salesforce poll "from now" — with the poll every second, plus optionally the Salesforce CDC push twin —
// and the simulator's hooks into Weft: the invoicing schedule on the simulated clock, and an outage held on until
// what it met has settled (docs/simulator.md "Weft on the simulated clock").
import "server-only";
import { sandboxTargets, VendorApis } from "@/connectors/sandbox-kit/simulate/vendors";
import { resolveConnection } from "../connections/service";
import { loadPublishedFlow } from "../runtime/flow-source";
import { activatePoll } from "../runtime/poll";
import { DEMO_POLL_FLOW, DEMO_PUSH_FLOW } from "../seed/demo-simulation";
import { KANTATA_WEBHOOK_CONNECTION_KEY } from "../seed/platform-connections";
import { simulatedSchedules, type SlotHooks } from "../runtime/simulated-schedules";
import { simulatedStaffingDecisions, type SimChoice } from "../runtime/simulated-tasks";
import { DEMO_RESOURCE_MANAGER, demoScheduledFlows } from "../seed/demo-simulation";
import { DEMO_STAFFING_FLOW } from "../seed/approvals";
import type { TestDatabase } from "./db";
import { startDemoRuntime, type DemoRuntime } from "./demo";
import { startHookServer, type HookServer } from "./hooks";

export interface SimulationRuntime {
  rt: DemoRuntime;
  hooks: HookServer;
  /** The sandboxes' vendor and admin APIs (also the simulator's `targets`). */
  api: VendorApis;
  /** Subscribes the pushes and activates the poll; call right before simulating. */
  activateTriggers(o?: { salesforceCdc?: boolean }): Promise<void>;
  /**
   * The simulator's `clock`: fires the demo's scheduled flows (the invoicing batch, the shipped reconciliations) at
   * their simulated times, with `hooks` around each slot.
   */
  clock(from: string, hooks?: SlotHooks): Promise<(simulatedAt: string) => Promise<void>>;
  /**
   * Until every deal won in Salesforce since `since` reached the project set-up flow and no run is under way
   * (the simulator's `beforeOutageEnd`, and the end of a simulation); throws after `ms`.
   */
  quiet(since: number, ms?: number): Promise<void>;
  /**
   * The simulator's `decideTasks`: PMO's resource manager (DEMO_RESOURCE_MANAGER) decides the open staffing choices in
   * Weft's Inbox as the simulator's judgement says (server/runtime/simulated-tasks.ts).
   */
  decideTasks(
    simulatedAt: string,
    decide: (requestId: string, offered: readonly string[]) => SimChoice,
    raised: readonly string[],
  ): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimulationRuntime(t: TestDatabase): Promise<SimulationRuntime> {
  const rt = await startDemoRuntime(t);
  const hooks = await startHookServer({ pool: rt.pool, boss: rt.boss });
  const api = new VendorApis(
    sandboxTargets((system) => rt.sandboxes.systems.find((x) => x.system === system)!.baseUrl),
  );
  const staffing = simulatedStaffingDecisions(
    { db: t.db, boss: rt.boss, pool: rt.pool },
    { flowKey: DEMO_STAFFING_FLOW, approverEmail: DEMO_RESOURCE_MANAGER },
  );
  const secret = async (key: string) => (await resolveConnection(t.db, key)).secrets.signingSecret as string;
  return {
    rt,
    hooks,
    api,
    activateTriggers: async (o = {}) => {
      if (o.salesforceCdc)
        await api.admin("salesforce", "POST", "subscriptions", {
          url: hooks.url("salesforce-cdc-opportunity-won"),
          secret: await secret("salesforce-cdc-webhook"),
          events: ["OpportunityChangeEvent"],
          retryDelayMs: 100,
        });
      await api.admin("psa", "POST", "subscriptions", {
        url: hooks.url(DEMO_PUSH_FLOW),
        secret: await secret(KANTATA_WEBHOOK_CONNECTION_KEY),
        events: ["time_entry:approved"],
        retryDelayMs: 100,
      });
      // Activated "from now", as an operator would, polling every second (the worker's tick sends the jobs): the
      // won deals, and the resource requests the simulated project managers raise.
      for (const key of [DEMO_POLL_FLOW, DEMO_STAFFING_FLOW]) {
        const poll = await loadPublishedFlow(rt.pool, key, { fresh: true });
        await activatePoll(rt.pool, { flowId: poll!.flowId, from: new Date(), actorId: null, intervalSeconds: 1 });
      }
    },
    clock: async (from, hooks) => {
      const schedules = await simulatedSchedules(rt.pool, rt.boss, { flowKeys: demoScheduledFlows(), from, hooks });
      return async (at) => void (await schedules.advance(at));
    },
    quiet: async (since, ms = 150_000) => {
      const until = Date.now() + ms;
      for (;;) {
        const won = (await api.records("salesforce", "Opportunity")).filter(
          (o) => o.StageName === "Closed Won" && Date.parse(String(o.SystemModstamp)) >= since,
        );
        const { rows } = await rt.pool.query<{ setups: string[]; open: number }>(
          `SELECT coalesce(array_agg(r.input->>'opportunityId') FILTER (WHERE f.key = 'opportunity-won-to-project'), '{}') AS setups,
                  count(*) FILTER (WHERE r.status IN ('queued','running','waiting'))::int AS open
             FROM run r JOIN flow f ON f.id = r.flow_id`,
        );
        const setups = new Set(rows[0]!.setups);
        if (rows[0]!.open === 0 && won.every((o) => setups.has(String(o.Id)))) return;
        if (Date.now() > until) throw new Error(`not quiet after ${ms} ms: ${rows[0]!.open} run(s) under way`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    decideTasks: async (_at, decide, raised) => void (await staffing(decide, raised)),
    stop: async () => {
      await hooks.close();
      await rt.stop();
    },
  };
}
