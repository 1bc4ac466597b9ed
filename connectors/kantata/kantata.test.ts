// Contract tests: the PSA connector against the Kantata-style sandbox — envelope unpacking (results order,
// included objects kept apart), page/per_page paging, time-entry filters, creates across the project
// structure, invoices that consume approved time, 422 validation errors, the approved-time poll trigger,
// idempotent re-sends, 429 retries and token expiry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firm } from "../sandbox-kit/firm";
import { ConnectorError } from "../sdk/errors";
import { startHarness, type Harness } from "../sdk/testing";
import { kantata, unpack } from "./client";
import { createKantataSandbox } from "./sandbox";

let h: Harness;
beforeAll(async () => {
  h = await startHarness(kantata, () => createKantataSandbox());
});
afterAll(async () => h?.close());

type R = Record<string, unknown>;
type List = { items: R[]; meta: { count: number; page_count: number }; included?: Record<string, Record<string, R>> };

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe("kantata: envelope", () => {
  it("iterates results, not the keyed collection (included objects share keys)", () => {
    const u = unpack({
      count: 1,
      results: [{ key: "stories", id: "2" }],
      stories: { "1": { id: "1", title: "parent" }, "2": { id: "2", title: "child", parent_id: "1" } },
    });
    expect(u.items.map((i) => i.id)).toEqual(["2"]);
    expect(u.included.stories).toHaveProperty("1");
  });

  it("keeps included associations out of items over the wire", async () => {
    // Only tasks are asked for; their parent deliverables arrive under the same "stories" key.
    const r = (await h.run("listStories", {
      workspaceId: "10001",
      storyType: "task",
      include: ["parent", "workspace"],
      allPages: false,
      perPage: 50,
    })) as List;
    expect(r.items.length).toBeGreaterThan(0);
    expect(r.items.every((s) => s.story_type === "task" && s.workspace_id === "10001")).toBe(true);
    expect(Object.keys(r.included?.stories ?? {})).toEqual(expect.arrayContaining([String(r.items[0]!.parent_id)]));
    expect(r.included?.workspaces).toHaveProperty("10001");
  });
});

describe("kantata: reads and paging", () => {
  it("pages users (≥ 80 consultants) with per_page", async () => {
    const before = h.sandbox.apiCalls;
    const r = (await h.run("listUsers", { perPage: 25 })) as List;
    expect(r.items.length).toBeGreaterThanOrEqual(80);
    expect(new Set(r.items.map((u) => u.id)).size).toBe(r.items.length);
    expect(h.sandbox.apiCalls - before).toBe(Math.ceil(r.items.length / 25));
  });

  it("filters time entries: approved + uninvoiced in a date range", async () => {
    const r = (await h.run("listTimeEntries", {
      approved: true,
      uninvoiced: true,
      from: "2026-05-01",
      to: "2026-05-31",
    })) as List;
    expect(r.items.length).toBeGreaterThan(20);
    for (const t of r.items) {
      expect(t).toMatchObject({ approved: true, is_invoiced: false });
      expect(String(t.date_performed) >= "2026-05-01" && String(t.date_performed) <= "2026-05-31").toBe(true);
    }
    const unapproved = (await h.run("listTimeEntries", { approved: false, allPages: false })) as List;
    expect(unapproved.items.every((t) => t.approved === false)).toBe(true);
  });

  it("reads rate cards through the set → version → card → role chain", async () => {
    const r = (await h.run("listRateCards", {})) as {
      items: Array<{
        title: string;
        versions: Array<{
          rate_cards: Array<{ currency: string; roles: Array<{ role_name?: string; rate_in_cents: number }> }>;
        }>;
      }>;
    };
    const usd = r.items.find((s) => s.title.includes("USD"))!;
    const partner = usd.versions[0]!.rate_cards[0]!.roles.find((x) => x.role_name === "Partner");
    expect(partner?.rate_in_cents).toBe(47500);
  });

  it("links workspaces to Salesforce and NetSuite through external references", async () => {
    const r = (await h.run("listExternalReferences", { subjectType: "Workspace", subjectId: "10001" })) as List;
    expect(r.items.map((x) => x.service_name).sort()).toEqual(["NetSuite", "Salesforce"]);
  });
});

