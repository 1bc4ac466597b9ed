import type { Metadata } from "next";
import { Suspense } from "react";
import { RunsList } from "@/components/runs/runs-list";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Runs" };

export default async function RunsPage() {
  const { user } = await requirePageUser("viewer");
  return (
    <>
      <PageHeader
        title="Runs"
        description="Every run of every flow: filter by flow, version, status, trigger, time or business key, and open one to see its steps."
      />
      <Suspense>
        <RunsList roles={user.roles} />
      </Suspense>
    </>
  );
}
