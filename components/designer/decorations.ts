// Per-node decorations that change without the document changing — validation problems, test-run status —
// kept in a tiny external store so that a node re-renders only when its own decoration changes (node
// components subscribe by id; the 2,000-node canvas does not re-render when one badge appears).
import { createContext, useContext, useSyncExternalStore } from "react";

export interface NodeDecoration {
  errors: number;
  warnings: number;
  firstMessage?: string;
  run?: { status: string; durationMs: number | null };
}

const EMPTY: NodeDecoration = { errors: 0, warnings: 0 };

export class DecorationStore {
  private map = new Map<string, NodeDecoration>();
  private listeners = new Set<() => void>();
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  get = (id: string): NodeDecoration => this.map.get(id) ?? EMPTY;
  /** Replaces all decorations, keeping object identity for nodes whose decoration did not change. */
  replace(next: Map<string, NodeDecoration>): void {
    let changed = next.size !== this.map.size;
    for (const [id, d] of next) {
      const old = this.map.get(id);
      if (
        old &&
        old.errors === d.errors &&
        old.warnings === d.warnings &&
        old.firstMessage === d.firstMessage &&
        old.run?.status === d.run?.status &&
        old.run?.durationMs === d.run?.durationMs
      )
        next.set(id, old);
      else changed = true;
    }
    if (!changed) return;
    this.map = next;
    for (const l of this.listeners) l();
  }
}

export const DecorationContext = createContext<DecorationStore | null>(null);

export function useDecoration(id: string): NodeDecoration {
  const store = useContext(DecorationContext);
  return useSyncExternalStore(
    store ? store.subscribe : noopSubscribe,
    () => (store ? store.get(id) : EMPTY),
    () => EMPTY,
  );
}
const noopSubscribe = () => () => {};
