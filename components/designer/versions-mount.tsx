"use client";
// MOUNT POINT for the versions panel (components/designer/versions/versions-panel.tsx): publish with the
// proposed semver bump, history, visual diff, restore as draft.
import { VersionsPanel } from "./versions/versions-panel";
import type { VersionsPanelProps } from "./versions/types";

export function VersionsMount(p: VersionsPanelProps) {
  return <VersionsPanel {...p} />;
}
