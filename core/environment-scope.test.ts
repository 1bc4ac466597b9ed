import { describe, expect, it } from "vitest";
import { ALL_ENVIRONMENTS, environmentKeyOf, environmentParam, openingEnvironment } from "./environment-scope";
import { withDefaultEnvironment } from "./exceptions/filter";

describe("the environment a list opens on", () => {
  it("is production for operators and every environment for other roles, unless one is chosen", () => {
    expect(openingEnvironment("", ["operator"])).toBe("production");
    expect(openingEnvironment(null, ["viewer", "operator"])).toBe("production");
    expect(openingEnvironment("", ["designer"])).toBe(ALL_ENVIRONMENTS);
    expect(openingEnvironment(undefined, ["admin"])).toBe(ALL_ENVIRONMENTS);
    expect(openingEnvironment("test", ["operator"])).toBe("test");
    expect(openingEnvironment(ALL_ENVIRONMENTS, ["operator"])).toBe(ALL_ENVIRONMENTS);
  });

  it("narrows a query to a key, or to nothing for every environment", () => {
    expect(environmentKeyOf("production")).toBe("production");
    expect(environmentKeyOf(ALL_ENVIRONMENTS)).toBeUndefined();
    expect(environmentKeyOf("")).toBeUndefined();
  });

  it("reads the runs list's URL: `environment`, else the older `env`", () => {
    expect(environmentParam(new URLSearchParams("environment=test&env=production"))).toBe("test");
    expect(environmentParam(new URLSearchParams("env=test"))).toBe("test");
    expect(environmentParam(new URLSearchParams("flow=x"))).toBe("");
  });

  it("gives the exception queue the same default", () => {
    expect(withDefaultEnvironment({}, ["operator"])).toEqual({ environment: "production" });
    expect(withDefaultEnvironment({}, ["designer"])).toEqual({});
    expect(withDefaultEnvironment({ environment: "all" }, ["operator"])).toEqual({ environment: "all" });
  });
});
