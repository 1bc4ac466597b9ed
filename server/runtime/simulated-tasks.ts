// People deciding their Inbox tasks on a simulated clock (the firm simulator's `decideTasks` hook,
// docs/simulator.md): at the simulated instant the simulator names, PMO's resource manager decides every open
// staffing choice through the task service — the same decideTask the Inbox and the API call, with its checks,
// audit and resume — choosing as the simulator's seeded judgement says. It waits for what it decides on to be
// ready (each request raised has its run parked at the choice) and for the resumed runs to finish, so the
// bookings are in the vendors before the simulated day goes on.
import "server-only";
import type { PgBoss } from "pg-boss";
import type { Db } from "../db/client";
import type { Pool } from "./sql";
import { decideTask, listTasks, type TaskActor } from "../tasks/service";

export type SimChoice = { candidate: string } | { reject: string };

/**
 * The hook: `decide(requestId, offered)` is the person's judgement; `raised` the Kantata ids of the requests
 * raised so far (each must have reached the flow first). Answers the number of tasks decided.
 */
export function simulatedStaffingDecisions(
  deps: { db: Db; boss: PgBoss; pool: Pool },
  /** The staffing flow, the email of the person deciding its choices, how long to wait for its runs (real ms). */
  o: { flowKey: string; approverEmail: string; timeoutMs?: number },
) {
  const flowKey = o.flowKey;
  let actor: TaskActor | undefined;
  const wait = async (what: string, ready: () => Promise<boolean>) => {
    const until = Date.now() + (o.timeoutMs ?? 120_000);
    while (!(await ready())) {
      if (Date.now() > until) throw new Error(`simulated staffing decisions: ${what} not ready in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const runs = async (ids: readonly string[]) =>
    (
      await deps.pool.query<{ id: string; request: string; status: string }>(
        `SELECT r.id::text AS id, r.input->>'id' AS request, r.status::text AS status
           FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = $1 AND r.input->>'id' = ANY($2::text[])`,
        [flowKey, ids],
      )
    ).rows;

  return async (
    decide: (requestId: string, offered: readonly string[]) => SimChoice,
    raised: readonly string[],
  ): Promise<number> => {
    if (!raised.length) return 0;
    if (!actor) {
      const u = await deps.db.user.findUniqueOrThrow({
        where: { email: o.approverEmail },
        include: { memberships: true },
      });
      actor = { id: u.id, email: u.email, roles: u.roles, teamIds: u.memberships.map((m) => m.teamId) };
    }
    // Every request raised has a run (the poll found it) and none is still working towards its choice.
    await wait("the staffing runs", async () => {
      const r = await runs(raised);
      return (
        raised.every((id) => r.some((x) => x.request === id)) &&
        r.every((x) => !["queued", "running"].includes(x.status))
      );
    });
    // Only the choices of the requests the simulation raised (the demo's own open choice stays for a person).
    const requestOf = (t: { businessKeys: Record<string, unknown>; title: string | null }) =>
      String(t.businessKeys.request ?? /\(request (\w+)\)/.exec(t.title ?? "")?.[1] ?? "");
    const tasks = (await listTasks(deps.db, actor, { flowKey })).filter((t) => raised.includes(requestOf(t)));
    for (const t of tasks) {
      const props = (t.form?.properties ?? {}) as { candidate?: { enum?: string[] } };
      const requestId = requestOf(t);
      const choice = decide(requestId, props.candidate?.enum ?? []);
      await decideTask(
        { db: deps.db, boss: deps.boss },
        actor,
        t.id,
        "candidate" in choice
          ? { decision: "approve-with-changes", fields: { candidate: choice.candidate } }
          : { decision: "reject", comment: choice.reject },
      );
    }
    // The resumed runs booked (or noted the rejection) before the day goes on.
    const decided = new Set(tasks.map((t) => t.runId));
    if (decided.size)
      await wait("the decided runs", async () =>
        (await runs(raised)).filter((x) => decided.has(x.id)).every((x) => ["succeeded", "failed"].includes(x.status)),
      );
    return tasks.length;
  };
}
