import type { Metadata } from "next";
import { Suspense } from "react";
import { Inbox } from "@/components/inbox/inbox";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Inbox" };

export default async function InboxPage() {
  await requirePageUser("viewer");
  return (
    <>
      <PageHeader
        title="Inbox"
        description="Decisions that runs are waiting for — yours and your teams'. A run continues as soon as you decide."
      />
      <Suspense>
        <Inbox />
      </Suspense>
    </>
  );
}
