// What every spec imports instead of "@playwright/test": the same API, with `baseURL` (and so page.goto,
// request and browser.newContext) pointing at this worker's own server (e2e/servers.ts).
import { test as base } from "@playwright/test";
import { serverUrl } from "./servers";

export * from "@playwright/test";

export const test = base.extend({
  // parallelIndex is the worker's slot (0 … workers − 1), kept by a worker that replaces a failed one.
  // Playwright reads a fixture's dependencies from its first parameter, which must be a destructuring pattern.
  // eslint-disable-next-line no-empty-pattern
  baseURL: async ({}, use, testInfo) => {
    await use(serverUrl(testInfo.parallelIndex));
  },
});
