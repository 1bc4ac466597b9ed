"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { authClient } from "@/components/trpc/auth-client";

const schema = z.object({
  email: z.string().email("Enter an email address."),
  password: z.string().min(1, "Enter your password."),
});
type Values = z.infer<typeof schema>;

export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const { register, handleSubmit, formState } = useForm<Values>({ resolver: zodResolver(schema) });

  const onSubmit = handleSubmit(async (values) => {
    setError(null);
    const { error: err } = await authClient.signIn.email({ email: values.email, password: values.password });
    if (err) {
      setError(err.status === 401 || err.code === "INVALID_EMAIL_OR_PASSWORD" ? "Wrong email or password." : (err.message ?? "Sign-in failed."));
      return;
    }
    router.replace(next);
    router.refresh();
  });

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <Field label="Email" error={formState.errors.email?.message}>
        {(id) => <input id={id} type="email" autoComplete="username" className={inputClass} {...register("email")} />}
      </Field>
      <Field label="Password" error={formState.errors.password?.message}>
        {(id) => <input id={id} type="password" autoComplete="current-password" className={inputClass} {...register("password")} />}
      </Field>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
      <button type="submit" disabled={formState.isSubmitting} className="w-full rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60">
        {formState.isSubmitting ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

const inputClass = "block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500";

function Field({ label, error, children }: { label: string; error?: string; children: (id: string) => React.ReactNode }) {
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
