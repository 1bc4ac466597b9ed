// Policy checks and the four-eyes rule, against a real database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import type { SessionUser } from "../auth/session-user";
import { bumpBetween, runPolicyChecks, type PolicyInputs } from "../../core/governance/policy";
import {
  approveVersion,
  assertVersionRunnable,
  deprecateVersion,
  isRunnable,
  overrideApproval,
  recordClassificationReview,
  rejectVersion,
  requestVersion,
  retireDueVersions,
  retireVersion,
  versionTimeline,
  type VersionRequestInput,
} from "./versions";
import { createContract } from "./contracts";
import { approvePromotion, requestPromotion } from "../environments/service";
import { DomainError } from "../../core/domain-error";
import { randomUUID } from "node:crypto";
import { govCtx, makeFlow, makeUser } from "./testing";
import { timeToInvoice090, type FlowDocument } from "../seed/governance-flows";

/** A weft/1 document of the flow under test: the demo's invoicing flow under this key. */
const FLOW_DOC: FlowDocument = { ...timeToInvoice090, key: "invoice-generation", version: "1.0.0" };
/** The same flow announcing invoice.created with these payload fields (emit after the invoice post). */
const emitting = (payload: Record<string, string>) => {
  const steps = (FLOW_DOC.steps as Array<Record<string, unknown>>).map((s) =>
    s.id === "createInvoice" ? { ...s, next: "announce" } : s,
  );
  return {
    ...FLOW_DOC,
    version: "1.1.0",
    steps: [...steps, { id: "announce", type: "emit", event: "invoice.created", version: 1, payload }],
  };
};

const clean: PolicyInputs = {
  validationErrors: [],
  changelog: "Adds the PO number to invoices.",
  proposedBump: "minor",
  requiredBump: "minor",
  classification: "internal",
  classificationReviewed: false,
};
const failing = (i: Partial<PolicyInputs>) =>
  runPolicyChecks({ ...clean, ...i })
    .checks.filter((c) => !c.ok)
    .map((c) => c.id);

describe("policy checks (pure)", () => {
  it("pass for a clean, described, correctly bumped internal flow", () => {
    expect(runPolicyChecks(clean)).toMatchObject({ ok: true });
  });

  it("report the validator's warnings (the designer's and the CLI's) without failing on them", () => {
    const r = runPolicyChecks({
      ...clean,
      validationWarnings: [
        {
          path: "steps[0].input.body.customer.idd",
          message:
            "Step 'a' maps 'body.customer.idd', which billing.createCustomer does not declare (a typo?). Did you mean 'body.customer.id'?",
        },
      ],
    });
    expect(r.ok).toBe(true);
    expect(r.checks.find((c) => c.id === "validator")!.detail).toBe(
      "No validation errors. 1 warning(s): steps[0].input.body.customer.idd: Step 'a' maps 'body.customer.idd', which billing.createCustomer does not declare (a typo?). Did you mean 'body.customer.id'?",
    );
  });

  it("fail on validator errors, a missing changelog, and a bump below what the changes need", () => {
    expect(failing({ validationErrors: [{ path: "steps[2]", message: "unknown connection" }] })).toEqual(["validator"]);
    expect(failing({ changelog: "  fix " })).toEqual(["changelog"]);
    expect(failing({ proposedBump: "minor", requiredBump: "major" })).toEqual(["semver"]);
    expect(failing({ proposedBump: "patch", requiredBump: "minor" })).toEqual(["semver"]);
    expect(failing({ proposedBump: "major", requiredBump: "patch" })).toEqual([]);
    expect(failing({ proposedBump: "none" })).toEqual(["semver"]);
    expect(
      runPolicyChecks({ ...clean, proposedBump: "minor", requiredBump: "major" }).checks.find((c) => c.id === "semver")!
        .detail,
    ).toBe("The changes need a major version bump; this is a minor bump.");
  });

  it("require a classification review for restricted data only", () => {
    expect(failing({ classification: "restricted" })).toEqual(["classification"]);
    expect(failing({ classification: "restricted", classificationReviewed: true })).toEqual([]);
    expect(failing({ classification: "confidential" })).toEqual([]);
  });

  it("compute the proposed bump from the previous version", () => {
    expect(bumpBetween(null, "1.0.0")).toBe("initial");
    expect(bumpBetween("1.2.3", "1.2.4")).toBe("patch");
    expect(bumpBetween("1.2.3", "1.3.0")).toBe("minor");
    expect(bumpBetween("1.2.3", "2.0.0")).toBe("major");
    expect(bumpBetween("1.2.3", "1.2.3")).toBe("none");
    expect(bumpBetween("1.2.3", "v-next")).toBe("invalid");
  });
});

