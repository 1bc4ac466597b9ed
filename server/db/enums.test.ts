// The lists in core/ that the database also knows as enums: the browser and the zod schemas use core's
// (pure, no Prisma import), the columns use Prisma's. This keeps each pair equal, so adding a value to one
// side without the other fails here instead of as a 500 on write.
import { describe, expect, it } from "vitest";
import { ExceptionStatus, Lifecycle, Role, RunStatus, SloKind } from "./generated/enums";
import { ROLES } from "../../core/roles";
import { LIFECYCLES, RUN_STATUSES } from "../../core/flow-constants";
import { SLO_KINDS } from "../../core/governance/slo-math";
import { EXCEPTION_STATUSES } from "../../core/exceptions/filter";

const sorted = (xs: readonly string[]) => [...xs].sort();

describe("core lists equal the database enums", () => {
  it.each([
    ["Role", Role, ROLES],
    ["Lifecycle", Lifecycle, LIFECYCLES],
    ["RunStatus", RunStatus, RUN_STATUSES],
    ["SloKind", SloKind, SLO_KINDS],
  ] as const)("%s", (_name, prisma, core) => {
    expect(sorted(core)).toEqual(sorted(Object.values(prisma)));
  });

  it("ExceptionStatus (the queue's filter adds 'all')", () => {
    expect(sorted(EXCEPTION_STATUSES.filter((s) => s !== "all"))).toEqual(sorted(Object.values(ExceptionStatus)));
  });
});
