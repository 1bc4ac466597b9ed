// End-to-end tests drive the production build in Debian's Chromium (never a downloaded browser).
// Each worker has its own server (e2e/servers.ts): `npm start` in demo mode on a throwaway database — the test
// orchestrator's when it made them (E2E_DATABASE_URL), otherwise an embedded Postgres in a temporary data directory.
import { defineConfig } from "@playwright/test";
import os from "node:os";
import path from "node:path";
import { e2eWorkers, serverDatabaseUrl, serverPort, serverUrl } from "./e2e/servers";

const workers = e2eWorkers();
const dataDir = process.env.E2E_DATA_DIR ?? path.join(os.tmpdir(), `weft-e2e-${process.pid}`);
// The OpenID provider of the SSO tests (e2e/global-setup.ts); every server is configured against it.
process.env.E2E_OIDC_PORT ??= String(serverPort(0) + 2000);

export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/global-setup.ts",
  // Per port, so runs on different ports (several worktrees or engineers on one machine) never share artifacts.
  outputDir: `test-results/${serverPort(0)}`,
  // Spec files are spread over the workers; the tests of one file run in order, in one worker, on its server.
  fullyParallel: false,
  workers,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.PW_JSON_OUTPUT ? [["list"], ["json", { outputFile: process.env.PW_JSON_OUTPUT }]] : [["list"]],
  // baseURL is each worker's own server (e2e/test.ts).
  use: {
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
  webServer: Array.from({ length: workers }, (_, i) => ({
    command: "node --import tsx scripts/start.ts",
    url: `${serverUrl(i)}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: String(serverPort(i)),
      WEFT_DEMO: "1",
      WEFT_DATA_DIR: `${dataDir}-${i}`,
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
      ...(serverDatabaseUrl(i) ? { DATABASE_URL: serverDatabaseUrl(i)! } : {}),
    },
  })),
});
