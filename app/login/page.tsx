import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/auth/login-form";
import { safeNext } from "@/components/auth/sign-in";
import { currentUser } from "@/server/auth/session";
import { config } from "@/server/config";
import { oidcSettings } from "@/server/auth/oidc";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string; error?: string }>;
}) {
  if (await currentUser()) redirect("/flows");
  const { next, error } = await searchParams;
  const demo = config().demo;
  const sso = oidcSettings();
  return (
    <main className="grid min-h-full place-items-center bg-gradient-to-br from-slate-900 via-slate-800 to-brand-700 px-4 py-16">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex items-center gap-3 text-white">
          <WeftMark />
          <div>
            <p className="text-2xl font-semibold tracking-tight">Weft</p>
            <p className="text-sm text-slate-300">Integrations for professional services</p>
          </div>
        </div>
        <div className="rounded-xl bg-white p-6 shadow-2xl">
          <h1 className="mb-4 text-lg font-semibold">Sign in</h1>
          <LoginForm next={safeNext(next)} sso={sso ? { name: sso.name } : null} ssoError={error ?? null} />
        </div>
        {demo && (
          <p className="mt-4 text-center text-sm text-slate-300">
            Demo accounts: admin@, designer@, approver@, operator@, viewer@weft.local — password{" "}
            <code className="font-mono">weft-demo</code>
          </p>
        )}
      </div>
    </main>
  );
}

function WeftMark() {
  return (
    <svg width="40" height="40" viewBox="0 0 40 40" aria-hidden="true">
      <rect width="40" height="40" rx="10" fill="#2563eb" />
      <path d="M8 13h24M8 20h24M8 27h24" stroke="#bfdbfe" strokeWidth="2.5" strokeLinecap="round" />
      <path d="M14 8v24M26 8v24" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" />
    </svg>
  );
}
