// The import boundaries of docs/architecture.md, as the lint enforces them: each case lints a snippet as if it
// were a file in that folder, with the repository's own eslint.config.mjs.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const eslint = new ESLint({ cwd: root });

/** The boundary errors ESLint reports for `code` placed at `file` (relative to the repository). */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === "@typescript-eslint/no-restricted-imports")
    .map((m) => m.message);
}

describe("import boundaries", () => {
  it("a component importing a server module fails the lint, naming the rule", async () => {
    const errors = await boundaryErrors(
      "components/flows/probe.tsx",
      `import { db } from "@/server/db/client";\nexport const x = db;\n`,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("'@/server/db/client' import is restricted");
    expect(errors[0]).toContain("Shared, pure code lives in core/");
  });

  it("the same import written relatively fails too", async () => {
    const errors = await boundaryErrors(
      "components/designer/inspector/probe.ts",
      `import { appendAudit } from "../../../server/audit/audit";\nexport const x = appendAudit;\n`,
    );
    expect(errors).toHaveLength(1);
  });

  it("a component may import core/, connector manifests and server types", async () => {
    const code = [
      `import { validate } from "@/core/dsl";`,
      `import { connectorCatalog } from "@/connectors/registry";`,
      `import type { AppRouter } from "@/server/api/root";`,
      `export const x: [typeof validate, typeof connectorCatalog, AppRouter | null] = [validate, connectorCatalog, null];`,
    ].join("\n");
    expect(await boundaryErrors("components/flows/probe.tsx", code)).toEqual([]);
  });

  it("core/ may not import server/, Node built-ins, I/O packages or connector clients", async () => {
    const imports = [
      `import { db } from "@/server/db/client";`,
      `import { readFileSync } from "node:fs";`,
      `import path from "path";`,
      `import { PgBoss } from "pg-boss";`,
      `import { PrismaPg } from "@prisma/adapter-pg";`,
      `import { runOperation } from "../../connectors/server";`,
      `import { salesforce } from "@/connectors/salesforce/client";`,
      `import { createHttpClient } from "@/connectors/sdk/http";`,
    ];
    const errors = await boundaryErrors("core/dsl/probe.ts", imports.join("\n") + "\n");
    expect(errors).toHaveLength(imports.length);
  });

  it("core/ may import zod and the connectors' browser-safe parts", async () => {
    const code = [
      `import { z } from "zod";`,
      `import { settingsOrigins } from "@/connectors/sdk/credential-scope";`,
      `export const x = [z, settingsOrigins];`,
    ].join("\n");
    expect(await boundaryErrors("core/dsl/probe.ts", code)).toEqual([]);
  });

  it("connectors/ may not import server/", async () => {
    const errors = await boundaryErrors(
      "connectors/salesforce/probe.ts",
      `import { logger } from "../../server/observability/log";\nexport const x = logger;\n`,
    );
    expect(errors).toHaveLength(1);
  });

  it("server/ may import anything", async () => {
    const code = `import { db } from "@/server/db/client";\nimport { readFileSync } from "node:fs";\nexport const x = [db, readFileSync];\n`;
    expect(await boundaryErrors("server/flows/probe.ts", code)).toEqual([]);
  });
});
