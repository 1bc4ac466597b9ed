import type { Metadata } from "next";
import { PageHeader } from "@/components/shell/page-header";
import { UsersAdmin } from "@/components/settings/users-admin";
import { TeamsAdmin } from "@/components/settings/teams-admin";
import { ApiTokens } from "@/components/settings/api-tokens";
import { EnvironmentsAdmin } from "@/components/settings/environments-admin";
import { requirePageUser } from "@/server/auth/session";
import { hasRole } from "@/core/roles";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const { user } = await requirePageUser();
  return (
    <>
      <PageHeader title="Settings" description="Your account, API tokens, users, roles, teams and environments." />
      <section className="space-y-6 p-8">
        <div className="max-w-xl rounded-lg border border-slate-200 bg-white p-5">
          <h2 className="font-medium">Your account</h2>
          <dl className="mt-2 grid grid-cols-[8rem_1fr] gap-y-1 text-sm">
            <dt className="text-slate-500">Name</dt>
            <dd>{user.name}</dd>
            <dt className="text-slate-500">Email</dt>
            <dd>{user.email}</dd>
            <dt className="text-slate-500">Roles</dt>
            <dd>{user.roles.join(", ")}</dd>
          </dl>
        </div>
        <ApiTokens />
        {hasRole(user.roles, "admin") ? (
          <>
            <UsersAdmin selfId={user.id} />
            <TeamsAdmin />
            <EnvironmentsAdmin />
          </>
        ) : (
          <p className="max-w-xl text-sm text-slate-500">Users, roles and teams are managed by an administrator.</p>
        )}
      </section>
    </>
  );
}
