import { AppShell } from "@/components/shell/app-shell";
import { requirePageUser } from "@/server/auth/session";
import { config } from "@/server/config";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const { user } = await requirePageUser();
  return (
    <AppShell user={{ name: user.name, email: user.email, roles: user.roles }} demo={config().demo}>
      {children}
    </AppShell>
  );
}
