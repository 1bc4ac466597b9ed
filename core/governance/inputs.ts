// Input schemas of the governance router that the browser's forms share (zod and constants only, no
// server imports): one definition of what a valid SLO, ownership change, domain edit, alert channel or
// event contract is, with messages written for the person filling in the form.
import { z } from "zod";
import { CLASSIFICATIONS, DOMAINS } from "../flow-constants";
import { SLO_KINDS, type SloKind } from "./slo-math";

export const flowKeyInput = z.string().min(1).max(128);
export const teamKeyInput = z.string().min(1, "Choose a team.").max(64);

/** "<entity>.<past-tense verb>", e.g. "timesheet.approved". */
export const EVENT_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export { SLO_KINDS };
export const SLO_KIND_LABEL: Record<SloKind, string> = {
  success: "Success ratio",
  latency: "Latency",
  freshness: "Freshness",
};

export const sloFields = {
  name: z.string().trim().min(1, "Name the SLO, e.g. “Runs succeed”.").max(80, "Keep the name under 80 characters."),
  kind: z.enum(SLO_KINDS),
  target: z
    .number()
    .gt(0, "The target must be above 0%.")
    .lt(1, "The target must be below 100%: a 100% target leaves no error budget."),
  windowDays: z
    .number({ error: "Enter the window in days." })
    .int("Whole days only.")
    .min(1, "At least 1 day.")
    .max(90, "At most 90 days."),
  thresholdMs: z.number().int().positive().nullable(),
  minEvents: z
    .number({ error: "Enter a number of runs (0 turns the guard off)." })
    .int("Whole runs only.")
    .min(0, "Cannot be negative.")
    .max(100_000, "At most 100,000 runs."),
};

export const sloCreateInput = z.object({
  flowKey: flowKeyInput,
  name: sloFields.name,
  kind: sloFields.kind,
  target: sloFields.target,
  windowDays: sloFields.windowDays.optional(),
  thresholdMs: sloFields.thresholdMs.optional(),
  minEvents: sloFields.minEvents.optional(),
});

export const sloUpdateInput = sloCreateInput
  .omit({ flowKey: true, kind: true })
  .partial()
  .extend({ id: z.string().uuid(), enabled: z.boolean().optional() });

export const ownershipInput = z.object({
  flowKey: flowKeyInput,
  ownerTeamKey: z.string().max(64).optional(),
  onCall: z.string().trim().max(200, "Keep the on-call contact under 200 characters.").nullable().optional(),
  classification: z.enum(CLASSIFICATIONS).optional(),
});

export const domainPolicyInput = z
  .object({
    deprecationNoticeDays: z
      .number({ error: "Enter a number of days." })
      .int()
      .min(0, "Cannot be negative.")
      .max(3650, "At most 3650 days."),
    sloWindowDays: z
      .number({ error: "Enter a number of days." })
      .int()
      .min(1, "At least 1 day.")
      .max(90, "At most 90 days."),
    minEvents: z
      .number({ error: "Enter a number of runs." })
      .int()
      .min(0, "Cannot be negative.")
      .max(100_000, "At most 100,000 runs."),
  })
  .partial();

export const domainUpdateInput = z.object({
  key: z.string().min(1).max(64),
  ownerTeamKey: z.string().max(64).optional(),
  charter: z.string().trim().max(500, "Keep the charter under 500 characters.").optional(),
  stewardEmails: z
    .array(z.string().email("Stewards are named by email address."))
    .max(20, "At most 20 stewards.")
    .optional(),
  policy: domainPolicyInput.optional(),
});

export const alertChannelInput = z.object({
  teamKey: teamKeyInput,
  webhookUrl: z.string().trim().url("Enter a full URL, e.g. https://hooks.example.com/weft.").max(2000).nullable(),
  enabled: z.boolean().optional(),
});

export const contractNameInput = z
  .string()
  .trim()
  .min(3, "Name the event.")
  .max(128)
  .regex(EVENT_NAME, "Name events as “<entity>.<past-tense verb>”, lower case, e.g. “timesheet.approved”.");
export const semverInput = z.string().trim().max(32).regex(SEMVER, "Use a semantic version such as 1.0.0.");

export const contractCreateFields = {
  name: contractNameInput,
  version: semverInput.optional(),
  ownerTeamKey: teamKeyInput,
  domain: z.enum(DOMAINS),
  description: z.string().trim().max(1000, "Keep the description under 1000 characters.").optional(),
  producers: z.array(z.string().max(128)).max(50).optional(),
  consumers: z.array(z.string().max(128)).max(50).optional(),
};
