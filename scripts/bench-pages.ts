// `npm run bench:pages`: every page of the navigation as a user waits for it, in a real browser (Debian's
// Chromium through playwright-core, as the e2e tests). A benchmark, not a test: figures go to
// docs/benchmarks.md (## Pages).
//
// The production build (reused; `npm run build` first, or --build) in demo mode (`npm start` with WEFT_DEMO=1)
// on a throwaway database (DATABASE_URL's server, else 127.0.0.1:5432), the demo workspace seeded at boot;
// --scale N inserts the demo week of runs N − 1 more times (scripts/lib/bench-scale.ts). Signs in as the demo
// admin (the audit page needs admin), visits each page once to warm it, then --visits N times (default 5):
//   server: the document's time to first byte, and the slowest tRPC request the page makes (its TTFB, which
//           is the server's time on localhost), with that request's procedures
//   ready:  navigation start → the page's data is on screen (its marker element visible and no tRPC request
//           in flight for 200 ms, that quiet window not counted)
// --log-slow MS has Postgres log this database's statements slower than MS. --dev: instead, the newcomer's wait — `npm run dev` (scripts/dev.ts) on a fresh build folder and database:
// time to the sign-in page, then signed in, to the designer's canvas and the main pages (each compiled on
// first visit unless the dev server warmed it).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { chromium, type Page, type Response } from "playwright-core";
import { runMain } from "./lib/boot";
import { startProcess, stopProcess } from "./lib/processes";

/** A child's environment (Next's types make NODE_ENV required in NodeJS.ProcessEnv; children choose their own). */
type Env = Record<string, string | undefined>;
import { benchDatabase } from "./lib/bench-db";
import { scaleDemoHistory, scaleOpenExceptions, scaleWorkspace } from "./lib/bench-scale";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const VISITS = Number(flag("visits") ?? 5);
const SCALE = Number(flag("scale") ?? 1);
const OPEN_EXCEPTIONS = Number(flag("open-exceptions") ?? 0);
const ONLY = flag("only")?.split(",");
const DEV = process.argv.includes("--dev");
const BUILD = process.argv.includes("--build");
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]! : NaN;
};

interface Visit {
  /** Baseline in the same moment: the cheapest authenticated tRPC call (session.me), so load can be told apart. */
  floor: number;
  ttfb: number;
  slowestTrpc: number;
  slowestProcs: string;
  ready: number;
}

/** One timed visit: a full navigation, then the page's marker and tRPC quiet. */
async function visit(page: Page, url: string, marker: string | null): Promise<Visit> {
  const inflight = new Set<string>();
  let lastEnd = 0;
  let slowest = 0;
  let slowestProcs = "";
  const reqKeys = new Map<object, string>();
  const onReq = (r: import("playwright-core").Request) => {
    if (!r.url().includes("/api/trpc/")) return;
    const k = r.url() + performance.now();
    reqKeys.set(r, k);
    inflight.add(k);
  };
  const onDone = (r: import("playwright-core").Request) => {
    const k = reqKeys.get(r);
    if (!k) return;
    inflight.delete(k);
    lastEnd = performance.now();
  };
  const onResponse = (res: Response) => {
    const u = res.url();
    if (!u.includes("/api/trpc/")) return;
    const t = res.request().timing();
    const server = t.responseStart - Math.max(t.requestStart, 0);
    if (server > slowest) {
      slowest = server;
      slowestProcs = decodeURIComponent(new URL(u).pathname.replace("/api/trpc/", ""));
    }
  };
  page.on("request", onReq);
  page.on("requestfinished", onDone);
  page.on("requestfailed", onDone);
  page.on("response", onResponse);
  const t0 = performance.now();
  await page.goto(url, { waitUntil: "load" });
  if (marker) await page.locator(marker).first().waitFor({ state: "visible", timeout: 60_000 });
  const markerAt = performance.now();
  // tRPC quiet: nothing in flight for 200 ms (a query started by a render after the marker counts too)
  for (let quietSince = performance.now(); ;) {
    await page.waitForTimeout(25);
    if (inflight.size) quietSince = performance.now();
    else if (performance.now() - quietSince >= 200) break;
    if (performance.now() - t0 > 60_000) break;
  }
  const ttfb = await page.evaluate(() => {
    const n = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    return n.responseStart - n.requestStart;
  });
  page.off("request", onReq);
  page.off("requestfinished", onDone);
  page.off("requestfailed", onDone);
  page.off("response", onResponse);
  const f0 = performance.now();
  await page.request.get(`${new URL(url).origin}/api/trpc/session.me`);
  const floor = performance.now() - f0;
  return { floor, ttfb, slowestTrpc: slowest, slowestProcs, ready: Math.max(markerAt, lastEnd) - t0 };
}

