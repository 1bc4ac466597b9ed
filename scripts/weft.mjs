#!/usr/bin/env node
// `weft` bin: runs the TypeScript CLI through tsx (installed as a dependency).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsx = path.join(path.dirname(require.resolve("tsx/package.json")), "dist/cli.mjs");
// tsx finds tsconfig.json (and so the "@/" alias) from the working directory: name Weft's own, so the CLI
// works from any folder (a flows repository, a CI job).
const tsconfig = path.join(here, "..", "tsconfig.json");
const r = spawnSync(
  process.execPath,
  [tsx, "--tsconfig", tsconfig, path.join(here, "cli.ts"), ...process.argv.slice(2)],
  { stdio: "inherit" },
);
process.exit(r.status ?? 1);
