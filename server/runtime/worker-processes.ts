// Test and benchmark helper: real worker processes (scripts/worker.ts, as `npm run worker` runs it) on a test database,
// executing the kernel-level programs of testing-programs.ts against a test target. Used by the durability
// and hand-off tests and by `npm run bench:recovery`.
import "server-only";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

// import.meta, not __dirname: the benchmarks (scripts/, run by tsx as ES modules) use these workers too.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Worker {
  proc: ChildProcess;
  exited: Promise<number | null>;
}

/** Starts a worker process and resolves once it says it is running; it is added to `workers` at once. */
export function spawnWorker(
  workers: Worker[],
  opts: { url: string; targetUrl: string; env?: Record<string, string> },
): Promise<Worker> {
  // NODE_ENV and VITEST unset: the worker runs as it would in production (minus the secrets check).
  const { NODE_ENV: _nodeEnv, VITEST: _vitest, ...inherited } = process.env;
  const env: Record<string, string> = {
    ...(Object.fromEntries(
      Object.entries(inherited).filter((e): e is [string, string] => e[1] !== undefined),
    ) as Record<string, string>),
    DATABASE_URL: opts.url,
    WEFT_RUNTIME_COMPILE_MODULE: path.join(ROOT, "server/runtime/testing-programs.ts"),
    WEFT_TEST_TARGET_URL: opts.targetUrl,
    WEFT_RUNTIME_CONCURRENCY: "8",
    LOG_LEVEL: "warn",
    ...opts.env,
  };
  // As `npm run worker` runs it (node --import tsx: one process, no signal-relaying wrapper), in its own group.
  const proc = spawn(path.join(ROOT, "node_modules/.bin/node"), ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: env as unknown as NodeJS.ProcessEnv /* Next's typing demands NODE_ENV; the worker must not get one */,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const w = { proc, exited };
  workers.push(w);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${err}`)), 60_000);
    proc.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("running")) {
        clearTimeout(timer);
        resolve(w);
      }
    });
    void exited.then((code) => reject(new Error(`worker exited with ${code}: ${err}`)));
  });
}

/** SIGKILLs every worker of the list (its process group) and empties the list. */
export async function killWorkers(workers: Worker[]): Promise<void> {
  for (const w of workers.splice(0)) {
    try {
      process.kill(-w.proc.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    await w.exited;
  }
}