describe("kantata: writes", () => {
  it("builds a project: workspace, phase and task stories, assignment, time, expense, invoice", async () => {
    const ws = (await h.run(
      "createWorkspace",
      {
        title: "Harbor Data Platform",
        start_date: "2026-06-01",
        due_date: "2026-09-30",
        currency: "USD",
        budgeted: true,
        price_in_cents: 25_000_000,
      },
      { idempotencyKey: "ws-1" },
    )) as R;
    expect(ws).toMatchObject({ title: "Harbor Data Platform", currency: "USD", require_time_approvals: true });
    const phase = (await h.run("createStory", {
      workspace_id: ws.id,
      title: "Discover",
      story_type: "deliverable",
    })) as R;
    const task = (await h.run("createStory", {
      workspace_id: ws.id,
      title: "Interviews",
      story_type: "task",
      parent_id: phase.id,
    })) as R;
    await h.run("createAssignment", { story_id: task.id, assignee_id: "30010", allocated_minutes: 2400 });
    const te = (await h.run("createTimeEntry", {
      workspace_id: ws.id,
      story_id: task.id,
      user_id: "30010",
      date_performed: "2026-06-02",
      time_in_minutes: 480,
      rate_in_cents: 24000,
    })) as R;
    expect(te).toMatchObject({ approved: false, is_invoiced: false, currency: "USD" });
    // Unapproved time cannot be invoiced: a 422 validation error.
    const e = await failure(h.run("createInvoice", { workspace_id: ws.id, time_entry_ids: [te.id], expense_ids: [] }));
    expect(e).toMatchObject({ errorClass: "validation", status: 422, code: "validation" });
    expect(e.message).toContain("has not been approved");
    await h.run("updateTimeEntry", { id: te.id, attributes: { approved: true } });
    const ex = (await h.run("createExpense", {
      workspace_id: ws.id,
      user_id: "30010",
      date: "2026-06-02",
      category: "Hotel",
      amount_in_cents: 21900,
    })) as R;
    const inv = (await h.run(
      "createInvoice",
      { workspace_id: ws.id, time_entry_ids: [te.id], expense_ids: [ex.id], draft: false },
      { idempotencyKey: "inv-1" },
    )) as R;
    expect(inv).toMatchObject({ status: "submitted", balance_in_cents: 8 * 24000 + 21900, time_entry_ids: [te.id] });
    const after = (await h.run("listTimeEntries", { workspaceId: String(ws.id) })) as List;
    expect(after.items[0]).toMatchObject({ is_invoiced: true, invoice_id: inv.id });
  });

  it("reports 422 validation errors in Kantata's format", async () => {
    const e = await failure(
      h.run("createTimeEntry", { workspace_id: "99999", date_performed: "2026-06-02", time_in_minutes: 60 }),
    );
    expect(e).toMatchObject({ errorClass: "validation", status: 422 });
    expect(e.response?.body).toEqual({ errors: [{ type: "validation", message: "workspace not found" }] });
    expect(await failure(h.run("getWorkspace", { id: "1" }))).toMatchObject({ reason: "not_found", status: 404 });
  });

  it("puts workspaces under a client group and takes them out; an unknown workspace is a validation error", async () => {
    // Seeded: every client group holds its customer's workspaces, so each of the firm's projects is under one.
    const seeded = (await h.run("listWorkspaceGroups", { company: true, include: ["workspaces"] })) as List;
    const members = seeded.items.flatMap((g) => g.workspace_ids as string[]);
    expect(members.sort()).toEqual(
      firm()
        .projects.map((p) => String(10000 + p.n))
        .sort(),
    );
    expect(Object.keys(seeded.included?.workspaces ?? {}).sort()).toEqual(members);

    const ws = (await h.run("createWorkspace", { title: "Group member", currency: "GBP" })) as R;
    const group = (await h.run("createWorkspaceGroup", { name: "Harbour & Finch Ltd", company: true })) as R;
    expect(group.workspace_ids).toEqual([]);
    const added = (await h.run("updateWorkspaceGroup", {
      id: String(group.id),
      add_workspace_ids: [String(ws.id)],
    })) as R;
    expect(added).toMatchObject({ name: "Harbour & Finch Ltd", workspace_ids: [String(ws.id)] });
    // Adding again changes nothing (membership is a set); the instruction itself is never stored.
    const again = (await h.run("updateWorkspaceGroup", {
      id: String(group.id),
      add_workspace_ids: [String(ws.id)],
    })) as R;
    expect(again.workspace_ids).toEqual([String(ws.id)]);
    expect(again).not.toHaveProperty("add_workspace_ids");
    const removed = (await h.run("updateWorkspaceGroup", {
      id: String(group.id),
      remove_workspace_ids: [String(ws.id)],
    })) as R;
    expect(removed.workspace_ids).toEqual([]);

    const e = await failure(h.run("updateWorkspaceGroup", { id: String(group.id), add_workspace_ids: ["99999"] }));
    expect(e).toMatchObject({ errorClass: "validation", status: 422 });
    expect(e.response?.body).toEqual({ errors: [{ type: "validation", message: "Workspace 99999 not found" }] });
  });

  it("re-sending a create with the same idempotency key creates one time entry", async () => {
    const input = {
      workspace_id: "10002",
      user_id: "30011",
      date_performed: "2026-05-14",
      time_in_minutes: 90,
      notes: "once",
    };
    const a = (await h.run("createTimeEntry", input, { idempotencyKey: "psa-te-once" })) as R;
    const b = (await h.run("createTimeEntry", input, { idempotencyKey: "psa-te-once" })) as R;
    expect(b.id).toBe(a.id);
    const fx = await h.admin<{ byKey: Record<string, { calls: number; effects: number }> }>("effects");
    expect(fx.byKey["psa-te-once"]).toEqual({ calls: 2, effects: 1 });
  });
});

