// Contract compatibility rules (BACKWARD = a consumer on the new schema reads events written with the old).
import { describe, expect, it } from "vitest";
import {
  checkCompatibility,
  checkContractChange,
  checkEmittedFields,
  validatePayload,
  type JsonSchema,
} from "./contract-compat";

const v1: JsonSchema = {
  type: "object",
  required: ["timesheetId", "hours"],
  properties: {
    timesheetId: { type: "string" },
    hours: { type: "number", minimum: 0 },
    status: { type: "string", enum: ["approved", "rejected"] },
    note: { type: "string" },
  },
};
const withProps = (props: Record<string, JsonSchema>, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  ...v1,
  ...extra,
  properties: { ...v1.properties, ...props },
});
const backward = (next: JsonSchema) => checkCompatibility(v1, next, "BACKWARD");

describe("BACKWARD compatibility", () => {
  it("allows adding an optional field, removing an optional field from an open object, and widening", () => {
    expect(backward(withProps({ projectId: { type: "string" } }))).toEqual([]);
    const { note: _removed, ...rest } = v1.properties!;
    expect(backward({ ...v1, properties: rest })).toEqual([]);
    expect(backward(withProps({ status: { type: "string", enum: ["approved", "rejected", "recalled"] } }))).toEqual([]);
    expect(backward(withProps({ hours: { type: "number" } }))).toEqual([]); // minimum dropped
    expect(backward({ ...v1, required: ["timesheetId"] })).toEqual([]); // no longer required
  });

  it("refuses a newly required field, a type change, a narrowed enum and a tightened bound", () => {
    expect(
      backward(withProps({ projectId: { type: "string" } }, { required: ["timesheetId", "hours", "projectId"] })),
    ).toEqual([{ path: "$.projectId", message: '"projectId" is now required, but events may omit it' }]);
    expect(backward(withProps({ hours: { type: "string" } }))).toEqual([
      { path: "$.hours", message: "type number is no longer accepted (now string)" },
    ]);
    expect(backward(withProps({ status: { type: "string", enum: ["approved"] } }))).toEqual([
      { path: "$.status", message: 'value "rejected" is no longer allowed' },
    ]);
    expect(backward(withProps({ hours: { type: "number", minimum: 1 } }))).toEqual([
      { path: "$.hours", message: "minimum tightened to 1" },
    ]);
    expect(backward(withProps({ note: { type: "string", maxLength: 200 } }))).toEqual([
      { path: "$.note", message: "maxLength tightened to 200" },
    ]);
  });

  it("refuses closing an object and removing a field from a closed one", () => {
    expect(backward({ ...v1, additionalProperties: false })).toEqual([
      {
        path: "$",
        message: "the object is now closed (additionalProperties: false), but events may carry other properties",
      },
    ]);
    const closed: JsonSchema = { ...v1, additionalProperties: false };
    const { note: _n, ...rest } = v1.properties!;
    expect(checkCompatibility(closed, { ...closed, properties: rest }, "BACKWARD")).toEqual([
      { path: "$.note", message: '"note" was removed from a closed object, but events may carry it' },
    ]);
  });

  it("treats integer as a number but not the reverse, and recurses into arrays", () => {
    const a: JsonSchema = { type: "object", properties: { lines: { type: "array", items: { type: "integer" } } } };
    const b: JsonSchema = { type: "object", properties: { lines: { type: "array", items: { type: "number" } } } };
    expect(checkCompatibility(a, b, "BACKWARD")).toEqual([]);
    expect(checkCompatibility(b, a, "BACKWARD")).toEqual([
      { path: "$.lines[]", message: "type number is no longer accepted (now integer)" },
    ]);
  });

  it("reports keywords it cannot reason about as breaking when they change", () => {
    const a: JsonSchema = { type: "object", properties: { x: { anyOf: [{ type: "string" }, { type: "number" }] } } };
    const b: JsonSchema = { type: "object", properties: { x: { anyOf: [{ type: "string" }] } } };
    expect(checkCompatibility(a, b, "BACKWARD")[0]?.message).toMatch(/anyOf.*cannot be checked/);
    expect(checkCompatibility(a, a, "BACKWARD")).toEqual([]);
  });
});

