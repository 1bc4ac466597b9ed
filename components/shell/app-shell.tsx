"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { clsx } from "clsx";
import { authClient } from "@/components/trpc/auth-client";
import { navFor } from "./nav";
import { NavIcon } from "./nav-icon";
import { SimulationStatus } from "./simulation-status";

export interface ShellUser {
  name: string;
  email: string;
  roles: string[];
}

export function AppShell({
  user,
  demo = false,
  children,
}: {
  user: ShellUser;
  /** Demo mode: show the background simulation's progress. */
  demo?: boolean;
  children: React.ReactNode;
}) {
  const pathname = usePathname();
  const router = useRouter();
  return (
    <div className="flex min-h-full">
      <aside className="sticky top-0 flex h-screen w-60 shrink-0 flex-col bg-slate-900 text-slate-300">
        <Link href="/flows" className="flex items-center gap-2 px-5 py-5 text-white" aria-label="Weft home">
          <span className="grid h-8 w-8 place-items-center rounded-lg bg-brand-600 font-bold">W</span>
          <span className="text-lg font-semibold tracking-tight">Weft</span>
        </Link>
        <nav aria-label="Main" className="flex-1 px-3">
          <ul className="space-y-0.5">
            {navFor(user.roles).map((item) => {
              const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    aria-current={active ? "page" : undefined}
                    className={clsx(
                      "flex items-center gap-3 rounded-md px-3 py-2 text-sm",
                      active ? "bg-slate-800 font-medium text-white" : "hover:bg-slate-800/60 hover:text-white",
                    )}
                  >
                    <NavIcon name={item.label} />
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        {demo && <SimulationStatus />}
        <div className="border-t border-slate-800 p-4">
          <p className="truncate text-sm font-medium text-white">{user.name}</p>
          <p className="truncate text-xs text-slate-400">{user.email}</p>
          <p className="mt-1 text-xs text-slate-400">Roles: {user.roles.join(", ")}</p>
          <button
            type="button"
            className="mt-3 w-full rounded-md border border-slate-700 px-3 py-1.5 text-xs hover:bg-slate-800"
            onClick={() => {
              // To the sign-in page even if the call fails (offline): the server drops the session on expiry.
              void authClient.signOut().finally(() => {
                router.replace("/login");
                router.refresh();
              });
            }}
          >
            Sign out
          </button>
        </div>
      </aside>
      <main className="min-w-0 flex-1">{children}</main>
    </div>
  );
}
