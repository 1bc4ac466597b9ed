"use client";
// The lines between the source and target trees: one curve per mapped source field, drawn in a gutter
// between the two columns from the source row to the target row it feeds (the selected target's lines
// stand out). Rows are read from the DOM (`data-source`, `data-target`), so the lines follow scrolling,
// expanding and collapsing; a row scrolled out of view or collapsed away has no line.
import { useEffect, useRef, useState, type RefObject } from "react";

export interface MappingPair {
  /** The source field's expression, as the source tree's `data-source`. */
  from: string;
  /** The target row's key, as the target tree's `data-target`. */
  to: string;
}

interface Line {
  from: string;
  to: string;
  d: string;
}

function rowY(row: Element, gutter: DOMRect): number | null {
  const r = row.getBoundingClientRect();
  const list = row.closest('[role="tree"]')?.getBoundingClientRect();
  const y = r.top + r.height / 2;
  if (r.height === 0 || (list && (y < list.top || y > list.bottom))) return null;
  return y - gutter.top;
}

export function MappingLines({
  scope,
  pairs,
  selectedKey,
}: {
  scope: RefObject<HTMLElement | null>;
  pairs: readonly MappingPair[];
  selectedKey: string | null;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  const [lines, setLines] = useState<Line[]>([]);
  useEffect(() => {
    const root = scope.current;
    const g = gutter.current;
    if (!root || !g) return;
    let frame = 0;
    const measure = () => {
      frame = 0;
      const box = g.getBoundingClientRect();
      if (box.width === 0) return setLines((l) => (l.length ? [] : l)); // stacked layout: no gutter
      const next: Line[] = [];
      for (const p of pairs) {
        const s = root.querySelector(`[data-source="${CSS.escape(p.from)}"]`);
        const t = root.querySelector(`[data-target="${CSS.escape(p.to)}"]`);
        const y1 = s && rowY(s, box);
        const y2 = t && rowY(t, box);
        if (y1 == null || y2 == null) continue;
        const w = box.width;
        next.push({
          ...p,
          d: `M0 ${y1.toFixed(1)}C${(w / 2).toFixed(1)} ${y1.toFixed(1)} ${(w / 2).toFixed(1)} ${y2.toFixed(1)} ${w} ${y2.toFixed(1)}`,
        });
      }
      setLines(next);
    };
    const schedule = () => {
      frame ||= requestAnimationFrame(measure);
    };
    schedule();
    // Trees expand and collapse, lists scroll, panels resize: measure again on the next frame.
    const mo = new MutationObserver(schedule);
    mo.observe(root, { childList: true, subtree: true });
    const ro = new ResizeObserver(schedule);
    ro.observe(root);
    root.addEventListener("scroll", schedule, true);
    return () => {
      cancelAnimationFrame(frame);
      mo.disconnect();
      ro.disconnect();
      root.removeEventListener("scroll", schedule, true);
    };
  }, [scope, pairs]);

  return (
    <div ref={gutter} aria-hidden className="relative hidden bg-slate-50 @3xl:block">
      <svg data-testid="mapping-lines" className="pointer-events-none absolute inset-0 h-full w-full overflow-visible">
        {lines.map((l) => {
          const on = l.to === selectedKey;
          return (
            <path
              key={`${l.from}→${l.to}`}
              data-from={l.from}
              data-to={l.to}
              d={l.d}
              fill="none"
              stroke={on ? "#2563eb" : "#94a3b8"}
              strokeWidth={on ? 2 : 1.25}
            />
          );
        })}
      </svg>
    </div>
  );
}
