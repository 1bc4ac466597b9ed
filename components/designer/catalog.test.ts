// The designer's connector catalog is a value: imported connectors make a new catalog (never a changed
// module-level one), which the palette and the validator then see.
import { describe, expect, it } from "vitest";
import { validate, type Flow } from "@/core/dsl";
import { BUILT_IN_CATALOG, operationOf, paletteItems, withImportedConnectors, type ImportedConnector } from "./catalog";

const ledgerly: ImportedConnector = {
  key: "ledgerly",
  name: "Ledgerly",
  system: "erp",
  source: "imported",
  operations: {
    createCustomer: {
      key: "createCustomer",
      kind: "action",
      name: "Create customer",
      description: "Creates a customer",
      effect: "write",
      input: {
        type: "object",
        properties: {
          body: {
            type: "object",
            properties: { name: { type: "string" } },
            required: ["name"],
            additionalProperties: false,
          },
        },
        required: ["body"],
      },
      output: { type: "object", properties: { id: { type: "string" } } },
    },
  },
};

describe("withImportedConnectors", () => {
  it("returns a new catalog with the imported connector and leaves the built-in one as it was", () => {
    const before = Object.keys(BUILT_IN_CATALOG.connectors);
    const c = withImportedConnectors(BUILT_IN_CATALOG, [ledgerly]);
    expect(Object.keys(BUILT_IN_CATALOG.connectors)).toEqual(before);
    expect(BUILT_IN_CATALOG.connectors.ledgerly).toBeUndefined();
    expect(operationOf(c, "ledgerly", "createCustomer")).toMatchObject({ name: "Create customer", effect: "write" });
    expect(operationOf(BUILT_IN_CATALOG, "ledgerly", "createCustomer")).toBeUndefined();
    expect(paletteItems(c, [], "f").some((i) => i.id === "call:ledgerly.createCustomer")).toBe(true);
    expect(paletteItems(BUILT_IN_CATALOG, [], "f").some((i) => i.id === "call:ledgerly.createCustomer")).toBe(false);
  });

  it("never replaces a connector the catalog has, and skips built-in entries of the list", () => {
    const first = Object.values(BUILT_IN_CATALOG.connectors)[0]!;
    const c = withImportedConnectors(BUILT_IN_CATALOG, [
      { ...ledgerly, key: first.key },
      { ...ledgerly, key: "other", source: "builtin" },
    ]);
    expect(c.connectors[first.key]).toBe(first);
    expect(c.connectors.other).toBeUndefined();
  });

  it("the validator checks calls to an imported operation against its schema", () => {
    const c = withImportedConnectors(BUILT_IN_CATALOG, [ledgerly]);
    const flow = {
      dsl: "weft/1",
      key: "ledgerly-sync",
      version: "1.0.0",
      name: "Ledgerly sync",
      description: "",
      domain: "invoice",
      owner: "finance",
      classification: "internal",
      trigger: { type: "manual" },
      start: "a",
      steps: [
        {
          id: "a",
          type: "call",
          connector: "ledgerly",
          operation: "createCustomer",
          connection: "l",
          input: { "body.nmae": "'ACME'" },
        },
      ],
    } as unknown as Flow;
    expect(
      validate(flow, { catalog: c })
        .problems.map((p) => p.code)
        .sort(),
    ).toEqual(["missing-required-input", "unknown-input-field"]);
    expect(validate(flow, { catalog: BUILT_IN_CATALOG }).problems.map((p) => p.code)).toEqual(["unknown-connector"]);
  });
});
