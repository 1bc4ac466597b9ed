// The app's sections, in navigation order. `built` is false while a section is still to come.
import { hasRole, type Role } from "@/core/roles";

export interface NavItem {
  href: string;
  label: string;
  description: string;
  built: boolean;
  /** The role the page needs (its server check); others do not see the link — it would lead to "no access". */
  role?: Role;
}

export const NAV: readonly NavItem[] = [
  {
    href: "/inbox",
    label: "Inbox",
    description: "Approvals that runs wait for: yours and your teams'.",
    built: true,
  },
  {
    href: "/flows",
    label: "Flows",
    description: "Design integration flows on a canvas and publish versions.",
    built: false,
  },
  {
    href: "/catalog",
    label: "Catalog",
    description: "Every integration with its owner, domain, version, SLOs and lineage.",
    built: true,
  },
  { href: "/runs", label: "Runs", description: "Every run with its step timeline, inputs and outputs.", built: false },
  {
    href: "/exceptions",
    label: "Exceptions",
    description: "Failed runs to triage, fix, replay and resolve, in business terms.",
    built: false,
  },
  {
    href: "/reconciliation",
    label: "Reconciliation",
    description: "Do the systems agree? Match rates, money and hours at stake, breaks to re-sync.",
    built: true,
  },
  {
    href: "/business",
    label: "Business",
    description: "Business KPIs of the flows: invoice cycle time, unbilled approved time, set-up time, utilisation.",
    built: true,
  },
  {
    href: "/connections",
    label: "Connections",
    description: "Named connections to Salesforce, the PSA, Workday, NetSuite and more.",
    built: false,
  },
  {
    href: "/audit",
    label: "Audit",
    description: "The tamper-evident record of every change.",
    built: true,
    role: "admin",
  },
  { href: "/settings", label: "Settings", description: "Users, roles and teams.", built: true },
];

/** The sections a user with `roles` can open. */
export function navFor(roles: readonly string[]): NavItem[] {
  return NAV.filter((n) => !n.role || hasRole(roles as Role[], n.role));
}
