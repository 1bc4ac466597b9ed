import type { Metadata } from "next";
import { FlowList } from "@/components/flows/flow-list";
import { NewFlowButton } from "@/components/flows/new-flow";
import { PageHeader } from "@/components/shell/page-header";

export const metadata: Metadata = { title: "Flows" };

export default function FlowsPage() {
  return (
    <>
      <PageHeader
        title="Flows"
        description="Integration flows across CRM, PSA, HRIS, ERP and reporting."
        actions={<NewFlowButton />}
      />
      <FlowList />
    </>
  );
}
