// The dev server (scripts/lib/web.ts, hostname "localhost") must serve its own scripts and HMR socket to a page
// opened at http://127.0.0.1:<port> too: checked with Next's own cross-site guard and our next.config.js.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const { blockCrossSiteDEV } = require("next/dist/server/lib/router-utils/block-cross-site-dev.js") as {
  blockCrossSiteDEV(
    req: { url: string; headers: Record<string, string> },
    res: { statusCode?: number; end(b?: string): void },
    allowed: string[] | undefined,
    hostname: string,
  ): boolean;
};

function blocked(origin: string, allowed: string[] | undefined) {
  const res = { statusCode: 200, end: () => undefined };
  const asScript = blockCrossSiteDEV(
    {
      url: "/_next/static/chunks/main-app.js",
      headers: { "sec-fetch-mode": "no-cors", "sec-fetch-site": "cross-site", referer: `${origin}/flows` },
    },
    res,
    allowed,
    "localhost",
  );
  const asHmr = blockCrossSiteDEV({ url: "/_next/webpack-hmr", headers: { origin } }, res, allowed, "localhost");
  return asScript || asHmr;
}

describe("dev server origins", () => {
  it("Next's guard would block 127.0.0.1 without the setting (so the test can fail)", () => {
    expect(blocked("http://127.0.0.1:3000", undefined)).toBe(true);
  });
  it("allows both localhost and 127.0.0.1, and still blocks other sites", async () => {
    const configPath = "../../next.config.js"; // plain JS without types: imported by path
    const allowed = ((await import(configPath)) as { default: { allowedDevOrigins?: string[] } }).default
      .allowedDevOrigins;
    expect(blocked("http://localhost:3000", allowed)).toBe(false);
    expect(blocked("http://127.0.0.1:3000", allowed)).toBe(false);
    expect(blocked("http://evil.example", allowed)).toBe(true);
  });
});
