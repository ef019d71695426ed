/**
 * Roles and capabilities (DESIGN.md §6). Pure: which capabilities a workspace role grants.
 * @module
 */

/** Workspace roles, most to least powerful. */
export const ROLES = ["owner", "manager", "operator", "reader"] as const;
export type Role = (typeof ROLES)[number];

/** Every capability a role can grant. */
export const CAPABILITIES = [
  "members.manage",
  "tenants.manage",
  "baseline.capture",
  "baseline.compare",
  "tenant_review.manage",
  "operations.view",
  "operations.diagnostics",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

const MANAGER: readonly Capability[] = [
  "tenants.manage",
  "baseline.capture",
  "baseline.compare",
  "tenant_review.manage",
  "operations.view",
  "operations.diagnostics",
];

/** The capabilities of each role (DESIGN.md §6 table). */
export const ROLE_CAPABILITIES: Readonly<Record<Role, readonly Capability[]>> = {
  owner: ["members.manage", ...MANAGER],
  manager: MANAGER,
  operator: ["baseline.capture", "baseline.compare", "tenant_review.manage", "operations.view"],
  reader: ["operations.view"],
};

/** True when `value` is a known role. */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when `role` grants `capability`; unknown stored roles grant nothing. */
export function roleCan(role: unknown, capability: Capability): boolean {
  return isRole(role) && ROLE_CAPABILITIES[role].includes(capability);
}
