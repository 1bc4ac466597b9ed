"use client";
// Settings → Users (admins): every user with roles, teams and state; add a user (one-time password shown once, or
// one the admin sets), change roles and teams, set a new password, deactivate and reactivate. The server enforces
// and audits each change (server/auth/admin-users.ts) — this screen only says what it refused.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { ROLES, type Role } from "@/core/roles";

const inputCls = "mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";
const btn =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium hover:bg-slate-50 disabled:opacity-50";

function OneTime({ who, password, onDone }: { who: string; password: string; onDone(): void }) {
  return (
    <div role="status" className="mx-5 mb-3 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm">
      <p className="font-medium text-emerald-900">
        One-time password for {who}. Copy it now and hand it over safely: it is not shown again.
      </p>
      <div className="mt-2 flex items-center gap-2">
        <code
          data-testid="one-time-password"
          className="select-all break-all rounded bg-white px-2 py-1 font-mono text-xs ring-1 ring-emerald-200"
        >
          {password}
        </code>
        <button type="button" className={btn} onClick={() => void navigator.clipboard?.writeText(password)}>
          Copy
        </button>
        <button type="button" className="text-xs text-emerald-900 underline" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function NewUserForm({
  teams,
  onCreated,
  onCancel,
}: {
  teams: ReadonlyArray<{ key: string; name: string }>;
  onCreated(email: string, oneTime: string | null): void;
  onCancel(): void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [roles, setRoles] = useState<Role[]>(["viewer"]);
  const [teamKeys, setTeamKeys] = useState<string[]>([]);
  const [mode, setMode] = useState<"one-time" | "set">("one-time");
  const [password, setPassword] = useState("");
  const create = useMutation(
    trpc.admin.createUser.mutationOptions({
      onSuccess: (r) => {
        void qc.invalidateQueries({ queryKey: trpc.admin.pathKey() });
        onCreated(r.email, r.oneTimePassword);
      },
    }),
  );
  const toggle = <T,>(list: T[], v: T, on: boolean) => (on ? [...list, v] : list.filter((x) => x !== v));
  return (
    <form
      aria-label="New user"
      className="mx-5 mb-4 space-y-3 rounded-md border border-slate-200 bg-slate-50 p-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ name, email, roles, teamKeys, ...(mode === "set" ? { password } : {}) });
      }}
    >
      <div className="grid grid-cols-2 gap-3">
        <label className="text-xs font-medium text-slate-700">
          Name
          <input className={inputCls} value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="text-xs font-medium text-slate-700">
          Email
          <input type="email" className={inputCls} value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
      </div>
      <fieldset className="text-xs">
        <legend className="font-medium text-slate-700">Roles</legend>
        <div className="mt-1 flex flex-wrap gap-3">
          {ROLES.map((r) => (
            <label key={r} className="flex items-center gap-1">
              <input
                type="checkbox"
                checked={roles.includes(r)}
                onChange={(e) => setRoles(toggle(roles, r, e.target.checked))}
              />{" "}
              {r}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="text-xs">
        <legend className="font-medium text-slate-700">Teams</legend>
        <div className="mt-1 flex flex-wrap gap-3">
          {teams.map((t) => (
            <label key={t.key} className="flex items-center gap-1">
              <input
                type="checkbox"
                checked={teamKeys.includes(t.key)}
                onChange={(e) => setTeamKeys(toggle(teamKeys, t.key, e.target.checked))}
              />{" "}
              {t.name}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="text-xs">
        <legend className="font-medium text-slate-700">First sign-in</legend>
        <label className="mt-1 flex items-center gap-1">
          <input type="radio" name="pw" checked={mode === "one-time"} onChange={() => setMode("one-time")} /> Generate a
          one-time password (shown once)
        </label>
        <label className="mt-1 flex items-center gap-1">
          <input type="radio" name="pw" checked={mode === "set"} onChange={() => setMode("set")} /> Set a password
        </label>
        {mode === "set" && (
          <label className="mt-1 block font-medium text-slate-700">
            Password
            <input
              type="password"
              autoComplete="new-password"
              className={inputCls}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              minLength={8}
            />
          </label>
        )}
      </fieldset>
      {create.error && (
        <p role="alert" className="rounded bg-red-50 px-3 py-2 text-sm text-red-700">
          {create.error.data?.zodIssues?.map((i) => i.message).join(" ") || create.error.message}
        </p>
      )}
      <div className="flex gap-2">
        <button
          type="submit"
          disabled={create.isPending}
          className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50"
        >
          {create.isPending ? "Creating…" : "Create user"}
        </button>
        <button type="button" className="rounded-md border border-slate-300 px-3 py-1.5 text-sm" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function UsersAdmin({ selfId }: { selfId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const users = useQuery(trpc.admin.users.queryOptions());
  const teams = useQuery(trpc.admin.teams.queryOptions());
  const [adding, setAdding] = useState(false);
  const [oneTime, setOneTime] = useState<{ who: string; password: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.admin.pathKey() });
  const opts = { onSuccess: refresh, onError: (e: { message: string }) => setError(e.message) };
  const setRoles = useMutation(trpc.admin.setRoles.mutationOptions(opts));
  const setTeams = useMutation(trpc.admin.setTeams.mutationOptions(opts));
  const setActive = useMutation(trpc.admin.setActive.mutationOptions(opts));
  const setPassword = useMutation(trpc.admin.setPassword.mutationOptions({ ...opts, onSuccess: () => void refresh() }));
  const busy = setRoles.isPending || setTeams.isPending || setActive.isPending || setPassword.isPending;

  return (
    <section className="rounded-lg border border-slate-200 bg-white" aria-labelledby="users-h">
      <div className="flex items-center justify-between border-b border-slate-200 px-5 py-3">
        <h2 id="users-h" className="font-medium">
          Users
        </h2>
        {!adding && (
          <button
            type="button"
            className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700"
            onClick={() => setAdding(true)}
          >
            Add user
          </button>
        )}
      </div>
      <div className="pt-3">
        {adding && (
          <NewUserForm
            teams={teams.data ?? []}
            onCancel={() => setAdding(false)}
            onCreated={(who, pw) => {
              setAdding(false);
              if (pw) setOneTime({ who, password: pw });
            }}
          />
        )}
        {oneTime && <OneTime who={oneTime.who} password={oneTime.password} onDone={() => setOneTime(null)} />}
        {error && (
          <p role="alert" className="mx-5 mb-3 rounded bg-red-50 px-3 py-2 text-sm text-red-700">
            {error}
          </p>
        )}
      </div>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Users, their teams and roles</caption>
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-5 py-2">User</th>
            <th className="px-3 py-2">Teams</th>
            {ROLES.map((r) => (
              <th key={r} className="px-2 py-2 text-center">
                {r}
              </th>
            ))}
            <th className="px-5 py-2 text-right">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {users.data?.map((u) => {
            const mine = u.memberships.map((m) => m.team.key);
            return (
              <tr
                key={u.id}
                aria-label={`User ${u.email}`}
                className={clsx(u.disabled && "bg-slate-50 text-slate-500")}
              >
                <td className="px-5 py-2">
                  <span className="font-medium">{u.name}</span> {u.disabled && <Badge tone="gray">deactivated</Badge>}
                  <span className="block text-xs text-slate-500">
                    {u.email} · {u.signIn.join(" + ") || "no sign-in yet"}
                    {u.lastSeenAt ? ` · last active ${new Date(u.lastSeenAt).toLocaleDateString()}` : ""}
                  </span>
                </td>
                <td className="px-3 py-2">
                  <details>
                    <summary className="cursor-pointer text-slate-700" aria-label={`Teams of ${u.email}`}>
                      {u.memberships.map((m) => m.team.name).join(", ") || "none"}
                    </summary>
                    <div className="mt-1 space-y-0.5 text-xs">
                      {teams.data?.map((t) => (
                        <label key={t.key} className="flex items-center gap-1">
                          <input
                            type="checkbox"
                            aria-label={`${t.name} team for ${u.email}`}
                            checked={mine.includes(t.key)}
                            disabled={busy}
                            onChange={(e) => {
                              setError(null);
                              setTeams.mutate({
                                userId: u.id,
                                teamKeys: e.target.checked ? [...mine, t.key] : mine.filter((k) => k !== t.key),
                              });
                            }}
                          />
                          {t.name}
                        </label>
                      ))}
                    </div>
                  </details>
                </td>
                {ROLES.map((r) => (
                  <td key={r} className="px-2 py-2 text-center">
                    <input
                      type="checkbox"
                      aria-label={`${r} role for ${u.email}`}
                      checked={u.roles.includes(r)}
                      disabled={busy || (u.id === selfId && r === "admin")}
                      onChange={(e) => {
                        setError(null);
                        const next: Role[] = e.target.checked ? [...u.roles, r] : u.roles.filter((x) => x !== r);
                        if (next.length === 0) return setError("A user needs at least one role.");
                        setRoles.mutate({ userId: u.id, roles: next });
                      }}
                    />
                  </td>
                ))}
                <td className="whitespace-nowrap px-5 py-2 text-right">
                  <span className="inline-flex gap-2">
                    <button
                      type="button"
                      className={btn}
                      disabled={busy}
                      aria-label={`New one-time password for ${u.email}`}
                      onClick={() => {
                        setError(null);
                        setPassword.mutate(
                          { userId: u.id },
                          {
                            onSuccess: (r) =>
                              r.oneTimePassword && setOneTime({ who: u.email, password: r.oneTimePassword }),
                          },
                        );
                      }}
                    >
                      New password
                    </button>
                    {u.id !== selfId && (
                      <button
                        type="button"
                        className={clsx(btn, !u.disabled && "border-red-200 text-red-700 hover:bg-red-50")}
                        disabled={busy}
                        aria-label={`${u.disabled ? "Reactivate" : "Deactivate"} ${u.email}`}
                        onClick={() => {
                          setError(null);
                          setActive.mutate({ userId: u.id, active: u.disabled });
                        }}
                      >
                        {u.disabled ? "Reactivate" : "Deactivate"}
                      </button>
                    )}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
