"use client";
// The estate as a left-to-right graph (React Flow): systems, flows and domain events, so a reviewer can
// follow "timesheet approved" into invoicing and on into reporting. The server assigns the columns.
import "@xyflow/react/dist/style.css";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Background, Controls, MarkerType, ReactFlow, type Edge, type Node } from "@xyflow/react";
import { useTRPC } from "@/components/trpc/client";
import { SelectField } from "@/components/ui/fields";
import { DOMAINS } from "@/core/flow-constants";

const STYLE: Record<string, string> = {
  system: "border-slate-400 bg-slate-100 text-slate-800",
  flow: "border-brand-600 bg-white text-brand-800",
  event: "border-amber-500 bg-amber-50 text-amber-900 rounded-full",
};
const KIND_LABEL: Record<string, string> = { system: "System", flow: "Flow", event: "Event" };

export function LineageView() {
  const trpc = useTRPC();
  const [domain, setDomain] = useState("");
  const graph = useQuery(
    trpc.governance.catalog.lineage.queryOptions({
      domain: (domain || undefined) as (typeof DOMAINS)[number] | undefined,
    }),
  );

  const { nodes, edges } = useMemo(() => {
    const rows = new Map<number, number>();
    const nodes: Node[] = (graph.data?.nodes ?? []).map((n) => {
      const row = rows.get(n.layer) ?? 0;
      rows.set(n.layer, row + 1);
      return {
        id: n.id,
        position: { x: n.layer * 260, y: row * 90 },
        data: {
          label: (
            <div aria-label={`${KIND_LABEL[n.kind]} ${n.label}`}>
              <span className="block text-[10px] uppercase tracking-wide opacity-60">{KIND_LABEL[n.kind]}</span>
              {n.kind === "flow" ? (
                <Link href={`/catalog/${encodeURIComponent(n.meta.key ?? "")}`}>{n.label}</Link>
              ) : (
                n.label
              )}
              {n.meta.owner && <span className="block text-[10px] opacity-60">{n.meta.owner}</span>}
            </div>
          ),
        },
        className: `border text-xs ${STYLE[n.kind] ?? ""}`,
        sourcePosition: "right",
        targetPosition: "left",
      } as Node;
    });
    const edges: Edge[] = (graph.data?.edges ?? []).map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      label: e.kind,
      markerEnd: { type: MarkerType.ArrowClosed },
      style: e.kind === "writes" ? { strokeDasharray: "4 2" } : undefined,
    }));
    return { nodes, edges };
  }, [graph.data]);

  return (
    <section className="space-y-4 p-8">
      <div
        role="search"
        aria-label="Filter the lineage"
        className="flex items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <SelectField
          label="Domain"
          value={domain}
          anyLabel="All domains"
          options={DOMAINS.map((d) => ({ value: d, label: d }))}
          onChange={setDomain}
        />
        <p className="pb-2 text-xs text-slate-500">
          Arrows run from systems and events into the flows that read or consume them, and on to what those flows write
          and emit.
        </p>
      </div>
      <div className="h-[640px] rounded-lg border border-slate-200 bg-white" aria-label="Lineage graph" role="figure">
        {graph.data && (
          <ReactFlow
            nodes={nodes}
            edges={edges}
            fitView
            nodesConnectable={false}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        )}
      </div>
      {graph.data && (
        <details className="rounded-lg border border-slate-200 bg-white p-4 text-sm">
          <summary className="cursor-pointer font-medium">Lineage as a list</summary>
          <ul className="mt-2 space-y-1">
            {graph.data.edges.map((e) => (
              <li key={e.id}>
                {graph.data.nodes.find((n) => n.id === e.source)?.label}{" "}
                <span className="text-slate-500">{e.kind}</span> →{" "}
                {graph.data.nodes.find((n) => n.id === e.target)?.label}
              </li>
            ))}
          </ul>
        </details>
      )}
      {graph.error && (
        <p role="alert" className="text-sm text-red-700">
          {graph.error.message}
        </p>
      )}
    </section>
  );
}
