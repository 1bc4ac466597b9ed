// Snapshot undo/redo for the designer document. States are immutable, so a snapshot is a reference and
// costs nothing to keep. Edits that arrive as a stream (typing in a field) coalesce into one entry per
// field; transient updates (a node being dragged) change the present without an entry and the drag is
// committed once, on drop.
import { useCallback, useRef, useState } from "react";

const LIMIT = 200;
const COALESCE_MS = 1200;

export interface History<T> {
  present: T;
  /** Replace the present and record the previous state (unless `transient`). */
  set(next: T | ((prev: T) => T), opts?: { coalesce?: string; transient?: boolean }): void;
  /** Record `before` as an undo step without changing the present (used after a drag). */
  commit(before: T): void;
  undo(): void;
  redo(): void;
  reset(next: T): void;
  canUndo: boolean;
  canRedo: boolean;
}

export function useHistory<T>(initial: T): History<T> {
  const [state, setState] = useState<{ past: T[]; present: T; future: T[] }>({
    past: [],
    present: initial,
    future: [],
  });
  const last = useRef<{ key: string; at: number } | null>(null);

  const set = useCallback((next: T | ((prev: T) => T), opts: { coalesce?: string; transient?: boolean } = {}) => {
    setState((s) => {
      const value = typeof next === "function" ? (next as (p: T) => T)(s.present) : next;
      if (value === s.present) return s;
      if (opts.transient) return { ...s, present: value };
      const now = Date.now();
      const merge =
        opts.coalesce !== undefined &&
        last.current?.key === opts.coalesce &&
        now - last.current.at < COALESCE_MS &&
        s.past.length > 0;
      last.current = opts.coalesce !== undefined ? { key: opts.coalesce, at: now } : null;
      if (merge) return { past: s.past, present: value, future: [] };
      return { past: [...s.past, s.present].slice(-LIMIT), present: value, future: [] };
    });
  }, []);
  const commit = useCallback((before: T) => {
    last.current = null;
    setState((s) =>
      before === s.present ? s : { past: [...s.past, before].slice(-LIMIT), present: s.present, future: [] },
    );
  }, []);
  const undo = useCallback(() => {
    last.current = null;
    setState((s) =>
      s.past.length === 0
        ? s
        : { past: s.past.slice(0, -1), present: s.past[s.past.length - 1]!, future: [s.present, ...s.future] },
    );
  }, []);
  const redo = useCallback(() => {
    last.current = null;
    setState((s) =>
      s.future.length === 0 ? s : { past: [...s.past, s.present], present: s.future[0]!, future: s.future.slice(1) },
    );
  }, []);
  const reset = useCallback((next: T) => {
    last.current = null;
    setState({ past: [], present: next, future: [] });
  }, []);
  return {
    present: state.present,
    set,
    commit,
    undo,
    redo,
    reset,
    canUndo: state.past.length > 0,
    canRedo: state.future.length > 0,
  };
}
