// `npm run dev` compiles each route on its first request (Turbopack, on demand): a newcomer's first click on
// every page waited for its compile. Once the server listens, these routes are requested once, one at a time
// (a compile uses the whole machine; in parallel they would only slow each other and the first real visitor),
// the sign-in page first since that is where the newcomer lands. Responses are not looked at: a redirect to
// the sign-in page or a 404 for the placeholder ids still compiles the route.
import { NAV } from "@/components/shell/nav";

/** Sign-in first, then the session routes every page calls, the flow list and designer, then the navigation. */
export const WARM_ROUTES: readonly string[] = [
  ...new Set([
    "/login",
    "/api/auth/get-session",
    "/api/trpc/session.me",
    "/flows",
    "/flows/warm-up",
    ...NAV.map((n) => n.href),
    "/runs/00000000-0000-0000-0000-000000000000",
    "/exceptions/00000000-0000-0000-0000-000000000000",
    "/catalog/warm-up",
    "/catalog/lineage",
    "/catalog/events",
    "/catalog/domains",
  ]),
];

/** Requests each route once, in order; never throws (warming is a courtesy, not part of starting). */
export async function warmRoutes(
  base: string,
  log: (m: string) => void,
  routes: readonly string[] = WARM_ROUTES,
): Promise<{ ms: number; failed: string[] }> {
  const t0 = Date.now();
  const failed: string[] = [];
  log(`warming pages… (${routes.length} routes compile in the background; the first visit to each is then fast)`);
  for (const r of routes) {
    try {
      const res = await fetch(base + r, { redirect: "manual", signal: AbortSignal.timeout(300_000) });
      await res.arrayBuffer();
    } catch {
      failed.push(r);
    }
  }
  const ms = Date.now() - t0;
  log(`ready: pages warmed in ${(ms / 1000).toFixed(0)} s${failed.length ? ` (${failed.length} did not answer)` : ""}`);
  return { ms, failed };
}
