// ensureRuntimeQueues on a database whose queues were created with older options (real pg-boss): the
// options are brought to the runtime's, a removed option is cleared, a second start changes nothing, and a
// queue with the wrong policy is refused by name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { ensureRuntimeQueues, queueUpdates, QUEUES, RUN_HEARTBEAT_SECONDS, RUNTIME_QUEUE_OPTIONS } from "./queues";
import { testBoss } from "./testing";

describe("runtime queues", () => {
  let t: TestDatabase;
  let boss: PgBoss;
  beforeAll(async () => {
    t = await createTestDatabase();
    boss = await testBoss(t.url);
  });
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await t.drop();
  });

  it("updates an existing queue's options when they differ, and then leaves them alone", async () => {
    // As an older Weft created them: weft.poll without heartbeats and with other retries; weft.schedule
    // with heartbeats the runtime no longer sets.
    await boss.createQueue(QUEUES.poll, { policy: "stately", retryLimit: 2, expireInSeconds: 900 });
    await boss.createQueue(QUEUES.schedule, {
      policy: "standard",
      notify: true,
      retryLimit: 10,
      retryBackoff: true,
      retryDelayMax: 60,
      heartbeatSeconds: 30,
    });
    await ensureRuntimeQueues(boss);

    const poll = (await boss.getQueue(QUEUES.poll))!;
    expect(poll).toMatchObject({
      policy: "stately",
      heartbeatSeconds: RUN_HEARTBEAT_SECONDS,
      retryLimit: 5,
      retryDelay: 2,
      expireInSeconds: 300,
      deleteAfterSeconds: 3600,
      notify: true,
    });
    expect((await boss.getQueue(QUEUES.schedule))!.heartbeatSeconds ?? null).toBeNull();
    for (const [name, want] of Object.entries(RUNTIME_QUEUE_OPTIONS)) {
      expect(queueUpdates((await boss.getQueue(name))!, want), name).toEqual({});
    }
  });

  it("refuses to start on a queue whose policy differs, naming it", async () => {
    await boss.deleteQueue(QUEUES.event);
    await boss.createQueue(QUEUES.event, { policy: "stately" });
    await expect(ensureRuntimeQueues(boss)).rejects.toThrow(/weft\.event.*policy "stately".*"standard"/);
  });
});
