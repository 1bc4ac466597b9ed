import type { Metadata } from "next";
import { Designer } from "@/components/designer/designer";

export async function generateMetadata({ params }: { params: Promise<{ flowKey: string }> }): Promise<Metadata> {
  const { flowKey } = await params;
  return { title: `${flowKey} · Designer` };
}

export default async function FlowDesignerPage({ params }: { params: Promise<{ flowKey: string }> }) {
  const { flowKey } = await params;
  return <Designer flowKey={decodeURIComponent(flowKey)} />;
}
