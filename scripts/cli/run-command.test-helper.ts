// Runs one `weft` command in process, as the CLI would, capturing what it prints and its exit status.
import { Command } from "commander";
import { vi } from "vitest";

export async function runCommand(
  register: (program: Command) => void,
  ...args: string[]
): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  process.exitCode = undefined;
  const program = new Command("weft").exitOverride();
  register(program);
  try {
    await program.parseAsync(["node", "weft", ...args]);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  const code = typeof process.exitCode === "number" ? process.exitCode : 0;
  process.exitCode = undefined;
  return { out: out.join("\n"), err: err.join("\n"), code };
}
