// The Inbox shows a decision's changed fields and a summary's values as words, never as JSON.
import { describe, expect, it } from "vitest";
import { readableFields, readableValue } from "./readable";

describe("readable", () => {
  it("labels fields by the form's title, else the key in words, and writes values without JSON", () => {
    const schema = { type: "object", properties: { days: { type: "integer" }, terms: { title: "Payment terms" } } };
    expect(readableFields({ days: 45, terms: "Net 45", netOnly: true }, schema)).toEqual([
      { key: "days", label: "Days", value: "45" },
      { key: "terms", label: "Payment terms", value: "Net 45" },
      { key: "netOnly", label: "Net Only", value: "yes" },
    ]);
  });

  it("writes lists and nested objects as text", () => {
    expect(readableValue(["a", 2, null])).toBe("a, 2, —");
    expect(readableValue({ billingCity: "Lyon", lines: [1, 2] })).toBe("Billing City: Lyon; Lines: 1, 2");
    expect(readableValue({})).toBe("");
  });
});
