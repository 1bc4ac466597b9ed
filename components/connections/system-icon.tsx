// Connector icons: the manifest names one ("cloud", "briefcase", …); drawn as small stroke SVGs in a
// tinted tile coloured by system (CRM, PSA, HRIS, ERP, data, generic). Decorative.
const PATHS: Record<string, string> = {
  cloud: "M6 15h8a3.5 3.5 0 0 0 .4-7A5 5 0 0 0 5 9a3 3 0 0 0 1 6z",
  briefcase: "M3 7h14v9H3zM7 7V5h6v2M3 11h14",
  users:
    "M7 9a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM2.5 16c.5-3 2.3-4.5 4.5-4.5s4 1.5 4.5 4.5M13 9a2 2 0 1 0 0-4M14 11.5c1.8.3 3 1.8 3.5 4.5",
  ledger: "M5 3h10v14H5zM8 7h4M8 10h4M8 13h2",
  chart: "M4 16V9M8 16V5M12 16v-5M16 16V7M3 16.5h14",
  database:
    "M4 5c0-1.1 2.7-2 6-2s6 .9 6 2-2.7 2-6 2-6-.9-6-2zM4 5v10c0 1.1 2.7 2 6 2s6-.9 6-2V5M4 10c0 1.1 2.7 2 6 2s6-.9 6-2",
  globe:
    "M10 17a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM3 10h14M10 3c2 2 2.8 4.4 2.8 7s-.8 5-2.8 7c-2-2-2.8-4.4-2.8-7S8 5 10 3z",
  webhook: "M8 6a3 3 0 1 1 4.5 2.6L10 13M5 15.5a3 3 0 1 1 2.5-4.6L13 11M15 15.5a3 3 0 1 1-1-5.3",
  clock: "M10 17a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM10 6v4l3 2",
  api: "M7 6l-4 4 4 4M13 6l4 4-4 4M11 4l-2 12",
};

const TINT: Record<string, string> = {
  crm: "bg-sky-50 text-sky-700 ring-sky-200",
  psa: "bg-violet-50 text-violet-700 ring-violet-200",
  hris: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  erp: "bg-amber-50 text-amber-700 ring-amber-200",
  data: "bg-rose-50 text-rose-700 ring-rose-200",
  generic: "bg-slate-100 text-slate-700 ring-slate-200",
};

export const SYSTEM_LABEL: Record<string, string> = {
  crm: "CRM",
  psa: "PSA",
  hris: "HRIS",
  erp: "ERP",
  data: "Data platform",
  generic: "Generic",
};

export function SystemIcon({ icon, system, size = 36 }: { icon: string; system: string; size?: number }) {
  return (
    <span
      className={`inline-flex shrink-0 items-center justify-center rounded-lg ring-1 ring-inset ${TINT[system] ?? TINT.generic}`}
      style={{ width: size, height: size }}
      aria-hidden="true"
    >
      <svg
        width={size * 0.55}
        height={size * 0.55}
        viewBox="0 0 20 20"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
        strokeLinecap="round"
        strokeLinejoin="round"
      >
        <path d={PATHS[icon] ?? PATHS.api} />
      </svg>
    </span>
  );
}
