// The navigation shows each user the sections they can open: a link that only leads to "You do not have
// access" is not offered (Audit needs admin, as its page checks).
import { describe, expect, it } from "vitest";
import { NAV, navFor } from "./nav";

describe("navFor", () => {
  it("hides Audit from everyone but admins and keeps every other section", () => {
    const labels = (roles: string[]) => navFor(roles).map((n) => n.label);
    expect(labels(["admin"])).toEqual(NAV.map((n) => n.label));
    for (const role of ["viewer", "designer", "approver", "operator"]) {
      expect(labels([role])).not.toContain("Audit");
      expect(labels([role])).toEqual(NAV.filter((n) => n.label !== "Audit").map((n) => n.label));
    }
  });
});
