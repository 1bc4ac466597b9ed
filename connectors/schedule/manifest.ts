// Schedule trigger: the runtime (pg-boss cron) fires it; the connector declares its settings. Browser-safe.
import { z } from "zod";
import { defineConnector } from "../sdk/define";

export const scheduleManifest = defineConnector({
  key: "schedule",
  name: "Schedule",
  system: "generic",
  icon: "clock",
  version: "1.0.0",
  description: "Starts a flow on a cron schedule.",
  auth: { type: "none", config: z.object({}), secrets: z.object({}) },
  operations: {
    tick: {
      kind: "trigger",
      trigger: { type: "schedule" },
      name: "On schedule",
      description: "Fires at each cron time in the given time zone.",
      input: z.object({
        cron: z.string().min(9).describe("Five-field cron, e.g. 0 6 * * 1-5"),
        timezone: z.string().default("UTC"),
      }),
      output: z.object({ scheduledAt: z.string(), firedAt: z.string() }),
    },
  },
});
