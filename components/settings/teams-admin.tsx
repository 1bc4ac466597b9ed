"use client";
// Settings → Teams (admins): create a team, rename it (its key, which flows and contracts refer to, stays) and
// choose its members. Teams own flows, event contracts and domains and receive their exceptions and alerts.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";

const inputCls = "block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";
const btn =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium hover:bg-slate-50 disabled:opacity-50";

type Team = {
  key: string;
  name: string;
  members: Array<{ user: { id: string; name: string; email: string; disabled: boolean } }>;
  _count: { flows: number };
};

function TeamRow({
  team,
  people,
}: {
  team: Team;
  people: ReadonlyArray<{ id: string; name: string; email: string; disabled: boolean }>;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [name, setName] = useState(team.name);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.admin.pathKey() });
  const rename = useMutation(trpc.admin.renameTeam.mutationOptions({ onSuccess: refresh }));
  const members = useMutation(trpc.admin.setTeamMembers.mutationOptions({ onSuccess: refresh }));
  const ids = team.members.map((m) => m.user.id);
  const error = rename.error ?? members.error;
  return (
    <li className="grid grid-cols-1 gap-3 px-5 py-3 md:grid-cols-[16rem_1fr]" aria-label={`Team ${team.name}`}>
      <form
        className="space-y-1"
        onSubmit={(e) => {
          e.preventDefault();
          rename.mutate({ key: team.key, name });
        }}
      >
        <div className="flex gap-2">
          <input
            aria-label={`Name of team ${team.key}`}
            className={inputCls}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          {name !== team.name && (
            <button type="submit" className={btn} disabled={rename.isPending}>
              Rename
            </button>
          )}
        </div>
        <p className="font-mono text-xs text-slate-500">
          {team.key} · {team._count.flows} flow{team._count.flows === 1 ? "" : "s"}
        </p>
      </form>
      <div className="text-sm">
        <details>
          <summary className="cursor-pointer text-slate-700" aria-label={`Members of ${team.name}`}>
            {team.members.length} member{team.members.length === 1 ? "" : "s"}:{" "}
            {team.members.map((m) => m.user.name).join(", ") || "nobody yet"}
          </summary>
          <div className="mt-2 grid grid-cols-2 gap-1 text-xs lg:grid-cols-3">
            {people.map((p) => (
              <label key={p.id} className="flex items-center gap-1">
                <input
                  type="checkbox"
                  aria-label={`${p.email} in ${team.name}`}
                  checked={ids.includes(p.id)}
                  disabled={members.isPending}
                  onChange={(e) =>
                    members.mutate({
                      key: team.key,
                      userIds: e.target.checked ? [...ids, p.id] : ids.filter((x) => x !== p.id),
                    })
                  }
                />
                {p.name} <span className="text-slate-400">{p.disabled ? "(deactivated)" : ""}</span>
              </label>
            ))}
          </div>
        </details>
        {error && (
          <p role="alert" className="mt-1 text-xs text-red-700">
            {error.message}
          </p>
        )}
      </div>
    </li>
  );
}

export function TeamsAdmin() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const teams = useQuery(trpc.admin.teamsWithMembers.queryOptions());
  const users = useQuery(trpc.admin.users.queryOptions());
  const [key, setKey] = useState("");
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.admin.createTeam.mutationOptions({
      onSuccess: () => {
        setKey("");
        setName("");
        void qc.invalidateQueries({ queryKey: trpc.admin.pathKey() });
      },
    }),
  );
  return (
    <section className="rounded-lg border border-slate-200 bg-white" aria-labelledby="teams-h">
      <h2 id="teams-h" className="border-b border-slate-200 px-5 py-3 font-medium">
        Teams
      </h2>
      <form
        aria-label="New team"
        className="flex flex-wrap items-end gap-3 border-b border-slate-100 px-5 py-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ key, name });
        }}
      >
        <label className="text-xs font-medium text-slate-700">
          Team name
          <input
            className={`${inputCls} mt-1 w-56`}
            value={name}
            onChange={(e) => {
              const v = e.target.value;
              // The key follows the name until the admin edits it.
              if (!key || key === slug(name)) setKey(slug(v));
              setName(v);
            }}
            required
          />
        </label>
        <label className="text-xs font-medium text-slate-700">
          Key
          <input
            className={`${inputCls} mt-1 w-44 font-mono`}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
          />
        </label>
        <button
          type="submit"
          disabled={create.isPending}
          className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50"
        >
          Create team
        </button>
        {create.error && (
          <p role="alert" className="w-full text-sm text-red-700">
            {create.error.data?.zodIssues?.map((i) => i.message).join(" ") || create.error.message}
          </p>
        )}
      </form>
      <ul className="divide-y divide-slate-100">
        {teams.data?.map((t) => (
          <TeamRow key={`${t.key}:${t.name}`} team={t} people={users.data ?? []} />
        ))}
      </ul>
    </section>
  );
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32);
}
