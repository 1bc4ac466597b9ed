// The demo workspace as demo boot makes it (scripts/dev.ts, start.ts): vendor sandboxes started, the demo
// connections pointing at them and at this database's reporting schema, then seedDemo. Close the sandboxes
// after the test.
import { startSandboxes, type StartedSandboxes } from "@/connectors/sandboxes";
import type { Db } from "../db/client";
import { seedDemo } from "../seed/demo";
import { demoConnections } from "../seed/platform-connections";
import { ensureTestSecrets } from "../runtime/testing";

export async function seedDemoWorkspace(db: Db, databaseUrl: string): Promise<{ sandboxes: StartedSandboxes; allowHosts: string[] }> {
  ensureTestSecrets(); // connection secrets are sealed with WEFT_SECRET_KEY
  const sandboxes = await startSandboxes();
  const demo = demoConnections(sandboxes.systems, databaseUrl);
  await seedDemo(db, { connections: demo.connections });
  return { sandboxes, allowHosts: demo.allowHosts };
}
