import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { diffShapes, shapeFromDatabase, shapeFromPrisma } from "./schema-drift";

describe("schema.prisma and prisma/migrations", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it("describe the same database", async () => {
    const fromPrisma = await shapeFromPrisma(path.resolve("prisma/schema.prisma"));
    const fromDb = await shapeFromDatabase(t.url);
    expect(diffShapes(fromPrisma, fromDb)).toEqual([]);
  });

  it("notices a column that only the database has", async () => {
    await t.db.$executeRawUnsafe(`ALTER TABLE "team" ADD COLUMN "colour" TEXT`);
    const diff = diffShapes(
      await shapeFromPrisma(path.resolve("prisma/schema.prisma")),
      await shapeFromDatabase(t.url),
    );
    expect(diff).toEqual([`table team: the migrations have "colour text", schema.prisma does not`]);
  });
});
