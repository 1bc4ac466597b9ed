import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { open, seal } from "./secret-box";

describe("secret box", () => {
  const saved = process.env.WEFT_SECRET_KEY;
  beforeEach(() => {
    process.env.WEFT_SECRET_KEY = Buffer.alloc(32, 7).toString("base64");
  });
  afterEach(() => {
    process.env.WEFT_SECRET_KEY = saved;
  });

  it("round-trips and never repeats a ciphertext", () => {
    const a = seal('{"clientSecret":"s3cr3t"}', "conn-1");
    const b = seal('{"clientSecret":"s3cr3t"}', "conn-1");
    expect(a).not.toEqual(b);
    expect(a).not.toContain("s3cr3t");
    expect(open(a, "conn-1")).toBe('{"clientSecret":"s3cr3t"}');
  });

  it("refuses a tampered value, another record's value, or another key", () => {
    const s = seal("hello", "conn-1");
    const parts = s.split(".");
    const flipped = Buffer.from(parts[3]!, "base64url");
    flipped[0]! ^= 1;
    expect(() => open([parts[0], parts[1], parts[2], flipped.toString("base64url")].join("."), "conn-1")).toThrow(
      /cannot be decrypted/,
    );
    expect(() => open(s, "conn-2")).toThrow(/cannot be decrypted/);
    process.env.WEFT_SECRET_KEY = Buffer.alloc(32, 8).toString("base64");
    expect(() => open(s, "conn-1")).toThrow(/WEFT_SECRET_KEY differs/);
  });
});