describe("kantata: approved-time poll trigger", () => {
  it("returns approvals after the cursor once, oldest first", async () => {
    const first = (await h.run("pollApprovedTimeEntries", { since: new Date(Date.now() - 2000).toISOString() })) as {
      items: R[];
      cursor: string;
    };
    const te = (await h.run("createTimeEntry", {
      workspace_id: "10003",
      user_id: "30012",
      date_performed: "2026-05-15",
      time_in_minutes: 120,
    })) as R;
    await h.run("updateTimeEntry", { id: te.id, attributes: { approved: true } });
    const second = (await h.run("pollApprovedTimeEntries", { cursor: first.cursor })) as { items: R[]; cursor: string };
    expect(second.items.map((t) => t.id)).toContain(te.id);
    const third = (await h.run("pollApprovedTimeEntries", { cursor: second.cursor })) as { items: R[] };
    expect(third.items.map((t) => t.id)).not.toContain(te.id);
  });
});

describe("kantata: faults", () => {
  it("retries 429 with Retry-After, recovers from token expiry, classifies a bad secret as auth", async () => {
    await h.faults({ next: [{ status: 429, retryAfterSeconds: 1 }] });
    expect(((await h.run("listWorkspaces", { allPages: false, perPage: 5 })) as List).items).toHaveLength(5);
    await h.faults({ expireTokens: true });
    expect(((await h.run("getWorkspace", { id: "10001" })) as R).id).toBe("10001");
    const e = await failure(
      h.run(
        "getWorkspace",
        { id: "10001" },
        { connection: { secrets: { clientId: h.info.clientId as string, clientSecret: "nope-nope" } } },
      ),
    );
    expect(e).toMatchObject({ errorClass: "auth", status: 401 });
  });

  it("rejects a connection without usable credentials before calling", async () => {
    const e = await failure(
      h.run("getWorkspace", { id: "10001" }, { connection: { secrets: { clientId: "", clientSecret: "" } } }),
    );
    expect(e).toMatchObject({ errorClass: "auth", code: "secrets_invalid" });
  });
});

