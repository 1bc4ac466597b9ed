import { clsx } from "clsx";

const TONES = {
  gray: "bg-slate-100 text-slate-700 ring-slate-200",
  green: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  red: "bg-red-50 text-red-700 ring-red-200",
  amber: "bg-amber-50 text-amber-800 ring-amber-200",
  blue: "bg-brand-50 text-brand-700 ring-brand-100",
} as const;

export type Tone = keyof typeof TONES;

export function Badge({ tone = "gray", children, title }: { tone?: Tone; children: React.ReactNode; title?: string }) {
  return (
    <span
      title={title}
      className={clsx(
        "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
        TONES[tone],
      )}
    >
      {children}
    </span>
  );
}

export const RUN_STATUS_TONE: Record<string, Tone> = {
  succeeded: "green",
  failed: "red",
  running: "blue",
  queued: "gray",
  waiting: "amber",
  cancelled: "gray",
};

export const LIFECYCLE_TONE: Record<string, Tone> = {
  draft: "gray",
  active: "green",
  deprecated: "amber",
  retired: "red",
};

/** A flow version's status as a badge, wherever versions are listed (governance page, designer). */
export const VERSION_STATUS_TONE: Record<string, Tone> = {
  pending_approval: "amber",
  approved: "green",
  rejected: "red",
  deprecated: "amber",
  retired: "gray",
};
