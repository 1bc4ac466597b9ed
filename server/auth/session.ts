// Session lookup for server components and route handlers.
import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { db } from "../db/client";
import { loadSessionUser, type SessionUser } from "./session-user";
import { auth } from "./auth";
import { hasRole, type Role } from "../../core/roles";

export async function currentUser(): Promise<SessionUser | null> {
  const session = await auth().api.getSession({ headers: await headers() });
  return session ? loadSessionUser(db(), session.user.id) : null;
}

/** For pages: sends anonymous visitors to sign in; returns null when signed in without the role. */
export async function requirePageUser(role: Role = "viewer"): Promise<{ user: SessionUser; allowed: boolean }> {
  const user = await currentUser();
  if (!user) redirect("/login");
  return { user, allowed: hasRole(user.roles, role) };
}
