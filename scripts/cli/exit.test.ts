// The CLI's exit path with a real pipe: a command that prints megabytes and then exits must hand all of it
// to the reader (process.exit() used to cut piped output at 64 KB, so `weft validate --json | jq` in CI
// read invalid JSON). Runs the real `weft` bin; the reader starts late so the pipe is full when the
// command finishes.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";

function weft(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/weft.mjs", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.pause();
    setTimeout(() => {
      child.stdout.on("data", (c: Buffer) => chunks.push(c));
      child.stdout.resume();
    }, 1500);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out: Buffer.concat(chunks).toString("utf8") }));
  });
}

it("weft validate --json delivers more than a megabyte whole through a pipe, with its exit status", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "weft-pipe-"));
  const file = path.join(dir, "many-problems.json");
  // 20,000 steps with an unknown setting each: one problem per step, about 6 MB of JSON.
  const steps = Array.from({ length: 20_000 }, (_, i) => ({ id: `s${i}`, type: "map", output: "$x", retires: 1 }));
  await writeFile(file, JSON.stringify({ dsl: "weft/1", key: "many", steps }));
  const r = await weft(["validate", file, "--json"]);
  expect(r.code).toBe(1);
  expect(r.out.length).toBeGreaterThan(1_000_000);
  const parsed = JSON.parse(r.out) as { ok: boolean; files: Array<{ problems: Array<{ code: string }> }> };
  expect(parsed.ok).toBe(false);
  expect(parsed.files[0]!.problems.filter((p) => p.code === "unknown-key")).toHaveLength(20_000);
}, 180_000);