describe("publish requests and four-eyes approval", () => {
  let t: TestDatabase;
  let designer: SessionUser; // Finance designer, the author
  let approver: SessionUser; // Finance approver
  let pmoApprover: SessionUser; // approver of another team
  let authorApprover: SessionUser; // Finance member with designer + approver roles
  let admin: SessionUser;

  beforeAll(async () => {
    t = await createTestDatabase();
    designer = await makeUser(t.db, "designer@t", ["designer"], ["finance"]);
    approver = await makeUser(t.db, "approver@t", ["approver"], ["finance"]);
    pmoApprover = await makeUser(t.db, "pmo-approver@t", ["approver"], ["pmo"]);
    authorApprover = await makeUser(t.db, "both@t", ["designer", "approver"], ["finance"]);
    admin = await makeUser(t.db, "admin@t", ["admin"], ["platform"]);
    await makeFlow(t.db, { key: "invoice-generation", teamKey: "finance", domain: "invoice" });
    // The connections the document calls: the server validates requests against the workspace's own.
    for (const [key, connectorKey] of [
      ["kantata-prod", "kantata"],
      ["netsuite-prod", "netsuite"],
    ])
      await t.db.connection.create({ data: { key: key!, name: key!, connectorKey: connectorKey! } });
    await makeFlow(t.db, {
      key: "payroll-export",
      teamKey: "finance",
      domain: "resource",
      classification: "restricted",
    });
  });
  afterAll(() => t.drop());

  /** A request; the document carries the requested version, as the designer's does. */
  const req = (over: Partial<VersionRequestInput> = {}): VersionRequestInput => ({
    flowKey: "invoice-generation",
    changelog: "First version: invoices from approved time.",
    ...over,
    version: over.version ?? "1.0.0",
    dsl: { ...((over.dsl as object | undefined) ?? FLOW_DOC), version: over.version ?? "1.0.0" },
  });

  it("refuses a request that fails its policy checks and creates nothing — the server runs the validator itself", async () => {
    const steps = (FLOW_DOC.steps as Array<Record<string, unknown>>).map((s, i) =>
      i === 0 ? { ...s, connection: "no-such-connection" } : s,
    );
    const r = await requestVersion(govCtx(t.db, designer), req({ changelog: "", dsl: { ...FLOW_DOC, steps } }));
    expect(r.ok).toBe(false);
    expect(r.report.checks.filter((c) => !c.ok).map((c) => c.id)).toEqual(["validator", "changelog"]);
    expect(r.report.checks.find((c) => c.id === "validator")!.detail).toMatch(/no-such-connection/);
    // A document whose own version differs from the one requested is refused too.
    const mismatch = await requestVersion(govCtx(t.db, designer), { ...req(), dsl: { ...FLOW_DOC, version: "0.0.1" } });
    expect(mismatch.report.checks.find((c) => c.id === "validator")!.detail).toMatch(
      /says version 0\.0\.1, but it is being published as 1\.0\.0/,
    );
    // What the designer's Problems panel shows about a call's input is a publish check too: a whole input
    // of {} leaves the invoice's required body unmapped (the same validator, run by the server).
    const emptyInput = (FLOW_DOC.steps as Array<Record<string, unknown>>).map((s) =>
      s.id === "createInvoice" ? { ...s, input: "{}" } : s,
    );
    const empty = await requestVersion(govCtx(t.db, designer), req({ dsl: { ...FLOW_DOC, steps: emptyInput } }));
    expect(empty.report.checks.find((c) => c.id === "validator")!.detail).toMatch(
      /Step 'createInvoice' calls netsuite\.createInvoice but no input is mapped to required field 'body'/,
    );
    expect(await t.db.flowVersion.count()).toBe(0);
  });

  it("the author cannot approve their own version", async () => {
    const r = await requestVersion(govCtx(t.db, authorApprover), req());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    await expect(approveVersion(govCtx(t.db, authorApprover), { versionId: r.versionId })).rejects.toThrow(
      /You wrote this version.*four-eyes/,
    );
    await expect(
      rejectVersion(govCtx(t.db, authorApprover), { versionId: r.versionId, reason: "not needed" }),
    ).rejects.toThrow(/four-eyes/);
    expect((await t.db.flowVersion.findUniqueOrThrow({ where: { id: r.versionId } })).status).toBe("pending_approval");
  });

  it("an approver from another team cannot approve", async () => {
    const v = await t.db.flowVersion.findFirstOrThrow({ where: { status: "pending_approval" } });
    await expect(approveVersion(govCtx(t.db, pmoApprover), { versionId: v.id })).rejects.toThrow(
      /Only approvers of the owning team \(finance\)/,
    );
  });

  it("a designer cannot approve at all, and a second request waits for the first", async () => {
    const v = await t.db.flowVersion.findFirstOrThrow({ where: { status: "pending_approval" } });
    await expect(approveVersion(govCtx(t.db, designer), { versionId: v.id })).rejects.toThrow(/approver role/);
    await expect(requestVersion(govCtx(t.db, designer), req({ version: "1.1.0" }))).rejects.toThrow(
      /1\.0\.0 is still waiting/,
    );
  });

  it("an approver of the owning team who did not write it approves; the flow becomes active; audited", async () => {
    const v = await t.db.flowVersion.findFirstOrThrow({ where: { status: "pending_approval" } });
    await approveVersion(govCtx(t.db, approver), { versionId: v.id });
    const after = await t.db.flowVersion.findUniqueOrThrow({ where: { id: v.id }, include: { flow: true } });
    expect(after).toMatchObject({ status: "approved", approverId: approver.id });
    expect(after.flow.lifecycle).toBe("active");
    const audit = await t.db.auditLog.findMany({ where: { entityType: "flow_version" }, orderBy: { seq: "asc" } });
    expect(audit.map((a) => [a.action, a.actorEmail])).toEqual([
      ["version.requested", "both@t"],
      ["version.approved", "approver@t"],
    ]);
    await expect(approveVersion(govCtx(t.db, approver), { versionId: v.id })).rejects.toThrow(
      /not waiting for approval/,
    );
  });

  it("refuses a bump smaller than the breaking-change detector (run by the server) demands", async () => {
    // Dropping the event trigger breaks whoever emits timesheet.approved for this flow: a major change.
    const r = await requestVersion(
      govCtx(t.db, designer),
      req({
        version: "1.0.1",
        dsl: { ...FLOW_DOC, trigger: { type: "manual" } },
        changelog: "Runs on demand instead of on approval.",
      }),
    );
    expect(r.ok).toBe(false);
    expect(r.report.checks.find((c) => c.id === "semver")).toMatchObject({
      ok: false,
      detail: "The changes need a major version bump; this is a patch bump.",
    });
  });

  it("checks emitted events against the registry", async () => {
    const dsl = emitting({ invoiceId: "$steps.createInvoice.output.id" });
    const r1 = await requestVersion(govCtx(t.db, designer), req({ version: "1.1.0", dsl }));
    expect(r1.ok).toBe(false);
    expect(r1.report.checks.find((c) => c.id === "contracts")!.detail).toMatch(/no contract/);
    await createContract(govCtx(t.db, designer), {
      name: "invoice.created",
      ownerTeamKey: "finance",
      domain: "invoice",
      schema: {
        type: "object",
        required: ["invoiceId", "amount"],
        properties: { invoiceId: { type: "string" }, amount: { type: "number" } },
      },
    });
    const r2 = await requestVersion(govCtx(t.db, designer), req({ version: "1.1.0", dsl }));
    expect(r2.report.checks.find((c) => c.id === "contracts")!.detail).toMatch(/"amount" is required by the contract/);
    const r3 = await requestVersion(
      govCtx(t.db, designer),
      req({
        version: "1.1.0",
        dsl: emitting({
          invoiceId: "$steps.createInvoice.output.id",
          amount: "$sum($steps.getEntries.output.items.rate_in_cents) / 100",
        }),
      }),
    );
    expect(r3.ok).toBe(true);
  });

  it("an admin override needs a reason and is audited as an override", async () => {
    const v = await t.db.flowVersion.findFirstOrThrow({ where: { version: "1.1.0" } });
    expect(v.authorId).toBe(designer.id);
    await expect(
      overrideApproval(govCtx(t.db, approver), { versionId: v.id, reason: "the only approver is away" }),
    ).rejects.toThrow(/Only an admin/);
    await expect(overrideApproval(govCtx(t.db, admin), { versionId: v.id, reason: "urgent" })).rejects.toThrow(
      /needs a reason/,
    );
    await overrideApproval(govCtx(t.db, admin), {
      versionId: v.id,
      reason: "Month-end close; the Finance approver is on leave.",
    });
    const a = await t.db.auditLog.findFirstOrThrow({ where: { action: "version.approval_overridden" } });
    expect(a.actorEmail).toBe("admin@t");
    expect(a.meta).toMatchObject({
      override: true,
      reason: "Month-end close; the Finance approver is on leave.",
      bypassed: "Only approvers of the owning team (finance) may decide on this version.",
    });
    expect((await t.db.versionRequest.findUniqueOrThrow({ where: { flowVersionId: v.id } })).status).toBe("overridden");
  });

  it("restricted flows need a classification review before a request passes", async () => {
    const r = await requestVersion(govCtx(t.db, designer), req({ flowKey: "payroll-export" }));
    expect(r.ok).toBe(false);
    expect(r.report.checks.find((c) => !c.ok)!.id).toBe("classification");
    await expect(
      recordClassificationReview(govCtx(t.db, pmoApprover), { flowKey: "payroll-export", note: "looked at it" }),
    ).rejects.toThrow(/steward.*or an approver of finance/);
    await recordClassificationReview(govCtx(t.db, approver), {
      flowKey: "payroll-export",
      note: "Salary fields masked; restricted confirmed.",
    });
    expect((await requestVersion(govCtx(t.db, designer), req({ flowKey: "payroll-export" }))).ok).toBe(true);
  });

  it("deprecation needs a sunset at least 30 days out; deprecated runs, retired does not", async () => {
    const v = await t.db.flowVersion.findFirstOrThrow({
      where: { version: "1.0.0", flow: { key: "invoice-generation" } },
    });
    // A succeeded run of a version in test (what a promotion needs), then its promotion with four eyes.
    const promote = async (versionId: string, version: string) => {
      await t.db.run.create({
        data: {
          id: randomUUID(),
          flowId: v.flowId,
          flowVersionId: versionId,
          status: "succeeded",
          environment: "test",
          triggerType: "manual",
          input: {},
          finishedAt: new Date(),
        },
      });
      const { promotionId } = await requestPromotion(govCtx(t.db, designer), {
        flowKey: "invoice-generation",
        version,
      });
      await approvePromotion(govCtx(t.db, approver), { promotionId });
    };
    // Approval put 1.0.0 in test only; it reaches production by promotion (then 1.1.0 went to test only).
    await promote(v.id, "1.0.0");
    const in10 = new Date(Date.now() + 10 * 86_400_000);
    await expect(deprecateVersion(govCtx(t.db, approver), { versionId: v.id, sunsetAt: in10 })).rejects.toThrow(
      /at least 30 days out/,
    );
    await expect(
      deprecateVersion(govCtx(t.db, pmoApprover), {
        versionId: v.id,
        sunsetAt: new Date(Date.now() + 40 * 86_400_000),
      }),
    ).rejects.toThrow(/Only approvers of finance/);
    await deprecateVersion(govCtx(t.db, approver), {
      versionId: v.id,
      sunsetAt: new Date(Date.now() + 31 * 86_400_000),
    });
    await assertVersionRunnable(t.db, v.id);
    // Production still runs it: nobody retires it, not even an admin with a reason, and the scheduled job leaves
    // it deprecated past its sunset.
    const live = await retireVersion(govCtx(t.db, admin), {
      versionId: v.id,
      reason: "Replaced by 1.1.0 for the month-end close.",
    }).then(
      () => null,
      (e: unknown) => e as DomainError,
    );
    expect(live).toBeInstanceOf(DomainError);
    expect(live).toMatchObject({
      code: "precondition",
      message:
        "invoice-generation v1.0.0 is live in production: deploy or promote another version there (or roll back) before retiring it.",
    });
    expect(await retireDueVersions(t.db, new Date(Date.now() + 32 * 86_400_000))).toBe(0);
    expect((await t.db.flowVersion.findUniqueOrThrow({ where: { id: v.id } })).status).toBe("deprecated");
    // Production moves on to 1.1.0 (it succeeded in test; promoted with four eyes).
    const next = await t.db.flowVersion.findFirstOrThrow({
      where: { version: "1.1.0", flow: { key: "invoice-generation" } },
    });
    await promote(next.id, "1.1.0");
    await expect(retireVersion(govCtx(t.db, approver), { versionId: v.id })).rejects.toThrow(
      /retiring earlier needs an admin/,
    );
    // The sunset passes: the scheduled job retires it.
    expect(await retireDueVersions(t.db, new Date(Date.now() + 32 * 86_400_000))).toBe(1);
    await expect(assertVersionRunnable(t.db, v.id)).rejects.toThrow(/1\.0\.0 is retired and cannot run/);
    expect([
      isRunnable("approved", "production"),
      isRunnable("deprecated", "production"),
      isRunnable("pending_approval", "production"),
      isRunnable("retired", "test"),
    ]).toEqual([true, true, false, false]);
  });

  it("a configured notice period replaces the 30-day default", async () => {
    const team = await t.db.team.findUniqueOrThrow({ where: { key: "platform" } });
    await t.db.govDomain.create({
      data: {
        key: "runtime",
        name: "Runtime standards",
        kind: "platform",
        ownerTeamId: team.id,
        policy: { deprecationNoticeDays: 60 },
      },
    });
    const v = await t.db.flowVersion.findFirstOrThrow({ where: { version: "1.1.0" } });
    await expect(
      deprecateVersion(govCtx(t.db, approver), { versionId: v.id, sunsetAt: new Date(Date.now() + 45 * 86_400_000) }),
    ).rejects.toThrow(/at least 60 days out/);
    await t.db.govDomain.delete({ where: { key: "runtime" } });
  });

  it("the timeline lists versions newest first with author, approver, changelog and diff link", async () => {
    const tl = await versionTimeline(t.db, "invoice-generation");
    expect(tl.map((e) => [e.version, e.status, e.author?.email, e.approver?.email ?? null])).toEqual([
      ["1.1.0", "approved", "designer@t", "admin@t"],
      ["1.0.0", "retired", "both@t", "approver@t"],
    ]);
    expect(tl[0]!.diffHref).toBe("/flows/invoice-generation/diff?from=1.0.0&to=1.1.0");
    expect(tl[0]!.request?.status).toBe("overridden");
    expect(tl[1]!.changelog).toBe("First version: invoices from approved time.");
  });
});
