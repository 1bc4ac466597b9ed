// Which environment a list of runs or exceptions opens on (docs/environments.md). Browser-safe: no I/O.

/** The environment operators work in and business figures count. */
export const PRODUCTION = "production";

/** The URL value that widens a list to every environment. */
export const ALL_ENVIRONMENTS = "all";

/**
 * The environment a list shows: the one chosen, else the role's default — operators work production unless
 * they choose otherwise (a test-environment run is a trial, not an incident); everyone else sees every
 * environment. Returns an environment key or `ALL_ENVIRONMENTS`.
 */
export function openingEnvironment(chosen: string | null | undefined, roles: readonly string[]): string {
  if (chosen) return chosen;
  return roles.includes("operator") ? PRODUCTION : ALL_ENVIRONMENTS;
}

/** The environment key a query narrows to, or undefined for every environment. */
export const environmentKeyOf = (environment: string | null | undefined): string | undefined =>
  environment && environment !== ALL_ENVIRONMENTS ? environment : undefined;

/**
 * What a read of runs or exceptions narrows to for a caller: the chosen environment (`ALL_ENVIRONMENTS` for
 * every one), else the role's default (`openingEnvironment`). The API applies it, so a client that names no
 * environment gets what the page shows; undefined = every environment.
 */
export const scopedEnvironment = (chosen: string | null | undefined, roles: readonly string[]): string | undefined =>
  environmentKeyOf(openingEnvironment(chosen, roles));

/** Business figures (KPIs, business SLOs, reconciliation match rates) count production unless asked otherwise. */
export const figuresEnvironment = (chosen: string | null | undefined): string | undefined =>
  environmentKeyOf(chosen || PRODUCTION);

/** The runs list's choice in its URL: `environment` (as the exception queue), or the older `env`. */
export const environmentParam = (params: { get(name: string): string | null }): string =>
  params.get("environment") || params.get("env") || "";
