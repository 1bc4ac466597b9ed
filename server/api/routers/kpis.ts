// The Business page (docs/kpis.md): KPI tiles with weekly trends, one KPI's drill-down (records, runs,
// exceptions), and the filter's options. Reads for anyone signed in — the same people who see the runs and
// exceptions behind the figures. Handlers are thin: server/kpis does the work.
import "server-only";
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import type { Db } from "../../db/client";
import { DomainError } from "../../../core/domain-error";
import { KPI_IDS, KPIS } from "../../../core/kpis/definitions";
import { prismaSql } from "../../runtime/sql";
import { KpiFilterInput } from "../../kpis/filter";
import { kpiDrill, kpiSummary } from "../../kpis/queries";
import { personTeamsSql } from "../../kpis/sql";
import { BusinessSloInput } from "../../../core/kpis/slo";
import { createBusinessSlo, deleteBusinessSlo, listBusinessSlos, updateBusinessSlo } from "../../kpis/slo";

const sloId = z.uuid();

/** A team filter must name a team: a typo would otherwise show an empty, plausible page. */
async function checkFilter(db: Db, f: KpiFilterInput): Promise<void> {
  if (f.team && !(await db.team.findUnique({ where: { key: f.team }, select: { id: true } })))
    throw new DomainError("invalid", `There is no team "${f.team}".`, { field: "team" });
  // A firm team is an HRIS organisation some fact named (the personTeam key), not a Weft team.
  if (
    f.personTeam &&
    !(await db.businessEvent.findFirst({ where: { personTeam: f.personTeam }, select: { id: true } }))
  )
    throw new DomainError("invalid", `No business event names the HRIS team "${f.personTeam}".`, {
      field: "personTeam",
    });
}

export const kpisRouter = createTRPCRouter({
  summary: procedure("viewer")
    .input(KpiFilterInput)
    .query(async ({ ctx, input }) => {
      await checkFilter(ctx.db, input);
      return kpiSummary(prismaSql(ctx.db), input);
    }),

  drill: procedure("viewer")
    .input(KpiFilterInput.extend({ kpi: z.enum(KPI_IDS), limit: z.int().min(1).max(500).optional() }))
    .query(async ({ ctx, input }) => {
      const { kpi, limit, ...filter } = input;
      await checkFilter(ctx.db, filter);
      return kpiDrill(prismaSql(ctx.db), kpi, filter, limit ?? 100);
    }),

  /** Business SLOs: a target on a KPI with the technical SLOs' error budget and burn-rate alerts (docs/kpis.md). */
  slo: createTRPCRouter({
    list: procedure("viewer").query(({ ctx }) => listBusinessSlos(ctx.db)),
    create: procedure("designer", "businessSlo")
      .input(BusinessSloInput)
      .mutation(({ ctx, input }) => createBusinessSlo(ctx.db, ctx.audit, ctx.user.id, input)),
    update: procedure("designer", "businessSlo")
      .input(BusinessSloInput.extend({ id: sloId }))
      .mutation(({ ctx, input: { id, ...rest } }) => updateBusinessSlo(ctx.db, ctx.audit, id, rest)),
    delete: procedure("designer", "businessSlo")
      .input(z.object({ id: sloId }))
      .mutation(({ ctx, input }) => deleteBusinessSlo(ctx.db, ctx.audit, input.id)),
  }),

  /**
   * What the filter offers (Weft teams; the firm's teams — HRIS organisations — and customers named by business
   * events) and every KPI's definition.
   */
  options: procedure("viewer").query(async ({ ctx }) => {
    const teams = await ctx.db.team.findMany({ select: { key: true, name: true }, orderBy: { name: "asc" } });
    const customers = await ctx.db.$queryRaw<Array<{ customer: string }>>`
      SELECT DISTINCT customer FROM business_event WHERE customer IS NOT NULL AND NOT is_test ORDER BY customer LIMIT 500`;
    const pt = personTeamsSql();
    const personTeams = await ctx.db.$queryRawUnsafe<Array<{ id: string; name: string }>>(pt.text, ...pt.values);
    return {
      teams,
      personTeams,
      customers: customers.map((c) => c.customer),
      definitions: Object.values(KPIS),
    };
  }),
});
