// "Send test alert" over real HTTP to a local receiver: the payload arrives, the attempt is audited, a
// team without a webhook is told so, and someone outside the team is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { startListener, type TestListener } from "@/connectors/sdk/testing";
import { setTeamAlertChannel } from "./admin";
import { sendTestAlert } from "./alert-test";
import { govCtx, makeUser } from "./testing";

describe("send test alert", () => {
  let t: TestDatabase;
  let server: TestListener;
  let url: string;
  const received: unknown[] = [];
  const prev = process.env.WEFT_HTTP_ALLOWLIST;

  beforeAll(async () => {
    t = await createTestDatabase();
    server = await startListener((req, res) => {
      received.push(JSON.parse(req.body.toString()));
      res.writeHead(req.url === "/fail" ? 503 : 204).end();
    });
    url = server.base;
    // The receiver is on this machine: on the allow-list, like any internal host an admin names.
    process.env.WEFT_HTTP_ALLOWLIST = new URL(url).host;
  });
  afterAll(async () => {
    process.env.WEFT_HTTP_ALLOWLIST = prev;
    await server.close();
    await t.drop();
  });

  it("posts a marked payload to the saved webhook and audits the outcome", async () => {
    const dana = await makeUser(t.db, "dana@x.test", ["designer"], ["finance"]);
    const ctx = govCtx(t.db, dana);
    await expect(sendTestAlert(ctx, { teamKey: "finance" })).rejects.toThrow(/no webhook URL saved/);

    await setTeamAlertChannel(ctx, { teamKey: "finance", webhookUrl: `${url}/ok` });
    const r = await sendTestAlert(ctx, { teamKey: "finance" });
    expect(r).toMatchObject({ ok: true, status: 204, error: null });
    expect(received.at(-1)).toMatchObject({ type: "slo.alert.test", team: { key: "finance" }, sentBy: "dana@x.test" });

    await setTeamAlertChannel(ctx, { teamKey: "finance", webhookUrl: `${url}/fail` });
    expect(await sendTestAlert(ctx, { teamKey: "finance" })).toMatchObject({
      ok: false,
      status: 503,
      error: "HTTP 503",
    });

    const audit = await t.db.auditLog.findMany({
      where: { action: "team.alert_channel_tested" },
      orderBy: { seq: "asc" },
    });
    expect(audit.map((a) => (a.meta as { ok: boolean }).ok)).toEqual([true, false]);
  });

  it("refuses a designer of another team", async () => {
    const pat = await makeUser(t.db, "pat@x.test", ["designer"], ["pmo"]);
    await expect(sendTestAlert(govCtx(t.db, pat), { teamKey: "finance" })).rejects.toThrow(
      /Only finance's designers and approvers/,
    );
  });
});
