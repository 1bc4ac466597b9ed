// End-to-end tests drive the production build in Debian's Chromium (never a downloaded browser).
// The server is `npm start` in demo mode on a throwaway database: E2E_DATABASE_URL when the test
// orchestrator made one, otherwise an embedded Postgres in a temporary data directory.
import { defineConfig } from "@playwright/test";
import os from "node:os";
import path from "node:path";

const port = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://localhost:${port}`;
const dataDir = process.env.E2E_DATA_DIR ?? path.join(os.tmpdir(), `weft-e2e-${process.pid}`);
// The OpenID provider of the SSO tests (e2e/global-setup.ts); the web server is configured against it.
process.env.E2E_OIDC_PORT ??= String(port + 2000);

export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/global-setup.ts",
  // Per port, so runs on different ports (several worktrees or engineers on one machine) never share artifacts.
  outputDir: `test-results/${port}`,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.PW_JSON_OUTPUT ? [["list"], ["json", { outputFile: process.env.PW_JSON_OUTPUT }]] : [["list"]],
  use: {
    baseURL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-dev-shm-usage",
      ],
    },
  },
  webServer: {
    command: "node --import tsx scripts/start.ts",
    url: `${baseURL}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: String(port),
      WEFT_DEMO: "1",
      WEFT_DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      // The suite signs in far more often than a person (every test, several users): lift the brute-force limit.
      WEFT_SIGNIN_PER_MINUTE: "10000",
      // The governance e2e delivers a test alert to a webhook receiver on 127.0.0.1 (any port): allow-listed
      // like an internal host an admin names (demo boot adds the sandboxes to it).
      WEFT_HTTP_ALLOWLIST: "127.0.0.1",
      WEFT_OIDC_DISCOVERY_URL: `http://127.0.0.1:${process.env.E2E_OIDC_PORT}/.well-known/openid-configuration`,
      WEFT_OIDC_CLIENT_ID: "weft-e2e",
      WEFT_OIDC_CLIENT_SECRET: "weft-e2e-client-secret-0123456789",
      WEFT_OIDC_NAME: "Acme SSO",
      // Test-only slow saves (server/flows/drafts.ts): a run can set it for the whole server
      // (WEFT_TEST_SAVE_DELAY_MS=1500 npx playwright test journey designer-autosave). Without it, the specs that
      // need slow saves hold each save request 1.5 s in the browser (e2e/helpers.ts slowSaves); others stay fast.
      ...(process.env.WEFT_TEST_SAVE_DELAY_MS ? { WEFT_TEST_SAVE_DELAY_MS: process.env.WEFT_TEST_SAVE_DELAY_MS } : {}),
      ...(process.env.E2E_DATABASE_URL ? { DATABASE_URL: process.env.E2E_DATABASE_URL } : {}),
    },
  },
});
