// `npm run simulate [-- --days 7 --speed 2880 --seed 1 --from 2026-05-18]`: a consulting firm at work over
// simulated days, driving the vendor sandboxes over their APIs (connectors/sandbox-kit/simulate; what it
// does: docs/simulator.md). Targets, in order of precedence: --salesforce/--psa/--workday/--netsuite URLs;
// --dev [web port] for the dev server's sandboxes (web port + 1000…1003, as scripts/lib/demo-sandboxes.ts
// starts them); otherwise sandboxes of its own on free ports (--keep leaves them running afterwards).
import { startSandboxes, type StartedSandboxes } from "../connectors/sandboxes";
import { simulate } from "../connectors/sandbox-kit/simulate/drive";
import { SIM_DEFAULT_FROM, validateSimOptions } from "../connectors/sandbox-kit/simulate/plan";
import {
  SANDBOX_SYSTEMS as SYSTEMS,
  sandboxTargets,
  type SandboxTargets,
} from "../connectors/sandbox-kit/simulate/vendors";

// Sets the status and lets the process end by itself once the sandboxes are closed: output drains first.
const exitWhenFlushed = (code: number) => {
  process.exitCode = code;
};
const VALUED = ["days", "speed", "seed", "from", "outage-seconds", "dev", ...SYSTEMS];
const FLAGS = ["keep", "help"];

function parse(argv: string[]): { opts: Record<string, string>; problems: string[] } {
  const opts: Record<string, string> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.replace(/^--/, "");
    if (!a.startsWith("--") || ![...VALUED, ...FLAGS].includes(name)) {
      problems.push(`${a}: unknown option (options: ${[...VALUED, ...FLAGS].map((o) => `--${o}`).join(" ")})`);
      if (a.startsWith("--") && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) i++; // its value
      continue;
    }
    if (FLAGS.includes(name)) opts[name] = "1";
    else if (name === "dev" && (argv[i + 1] === undefined || argv[i + 1]!.startsWith("--"))) opts.dev = "";
    else if (argv[i + 1] === undefined) problems.push(`${a}: needs a value`);
    else opts[name] = argv[++i]!;
  }
  return { opts, problems };
}

const { opts, problems } = parse(process.argv.slice(2));
if (opts.help) {
  process.stdout.write(
    "npm run simulate -- [--days 7] [--speed 2880|max] [--seed 1] [--from YYYY-MM-DD] [--outage-seconds 0] [--dev [webPort] | --salesforce URL --psa URL --workday URL --netsuite URL] [--keep]\n",
  );
  exitWhenFlushed(0);
} else {
  const speed = opts.speed === undefined ? 2880 : opts.speed === "max" ? Infinity : Number(opts.speed);
  if (!(speed > 0)) problems.push('--speed: a positive number (simulated seconds per real second) or "max"');
  const sim = {
    days: opts.days === undefined ? 7 : Number(opts.days),
    seed: opts.seed === undefined ? 1 : Number(opts.seed),
    from: opts.from ?? SIM_DEFAULT_FROM,
  };
  problems.push(...validateSimOptions(sim));
  const outageSeconds = opts["outage-seconds"] === undefined ? 0 : Number(opts["outage-seconds"]);
  if (!(outageSeconds >= 0 && outageSeconds <= 3600)) problems.push("--outage-seconds: 0 to 3600");
  const given = SYSTEMS.filter((s) => opts[s] !== undefined);
  if (given.length && given.length < SYSTEMS.length)
    problems.push(
      `give every sandbox URL or none: missing ${SYSTEMS.filter((s) => !opts[s])
        .map((s) => `--${s}`)
        .join(", ")}`,
    );
  for (const s of given)
    if (!/^https?:\/\/[^/]+/.test(opts[s]!)) problems.push(`--${s}: an http(s) URL, e.g. http://127.0.0.1:4000`);
  if (opts.dev && !/^\d+$/.test(opts.dev)) problems.push("--dev: the dev server's web port, e.g. 3000");
  if (problems.length) {
    process.stderr.write(`simulate: ${problems.join("\n          ")}\n`);
    exitWhenFlushed(2);
  } else {
    let own: StartedSandboxes | undefined;
    let targets: SandboxTargets;
    if (given.length) targets = sandboxTargets((s) => opts[s]!);
    else if (opts.dev !== undefined) {
      const base = Number(opts.dev || process.env.PORT || 3000) + 1000;
      targets = sandboxTargets((_, i) => `http://127.0.0.1:${base + i}`);
    } else {
      const mine = await startSandboxes();
      own = mine;
      targets = sandboxTargets((s) => mine.systems.find((x) => x.system === s)!.baseUrl);
      process.stdout.write(`sandboxes of its own: ${mine.systems.map((s) => `${s.system} ${s.baseUrl}`).join(", ")}\n`);
    }
    const abort = new AbortController();
    process.once("SIGINT", () => abort.abort());
    const started = Date.now();
    try {
      const r = await simulate({
        ...sim,
        speed,
        targets,
        minOutageMs: outageSeconds * 1000,
        signal: abort.signal,
        log: (l) => process.stdout.write(`${l}\n`),
      });
      process.stdout.write(
        `done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${Object.entries(r.counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}; API calls ${Object.entries(r.apiCalls)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}\n`,
      );
      if (own && opts.keep) {
        process.stdout.write("sandboxes left running (Ctrl-C to stop)\n");
        await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
      }
      await own?.close();
      exitWhenFlushed(0);
    } catch (e) {
      process.stderr.write(`simulate: ${(e as Error).message}\n`);
      await own?.close();
      exitWhenFlushed(1);
    }
  }
}
