// The input guard in front of routes that hand JSON bodies to a library (better-auth's /api/auth/*): a
// 400/413 naming the field, before the library (and Postgres) sees the body; other bodies pass untouched.
import { describe, expect, it } from "vitest";
import { POST } from "@/app/api/auth/[...all]/route";
import { refuseUnstorableJson } from "./body";

const post = (body: string, type = "application/json") =>
  new Request("http://weft.test/api/auth/sign-in/email", { method: "POST", headers: { "content-type": type }, body });

describe("refuseUnstorableJson", () => {
  it.each([
    [JSON.stringify({ email: "a\u0000@weft.local", password: "x" }), 400, "`email` contains a NUL character"],
    ['{"email":"ada@weft.local","name":"Ada \\udc00"}', 400, "`name` contains an unpaired UTF-16 surrogate"],
    [`{"email":"a@b","x":${"[".repeat(50_000)}${"]".repeat(50_000)}}`, 413, "is nested more than 100 levels deep"],
  ])("refuses %#", async (body, status, message) => {
    const r = await refuseUnstorableJson(post(body));
    expect(r?.status).toBe(status);
    expect(((await r!.json()) as { message: string }).message).toContain(message);
  });

  it("lets clean JSON and non-JSON bodies through with the body still readable", async () => {
    const ok = post(JSON.stringify({ email: "ada@weft.local", password: "weft-demo" }));
    expect(await refuseUnstorableJson(ok)).toBeNull();
    expect(await ok.json()).toEqual({ email: "ada@weft.local", password: "weft-demo" });
    expect(await refuseUnstorableJson(post("email=a%00b", "application/x-www-form-urlencoded"))).toBeNull();
    expect(await refuseUnstorableJson(post("{not json"))).toBeNull();
  });

  it("guards better-auth's route before better-auth runs", async () => {
    const r = await POST(post(JSON.stringify({ email: "ada\u0000@weft.local", password: "weft-demo" })));
    expect(r.status).toBe(400);
  });
});