describe("FORWARD, FULL and NONE", () => {
  it("FORWARD is the reverse question and FULL needs both", () => {
    const added = withProps({ projectId: { type: "string" } }, { required: ["timesheetId", "hours", "projectId"] });
    // Old consumers read new events (which always carry projectId): fine forward, breaking backward.
    expect(checkCompatibility(v1, added, "FORWARD")).toEqual([]);
    expect(checkCompatibility(v1, added, "BACKWARD")).toHaveLength(1);
    expect(checkCompatibility(v1, added, "FULL")).toHaveLength(1);
    expect(checkCompatibility(v1, added, "NONE")).toEqual([]);
  });
});

describe("versioning an event contract", () => {
  const history = [{ version: "1.0.0", schema: v1 }];

  it("a compatible change needs a minor version; an identical schema a patch", () => {
    const next = withProps({ projectId: { type: "string" } });
    expect(checkContractChange(history, "1.1.0", next)).toMatchObject({ ok: true, requiredBump: "minor" });
    expect(checkContractChange(history, "1.0.1", next)).toMatchObject({ ok: false, requiredBump: "minor" });
    expect(checkContractChange(history, "1.0.1", v1)).toMatchObject({ ok: true, requiredBump: "patch" });
  });

  it("a breaking change needs a new major version", () => {
    const breaking = withProps({ hours: { type: "string" } });
    const refused = checkContractChange(history, "1.1.0", breaking);
    expect(refused.ok).toBe(false);
    expect(refused.requiredBump).toBe("major");
    expect(refused.problems[0]).toMatch(/publish it as 2\.0\.0/);
    expect(refused.issues[0]).toEqual({
      path: "$.hours",
      message: "vs 1.0.0: type number is no longer accepted (now string)",
    });
    expect(checkContractChange(history, "2.0.0", breaking)).toMatchObject({ ok: true, requiredBump: "major" });
  });

  it("checks transitively within the major line and refuses going backwards", () => {
    // 1.1.0 added an optional projectId; making it required breaks both 1.0.0 and 1.1.0 events.
    const h = [...history, { version: "1.1.0", schema: withProps({ projectId: { type: "string" } }) }];
    const next = withProps({ projectId: { type: "string" } }, { required: ["timesheetId", "hours", "projectId"] });
    const r = checkContractChange(h, "1.2.0", next);
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => i.message)).toEqual([
      'vs 1.0.0: "projectId" is now required, but events may omit it',
      'vs 1.1.0: "projectId" is now required, but events may omit it',
    ]);
    expect(checkContractChange(h, "1.0.5", v1).problems[0]).toMatch(/not above the latest version 1\.1\.0/);
    expect(checkContractChange(h, "banana", v1).problems[0]).toMatch(/not a semantic version/);
  });
});

describe("what a flow emits", () => {
  it("validates a sample payload against the contract", () => {
    expect(validatePayload(v1, { timesheetId: "TS-1", hours: 7.5, status: "approved" })).toEqual([]);
    expect(validatePayload(v1, { hours: -1, status: "pending" })).toEqual([
      { path: "$.timesheetId", message: '"timesheetId" is required' },
      { path: "$.hours", message: "below 0" },
      { path: "$.status", message: 'must be one of ["approved","rejected"]' },
    ]);
  });

  it("checks the fields an emit step maps", () => {
    expect(checkEmittedFields(v1, ["timesheetId", "hours"])).toEqual([]);
    expect(checkEmittedFields({ ...v1, additionalProperties: false }, ["timesheetId", "minutes"])).toEqual([
      { path: "$.hours", message: '"hours" is required by the contract but the flow does not set it' },
      { path: "$.minutes", message: '"minutes" is not in the contract' },
    ]);
  });
});
