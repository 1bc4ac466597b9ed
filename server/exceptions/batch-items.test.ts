// A batch that goes on without its failed items (a foreach with toleratedFailurePercent): each failed item is an
// exception of its own with the item's business keys (itemKeys), on a run that succeeded — so an operator sees
// which record is held up and the Business page counts its money. Proves on real Postgres, pg-boss workers and
// the Salesforce sandbox: the exception's keys, impact and place; the run carries the items it processed; a
// later run processing the item resolves it (a changed amount does not block that); a replay that fixes the
// item resolves it and one that fails it again supersedes it, without repeating the items that succeeded;
// retry and skip are refused with the way out; a batch failing beyond its tolerance names the failed items on
// the run's exception; a test run opens none.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExceptionRuntime, type ExceptionRuntime } from "../testing/exceptions";
import { insertRunWithJob } from "../runtime/runs";

const FLOW = {
  dsl: "weft/1",
  key: "batch-items",
  version: "1.0.0",
  name: "Accounts in a batch",
  description: "Creates one Salesforce account per line; up to half of the lines may fail.",
  domain: "customer",
  owner: "finance",
  classification: "internal",
  trigger: { type: "manual" },
  businessKeys: { batch: "$trigger.batch" },
  start: "each",
  steps: [
    {
      id: "each",
      type: "foreach",
      items: "$trigger.lines",
      maxConcurrency: 2,
      toleratedFailurePercent: 50,
      itemKeys: { account: "$item.code", amount: "$item.amount" },
      body: {
        start: "post",
        steps: [
          {
            id: "post",
            type: "call",
            connector: "salesforce",
            operation: "createRecord",
            connection: "salesforce-prod",
            input: { sobject: "'Account'", "fields.Name": "$item.name" },
          },
        ],
      },
    },
  ],
} as const;

type Line = { code: string; name: string | null; amount: number };
const line = (batch: string, code: string, amount: number, ok = true): Line => ({
  code,
  name: ok ? `${batch} ${code}` : null,
  amount,
});

