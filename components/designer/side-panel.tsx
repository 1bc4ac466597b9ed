"use client";
// The designer's right-hand panel: the inspector of the selection (or of the flow) and the versions tab.
import { clsx } from "clsx";
import type { Flow } from "@/core/dsl";
import { Inspector, type InspectorProps } from "./inspector/inspector";
import { VersionsMount } from "./versions-mount";
import { SidePanelFrame } from "./side-panel-frame";

export type SideTab = "inspect" | "versions";

export function SidePanel({
  tab,
  onTab,
  inspector,
  versions,
}: {
  tab: SideTab;
  onTab(tab: SideTab): void;
  inspector: InspectorProps;
  versions: { flowKey: string; draft: Flow; draftRevision: number; hasErrors: boolean; onRestored(): void };
}) {
  return (
    <SidePanelFrame>
      <div role="tablist" className="flex border-b border-slate-200 text-xs font-medium">
        {(["inspect", "versions"] as const).map((t) => (
          <button
            key={t}
            role="tab"
            type="button"
            aria-selected={tab === t}
            onClick={() => onTab(t)}
            className={clsx(
              "flex-1 px-3 py-2",
              tab === t ? "border-b-2 border-brand-600 text-brand-700" : "text-slate-500 hover:text-slate-800",
            )}
          >
            {t === "inspect" ? "Inspector" : "Versions"}
          </button>
        ))}
      </div>
      <div className="min-h-0 flex-1">
        {tab === "inspect" ? <Inspector {...inspector} /> : <VersionsMount {...versions} />}
      </div>
    </SidePanelFrame>
  );
}
