// Web-facing security (docs/security.md): sign-in without JavaScript posts and never puts the password in a
// URL; every response carries the security headers and a per-request CSP nonce; no foreign page can frame the
// app; the app runs under its CSP without violations; tRPC batches are bounded; request ids are sanitised;
// throttled sign-ins; team ownership shown in the UI (read-only designer, disabled exception actions).
import { expect, test, type Page } from "./test";
import { DEMO_PASSWORD, signIn } from "./helpers";
import { shot, signInAs, trpcMutation, trpcQuery } from "./triage-helpers";

test.describe("sign-in without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the form posts: the password never appears in a URL, and the user is signed in", async ({ page }) => {
    const urls: string[] = [];
    page.on("request", (r) => urls.push(r.url()));
    await page.goto("/login");
    await page.getByLabel("Email").fill("viewer@weft.local");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(/\/flows$/);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    expect(urls.filter((u) => u.includes(DEMO_PASSWORD) || /[?&]password=/.test(u))).toEqual([]);
  });

  test("a wrong password is answered on the page, without the password in the URL", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("viewer@weft.local");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
    expect(page.url()).not.toContain("password");
    await expect(page.getByLabel("Email")).toHaveValue("viewer@weft.local");
  });
});

test("a sign-in URL carrying a password is answered with the clean URL", async ({ page }) => {
  const res = await page.request.get("/login?email=admin%40weft.local&password=weft-demo&next=%2Fruns", {
    maxRedirects: 0,
  });
  expect(res.status()).toBe(303);
  expect(res.headers()["location"]).toMatch(/\/login\?next=%2Fruns$/);
  await page.goto("/login?email=admin%40weft.local&password=weft-demo");
  await expect(page).toHaveURL(/\/login$/);
});

test("pages, API routes and build assets carry the security headers; each page gets its own CSP nonce", async ({
  page,
  request,
}) => {
  const a = await request.get("/login");
  const b = await request.get("/login");
  const csp = a.headers()["content-security-policy"]!;
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).not.toContain("unsafe-eval");
  const nonce = (h: string) => /'nonce-([^']+)'/.exec(h)![1];
  expect(nonce(csp)).not.toBe(nonce(b.headers()["content-security-policy"]!));
  // Next.js stamps the nonce on its own scripts.
  expect(await a.text()).toContain(`nonce="${nonce(csp)}"`);

  await page.goto("/login");
  const asset = (await page.locator("script[src^='/_next/static/']").first().getAttribute("src"))!;
  for (const res of [
    a,
    await request.get("/api/health"),
    await request.get("/api/trpc/session.me"),
    await request.get(asset),
  ]) {
    const h = res.headers();
    expect(h["x-frame-options"], res.url()).toBe("DENY");
    expect(h["x-content-type-options"], res.url()).toBe("nosniff");
    expect(h["referrer-policy"], res.url()).toBe("same-origin");
    expect(h["strict-transport-security"], res.url()).toMatch(/max-age=\d+/);
  }
});