describe("failed items of a batch that goes on", () => {
  let rt: ExceptionRuntime;
  beforeAll(async () => {
    rt = await startExceptionRuntime({ flows: [FLOW], concurrency: 4, requestId: "req-items" });
  }, 120_000);
  afterAll(() => rt?.stop());

  const start = async (batch: string, lines: Line[]) =>
    (await rt.as("designer").runs.start({ flowKey: FLOW.key, input: { batch, lines } })).runId;
  const exceptionsOf = (runId: string) =>
    rt.t.db.exception.findMany({ where: { runId }, orderBy: { stepPath: "asc" } });
  const accounts = async (name: string) =>
    (
      (await (await fetch(`${rt.admin("salesforce")}/records/Account`)).json()) as {
        records: Array<{ Name?: string }>;
      }
    ).records.filter((r) => r.Name === name).length;
  async function statusOf(id: string, want: string, ms = 20_000) {
    const until = Date.now() + ms;
    let e = await rt.t.db.exception.findUniqueOrThrow({ where: { id } });
    while (e.status !== want && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      e = await rt.t.db.exception.findUniqueOrThrow({ where: { id } });
    }
    return e;
  }

  it("a tolerated failed item is its own exception with the item's keys and money; the run carries the items it processed", async () => {
    const run = await rt.settled(
      await start("B1", [line("B1", "A1", 100), line("B1", "A2", 250, false), line("B1", "A3", 50)]),
    );
    expect(run.status).toBe("succeeded");
    expect(run.businessKeys).toMatchObject({ batch: "B1", account: ["A1", "A3"] });
    expect([...run.businessKeyValues].sort()).toEqual(["account=A1", "account=A3", "batch=B1"]);
    const [e, ...more] = await exceptionsOf(run.id);
    expect(more).toEqual([]);
    expect(e).toMatchObject({
      status: "open",
      itemOf: "each",
      stepPath: "each[1].post",
      errorClass: "validation",
      businessKeys: { account: "A2", amount: 250 },
      // Measures are impact, not identity: never matched, so a later amount does not keep the exception open.
      businessKeyValues: ["account=A2"],
      impactAmount: 250,
    });
    const d = await rt.as("viewer").exceptions.detail({ id: e!.id });
    expect(d).toMatchObject({ itemOf: "each", stepPath: "each[1].post", run: { status: "succeeded" } });
    // The run went on: nothing to retry or skip — the way out is named.
    await expect(rt.as("operator").exceptions.retry({ id: e!.id })).rejects.toThrow(/Replay the run/);
    await expect(rt.as("operator").exceptions.skip({ id: e!.id, output: null })).rejects.toThrow(/Replay the run/);
    expect((await statusOf(e!.id, "open")).status).toBe("open");
  });

  it("a later batch that processes the item resolves its exception, though the item's amount changed", async () => {
    const first = await rt.settled(await start("B2", [line("B2", "C1", 10), line("B2", "C2", 500, false)]));
    const [e] = await exceptionsOf(first.id);
    expect(e).toMatchObject({ status: "open", businessKeyValues: ["account=C2"] });
    // Another batch, with C2 fixed and more time on it; C3 is unrelated.
    const later = await start("B2b", [line("B2b", "C2", 750), line("B2b", "C3", 20)]);
    expect((await rt.settled(later)).status).toBe("succeeded");
    const now = await statusOf(e!.id, "resolved");
    expect(now).toMatchObject({ status: "resolved", resolvedByRunId: later });
    expect(now.resolution).toMatch(/account=C2/);
  });

  it("a later batch failing the same item again supersedes its older exception: its money is counted once", async () => {
    const first = await rt.settled(await start("B6", [line("B6", "G1", 10), line("B6", "G2", 400, false)]));
    const [older] = await exceptionsOf(first.id);
    const second = await rt.settled(await start("B6b", [line("B6b", "G2", 650, false), line("B6b", "G3", 5)]));
    const [newer] = await exceptionsOf(second.id);
    expect(newer).toMatchObject({ status: "open", businessKeyValues: ["account=G2"], impactAmount: 650 });
    expect(await rt.t.db.exception.findUniqueOrThrow({ where: { id: older!.id } })).toMatchObject({
      status: "resolved",
      resolvedByRunId: second.id,
      resolution: expect.stringMatching(/failed this item again/),
    });
    const open = await rt.t.db.exception.findMany({
      where: { status: "open", businessKeyValues: { has: "account=G2" } },
    });
    expect(open.map((e) => e.id)).toEqual([newer!.id]);
  });

  it("replay: failing the item again supersedes its exception; fixing it resolves it — the items that succeeded are not repeated", async () => {
    const input = [line("B3", "D1", 10), line("B3", "D2", 40, false)];
    const original = await rt.settled(await start("B3", input));
    const [e1] = await exceptionsOf(original.id);
    expect(e1).toMatchObject({ status: "open", itemOf: "each" });
    // The same input again: D2 fails again (the replay's own exception); D1 is reused, not created again.
    const again = await rt.as("operator").exceptions.replay({ id: e1!.id, input: { batch: "B3", lines: input } });
    expect((await rt.settled(again.runId)).status).toBe("succeeded");
    const superseded = await statusOf(e1!.id, "resolved");
    expect(superseded.resolution).toMatch(/failed this item again/);
    const [e2] = await exceptionsOf(again.runId);
    expect(e2).toMatchObject({ status: "open", itemOf: "each", businessKeyValues: ["account=D2"] });
    expect(await accounts("B3 D1")).toBe(1);
    // Fixed in the edited input: the replay creates D2 and the exception resolves.
    const fixed = await rt.as("operator").exceptions.replay({
      id: e2!.id,
      input: { batch: "B3", lines: [input[0], { ...input[1], name: "B3 D2" }] },
    });
    expect((await rt.settled(fixed.runId)).status).toBe("succeeded");
    expect((await statusOf(e2!.id, "resolved")).resolution).toMatch(/^Succeeded on replay/);
    expect(await exceptionsOf(fixed.runId)).toEqual([]);
    expect(await accounts("B3 D1")).toBe(1);
    expect(await accounts("B3 D2")).toBe(1);
  });

  it("beyond its tolerance the batch fails: each failed item is still its own exception with its money; the run's names them", async () => {
    const run = await rt.settled(
      await start("B4", [line("B4", "E1", 10), line("B4", "E2", 200, false), line("B4", "E3", 300, false)]),
    );
    expect(run.status).toBe("failed");
    const all = await exceptionsOf(run.id);
    const own = all.find((e) => e.itemOf === null)!;
    expect(own).toMatchObject({
      status: "open",
      stepPath: "each",
      businessKeys: { batch: "B4", account: ["E2", "E3"] },
    });
    expect([...own.businessKeyValues].sort()).toEqual(["account=E2", "account=E3", "batch=B4"]);
    // The money is on the items' exceptions, once each (not again on the run's).
    expect(own.impactAmount).toBeNull();
    expect(
      all.filter((e) => e.itemOf === "each").map((e) => [e.stepPath, e.businessKeyValues, e.impactAmount, e.status]),
    ).toEqual([
      ["each[1].post", ["account=E2"], 200, "open"],
      ["each[2].post", ["account=E3"], 300, "open"],
    ]);
    // The run itself is about every item it processed.
    expect(run.businessKeys).toMatchObject({ batch: "B4", account: "E1" });
    // Replaying the run's exception with the items fixed resolves it, and the items' exceptions with it.
    const fixed = await rt.as("operator").exceptions.replay({
      id: own.id,
      input: {
        batch: "B4",
        lines: [line("B4", "E1", 10), line("B4", "E2", 200), line("B4", "E3", 300)],
      },
    });
    expect((await rt.settled(fixed.runId)).status).toBe("succeeded");
    expect((await statusOf(own.id, "resolved")).resolution).toMatch(/^Succeeded on replay/);
    for (const e of all.filter((x) => x.itemOf))
      expect((await statusOf(e.id, "resolved")).resolvedByRunId).toBe(fixed.runId);
    expect(await accounts("B4 E1")).toBe(1);
  });

  it("a test run opens no exception for its failed items", async () => {
    const flow = await rt.t.db.flow.findUniqueOrThrow({ where: { key: FLOW.key }, select: { id: true } });
    const version = await rt.t.db.flowVersion.findFirstOrThrow({ where: { flowId: flow.id, status: "approved" } });
    const { runId } = await insertRunWithJob(rt.pool, rt.boss, {
      flowId: flow.id,
      flowVersionId: version.id,
      triggerType: "manual",
      input: { batch: "B5", lines: [line("B5", "F1", 1), line("B5", "F2", 2, false)] },
      isTest: true,
      testMode: "live",
      environment: "production",
    });
    const run = await rt.settled(runId);
    expect(run.status).toBe("succeeded");
    expect(run.output).toMatchObject({ failures: [{ index: 1 }] });
    expect(await exceptionsOf(runId)).toEqual([]);
  });
});
