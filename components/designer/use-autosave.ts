"use client";
// Autosave of the designer document, beside use-history.ts. Saves from one editor are serialised on the
// latest acknowledged revision: one save in flight at a time, and edits made while it is in flight are saved
// next, on the revision the server returned — so an editor never conflicts with itself, however slow the
// server. A real conflict (someone else, another tab) keeps the local edits and offers a three-way merge
// (model.ts mergeDocs: base = the revision this editor last had acknowledged, theirs, mine). Until a save is
// acknowledged the edits are also kept in localStorage (per flow, with their base revision and base
// document), so a reload or a crashed tab offers to restore them instead of losing them.
import { useCallback, useEffect, useRef, useState } from "react";
import { decompileWithLayout, jsonEqual, type Flow } from "@/core/dsl";
import { compileState, fromDecompiled, mergeDocs, type DNode, type DocState } from "./model";

/** Quiet time after the last edit before it is saved. */
export const AUTOSAVE_MS = 1000;
/** After this long without typing the edits are written to localStorage as well. */
const PERSIST_MS = 250;
const STORAGE_PREFIX = "weft.designer.unsaved.";

export type SaveState =
  | { kind: "saved"; at: Date | null }
  | { kind: "dirty" }
  | { kind: "saving" }
  | { kind: "conflict"; message: string }
  | { kind: "error"; message: string };

/** The three documents of a merge the user has to look at (a save conflict, or restoring edits whose base is not the draft's). */
export interface PendingMerge {
  reason: "conflict" | "restore";
  base: DocState;
  theirs: DocState;
  theirRevision: number;
  /** The restored edits; for a conflict the editor's live document is "mine". */
  mine: DocState | null;
}

/** What is kept in localStorage until the server acknowledges it. */
interface Unsaved {
  baseRevision: number;
  /** The compiled draft of the base revision (null when it did not fit in storage). */
  base: Flow | null;
  mine: Flow;
  at: string;
}

export interface AutosaveOptions {
  flowKey: string;
  doc: DocState;
  initial: DocState;
  initialRevision: number;
  lastSavedAt: Date | null;
  readOnly: boolean;
  save(baseRevision: number, draft: Flow): Promise<{ draftRevision: number; savedAt: Date | string }>;
  /** The stored draft as it is now (not from a cache). */
  loadLatest(): Promise<{ draft: unknown; draftRevision: number }>;
  /** Puts a document into the editor (one history entry). */
  apply(doc: DocState): void;
}

export interface Autosave {
  state: SaveState;
  /** The last revision the server acknowledged for this editor. */
  revision: number;
  merge: PendingMerge | null;
  /** Unsaved edits from an earlier visit, offered for restoring. */
  restorable: { at: Date; baseRevision: number } | null;
  retry(): void;
  /** Restores the offered edits; true when they overlap the draft and wait in `merge` for the user. */
  restore(): Promise<boolean>;
  discardRestorable(): void;
  /** Loads the stored draft again to merge with it (after a conflict whose loading failed, or to look again). */
  prepareMerge(): Promise<void>;
  /** The user merged: the merged document replaces the editor's, and saving continues on their revision. */
  acceptMerge(merged: DocState): void;
  cancelMerge(): void;
  /** The user's version was saved elsewhere (as a copy): nothing is left to keep here. */
  forget(): void;
}

const storageKey = (flowKey: string) => `${STORAGE_PREFIX}${flowKey}`;

function readUnsaved(flowKey: string): Unsaved | null {
  try {
    const raw = localStorage.getItem(storageKey(flowKey));
    const v = raw ? (JSON.parse(raw) as Unsaved) : null;
    return v && typeof v.baseRevision === "number" && v.mine && typeof v.mine === "object" ? v : null;
  } catch {
    return null;
  }
}

function writeUnsaved(flowKey: string, v: Unsaved): void {
  try {
    localStorage.setItem(storageKey(flowKey), JSON.stringify(v));
  } catch {
    // Over quota: keep the edits without their base (restoring then treats every difference as mine).
    try {
      localStorage.setItem(storageKey(flowKey), JSON.stringify({ ...v, base: null }));
    } catch {
      // Storage unavailable (private mode, full): the server save is the only copy.
    }
  }
}

