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

export const TimeOffEntry = z.looseObject({
  id: z.string(),
  date: z.string(),
  timeOffType: Ref,
  quantity: z.number().describe("In the unit (hours)"),
  unit: Ref.optional(),
  status: Ref.optional(),
});
export const ProjectAssignment = z.looseObject({
  id: z.string(),
  descriptor: z.string().optional(),
  href: z.string().optional(),
  worker: Ref,
  project: z.object({ id: z.string().optional(), descriptor: z.string() }),
  projectRole: z.object({ id: z.string().optional(), descriptor: z.string() }).optional(),
  startDate: z.string(),
  endDate: z.string(),
  hoursPerWeek: z.number().optional(),
  externalReference: z.string().optional(),
});
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD");

export const workdayManifest = defineConnector({
  key: "workday",
  name: "Workday",
  system: "hris",
  icon: "users",
  version: "1.0.0",
  description:
    "Workday HCM: workers (REST, limit/offset paging), skills, time off, project staffing assignments, and RaaS custom reports for cost centre, location, capacity and availability.",
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
    getWorkerTimeOff: {
      kind: "action",
      name: "Worker time off",
      description: "A worker's approved time off between two dates (Absence Management), paged by limit and offset.",
      effect: "read",
      input: z.object({
        id: z.string().min(1),
        fromDate: day,
        toDate: day,
        limit: z.number().int().min(1).max(100).default(100),
      }),
      output: z.object({ items: z.array(TimeOffEntry), total: z.number().int() }),
    },
    listProjectAssignments: {
      kind: "action",
      name: "List project assignments",
      description: "Workers staffed on projects (the HRIS's staffing record), by worker or external reference.",
      effect: "read",
      input: z.object({
        worker: z.string().optional().describe("Worker WID"),
        externalReference: z.string().optional().describe("The id the PSA gave the booking"),
        limit: z.number().int().min(1).max(100).default(100),
        offset: z.number().int().min(0).default(0),
      }),
      output: z.object({ items: z.array(ProjectAssignment), total: z.number().int() }),
    },
    createProjectAssignment: {
      kind: "action",
      name: "Create project assignment",
      description:
        "Staffs a worker on a project for dates (the HRIS's staffing record). Workday refuses a second one with the same external reference.",
      effect: "write",
      input: z.object({
        worker: z.object({ id: z.string().min(1) }),
        project: z.object({ id: z.string().optional(), descriptor: z.string().min(1) }),
        projectRole: z.object({ descriptor: z.string().min(1) }).optional(),
        startDate: day,
        endDate: day,
        hoursPerWeek: z.number().min(0).max(80).optional(),
        externalReference: z.string().min(1).describe("The PSA's id of the booking, e.g. kantata-allocation-123"),
      }),
      output: ProjectAssignment,
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