test("a foreign page cannot frame the sign-in page", async ({ page, baseURL }) => {
  await page.route("http://attacker.test/**", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<h1>Win a prize</h1><iframe src="${baseURL}/login" width="600" height="400"></iframe>`,
    }),
  );
  await page.goto("http://attacker.test/");
  await expect(page.getByRole("heading", { name: "Win a prize" })).toBeVisible();
  await page.waitForTimeout(1000);
  await expect(page.frameLocator("iframe").getByLabel("Password")).toHaveCount(0);
});

/** Collects CSP violations the page reports (securitypolicyviolation events and console errors). */
async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.exposeFunction("__cspViolation", (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { __cspViolation(v: string): void }).__cspViolation(
        `${e.violatedDirective} ${e.blockedURI}`,
      ),
    );
  });
  return violations;
}

test("the app runs under its CSP: designer canvas, expression editor, runs, exceptions and catalog report no violations", async ({
  page,
}) => {
  test.setTimeout(180_000); // seven pages on a shared machine
  const violations = await watchCsp(page);
  await signIn(page, "designer");
  await page.goto("/flows/post-invoice-to-netsuite");
  await expect(page.getByTestId("designer")).toHaveAttribute("data-ready", "true");
  await expect(page.locator(".react-flow__node").first()).toBeVisible();
  await page.locator(".react-flow__node").nth(1).click();
  await expect(page.locator(".cm-editor").first()).toBeVisible();
  for (const path of ["/runs", "/exceptions", "/catalog", "/catalog/lineage", "/connections"]) {
    await page.goto(path);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await page.waitForLoadState("networkidle");
  }
  expect(violations).toEqual([]);
});

test("tRPC refuses a batch over the limit with 400 and runs none of it", async ({ page }) => {
  await signIn(page, "viewer");
  const batch = (n: number) => {
    const paths = Array.from({ length: n }, () => "session.me").join(",");
    const input = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, { json: null }]));
    return page.request.get(`/api/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`);
  };
  expect((await batch(20)).status()).toBe(200);
  const over = await batch(200);
  expect(over.status()).toBe(400);
  expect(JSON.stringify(await over.json())).toContain("Batch call exceeds maximum size");
});

test("a hostile x-request-id is replaced, not echoed or stored", async ({ page }) => {
  await signIn(page, "viewer");
  const res = await page.request.post("/api/trpc/exceptions.saveView", {
    data: { json: { name: "Request id probe", filter: {} } },
    headers: { "x-request-id": "<img src=x onerror=alert(1)>" + "A".repeat(500) },
  });
  expect(res.ok()).toBe(true);
  expect(res.headers()["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
});

test("rotating X-Forwarded-For buys no extra sign-in attempts", async ({ request }) => {
  const attempt = (i: number) =>
    request.post("/api/auth/sign-in/email", {
      data: { email: "rotating-xff@weft.local", password: `guess-${i}` },
      headers: { "x-forwarded-for": `203.0.113.${i}` },
    });
  for (let i = 0; i < 5; i++) expect((await attempt(i)).status()).toBe(401);
  const refused = await attempt(99);
  expect(refused.status()).toBe(429);
  expect(((await refused.json()) as { message: string }).message).toMatch(/Too many failed sign-ins/);
});

test("an operator sees another team's exception with its actions disabled and the reason", async ({ page }) => {
  await signInAs(page, "operator"); // Finance + PMO
  const people = await trpcQuery<{ teams: Array<{ id: string; key: string }> }>(page.request, "exceptions.people");
  const hr = people.teams.find((t) => t.key === "hr")!;
  const { items } = await trpcQuery<{ items: Array<{ id: string }> }>(page.request, "exceptions.queue", {
    filter: { teamId: hr.id, status: "open" },
  });
  expect(items.length).toBeGreaterThan(0);
  await page.goto(`/exceptions/${items[0]!.id}`);
  await expect(page.getByTestId("actions-blocked")).toContainText("belongs to HR");
  await expect(page.getByRole("button", { name: "Retry" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Resolve" })).toBeDisabled();
  await shot(page, "exception-other-team");
  const res = await trpcMutation(page.request, "exceptions.resolve", { ids: [items[0]!.id], reason: "not my team" });
  expect(res.status).toBe(403);
  expect(res.error).toContain("belongs to HR");
});

test("a designer opens another team's flow read-only with the reason; saving is refused", async ({ page }) => {
  test.setTimeout(180_000); // four sign-ins and two designer loads on a shared machine
  // operator@ (Finance + PMO) is made a designer for this test; HR owns the onboarding flow.
  await signInAs(page, "admin");
  const users = await trpcQuery<Array<{ id: string; email: string; roles: string[] }>>(page.request, "admin.users");
  const op = users.find((u) => u.email === "operator@weft.local")!;
  expect(
    (await trpcMutation(page.request, "admin.setRoles", { userId: op.id, roles: ["operator", "designer"] })).status,
  ).toBe(200);
  try {
    await signInAs(page, "operator");
    await page.goto("/flows/worker-onboarding-hris-to-psa");
    await expect(page.getByTestId("read-only-reason")).toContainText("belongs to HR");
    await expect(page.getByTestId("save-state")).toHaveText("Read only");
    await expect(page.getByRole("button", { name: "▶ Test run" })).toBeDisabled();
    await shot(page, "designer-other-team");
    const flow = await trpcQuery<{ draftRevision: number; draft: Record<string, unknown> }>(page.request, "flows.get", {
      flowKey: "worker-onboarding-hris-to-psa",
    });
    const save = await trpcMutation(page.request, "flows.saveDraft", {
      flowKey: "worker-onboarding-hris-to-psa",
      baseRevision: flow.draftRevision,
      draft: flow.draft,
    });
    expect(save.status).toBe(403);
    // Their own team's flow stays editable.
    await page.goto("/flows/post-invoice-to-netsuite");
    await expect(page.getByTestId("designer")).toHaveAttribute("data-ready", "true");
    await expect(page.getByTestId("read-only-reason")).toHaveCount(0);
  } finally {
    await signInAs(page, "admin");
    expect((await trpcMutation(page.request, "admin.setRoles", { userId: op.id, roles: ["operator"] })).status).toBe(
      200,
    );
  }
});