describe("kantata: resourcing", () => {
  it("lists pending resource requests oldest change first, with their unnamed resource included", async () => {
    const r = (await h.run("listResourceRequests", { pendingOnly: true, include: ["resource"], perPage: 2 })) as List;
    expect(r.items.length).toBeGreaterThanOrEqual(3);
    expect(r.items.every((i) => i.status === "pending")).toBe(true);
    const stamps = r.items.map((i) => String(i.updated_at));
    expect([...stamps].sort()).toEqual(stamps);
    const resource = r.included?.workspace_resources?.[String(r.items[0]!.resource_id)];
    expect(resource).toMatchObject({ user_id: null, workspace_id: expect.any(String), location: expect.any(String) });
    expect(r.items[0]).toMatchObject({
      workspace_allocation_start_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      workspace_allocation_minutes: 9600,
    });
  });

  it("reads the skills a resource asks for, with the skill included", async () => {
    const r = (await h.run("listWorkspaceResourceSkills", {
      workspaceResourceId: "45001",
      include: ["skill"],
    })) as List;
    expect(r.items.map((s) => s.level)).toEqual([3, 2]);
    expect(Object.values(r.included?.skills ?? {}).map((s) => typeof s.name)).toEqual(["string", "string"]);
  });

  it("names a resource, books it over dates and posts to the workspace; refuses bad allocations", async () => {
    const resource = (await h.run("getWorkspaceResource", { id: "45002" })) as R;
    const named = (await h.run("updateWorkspaceResource", { id: "45002", attributes: { user_id: "30010" } })) as R;
    expect(named).toMatchObject({ id: "45002", user_id: "30010" });
    const booked = (await h.run("createWorkspaceAllocation", {
      resource_id: "45002",
      start_date: "2026-06-01",
      end_date: "2026-07-24",
      minutes: 9600,
    })) as R;
    expect(booked).toMatchObject({ resource_id: "45002", workspace_id: resource.workspace_id, soft: false });
    const mine = (await h.run("listWorkspaceAllocations", { resourceId: "45002" })) as List;
    expect(mine.items.map((a) => a.id)).toEqual([booked.id]);
    const e = await failure(
      h.run("createWorkspaceAllocation", {
        resource_id: "45002",
        start_date: "2026-06-01",
        end_date: "2026-05-01",
        minutes: 60,
      }),
    );
    expect(e.status).toBe(422);
    expect(e.message).toContain("end date must be on or after start date");
    const missing = await failure(
      h.run("createWorkspaceAllocation", {
        resource_id: "1",
        start_date: "2026-06-01",
        end_date: "2026-06-02",
        minutes: 60,
      }),
    );
    expect(missing.message).toContain("resource not found");
    const post = (await h.run("createPost", {
      workspace_id: String(resource.workspace_id),
      message: "Options: …",
    })) as R;
    const posts = (await h.run("listPosts", { workspaceId: String(resource.workspace_id) })) as List;
    expect(posts.items.map((p) => p.id)).toContain(post.id);
  });

  it("approves a request; an unknown status or approver is a validation error", async () => {
    const ok = (await h.run("updateResourceRequest", { id: "46003", attributes: { status: "approved" } })) as R;
    expect(ok.status).toBe("approved");
    const pending = (await h.run("listResourceRequests", { pendingOnly: true })) as List;
    expect(pending.items.map((i) => i.id)).not.toContain("46003");
    const bad = await failure(h.run("updateResourceRequest", { id: "46003", attributes: { status: "done" } }));
    expect(bad.message).toContain("Status must be pending, approved, rejected or canceled");
    const noApprover = await failure(h.run("createResourceRequest", { resource_id: "45001", approver_ids: ["1"] }));
    expect(noApprover.message).toContain("Approver 1 not found");
  });
});
