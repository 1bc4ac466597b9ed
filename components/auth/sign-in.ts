// What the sign-in form and its server action (app/login/actions.ts) share: the field rules, the state the
// action hands back, and where a successful sign-in may go. Browser-safe.
import { z } from "zod";

export const signInSchema = z.object({
  email: z.string().trim().email("Enter an email address."),
  password: z.string().min(1, "Enter your password."),
});

export interface SignInState {
  /** Set once the form has been submitted (an SSO error from the URL shows until then). */
  submitted: boolean;
  error: string | null;
  fieldErrors: { email?: string; password?: string };
  /** Echoed back so a failed attempt keeps the address (never the password). */
  email: string;
}

export const initialSignInState: SignInState = { submitted: false, error: null, fieldErrors: {}, email: "" };

/** A same-site path only: "//host" and "/\host" are other sites to a browser. */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/flows";
}
