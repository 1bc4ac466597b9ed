// Child processes of the benchmarks: the production web and worker started as a user would (each in its own
// process group, so stopping one stops what it spawned), waited for until a line of output says it is ready.
import { spawn, type ChildProcess } from "node:child_process";

/** `node --import tsx <args>` in its own process group; resolves once its output matches `ready`. */
export function startProcess(
  args: string[],
  env: Record<string, string | undefined>,
  ready: RegExp,
  label: string,
): Promise<ChildProcess> {
  const p = spawn(process.execPath, ["--import", "tsx", ...args], {
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let tail = "";
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000);
      if (process.env.BENCH_VERBOSE) process.stdout.write(d);
      if (ready.test(tail)) resolve(p);
    };
    p.stdout!.on("data", onData);
    p.stderr!.on("data", onData);
    p.once("exit", (code) => reject(new Error(`${label} exited with ${code}:\n${tail}`)));
  });
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when it has exited. */
export async function stopProcess(p: ChildProcess, graceMs = 15_000): Promise<void> {
  if (p.exitCode !== null) return;
  const exited = new Promise((r) => p.once("exit", r));
  try {
    process.kill(-p.pid!, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-p.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
