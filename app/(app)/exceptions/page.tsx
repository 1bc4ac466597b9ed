import type { Metadata } from "next";
import { Suspense } from "react";
import { ExceptionQueue } from "@/components/exceptions/exception-queue";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Exceptions" };

export default async function ExceptionsPage() {
  const { user } = await requirePageUser("viewer");
  return (
    <>
      <PageHeader
        title="Exceptions"
        description="What failed, what it holds up, and what to do about it — grouped so a thousand identical failures read as one problem."
      />
      <Suspense>
        <ExceptionQueue roles={user.roles} />
      </Suspense>
    </>
  );
}
