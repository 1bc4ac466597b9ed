import { describe, expect, it } from "vitest";
import { clientIp, normalizeAddress, trustedProxies } from "./client-ip";

describe("client address", () => {
  const none = trustedProxies(undefined);
  const proxies = trustedProxies("10.0.0.5, 10.1.0.0/16, ::1");

  it("is the socket peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(clientIp("::ffff:127.0.0.1", "1.2.3.4", none)).toBe("127.0.0.1");
    expect(clientIp("192.0.2.7", ["1.2.3.4", "5.6.7.8"], none)).toBe("192.0.2.7");
  });

  it("walks X-Forwarded-For from the right through trusted proxies only", () => {
    // client 203.0.113.9 → proxy 10.1.2.3 → proxy 10.0.0.5 → us; a forged left-most entry is ignored
    expect(clientIp("10.0.0.5", "6.6.6.6, 203.0.113.9, 10.1.2.3", proxies)).toBe("203.0.113.9");
    expect(clientIp("::1", "203.0.113.9", proxies)).toBe("203.0.113.9");
  });

  it("does not believe a chain with garbage in it, nor an untrusted peer's chain", () => {
    expect(clientIp("10.0.0.5", "not-an-ip", proxies)).toBe("10.0.0.5");
    expect(clientIp("192.0.2.7", "203.0.113.9", proxies)).toBe("192.0.2.7");
  });

  it("normalises mapped and bracketed addresses and refuses bad proxy lists", () => {
    expect(normalizeAddress("[::1]")).toBe("::1");
    expect(normalizeAddress("::FFFF:10.0.0.1")).toBe("10.0.0.1");
    expect(normalizeAddress("example.com")).toBeNull();
    expect(() => trustedProxies("10.0.0.0/8, nonsense")).toThrow(/nonsense/);
  });
});
