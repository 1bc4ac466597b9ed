// Runs `prisma generate` without network: the CLI insists on a schema-engine binary at start-up even though
// generate never uses it, so point it at any existing file unless the caller already provides a real one.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
env.CHECKPOINT_DISABLE = "1";
const r = spawnSync("prisma", ["generate"], { stdio: "inherit", env, shell: false });
process.exit(r.status ?? 1);
