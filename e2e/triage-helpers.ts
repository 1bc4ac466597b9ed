// Helpers for the runs and exception e2e tests: tRPC over HTTP with the signed-in browser's cookies, the
// NetSuite sandbox's fault-injection endpoint (found through the demo connection), and polling.
import { expect, type APIRequestContext, type APIResponse, type Page } from "@playwright/test";
import { signIn } from "./helpers";

/** Signs in as another demo user in the same page (the previous session's cookie is dropped first). */
export async function signInAs(page: Page, who: Parameters<typeof signIn>[1]): Promise<void> {
  await page.context().clearCookies();
  await signIn(page, who);
}

export async function trpcQuery<T>(request: APIRequestContext, path: string, input?: unknown): Promise<T> {
  const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const res = await request.get(`/api/trpc/${path}${q}`);
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!res.ok() || !body.result) throw new Error(`${path}: ${res.status()} ${body.error?.json.message ?? ""}`);
  return body.result.data.json;
}

export async function trpcMutation<T>(
  request: APIRequestContext,
  path: string,
  input: unknown,
): Promise<{ status: number; data?: T; error?: string }> {
  const res = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  return { status: res.status(), data: body.result?.data.json, error: body.error?.json.message };
}

/** The NetSuite sandbox's admin API, from the demo connection netsuite-prod. */
export async function netsuiteAdmin(request: APIRequestContext): Promise<string> {
  const list = await trpcQuery<Array<{ key: string; config: { baseUrl?: string } }>>(request, "connections.list");
  const ns = list.find((c) => c.key === "netsuite-prod");
  if (!ns?.config.baseUrl) throw new Error("The demo connection netsuite-prod has no baseUrl");
  return `${ns.config.baseUrl}/__sandbox`;
}

/**
 * A call to a sandbox's admin API. Each on a connection of its own (`Connection: close`): the sandboxes close idle
 * connections after 2 s, and a call reusing one as it closed failed with "socket hang up" (CI: the fault-clearing
 * DELETE after a wait, so the injected outage stayed and failed the next spec's runs). A call that got no answer at
 * all is sent again — every admin call is idempotent.
 */
export async function sandboxAdmin(
  request: APIRequestContext,
  method: "GET" | "POST" | "DELETE",
  url: string,
  data?: unknown,
): Promise<APIResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request.fetch(url, { method, data, headers: { connection: "close" } });
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

export async function injectFaults(request: APIRequestContext, admin: string, faults: unknown): Promise<void> {
  const res = await sandboxAdmin(request, "POST", `${admin}/faults`, faults);
  expect(res.ok()).toBe(true);
}

export async function clearFaults(request: APIRequestContext, admin: string): Promise<void> {
  const res = await sandboxAdmin(request, "DELETE", `${admin}/faults`);
  expect(res.ok()).toBe(true);
}

export const FLOW = "post-invoice-to-netsuite";

export interface InvoiceInput {
  invoice: string;
  customer: string;
  customerId: string;
  hours: number;
  amount: number;
  currency: string;
}

export const invoiceInput = (invoice: string, over: Partial<InvoiceInput> = {}): InvoiceInput => ({
  invoice,
  customer: "Laurentian Rail",
  customerId: "101",
  hours: 38.5,
  amount: 12400,
  currency: "USD",
  ...over,
});

/** Starts manual runs of the invoice flow (as the signed-in designer/admin), `parallel` at a time. */
export async function startRuns(request: APIRequestContext, inputs: InvoiceInput[], parallel = 20): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < inputs.length; i += parallel) {
    const batch = await Promise.all(
      inputs
        .slice(i, i + parallel)
        .map((input) => trpcMutation<{ runId: string }>(request, "runs.start", { flowKey: FLOW, input })),
    );
    for (const r of batch) {
      if (!r.data) throw new Error(`runs.start: ${r.status} ${r.error}`);
      ids.push(r.data.runId);
    }
  }
  return ids;
}

/** Waits until `count` exceptions match the filter (the runs have failed and opened them). */
export async function waitForExceptions(
  request: APIRequestContext,
  filter: Record<string, string>,
  count: number,
  timeoutMs = 120_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let seen = -1;
  while (Date.now() < until) {
    seen = (await trpcQuery<{ total: number }>(request, "exceptions.facets", { filter })).total;
    if (seen >= count) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`expected ${count} exceptions for ${JSON.stringify(filter)}, saw ${seen}`);
}

export async function shot(page: Page, name: string): Promise<void> {
  if (process.env.E2E_SCREENSHOTS)
    await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** Runs of the invoice flow that fail at NetSuite (an injected 400 on invoices), until their exceptions are in the queue. */
export async function failInvoices(
  page: Page,
  inputs: InvoiceInput[],
  q: string,
  opts: { parallel?: number; timeoutMs?: number } = {},
): Promise<void> {
  await signInAs(page, "admin");
  const admin = await netsuiteAdmin(page.request);
  await injectFaults(page.request, admin, { errorRate: 1, errorStatus: 400, pathPattern: "invoice" });
  try {
    await startRuns(page.request, inputs, opts.parallel ?? 8);
    await waitForExceptions(page.request, { q }, inputs.length, opts.timeoutMs);
  } finally {
    await clearFaults(page.request, admin);
  }
}
