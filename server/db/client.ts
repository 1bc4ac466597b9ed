// One PrismaClient per process (per database URL), built on the pg driver adapter: Prisma 7 needs no
// query-engine binary this way.
import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";

export type Db = PrismaClient;
export { Prisma } from "./generated/client";

const clients = new Map<string, PrismaClient>();

export function createDb(databaseUrl: string, max = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max });
  return new PrismaClient({ adapter });
}

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error("DATABASE_URL is not set: start Weft with `npm run dev` (embedded database) or set DATABASE_URL.");
  return url;
}

/** The process-wide client; survives Next.js dev hot reloads through globalThis. */
export function db(): PrismaClient {
  const g = globalThis as unknown as { __weftDb?: Map<string, PrismaClient> };
  const cache = (g.__weftDb ??= clients);
  const url = databaseUrl();
  let c = cache.get(url);
  if (!c) {
    c = createDb(url);
    cache.set(url, c);
  }
  return c;
}
