// Roles are additive except `admin`, which holds every role; any signed-in user is at least a viewer.
export const ROLES = ["viewer", "designer", "approver", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function hasRole(userRoles: readonly Role[], required: Role): boolean {
  if (required === "viewer") return true;
  return userRoles.includes("admin") || userRoles.includes(required);
}
