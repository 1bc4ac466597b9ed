// The demo workspace: the four teams of the reference firm and one account per role (demo mode only).
import "server-only";
import type { Db } from "../db/client";
import { createUser } from "../auth/users";
import type { Role } from "../../core/roles";
import { seedGovernance } from "./governance";
import { seedDemoHistory } from "./demo-history";
import { syncDemoConnections, type DemoConnection } from "./sandbox-connections";

export const DEMO_PASSWORD = "weft-demo";

export const TEAMS = [
  { key: "finance", name: "Finance" },
  { key: "pmo", name: "PMO" },
  { key: "hr", name: "HR" },
  { key: "platform", name: "Platform Engineering" },
] as const;

export const DEMO_USERS: ReadonlyArray<{ email: string; name: string; roles: Role[]; teamKeys: string[] }> = [
  { email: "admin@weft.local", name: "Ada Admin", roles: ["admin"], teamKeys: ["platform"] },
  { email: "designer@weft.local", name: "Dana Designer", roles: ["designer"], teamKeys: ["finance", "platform"] },
  { email: "approver@weft.local", name: "Arjun Approver", roles: ["approver"], teamKeys: ["finance"] },
  // PMO's approver is its resource manager: the staffing-request example's choices wait in this Inbox.
  { email: "pmo@weft.local", name: "Priya Resource Manager", roles: ["approver"], teamKeys: ["pmo"] },
  { email: "operator@weft.local", name: "Olu Operator", roles: ["operator"], teamKeys: ["finance", "pmo"] },
  { email: "viewer@weft.local", name: "Vera Viewer", roles: ["viewer"], teamKeys: ["pmo"] },
];

export async function seedTeams(database: Db): Promise<void> {
  for (const t of TEAMS) {
    await database.team.upsert({ where: { key: t.key }, update: {}, create: { key: t.key, name: t.name } });
  }
}

/**
 * Idempotent: runs on every dev start and only adds what is missing. `connections` are the demo workspace's
 * connections (platform-connections.ts demoConnections: the sandboxes this boot started, the reporting
 * database): made or re-pointed before the flows, whose versions are validated against them.
 */
export async function seedDemo(
  database: Db,
  opts: { connections?: readonly DemoConnection[] } = {},
): Promise<{ usersCreated: number; connectionsChanged: string[] }> {
  await seedTeams(database);
  let usersCreated = 0;
  for (const u of DEMO_USERS) {
    const r = await createUser(database, { ...u, password: DEMO_PASSWORD }, null);
    if (r.created) usersCreated++;
  }
  const connectionsChanged = await syncDemoConnections(database, opts.connections ?? []);
  await seedGovernance(database);
  await seedDemoHistory(database); // reference flows, a week of runs and the open exceptions (runs + exception queue)
  return { usersCreated, connectionsChanged };
}
