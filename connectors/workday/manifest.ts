// Workday (HRIS) manifest. Browser-safe.
import { z } from "zod";
import { defineConnector } from "../sdk/define";
import { httpUrl, rateLimitSchema } from "../sdk/common";

const Ref = z.object({ id: z.string(), descriptor: z.string().optional(), href: z.string().optional() });
export const Worker = z.looseObject({
  id: z.string().describe("Workday ID (WID)"),
  descriptor: z.string().describe("Display name"),
  href: z.string().optional(),
  workerId: z.string().optional(),
  primaryWorkEmail: z.string().optional(),
  businessTitle: z.string().optional(),
  isManager: z.boolean().optional(),
  primarySupervisoryOrganization: Ref.optional(),
  location: Ref.optional(),
  hireDate: z.string().optional(),
});
export const Skill = z.looseObject({
  id: z.string(),
  descriptor: z.string().optional(),
  skillItem: Ref,
  skillLevel: Ref.optional(),
  skillSources: z.array(Ref).optional(),
});

export const workdayManifest = defineConnector({
  key: "workday",
  name: "Workday",
  system: "hris",
  icon: "users",
  version: "1.0.0",
  description:
    "Workday HCM: workers (REST, limit/offset paging), skills, and RaaS custom reports for cost centre, location and capacity.",
  docs: "Register an API Client for Integrations and issue a refresh token for an Integration System User. RaaS reports use the ISU's basic credentials when given, otherwise the bearer token.",
  auth: {
    type: "oauth2_refresh_token",
    config: z.object({
      baseUrl: httpUrl.describe("e.g. https://wd2-impl-services1.workday.com"),
      tenant: z.string().min(1),
      rateLimit: rateLimitSchema.optional(),
    }),
    secrets: z.object({
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      refreshToken: z.string().min(1),
      isuUsername: z.string().optional(),
      isuPassword: z.string().optional(),
    }),
  },
  operations: {
    listWorkers: {
      kind: "action",
      name: "List workers",
      description: "Workers with title, organisation and location; pages by limit (≤ 100) and offset.",
      effect: "read",
      input: z.object({
        search: z.string().optional(),
        limit: z.number().int().min(1).max(100).default(100),
        offset: z.number().int().min(0).default(0),
        allPages: z.boolean().default(true),
        maxItems: z.number().int().positive().default(10_000),
      }),
      output: z.object({ items: z.array(Worker), total: z.number().int() }),
    },
    getWorker: {
      kind: "action",
      name: "Get worker",
      description: "One worker by WID.",
      effect: "read",
      input: z.object({ id: z.string().min(1) }),
      output: Worker,
    },
    getWorkerSkills: {
      kind: "action",
      name: "Worker skills",
      description: "A worker's explicit skills (Worker Profile and Skills).",
      effect: "read",
      input: z.object({ id: z.string().min(1) }),
      output: z.object({ items: z.array(Skill), total: z.number().int() }),
    },
    runReport: {
      kind: "action",
      name: "Run RaaS report",
      description: "Runs a custom report as JSON (read-only, not paged).",
      effect: "read",
      input: z.object({
        owner: z.string().min(1).describe("Report owner, e.g. ISU_Weft"),
        report: z.string().min(1).describe("e.g. Consultant_Capacity"),
        prompts: z
          .record(z.string(), z.string())
          .default({})
          .describe('Report prompts, e.g. {"Cost_Center": "CC-1200"}'),
      }),
      output: z.object({ entries: z.array(z.record(z.string(), z.unknown())) }),
    },
  },
});
