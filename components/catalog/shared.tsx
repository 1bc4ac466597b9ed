"use client";
// Small pieces shared by the catalog pages: section tabs, SLO state badges, YAML downloads.
import Link from "next/link";
import { usePathname } from "next/navigation";
import { clsx } from "clsx";
import { Badge, type Tone } from "@/components/ui/badge";

export const SLO_STATE_TONE: Record<string, Tone> = {
  firing: "red",
  breached: "red",
  "at-risk": "amber",
  ok: "green",
  "no-data": "gray",
};
export const SLO_STATE_LABEL: Record<string, string> = {
  firing: "alert firing",
  breached: "budget spent",
  "at-risk": "at risk",
  ok: "healthy",
  "no-data": "no data",
};

export function SloBadge({ state }: { state: string }) {
  return <Badge tone={SLO_STATE_TONE[state] ?? "gray"}>{SLO_STATE_LABEL[state] ?? state}</Badge>;
}

const TABS = [
  { href: "/catalog", label: "Integrations" },
  { href: "/catalog/lineage", label: "Lineage" },
  { href: "/catalog/events", label: "Event contracts" },
  { href: "/catalog/domains", label: "Domains" },
] as const;

export function CatalogTabs() {
  const path = usePathname();
  return (
    <nav aria-label="Catalog sections" className="flex gap-1 border-b border-slate-200 bg-white px-8">
      {TABS.map((t) => {
        const current = t.href === "/catalog" ? path === "/catalog" : path.startsWith(t.href);
        return (
          <Link
            key={t.href}
            href={t.href}
            aria-current={current ? "page" : undefined}
            className={clsx(
              "border-b-2 px-3 py-2 text-sm",
              current
                ? "border-brand-600 font-medium text-brand-700"
                : "border-transparent text-slate-600 hover:text-slate-900",
            )}
          >
            {t.label}
          </Link>
        );
      })}
    </nav>
  );
}

export function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/yaml" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}

export const pct = (v: number | null, digits = 2) => (v === null ? "—" : `${(v * 100).toFixed(digits)}%`);