function clearUnsaved(flowKey: string): void {
  try {
    localStorage.removeItem(storageKey(flowKey));
  } catch {
    // Nothing to clear.
  }
}

async function docOf(flow: unknown): Promise<DocState> {
  return fromDecompiled(await decompileWithLayout(flow as Flow));
}

/** Whether two documents can differ in what is saved (identity per node; selection and measuring do not count). */
export function sameDoc(a: DocState, b: DocState): boolean {
  if (a === b) return true;
  if (a.meta !== b.meta || a.edges.length !== b.edges.length || a.nodes.length !== b.nodes.length) return false;
  for (let i = 0; i < a.edges.length; i++)
    if (a.edges[i]!.id !== b.edges[i]!.id || a.edges[i]!.target !== b.edges[i]!.target) return false;
  for (let i = 0; i < a.nodes.length; i++) {
    const x: DNode = a.nodes[i]!;
    const y: DNode = b.nodes[i]!;
    if (
      x.id !== y.id ||
      x.data !== y.data ||
      x.parentId !== y.parentId ||
      x.position.x !== y.position.x ||
      x.position.y !== y.position.y ||
      x.width !== y.width ||
      x.height !== y.height
    )
      return false;
  }
  return true;
}

const compiled = (doc: DocState): Flow => compileState(doc).flow;

