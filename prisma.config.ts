// Prisma CLI configuration. The app applies migrations itself (server/db/migrator.ts);
// this file lets `prisma generate` (and `prisma migrate deploy`, where the engine exists) find the schema.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/weft" },
});