async function signIn(page: Page, base: string, email: string, timeout = 300_000): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("weft-demo");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/flows$/, { timeout });
}

async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
  });
}

runMain(async () => {
  process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
  if (DEV) return newcomer();
  const load0 = loadavg();
  if (BUILD || !existsSync(".next/BUILD_ID")) {
    console.log("building (next build)…");
    await new Promise<void>((resolve, reject) =>
      spawn(process.execPath, [path.resolve("node_modules/next/dist/bin/next"), "build"], {
        stdio: "inherit",
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      }).once("exit", (c) => (c === 0 ? resolve() : reject(new Error(`next build exited with ${c}`)))),
    );
  }
  const database = await benchDatabase("weft_bench_pages");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "weft-bench-pages-"));
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const { NODE_ENV: _nodeEnv, ...inherited } = process.env;
  const env: Env = {
    ...inherited,
    DATABASE_URL: database.url,
    PORT: String(port),
    WEFT_DEMO: "1",
    WEFT_DATA_DIR: dataDir,
    WEFT_SIGNIN_PER_MINUTE: "10000",
    LOG_LEVEL: "warn",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  let server: ChildProcess | null = null;
  const db = new pg.Pool({ connectionString: database.url, max: 4 });
  db.on("error", () => undefined);
  try {
    // --log-slow MS: the server logs each statement of this database slower than MS (where its log goes:
    // `SHOW log_destination`), for finding which query a slow page waits on.
    if (flag("log-slow"))
      await db.query(
        `ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" SET log_min_duration_statement = ${Number(flag("log-slow"))}`,
      );
    server = await startProcess(["scripts/start.ts"], env, /web listening/, "scripts/start.ts");
    if (SCALE > 1) {
      const t = Date.now();
      const r = await scaleDemoHistory(db, SCALE);
      const w = await scaleWorkspace(db, SCALE);
      await db.query("ANALYZE");
      console.log(
        `--scale ${SCALE}: inserted ${r.runs} runs, ${r.steps} steps, ${r.exceptions} exceptions, ${w.versions} older flow versions, ${w.audit} audit entries in ${((Date.now() - t) / 1000).toFixed(0)} s`,
      );
    }
    if (OPEN_EXCEPTIONS > 0) {
      const t = Date.now();
      const r = await scaleOpenExceptions(db, OPEN_EXCEPTIONS);
      console.log(
        `--open-exceptions ${OPEN_EXCEPTIONS}: copied ${r.exceptions} open exceptions with their runs (${r.test} in the test environment) in ${((Date.now() - t) / 1000).toFixed(0)} s`,
      );
    }
    const one = async <T extends pg.QueryResultRow>(q: string) => (await db.query<T>(q)).rows[0];
    const flow = await one<{ key: string }>(
      `SELECT f.key FROM flow f WHERE EXISTS (SELECT 1 FROM run r WHERE r.flow_id = f.id) ORDER BY f.key LIMIT 1`,
    );
    const runRow = await one<{ id: string }>(`SELECT id::text FROM run ORDER BY created_at DESC LIMIT 1`);
    const exc = await one<{ id: string }>(
      `SELECT id::text FROM exception WHERE status = 'open' ORDER BY created_at DESC LIMIT 1`,
    );
    const counts = await one<{ runs: number; steps: number; exceptions: number; audit: number; versions: number }>(
      `SELECT (SELECT count(*)::int FROM run) AS runs, (SELECT count(*)::int FROM step_run) AS steps,
              (SELECT count(*)::int FROM exception) AS exceptions, (SELECT count(*)::int FROM audit_log) AS audit, (SELECT count(*)::int FROM flow_version) AS versions`,
    );
    // [name, path, marker, user]: the demo admin unless a user is named (an operator's exception queue opens on
    // production, the admin's on every environment).
    const pages: Array<[string, string, string | null, string?]> = [
      ["Flows", "/flows", "main table tbody tr"],
      ["Designer", `/flows/${flow!.key}`, '[data-testid="canvas-node"]'],
      ["Catalog", "/catalog", "main table tbody tr"],
      ["Catalog: a flow", `/catalog/${flow!.key}`, "main h1"],
      ["Lineage", "/catalog/lineage", "main svg, main [data-testid], main table"],
      ["Event contracts", "/catalog/events", "main table tbody tr, main li"],
      ["Domains", "/catalog/domains", "main h1"],
      ["Runs", "/runs", "main table tbody tr"],
      ["A run", `/runs/${runRow!.id}`, "main h1"],
      ["Exceptions", "/exceptions", "main h1"],
      ["Exceptions, operator (production)", "/exceptions", "main h1", "operator@weft.local"],
      ["An exception", `/exceptions/${exc!.id}`, "main h1"],
      ["An exception, operator", `/exceptions/${exc!.id}`, "main h1", "operator@weft.local"],
      ["Reconciliation", "/reconciliation", "main h1"],
      ["Business", "/business", "main h1"],
      ["Connections", "/connections", "main h1"],
      ["Audit", "/audit", "main table tbody tr"],
      ["Settings", "/settings", "main h1"],
    ];
    const browser = await launch();
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const admin = await ctx.newPage();
    await signIn(admin, base, "admin@weft.local");
    const others = new Map<string, Page>();
    const pageAs = async (email: string | undefined): Promise<Page> => {
      if (!email) return admin;
      let p = others.get(email);
      if (!p) {
        p = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
        await signIn(p, base, email);
        others.set(email, p);
      }
      return p;
    };
    console.log(
      `weft pages benchmark — ${os.cpus().length} CPUs, Node ${process.version}, ${database.where}; demo data${SCALE > 1 ? ` × ${SCALE}` : ""}: ${counts!.runs} runs, ${counts!.steps} steps, ${counts!.exceptions} exceptions, ${counts!.versions} flow versions, ${counts!.audit} audit entries; ${VISITS} warm visits per page; load average ${load0}`,
    );
    console.log(
      "\n| page | document TTFB p50 / p95 ms | slowest tRPC p50 / p95 ms | its procedures | ready p50 / p95 ms | slowest tRPC ÷ session.me (p50) |",
    );
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const [name, url, marker, user] of pages) {
      if (ONLY && !ONLY.some((o) => name.toLowerCase().includes(o.toLowerCase()))) continue;
      const page = await pageAs(user);
      await visit(page, base + url, marker).catch(() => undefined); // warm: this page's code and caches
      const vs: Visit[] = [];
      for (let i = 0; i < VISITS; i++) vs.push(await visit(page, base + url, marker));
      const f = (xs: number[]) => `${pct(xs, 0.5).toFixed(0)} / ${pct(xs, 0.95).toFixed(0)}`;
      const procs = [...new Set(vs.map((v) => v.slowestProcs))].join("; ").slice(0, 120);
      console.log(
        `| ${name} | ${f(vs.map((v) => v.ttfb))} | ${f(vs.map((v) => v.slowestTrpc))} | ${procs} | ${f(vs.map((v) => v.ready))} | ${(
          pct(
            vs.map((v) => v.slowestTrpc),
            0.5,
          ) /
          pct(
            vs.map((v) => v.floor),
            0.5,
          )
        ).toFixed(1)} |`,
      );
    }
    if (!ONLY || ONLY.some((o) => "draft save".includes(o.toLowerCase()))) {
      // A designer's autosave: flows.saveDraft of the current draft, as the designer sends it, from this session.
      const get = await admin.request.get(
        `${base}/api/trpc/flows.get?input=${encodeURIComponent(JSON.stringify({ json: { flowKey: flow!.key } }))}`,
      );
      const got = ((await get.json()) as { result: { data: { json: { draft: object; draftRevision: number } } } })
        .result.data.json;
      let revision = got.draftRevision;
      const times: number[] = [];
      for (let i = 0; i < VISITS + 1; i++) {
        const t = performance.now();
        const r = await admin.request.post(`${base}/api/trpc/flows.saveDraft`, {
          headers: { "content-type": "application/json", origin: base },
          data: { json: { flowKey: flow!.key, baseRevision: revision, draft: got.draft } },
        });
        if (!r.ok()) throw new Error(`saveDraft: ${r.status()} ${await r.text()}`);
        revision = ((await r.json()) as { result: { data: { json: { draftRevision: number } } } }).result.data.json
          .draftRevision;
        if (i > 0) times.push(performance.now() - t); // the first warms the procedure
      }
      console.log(
        `| Draft save (flows.saveDraft) | — | ${pct(times, 0.5).toFixed(0)} / ${pct(times, 0.95).toFixed(0)} | flows.saveDraft | — | — |`,
      );
    }
    console.log(`\nload average at end ${loadavg()}`);
    await browser.close();
  } finally {
    if (server) await stopProcess(server);
    await db.end();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
  process.exit(0);
});

