/**
 * Policy kinds: the Graph `@odata.type` families TenantPilot knows by name, their operator labels
 * and the Intune Management export sub-folder each comes from. Unknown kinds still work
 * generically: they are compared property by property and labelled from their type name.
 * @module
 */

/** The OData type prefix every Graph policy type carries in exports (`#microsoft.graph.`). */
export const GRAPH_TYPE_PREFIX = "#microsoft.graph.";

/** What TenantPilot knows about one policy kind. */
export interface PolicyKindInfo {
  /** Graph `@odata.type` without the `#microsoft.graph.` prefix, e.g. `windows10CompliancePolicy`. */
  kind: string;
  /** Operator-facing label, sentence case ("Windows compliance policy"). */
  label: string;
  /** Intune Management export sub-folder (below `<PLATFORM>/IntuneManagement/` or `BYOD/`). */
  exportFolder: string;
  /** Platform folder the kind is exported under (`WINDOWS`, `MACOS`, `BYOD`), when fixed. */
  platformFolder?: string;
  /** Graph collection the kind is read from (relative to `deviceManagement` / `deviceAppManagement`). */
  graphCollection: string;
}

/**
 * Known policy kinds, keyed by kind.
 * @see https://learn.microsoft.com/graph/api/resources/intune-deviceconfigv2-devicemanagementconfigurationpolicy
 * @see https://learn.microsoft.com/graph/api/resources/intune-deviceconfig-devicecompliancepolicy
 */
export const POLICY_KINDS = {
  deviceManagementConfigurationPolicy: {
    kind: "deviceManagementConfigurationPolicy",
    label: "Settings catalog policy",
    exportFolder: "SettingsCatalog",
    graphCollection: "configurationPolicies",
  },
  windows10CompliancePolicy: {
    kind: "windows10CompliancePolicy",
    label: "Windows compliance policy",
    exportFolder: "CompliancePolicies",
    platformFolder: "WINDOWS",
    graphCollection: "deviceCompliancePolicies",
  },
  macOSCompliancePolicy: {
    kind: "macOSCompliancePolicy",
    label: "macOS compliance policy",
    exportFolder: "CompliancePolicies",
    platformFolder: "MACOS",
    graphCollection: "deviceCompliancePolicies",
  },
  windowsHealthMonitoringConfiguration: {
    kind: "windowsHealthMonitoringConfiguration",
    label: "Windows health monitoring profile",
    exportFolder: "DeviceConfiguration",
    platformFolder: "WINDOWS",
    graphCollection: "deviceConfigurations",
  },
  windowsDriverUpdateProfile: {
    kind: "windowsDriverUpdateProfile",
    label: "Windows driver update profile",
    exportFolder: "DriverUpdateProfiles",
    platformFolder: "WINDOWS",
    graphCollection: "windowsDriverUpdateProfiles",
  },
  windowsUpdateForBusinessConfiguration: {
    kind: "windowsUpdateForBusinessConfiguration",
    label: "Windows update ring",
    exportFolder: "UpdatePolicies",
    platformFolder: "WINDOWS",
    graphCollection: "deviceConfigurations",
  },
  iosManagedAppProtection: {
    kind: "iosManagedAppProtection",
    label: "iOS app protection policy",
    exportFolder: "AppProtection",
    platformFolder: "BYOD",
    graphCollection: "iosManagedAppProtections",
  },
  androidManagedAppProtection: {
    kind: "androidManagedAppProtection",
    label: "Android app protection policy",
    exportFolder: "AppProtection",
    platformFolder: "BYOD",
    graphCollection: "androidManagedAppProtections",
  },
} as const satisfies Record<string, PolicyKindInfo>;

/** One known kind name. Other strings are valid kinds too; they are just not in the catalog. */
export type KnownPolicyKind = keyof typeof POLICY_KINDS;

/** The settings catalog kind: matched by `name` + `technologies` (DESIGN.md §5). */
export const SETTINGS_CATALOG_KIND = "deviceManagementConfigurationPolicy";

/** True when `kind` is one of {@link POLICY_KINDS}. */
export function isKnownPolicyKind(kind: string): kind is KnownPolicyKind {
  return Object.hasOwn(POLICY_KINDS, kind);
}

/**
 * Convert a Graph `@odata.type` (`#microsoft.graph.windows10CompliancePolicy`) to a policy kind
 * (`windows10CompliancePolicy`). A value without the prefix is returned trimmed, as is.
 */
export function toPolicyKind(odataType: string): string {
  const trimmed = odataType.trim();
  return trimmed.startsWith(GRAPH_TYPE_PREFIX) ? trimmed.slice(GRAPH_TYPE_PREFIX.length) : trimmed;
}

/** Convert a policy kind back to its Graph `@odata.type` (`#microsoft.graph.<kind>`). */
export function toOdataType(kind: string): string {
  return `${GRAPH_TYPE_PREFIX}${kind}`;
}

/**
 * Describe a kind for operators: the catalog label, or for unknown kinds the type name split into
 * words, with platform names spelled as Microsoft does ("windows10CustomConfiguration" → "Windows 10
 * custom configuration", "windows81GeneralConfiguration" → "Windows 8.1 general configuration").
 */
export function describePolicyKind(kind: string): string {
  if (isKnownPolicyKind(kind)) {
    return POLICY_KINDS[kind].label;
  }
  const platform = /^(macOS|ios|android|windows(\d*))(?=[A-Z])/.exec(kind);
  const rest = kind.slice(platform?.[0].length ?? 0);
  const words = rest
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .trim();
  if (platform === null) return words.charAt(0).toUpperCase() + words.slice(1);
  const version = platform[2] === "81" ? "8.1" : platform[2];
  const name =
    platform[1] === "macOS"
      ? "macOS"
      : platform[1] === "ios"
        ? "iOS"
        : platform[1] === "android"
          ? "Android"
          : `Windows${version ? ` ${version}` : ""}`;
  return `${name} ${words}`;
}

/**
 * Find the policy kinds a file in an export folder may hold, from its relative path's folders
 * (e.g. `WINDOWS/IntuneManagement/CompliancePolicies/x.json` → `["windows10CompliancePolicy"]`,
 * `BYOD/AppProtection/x.json` → both app protection kinds). Empty when the folder is unknown.
 * Used to say which baseline policies an unreadable file might be (DESIGN.md §5 `unknown`).
 */
export function findKindsForExportPath(relativePath: string): string[] {
  const folders = relativePath.split(/[\\/]/).slice(0, -1);
  const upper = folders.map((folder) => folder.toUpperCase());
  return Object.values(POLICY_KINDS)
    .filter((info: PolicyKindInfo) => {
      if (!folders.includes(info.exportFolder)) {
        return false;
      }
      return info.platformFolder === undefined || upper.includes(info.platformFolder);
    })
    .map((info) => info.kind);
}
