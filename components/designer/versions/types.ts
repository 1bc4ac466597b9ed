// Contract between the designer (d1) and the versions panel (d2): types only.
import type { Flow } from "@/core/dsl";

export interface VersionsPanelProps {
  flowKey: string;
  /** The current draft document (what would be published). */
  draft: Flow;
  /** The draft's revision, bumped by every save; restore bumps it too. */
  draftRevision: number;
  /** Validation errors remain: publishing is disabled with the reason. */
  hasErrors: boolean;
  /** Called after a version was restored as the draft (the designer reloads it). */
  onRestored(): void;
}
