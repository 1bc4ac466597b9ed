"use client";
import { useActionState, useState } from "react";
import { authClient } from "@/components/trpc/auth-client";
import { signInWithPassword } from "@/app/login/actions";
import { initialSignInState } from "@/components/auth/sign-in";

/** Messages for the `?error=` better-auth puts on the sign-in page when single sign-on fails. */
function ssoErrorText(code: string): string {
  if (/signup_disabled|sign_up_disabled|user_not_found/i.test(code))
    return "You have no Weft account yet. Ask an admin to create one for your email address.";
  if (/email_not_verified|unverified|unable_to_create_user/i.test(code))
    return "Your identity provider has not verified your email address, so Weft cannot match it to an account.";
  return `Single sign-on did not complete (${code.replace(/[^a-z0-9_ -]/gi, "").slice(0, 80)}). Try again, or sign in with your password.`;
}

// The password form is a server action (app/login/actions.ts): before hydration — or with no JavaScript at
// all — the browser POSTs it like any form, so the password never goes into the URL.
export function LoginForm({
  next,
  sso,
  ssoError,
}: {
  next: string;
  sso: { name: string } | null;
  ssoError: string | null;
}) {
  const [state, formAction, pending] = useActionState(signInWithPassword, initialSignInState);
  const [ssoFailure, setSsoFailure] = useState<string | null>(ssoError ? ssoErrorText(ssoError) : null);
  const [redirecting, setRedirecting] = useState(false);
  const error = state.submitted ? state.error : ssoFailure;

  const signInWithSso = async () => {
    setSsoFailure(null);
    setRedirecting(true);
    const { error: err } = await authClient.signIn.social({
      provider: "sso",
      callbackURL: next,
      errorCallbackURL: `/login?next=${encodeURIComponent(next)}`,
    });
    if (err) {
      setRedirecting(false);
      setSsoFailure(err.message ?? "Single sign-on could not start.");
    }
  };

  return (
    <form action={formAction} className="space-y-4" noValidate>
      {sso && (
        <>
          <button
            type="button"
            onClick={() => void signInWithSso()}
            disabled={redirecting}
            className="w-full rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-50 disabled:opacity-60"
          >
            {redirecting ? "Redirecting…" : `Sign in with ${sso.name}`}
          </button>
          <div className="flex items-center gap-3 text-xs text-slate-400" aria-hidden="true">
            <span className="h-px flex-1 bg-slate-200" />
            or with your password
            <span className="h-px flex-1 bg-slate-200" />
          </div>
        </>
      )}
      <input type="hidden" name="next" value={next} />
      <Field label="Email" error={state.fieldErrors.email}>
        {(id) => (
          <input
            id={id}
            name="email"
            type="email"
            autoComplete="username"
            defaultValue={state.email}
            className={inputClass}
          />
        )}
      </Field>
      <Field label="Password" error={state.fieldErrors.password}>
        {(id) => (
          <input id={id} name="password" type="password" autoComplete="current-password" className={inputClass} />
        )}
      </Field>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60"
      >
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

const inputClass =
  "block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500";

function Field({
  label,
  error,
  children,
}: {
  label: string;
  error?: string;
  children: (id: string) => React.ReactNode;
}) {
  const id = `f-${label.toLowerCase()}`;
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children(id)}
      {error && <p className="mt-1 text-xs text-red-600">{error}</p>}
    </div>
  );
}
