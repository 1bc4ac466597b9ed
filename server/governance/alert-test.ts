// "Send test alert": posts a clearly marked test payload to a team's saved webhook, so a team can see
// its channel works before a real burn-rate alert needs it. Same permission as editing the channel; the
// attempt and its outcome are audited (a webhook call leaves the workspace).
import "server-only";
import { DomainError } from "../../core/domain-error";
import { hasRole } from "../../core/roles";
import type { GovCtx } from "./context";
import { postJson } from "./webhook";

export interface TestAlertPayload {
  type: "slo.alert.test";
  team: { key: string; name: string };
  sentBy: string;
  sentAt: string;
  message: string;
}

export async function sendTestAlert(ctx: GovCtx, input: { teamKey: string }, opts: { post?: typeof postJson } = {}) {
  const team = await ctx.db.team.findUnique({ where: { key: input.teamKey } });
  if (!team) throw new DomainError("not_found", `No team "${input.teamKey}".`);
  const member =
    ctx.user.teamIds.includes(team.id) && (hasRole(ctx.user.roles, "approver") || hasRole(ctx.user.roles, "designer"));
  if (!ctx.user.roles.includes("admin") && !member)
    throw new DomainError(
      "forbidden",
      `Only ${team.name}'s designers and approvers, or an admin, may test its alert channel.`,
    );
  const channel = await ctx.db.teamAlertChannel.findUnique({ where: { teamId: team.id } });
  if (!channel?.webhookUrl)
    throw new DomainError("precondition", `${team.name} has no webhook URL saved: its alerts are in-app only.`);
  const body: TestAlertPayload = {
    type: "slo.alert.test",
    team: { key: team.key, name: team.name },
    sentBy: ctx.user.email,
    sentAt: new Date().toISOString(),
    message: `Test alert from Weft for ${team.name}. Real SLO alerts arrive as slo.alert.firing and slo.alert.resolved.`,
  };
  const post = opts.post ?? postJson;
  const result = await post(channel.webhookUrl, body);
  await ctx.db.$transaction((tx) =>
    ctx.audit(tx, {
      action: "team.alert_channel_tested",
      entityType: "team",
      entityId: team.key,
      meta: {
        webhookUrl: channel.webhookUrl,
        enabled: channel.enabled,
        ok: result.ok,
        status: result.status,
        error: result.error,
      },
    }),
  );
  return {
    ok: result.ok,
    status: result.status,
    error: result.error,
    webhookUrl: channel.webhookUrl,
    enabled: channel.enabled,
  };
}
