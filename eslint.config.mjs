// ESLint (flat config): typescript-eslint's recommended rules, React's rules of hooks, and the import boundaries
// of docs/architecture.md "Boundaries". Formatting is Prettier's business (npm run format), not the linter's.
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

// Import specifiers are matched as written: the "@/" alias or a relative path climbing out of the folder
// (the tree has no nested folder named like a top-level one, so `../server/…` always means the top level).
const top = (dir) => `^(@/|(\\.\\./)+)${dir}`;

const SERVER = {
  regex: `${top("server")}(/|$)`,
  message:
    "server/ is the server side (database, queue, secrets). Shared, pure code lives in core/; a type can be imported with `import type`.",
};
const NODE_BUILTINS = {
  regex: `^(node:|(${builtinModules.filter((m) => !m.startsWith("_")).join("|")})(/|$))`,
  message: "core/ does no I/O and runs in the browser: no Node built-ins.",
};
const IO_PACKAGES = {
  regex: "^(@prisma/|pg$|pg-boss$|undici$|pino$|prom-client$|server-only$|better-auth|@node-rs/)",
  message: "core/ does no I/O: no database, queue, network, logging or auth packages.",
};
const CONNECTOR_IO = {
  // The connectors' server side: clients, the executor and HTTP stack, sandboxes. Manifests, the registry,
  // the canonical model and the SDK's pure parts (define, credential-scope, errors, text) are browser-safe.
  regex: `${top("connectors")}/(server|sandboxes|sandbox-kit/server|[^/]+/(client|sandbox|pg)|sdk/(execute|http|http-guard|oauth|testing))$`,
  message: "core/ does no I/O: connector clients, sandboxes and the HTTP stack are server-side.",
};

// App Router files that run in the browser: the ones that say "use client" (read once, at config load).
const root = path.dirname(fileURLToPath(import.meta.url));
const clientAppFiles = readdirSync(path.join(root, "app"), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
  .map((e) => path.join(e.parentPath, e.name))
  .filter((p) => /^\s*["']use client["']/.test(readFileSync(p, "utf8").slice(0, 200)))
  .map((p) => path.relative(root, p));

const restrict = (...patterns) => ({
  "@typescript-eslint/no-restricted-imports": [
    "error",
    { patterns: patterns.map((p) => ({ ...p, allowTypeImports: true })) },
  ],
});

export default defineConfig(
  {
    ignores: [
      "node_modules/",
      ".next/",
      ".next-*/",
      ".weft*/",
      "server/db/generated/",
      "test-results/",
      "playwright-report/",
      "next-env.d.ts",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,mjs,js}"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `_`-prefixed names are deliberately unused (a parameter kept for its position, a destructured-away field).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ["**/*.tsx", "components/**/*.ts"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  // Boundaries (docs/architecture.md). Type-only imports cross them freely: they vanish at compile time.
  { files: ["components/**/*.{ts,tsx}", ...clientAppFiles], rules: restrict(SERVER) },
  {
    files: ["core/**/*.{ts,tsx}"],
    ignores: ["core/**/*.test.ts"],
    rules: restrict(SERVER, NODE_BUILTINS, IO_PACKAGES, CONNECTOR_IO),
  },
  { files: ["connectors/**/*.{ts,tsx}"], rules: restrict(SERVER) },
  {
    // A spec's pages and requests go to its worker's own server only through e2e/test.ts's `test`.
    files: ["e2e/**/*.ts"],
    ignores: ["e2e/test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@playwright/test",
              importNames: ["test"],
              message: "Import `test` from ./test: it points baseURL at this worker's own server (e2e/servers.ts).",
            },
          ],
        },
      ],
    },
  },
);