export function useAutosave(o: AutosaveOptions): Autosave {
  const { flowKey, readOnly } = o;
  const opts = useRef(o);
  opts.current = o;
  const docRef = useRef(o.doc);
  docRef.current = o.doc;

  // The last acknowledged revision, its document and its compiled JSON (the base of any merge).
  const ack = useRef<{ revision: number; doc: DocState; json: string; at: Date | null }>(null!);
  ack.current ??= {
    revision: o.initialRevision,
    doc: o.initial,
    json: JSON.stringify(compiled(o.initial)),
    at: o.lastSavedAt,
  };
  const inFlight = useRef(false);
  const blocked = useRef(false);
  const [state, setState] = useState<SaveState>({ kind: "saved", at: o.lastSavedAt });
  const [revision, setRevision] = useState(o.initialRevision);
  const [merge, setMerge] = useState<PendingMerge | null>(null);

  // Edits a previous visit left unsaved; identical to the stored draft means they were saved after all.
  const [offered, setOffered] = useState<Unsaved | null>(() => {
    if (readOnly || typeof window === "undefined") return null;
    const u = readUnsaved(flowKey);
    if (u && jsonEqual(u.mine, JSON.parse(ack.current.json))) {
      clearUnsaved(flowKey);
      return null;
    }
    return u;
  });
  const offeredRef = useRef(offered);
  offeredRef.current = offered;

  const persist = useCallback(
    (json?: string) => {
      // While earlier edits are offered for restoring, they stay in storage until the user decides.
      if (readOnly || offeredRef.current) return;
      const mine = json ?? JSON.stringify(compiled(docRef.current));
      if (mine === ack.current.json && !blocked.current) return clearUnsaved(flowKey);
      writeUnsaved(flowKey, {
        baseRevision: ack.current.revision,
        base: JSON.parse(ack.current.json) as Flow,
        mine: JSON.parse(mine) as Flow,
        at: new Date().toISOString(),
      });
    },
    [flowKey, readOnly],
  );

  const openConflict = useCallback(async () => {
    try {
      const latest = await opts.current.loadLatest();
      setMerge({
        reason: "conflict",
        base: ack.current.doc,
        theirs: await docOf(latest.draft),
        theirRevision: latest.draftRevision,
        mine: null,
      });
    } catch (e) {
      setMerge(null);
      setState({
        kind: "conflict",
        message: `The other version could not be loaded to merge with: ${(e as Error).message}`,
      });
    }
  }, []);

  const flush = useCallback(async (): Promise<void> => {
    if (readOnly || blocked.current || inFlight.current) return;
    const sent = docRef.current;
    const json = JSON.stringify(compiled(sent));
    if (json === ack.current.json) {
      setState((s) =>
        s.kind === "dirty" || s.kind === "saving" || s.kind === "error" ? { kind: "saved", at: ack.current.at } : s,
      );
      if (!offeredRef.current) clearUnsaved(flowKey);
      return;
    }
    inFlight.current = true;
    setState({ kind: "saving" });
    persist(json);
    try {
      const r = await opts.current.save(ack.current.revision, JSON.parse(json) as Flow);
      ack.current = { revision: r.draftRevision, doc: sent, json, at: new Date(r.savedAt) };
      setRevision(r.draftRevision);
      inFlight.current = false;
      // Edits made while this save was in flight are saved next, on the revision just returned.
      await flush();
    } catch (e) {
      inFlight.current = false;
      const err = e as { data?: { code?: string }; message: string };
      if (err.data?.code === "CONFLICT") {
        blocked.current = true;
        setState({ kind: "conflict", message: err.message });
        persist();
        await openConflict();
      } else setState({ kind: "error", message: err.message });
    }
  }, [flowKey, readOnly, persist, openConflict]);

  // Every change: written to storage soon and saved once typing pauses (timers survive changes that do not
  // touch what is saved, such as selection).
  const timers = useRef<{ save?: ReturnType<typeof setTimeout>; persist?: ReturnType<typeof setTimeout> }>({});
  const lastSeen = useRef(o.initial);
  useEffect(() => {
    if (readOnly || sameDoc(lastSeen.current, o.doc)) return;
    lastSeen.current = o.doc;
    setState((s) => (s.kind === "saved" ? { kind: "dirty" } : s));
    clearTimeout(timers.current.persist);
    clearTimeout(timers.current.save);
    timers.current.persist = setTimeout(() => persist(), PERSIST_MS);
    timers.current.save = setTimeout(() => void flush(), AUTOSAVE_MS);
  }, [o.doc, readOnly, persist, flush]);
  useEffect(() => {
    const t = timers.current;
    return () => (clearTimeout(t.persist), clearTimeout(t.save));
  }, []);

  // Leaving with unsaved edits: they are in storage (restored on the next visit), and the browser asks.
  const stateKind = state.kind;
  useEffect(() => {
    const leave = (e: BeforeUnloadEvent) => {
      if (stateKind === "dirty" || stateKind === "saving" || stateKind === "conflict" || stateKind === "error") {
        persist();
        e.preventDefault();
      }
    };
    window.addEventListener("beforeunload", leave);
    return () => window.removeEventListener("beforeunload", leave);
  }, [stateKind, persist]);

  const acceptMerge = useCallback(
    (merged: DocState) => {
      const m = merge;
      if (!m) return;
      ack.current = {
        revision: m.theirRevision,
        doc: m.theirs,
        json: JSON.stringify(compiled(m.theirs)),
        at: ack.current.at,
      };
      setRevision(m.theirRevision);
      blocked.current = false;
      setMerge(null);
      setOffered(null);
      setState({ kind: "dirty" });
      opts.current.apply(merged);
      clearTimeout(timers.current.save);
      timers.current.save = setTimeout(() => void flush(), AUTOSAVE_MS);
    },
    [merge, flush],
  );

  const restore = useCallback(async () => {
    const u = offeredRef.current;
    if (!u) return false;
    const mine = await docOf(u.mine);
    // Base: the revision the edits were made on (as stored); without it, every difference counts as mine.
    const theirs = ack.current.doc;
    const base = u.base ? await docOf(u.base) : theirs;
    const r = mergeDocs(base, theirs, mine);
    if (r.conflicts.length === 0) {
      setOffered(null);
      opts.current.apply(r.merged);
      return false;
    }
    setMerge({ reason: "restore", base, theirs, theirRevision: ack.current.revision, mine });
    return true;
  }, []);

  return {
    state,
    revision,
    merge,
    restorable: offered ? { at: new Date(offered.at), baseRevision: offered.baseRevision } : null,
    retry: () => void flush(),
    restore,
    discardRestorable: () => {
      clearUnsaved(flowKey);
      setOffered(null);
    },
    prepareMerge: openConflict,
    acceptMerge,
    cancelMerge: () => setMerge((m) => (m?.reason === "restore" ? null : m)),
    forget: () => {
      clearUnsaved(flowKey);
      setOffered(null);
    },
  };
}
