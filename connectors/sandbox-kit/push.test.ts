// A sandbox's vendor pushes across an admin reset: the reset reseeds the data and forgets past deliveries,
// but the subscriptions (the demo's Weft webhook among them) stay, so pushes keep arriving afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startListener, type TestListener } from "../sdk/testing";
import { createKantataSandbox } from "../kantata/sandbox";
import type { Sandbox } from "./server";
import type { Delivery } from "./push";

describe("sandbox push subscriptions", () => {
  let sandbox: Sandbox;
  let receiver: TestListener;
  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sandbox.baseUrl}/__sandbox/${path}`, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.ok).toBe(true);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    receiver = await startListener((_req, res) => res.writeHead(204).end());
    sandbox = createKantataSandbox().sandbox;
    await sandbox.start("127.0.0.1", 0);
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });

  it("keeps subscriptions across POST /__sandbox/reset and delivers to them afterwards", async () => {
    const { subscription } = await admin<{ subscription: { id: string } }>("POST", "subscriptions", {
      url: `${receiver.base}/hook`,
      secret: "s3cret",
      events: ["time_entry:approved"],
    });
    sandbox.push.emit("time_entry:approved", { n: 1 });
    await sandbox.push.settled();
    expect((await admin<{ deliveries: Delivery[] }>("GET", "deliveries")).deliveries).toHaveLength(1);

    await admin("POST", "reset");

    const after = await admin<{ subscriptions: Array<{ id: string; secret?: string }> }>("GET", "subscriptions");
    expect(after.subscriptions.map((s) => s.id)).toEqual([subscription.id]);
    expect(after.subscriptions[0]!.secret).toBe("(set)");
    expect((await admin<{ deliveries: Delivery[] }>("GET", "deliveries")).deliveries).toEqual([]);

    sandbox.push.emit("time_entry:approved", { n: 2 });
    await sandbox.push.settled();
    expect(receiver.received.map((r) => JSON.parse(r.body.toString()))).toEqual([{ n: 1 }, { n: 2 }]);
    expect(receiver.received[1]!.headers["x-weft-signature"]).toMatch(/^v1=/);
  });
});
