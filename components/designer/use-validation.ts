// Validation of the document as it is edited: the server's validator (core/dsl), in the browser, on the
// compiled document with the connector catalog and the workspace's connections and published flows.
// Debounced, and skipped when only positions or the selection changed; the decorations (per-node badges and
// test-run status) follow the problems.
import { useEffect, useMemo, useRef, useState } from "react";
import { validate, type Catalog, type Flow, type Problem } from "@/core/dsl";
import { DecorationStore, type NodeDecoration } from "./decorations";
import { compileState, fieldOfProblem, nodeOfProblem, sameStructure, TRIGGER_NODE_ID, type DocState } from "./model";

export interface Validation {
  flow: Flow;
  problems: Problem[];
}

/** Drawing problems first (dangling connections…), then the document's. */
export function runValidation(state: DocState, catalog: Catalog): Validation {
  const c = compileState(state);
  const v = validate(c.flow, { catalog });
  return { flow: c.flow, problems: [...c.problems, ...v.problems] };
}

/**
 * The validation of `doc`, kept current. `initial` (the opening document) is validated once, at mount; a
 * changed catalog (a connection created from the inspector) re-validates an unchanged document.
 */
export function useValidation(doc: DocState, initial: DocState, catalog: Catalog): Validation {
  const [validation, setValidation] = useState<Validation>(() => runValidation(initial, catalog));
  const lastValidated = useRef<{ doc: DocState; catalog: Catalog }>({ doc: initial, catalog });
  useEffect(() => {
    const prev = lastValidated.current;
    if (
      prev.catalog === catalog &&
      prev.doc.meta === doc.meta &&
      prev.doc.edges === doc.edges &&
      sameStructure(prev.doc.nodes, doc.nodes)
    )
      return;
    const t = setTimeout(() => {
      lastValidated.current = { doc, catalog };
      setValidation(runValidation(doc, catalog));
    }, 120);
    return () => clearTimeout(t);
  }, [doc, catalog]);
  return validation;
}

interface RunDecoration {
  status: string;
  durationMs: number | null;
  steps: ReadonlyMap<string, { status: string; durationMs: number | null }>;
}

/** Each node's badge: its problems counted by severity with the first message, and its test-run status. */
export function decorationsOf(problems: readonly Problem[], run: RunDecoration | null): Map<string, NodeDecoration> {
  const m = new Map<string, NodeDecoration>();
  for (const p of problems) {
    const id = nodeOfProblem(p);
    if (!id) continue;
    const d = m.get(id) ?? { errors: 0, warnings: 0 };
    if (p.severity === "error") d.errors++;
    else d.warnings++;
    d.firstMessage ??= p.message;
    m.set(id, d);
  }
  if (run) {
    for (const [id, s] of run.steps)
      m.set(id, { ...(m.get(id) ?? { errors: 0, warnings: 0 }), run: { status: s.status, durationMs: s.durationMs } });
    m.set(TRIGGER_NODE_ID, {
      ...(m.get(TRIGGER_NODE_ID) ?? { errors: 0, warnings: 0 }),
      run: { status: run.status, durationMs: run.durationMs },
    });
  }
  return m;
}

/** The canvas badges (decorations.ts) for the current problems and test run. */
export function useDecorations(problems: readonly Problem[], run: RunDecoration | null): DecorationStore {
  const [store] = useState(() => new DecorationStore());
  useEffect(() => store.replace(decorationsOf(problems, run)), [store, problems, run]);
  return store;
}

/**
 * The problems the inspector shows: the selected node's (the flow's own with no node selected), and the
 * first message per field path for the field they point at.
 */
export function useProblemsAt(
  validation: Validation,
  nodeId: string | null,
): { nodeProblems: Problem[]; fieldProblems: Map<string, string> } {
  const nodeProblems = useMemo(
    () => validation.problems.filter((p) => (nodeId ? nodeOfProblem(p) === nodeId : !nodeOfProblem(p))),
    [validation.problems, nodeId],
  );
  const fieldProblems = useMemo(() => {
    const m = new Map<string, string>();
    for (const p of nodeProblems) {
      const f = fieldOfProblem(validation.flow, p);
      if (f && !m.has(f)) m.set(f, p.message);
    }
    return m;
  }, [nodeProblems, validation.flow]);
  return { nodeProblems, fieldProblems };
}
