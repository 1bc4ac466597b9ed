// Which environment a list of runs or exceptions opens on (docs/environments.md). Browser-safe: no I/O.

/** The URL value that widens a list to every environment. */
export const ALL_ENVIRONMENTS = "all";

/**
 * The environment a list shows: the one chosen, else the role's default — operators work production unless
 * they choose otherwise (a test-environment run is a trial, not an incident); everyone else sees every
 * environment. Returns an environment key or `ALL_ENVIRONMENTS`.
 */
export function openingEnvironment(chosen: string | null | undefined, roles: readonly string[]): string {
  if (chosen) return chosen;
  return roles.includes("operator") ? "production" : ALL_ENVIRONMENTS;
}

/** The environment key a query narrows to, or undefined for every environment. */
export const environmentKeyOf = (environment: string | null | undefined): string | undefined =>
  environment && environment !== ALL_ENVIRONMENTS ? environment : undefined;

/** The runs list's choice in its URL: `environment` (as the exception queue), or the older `env`. */
export const environmentParam = (params: { get(name: string): string | null }): string =>
  params.get("environment") || params.get("env") || "";
