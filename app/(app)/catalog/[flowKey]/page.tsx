import type { Metadata } from "next";
import { FlowGovernance } from "@/components/catalog/flow-governance";
import { PollPanel } from "@/components/catalog/poll-panel";
import { CatalogTabs } from "@/components/catalog/shared";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";
import { db } from "@/server/db/client";

export async function generateMetadata({ params }: { params: Promise<{ flowKey: string }> }): Promise<Metadata> {
  return { title: decodeURIComponent((await params).flowKey) };
}

export default async function FlowGovernancePage({ params }: { params: Promise<{ flowKey: string }> }) {
  const { user } = await requirePageUser("viewer");
  const flowKey = decodeURIComponent((await params).flowKey);
  const flow = await db().flow.findUnique({ where: { key: flowKey }, select: { name: true, description: true } });
  return (
    <>
      <PageHeader
        title={flow?.name ?? flowKey}
        description={flow?.description || `Governance of ${flowKey}: ownership, SLOs, alerts and versions.`}
      />
      <CatalogTabs />
      <FlowGovernance flowKey={flowKey} roles={user.roles} />
      <PollPanel flowKey={flowKey} roles={user.roles} />
    </>
  );
}
