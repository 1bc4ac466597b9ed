// Small inline icons for the navigation (stroke paths, 20px), decorative only.
const PATHS: Record<string, string> = {
  Inbox: "M3 11l2-7h10l2 7v5H3zM3 11h4l1 2h4l1-2h4",
  Flows: "M4 6h5v4H4zM11 14h5v4h-5zM6.5 10v3.5a1 1 0 0 0 1 1H11",
  Catalog: "M4 4h12v12H4zM4 8h12M8 8v8",
  Runs: "M5 4l10 6-10 6z",
  Exceptions: "M10 3l8 14H2zM10 8v4M10 14.5v.5",
  Reconciliation: "M3 6h6M3 10h6M3 14h6M11 6h6M11 10h6M11 14h3M15 13l1.5 1.5L19 12",
  Business: "M3 17h14M5 14V9M9 14V5M13 14v-3M17 14V7",
  Connections: "M7 13l6-6M6 9l-2 2a3 3 0 0 0 4 4l2-2M14 11l2-2a3 3 0 0 0-4-4l-2 2",
  Audit: "M6 3h8v14H6zM8 7h4M8 10h4M8 13h2",
  Settings:
    "M10 7a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM10 2v2M10 16v2M2 10h2M16 10h2M4.2 4.2l1.4 1.4M14.4 14.4l1.4 1.4M4.2 15.8l1.4-1.4M14.4 5.6l1.4-1.4",
};

export function NavIcon({ name }: { name: string }) {
  return (
    <svg
      width="18"
      height="18"
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={PATHS[name] ?? ""} />
    </svg>
  );
}
