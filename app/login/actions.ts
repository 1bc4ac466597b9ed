"use server";
// Password sign-in as a server action: the form posts (never GET) whether or not its JavaScript has loaded,
// so credentials never land in a URL. It goes through better-auth's sign-in endpoint — hooks included, so the
// throttle (server/auth/throttle.ts) and the sign-in audit apply — and the nextCookies plugin sets the cookie.
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { APIError } from "better-auth/api";
import { auth } from "@/server/auth/auth";
import { safeNext, signInSchema, type SignInState } from "@/components/auth/sign-in";

export async function signInWithPassword(_prev: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "");
  const parsed = signInSchema.safeParse({ email, password: String(form.get("password") ?? "") });
  if (!parsed.success) {
    const f = parsed.error.flatten().fieldErrors;
    return { submitted: true, error: null, fieldErrors: { email: f.email?.[0], password: f.password?.[0] }, email };
  }
  try {
    await auth().api.signInEmail({ body: parsed.data, headers: await headers() });
  } catch (e) {
    if (!(e instanceof APIError)) throw e;
    const error =
      e.statusCode === 401
        ? "Wrong email or password."
        : e.statusCode === 429
          ? e.message
          : `Sign-in failed: ${e.message}`;
    return { submitted: true, error, fieldErrors: {}, email };
  }
  redirect(safeNext(String(form.get("next") ?? "")));
}
