// Small display helpers shared by the runs and exception pages.
import { Badge, RUN_STATUS_TONE } from "@/components/ui/badge";

export function JsonBlock({ value, label, empty = "—" }: { value: unknown; label?: string; empty?: string }) {
  const text = value === undefined || value === null ? null : JSON.stringify(value, null, 2);
  return (
    <div>
      {label && <p className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>}
      {text ? (
        <pre className="max-h-80 overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs leading-relaxed text-slate-800">
          {text}
        </pre>
      ) : (
        <p className="text-sm text-slate-400">{empty}</p>
      )}
    </div>
  );
}

export function RunStatus({ status }: { status: string }) {
  return <Badge tone={RUN_STATUS_TONE[status] ?? "gray"}>{status}</Badge>;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return m < 60 ? `${m} min ${Math.round((ms % 60_000) / 1000)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatTime(d: Date | string | null | undefined): string {
  if (!d) return "—";
  const date = typeof d === "string" ? new Date(d) : d;
  return date.toLocaleString("en-GB", {
    day: "2-digit",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

export function timeAgo(d: Date | string): string {
  const ms = Date.now() - new Date(d).getTime();
  if (ms < 60_000) return "just now";
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}

export function BusinessKeys({ keys }: { keys: Record<string, unknown> | null | undefined }) {
  const entries = Object.entries(keys ?? {}).filter(([, v]) => v !== null && v !== undefined && v !== "");
  if (!entries.length) return <span className="text-slate-400">—</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {entries.map(([k, v]) => (
        <span key={k} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">
          <span className="text-slate-400">{k}</span> {typeof v === "string" ? v : JSON.stringify(v)}
        </span>
      ))}
    </span>
  );
}

export const ERROR_CLASS_TONE: Record<string, "red" | "amber" | "gray" | "blue"> = {
  transient: "amber",
  auth: "red",
  validation: "red",
  mapping: "amber",
  business: "blue",
  internal: "gray",
};

/** How a dry test run answered a step it did not send (the kernel's attempt-log `simulated`), in words. */
export const SIMULATED_LABEL: Record<string, string> = {
  "pinned-sample": "dry run: not sent — answered with the step's pinned sample",
  synthesised: "dry run: not sent — response synthesised from the operation's output schema",
  "not-published": "dry run: event recorded, not published",
};

/** What a test run's mode means, for the run bar and the run page. */
export const TEST_MODE_LABEL: Record<string, string> = {
  "dry-run": "dry run (writes simulated)",
  live: "live (writes sent)",
};

export function SimulatedBadge({ simulated }: { simulated: string | null | undefined }) {
  if (!simulated) return null;
  return (
    <Badge tone="amber" title={SIMULATED_LABEL[simulated] ?? simulated}>
      <span data-testid="simulated">{simulated === "not-published" ? "not published" : "simulated"}</span>
    </Badge>
  );
}