/**
 * CPU seconds used so far by a process group (the dev server and what it started: Turbopack runs in its
 * process, PostCSS in a child): on a shared machine wall-clock time mostly measures the others' load, the
 * CPU a step took does not.
 */
function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100; // CLK_TCK is 100 on Linux
}

/** The newcomer's wait: `npm run dev` on a fresh build folder and database → sign-in page → designer canvas. */
async function newcomer(): Promise<void> {
  const load0 = loadavg();
  const database = await benchDatabase("weft_bench_dev");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "weft-bench-dev-"));
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const { NODE_ENV: _nodeEnv, ...inherited } = process.env;
  const env: Env = {
    ...inherited,
    DATABASE_URL: database.url,
    PORT: String(port),
    WEFT_DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const t0 = performance.now();
  let server: ChildProcess | null = null;
  const at = () =>
    `${((performance.now() - t0) / 1000).toFixed(1)} s (dev server CPU ${server?.pid ? groupCpuSeconds(server.pid).toFixed(1) : "?"} s, load ${os.loadavg()[0]!.toFixed(1)})`;
  try {
    server = await startProcess(["scripts/dev.ts"], env, /Weft is running/, "scripts/dev.ts");
    console.log(`dev server listening after ${at()} (load average at start ${load0})`);
    const browser = await launch();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // Long timeouts: on a shared 2-core machine a cold compile can take many minutes of wall time.
    await page.goto(`${base}/login`, { timeout: 1_800_000 });
    await page.getByLabel("Email").waitFor({ timeout: 1_800_000 });
    console.log(`sign-in page after ${at()}`);
    page.setDefaultTimeout(1_800_000);
    await signIn(page, base, "designer@weft.local", 1_800_000);
    console.log(`signed in (flow list) after ${at()}`);
    const flowKey = (
      await new pg.Pool({ connectionString: database.url, max: 1 })
        .query<{ key: string }>(`SELECT key FROM flow ORDER BY key LIMIT 1`)
        .then((r) => r.rows[0]!)
    ).key;
    await page.goto(`${base}/flows/${flowKey}`, { timeout: 1_800_000 });
    await page.locator('[data-testid="canvas-node"]').first().waitFor({ timeout: 1_800_000 });
    console.log(`designer canvas after ${at()}`);
    for (const p of ["/runs", "/exceptions", "/catalog"]) {
      const t = performance.now();
      const cpu = groupCpuSeconds(server.pid!);
      await page.goto(base + p, { timeout: 1_800_000 });
      await page.locator("main h1").first().waitFor({ timeout: 1_800_000 });
      console.log(
        `${p} first visit ${((performance.now() - t) / 1000).toFixed(1)} s (dev server CPU ${(groupCpuSeconds(server.pid!) - cpu).toFixed(1)} s)`,
      );
    }
    console.log(`load average at end ${loadavg()}`);
    await browser.close();
  } finally {
    if (server) await stopProcess(server);
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
    // dev.ts's own build folder and tsconfig for a port other than 3000 (a fresh one each time: a cold start)
    await rm(`.next-${port}`, { recursive: true, force: true });
    await rm(`tsconfig.dev-${port}.json`, { force: true });
  }
  process.exit(0);
}
