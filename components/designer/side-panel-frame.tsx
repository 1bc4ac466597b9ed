// The right-hand panel's frame, alone so the designer can draw it while the panel's code (the inspector with
// CodeMirror, the mapper, versions) is still loading: the canvas keeps its width, so "zoom to fit" does not
// shift when the panel arrives.
export function SidePanelFrame({ children, busy }: { children?: React.ReactNode; busy?: boolean }) {
  return (
    <aside
      aria-label="Inspector"
      aria-busy={busy || undefined}
      className="flex w-[420px] shrink-0 flex-col border-l border-slate-200 bg-white"
    >
      {children}
    </aside>
  );
}
