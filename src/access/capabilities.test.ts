import { describe, expect, it } from "vitest";
import { CAPABILITIES, type Capability, ROLE_CAPABILITIES, ROLES, roleCan } from "./capabilities.js";

// DESIGN.md §6, written out by hand so a change to capabilities.ts cannot silently change the table.
const DESIGN_TABLE: Record<string, Capability[]> = {
  owner: [
    "members.manage",
    "tenants.manage",
    "baseline.capture",
    "baseline.compare",
    "tenant_review.manage",
    "operations.view",
    "operations.diagnostics",
  ],
  manager: [
    "tenants.manage",
    "baseline.capture",
    "baseline.compare",
    "tenant_review.manage",
    "operations.view",
    "operations.diagnostics",
  ],
  operator: ["baseline.capture", "baseline.compare", "tenant_review.manage", "operations.view"],
  reader: ["operations.view"],
};

describe("ROLE_CAPABILITIES", () => {
  it("has exactly the roles of DESIGN.md §6", () => {
    expect([...ROLES].sort()).toEqual(Object.keys(DESIGN_TABLE).sort());
  });

  it.each(Object.entries(DESIGN_TABLE))("gives %s exactly its DESIGN.md §6 capabilities", (role, expected) => {
    expect([...ROLE_CAPABILITIES[role as keyof typeof ROLE_CAPABILITIES]].sort()).toEqual([...expected].sort());
  });
});

describe("roleCan", () => {
  const cases = ROLES.flatMap((role) =>
    CAPABILITIES.map((capability) => [role, capability, DESIGN_TABLE[role]!.includes(capability)] as const),
  );
  it.each(cases)("%s can %s: %s", (role, capability, expected) => {
    expect(roleCan(role, capability)).toBe(expected);
  });

  const unknownRoles: unknown[] = [
    "admin",
    "Owner",
    "OWNER",
    " owner",
    "",
    null,
    undefined,
    1,
    {},
    ["owner"],
    "owner".repeat(50),
  ];
  it.each(unknownRoles.map((role) => [role]))("grants nothing to the unknown stored role %j", (role) => {
    for (const capability of CAPABILITIES) expect(roleCan(role, capability)).toBe(false);
  });
});
