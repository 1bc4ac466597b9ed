import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";
import os from "node:os";

export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./", import.meta.url)),
      // Tests run on the server side: `server-only` (the marker on I/O modules) resolves to its no-op, as in
      // tsconfig.json "paths" for tsx and Playwright. Next.js maps it itself and fails a client bundle with it.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    include: ["**/*.test.ts", "**/*.test.tsx"],
    exclude: ["node_modules/**", "e2e/**", ".next/**", ".weft*/**"],
    globalSetup: ["./server/testing/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The test files mostly wait (Postgres, pg-boss, the sandboxes' HTTP), so more forks than cores pays: on the
    // 2-core CI machine 3 forks ran the suite in 490 s against 857 s with Vitest's default of cores − 1 (one fork).
    maxWorkers: Math.max(3, os.availableParallelism() - 1),
  },
});
