// The registry as the DSL validator and designer see it, the browser-safety of manifest files, and the
// sandboxes started together: one seed across systems, reachable only via the configured allow-list.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { connectorCatalog, connectors } from "./registry";
import { definitions, runOperation } from "./server";
import { startSandboxes, type StartedSandboxes } from "./sandboxes";
import { defaultGuard } from "./sdk/http-guard";

describe("registry", () => {
  it("ships the CRM, PSA, HRIS, ERP, data and generic connectors", () => {
    const bySystem = Object.values(connectors)
      .map((c) => `${c.system}:${c.key}`)
      .sort();
    expect(bySystem).toEqual([
      "crm:salesforce",
      "data:reporting",
      "erp:netsuite",
      "generic:http",
      "generic:postgres",
      "generic:schedule",
      "generic:webhook",
      "hris:workday",
      "psa:kantata",
    ]);
  });

  it("builds a catalog whose every operation has zod input/output that export to JSON Schema", () => {
    const cat = connectorCatalog();
    let n = 0;
    for (const c of Object.values(cat.connectors)) {
      for (const op of Object.values(c.operations)) {
        n++;
        expect(op.input).toBeInstanceOf(z.ZodType);
        // The designer renders forms and mapping trees from JSON Schema; "input" mode matches what users type.
        const js = z.toJSONSchema(op.input, { io: "input", unrepresentable: "any" }) as { type?: string };
        expect(js.type).toBe("object");
        expect(() => z.toJSONSchema(op.output, { unrepresentable: "any" })).not.toThrow();
      }
    }
    expect(n).toBeGreaterThan(45);
  });

  it("has an implementation for every action, and none for webhook/schedule triggers", () => {
    for (const m of Object.values(connectors)) {
      for (const [k, op] of Object.entries(m.operations)) {
        const handler = definitions.get(m.key)!.handlers[k];
        if (op.kind === "trigger" && op.trigger?.type !== "poll") expect(handler).toBeUndefined();
        else expect(handler, `${m.key}.${k}`).toBeTypeOf("function");
      }
    }
  });

  it("keeps manifests browser-safe: no node, undici or pg imports reachable from registry.ts", () => {
    const root = path.resolve(__dirname);
    const resolve = (from: string, spec: string) => {
      const base = path.resolve(path.dirname(from), spec);
      for (const f of [base, `${base}.ts`, path.join(base, "index.ts")])
        if (existsSync(f) && f.endsWith(".ts")) return f;
      throw new Error(`cannot resolve ${spec} from ${from}`);
    };
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, "utf8");
      // Value imports only: `import type` is erased and never reaches the bundle.
      for (const m of src.matchAll(/^import\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm)) {
        const spec = m[1]!;
        expect(spec, `${path.relative(root, file)} imports ${spec}`).not.toMatch(
          /^(node:|undici$|pg$|dns$|net$|http$|crypto$|fs$)/,
        );
        if (spec.startsWith(".")) visit(resolve(file, spec));
      }
    };
    visit(path.join(root, "registry.ts"));
    expect([...seen].map((f) => path.relative(root, f))).toEqual(
      expect.arrayContaining(["canonical/index.ts", "salesforce/manifest.ts", "sdk/define.ts", "sdk/common.ts"]),
    );
  });
});

describe("sandboxes together", () => {
  let s: StartedSandboxes;
  const saved = process.env.WEFT_HTTP_ALLOWLIST;
  beforeAll(async () => {
    s = await startSandboxes({ host: "127.0.0.1" });
  });
  afterAll(async () => {
    process.env.WEFT_HTTP_ALLOWLIST = saved;
    await s?.close();
  });
  const conn = (system: string) => {
    const info = s.systems.find((x) => x.system === system)!;
    return {
      key: `reg-${system}`,
      connectorKey: info.connectorKey,
      config: info.config as Record<string, unknown>,
      secrets: info.secrets as Record<string, string>,
    };
  };

  it("are unreachable until allow-listed by configuration, then reachable", async () => {
    process.env.WEFT_HTTP_ALLOWLIST = "";
    const e = await runOperation({
      connectorKey: "salesforce",
      operation: "limits",
      input: {},
      connection: conn("salesforce"),
      httpGuard: defaultGuard(),
    }).catch((x: unknown) => x);
    expect(e).toMatchObject({ reason: "ssrf" });
    process.env.WEFT_HTTP_ALLOWLIST = s.allowHosts.join(",");
    expect(
      await runOperation({
        connectorKey: "salesforce",
        operation: "limits",
        input: {},
        connection: conn("salesforce"),
      }),
    ).toMatchObject({ dailyApiRequests: { max: 100000 } });
  });

  it("share one firm: Salesforce accounts are NetSuite customers; Workday workers are PSA users", async () => {
    process.env.WEFT_HTTP_ALLOWLIST = s.allowHosts.join(",");
    const accounts = (await runOperation({
      connectorKey: "salesforce",
      operation: "query",
      input: { soql: "SELECT Id, Name, Customer_Number__c FROM Account" },
      connection: conn("salesforce"),
    })) as { records: Array<{ Id: string; Name: string; Customer_Number__c: string }> };
    const customers = (await runOperation({
      connectorKey: "netsuite",
      operation: "suiteql",
      input: { q: "SELECT id, entityid, companyname, externalid FROM customer" },
      connection: conn("netsuite"),
    })) as { items: Array<{ entityid: string; companyname: string; externalid: string }> };
    expect(accounts.records.length).toBeGreaterThanOrEqual(30);
    for (const a of accounts.records)
      expect(customers.items).toContainEqual(
        expect.objectContaining({ entityid: a.Customer_Number__c, companyname: a.Name, externalid: a.Id }),
      );
    const workers = (await runOperation({
      connectorKey: "workday",
      operation: "listWorkers",
      input: {},
      connection: conn("workday"),
    })) as { items: Array<{ primaryWorkEmail: string; id: string }> };
    const users = (await runOperation({
      connectorKey: "kantata",
      operation: "listUsers",
      input: { include: ["external_references"] },
      connection: conn("psa"),
    })) as {
      items: Array<{ email_address: string }>;
      included?: { external_references?: Record<string, { service_model_ref: string }> };
    };
    expect(workers.items.length).toBeGreaterThanOrEqual(80);
    expect(new Set(users.items.map((u) => u.email_address))).toEqual(
      new Set(workers.items.map((w) => w.primaryWorkEmail)),
    );
    const wids = new Set(Object.values(users.included?.external_references ?? {}).map((r) => r.service_model_ref));
    for (const w of workers.items) expect(wids.has(w.id)).toBe(true);
  });
});
