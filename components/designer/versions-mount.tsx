"use client";
// MOUNT POINT for the versions panel (components/designer/versions/versions-panel.tsx, d2): publish with
// the proposed semver bump, history, visual diff, restore as draft. Until it lands this says so plainly.
import type { VersionsPanelProps } from "./versions/types";

export function VersionsMount(p: VersionsPanelProps) {
  return (
    <div className="space-y-2 p-4 text-sm text-slate-600" data-testid="versions-mount">
      <p className="font-medium text-slate-800">Versions of {p.flowKey}</p>
      <p>Draft revision {p.draftRevision}.</p>
      {p.hasErrors && <p className="text-red-700">Publishing is blocked while the draft has errors (see Problems).</p>}
    </div>
  );
}
